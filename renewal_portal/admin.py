"""Reminders in the admin: the policy staff can edit, and what was sent to whom; and the
permissions of the third-party admins' actions."""

import functools

from allauth.account.models import EmailAddress
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.db import transaction
from django_celery_beat.models import PeriodicTask

from core.admin_history import HistoryAdmin
from credentials.admin import RenewalInvoiceAdmin
from credentials.models import ReminderLog, ReminderStage, RenewalCycle, RenewalInvoice

from .overview import FLAGS, OTHER_FIGURES, STAGES, annotated_invoices
from .reminders import reminder_resend
from .tasks import manual_reminder_task


@admin.register(ReminderStage)
class ReminderStageAdmin(HistoryAdmin):
    list_display = ["name", "code", "anchor", "offset_days", "template", "active"]
    list_editable = ["active"]


@admin.register(ReminderLog)
class ReminderLogAdmin(HistoryAdmin):
    list_display = ["invoice", "stage", "status", "sent_to", "sent_at", "attempts"]
    list_filter = ["status", "stage", "invoice__cycle"]
    list_select_related = ["invoice", "stage"]
    search_fields = ["invoice__number", "invoice__holder__last_name", "sent_to"]
    readonly_fields = [field.name for field in ReminderLog._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Send the selected reminders again", permissions=["change"])
    def resend(self, request, queryset):
        for log in queryset:
            reminder_resend(log=log, actor=request.user)
        self.message_user(
            request, f"{queryset.count()} reminder(s) queued again.", messages.SUCCESS
        )


class RenewalProgressFilter(admin.SimpleListFilter):
    """The overview's figures as a filter, so staff act on exactly those holders."""

    title = "renewal progress"
    parameter_name = "progress"

    def lookups(self, request, model_admin):
        return [
            *((key, label) for key, label in STAGES + OTHER_FIGURES if key != "invoiced"),
            ("paid_not_submitted", "Paid, CECs not submitted"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        cycle_id = request.GET.get("cycle__id__exact", "")
        if cycle_id and not (cycle_id.isascii() and cycle_id.isdigit()):
            return queryset.none()  # not an id (the admin's own filter says so to staff)
        cycles = (
            RenewalCycle.objects.filter(pk=cycle_id) if cycle_id else RenewalCycle.objects.all()
        )
        matching = RenewalInvoice.objects.none()
        for cycle in cycles:
            invoices = annotated_invoices(cycle)
            if value == "paid_not_submitted":
                invoices = invoices.filter(paid=True, submitted=False)
            elif value in FLAGS:
                invoices = invoices.filter(**{value: True})
            else:
                return queryset.none()
            matching = matching | RenewalInvoice.objects.filter(pk__in=invoices.values("pk"))
        return queryset.filter(pk__in=matching.values("pk"))


admin.site.unregister(RenewalInvoice)


@admin.register(RenewalInvoice)
class RenewalInvoiceProgressAdmin(RenewalInvoiceAdmin):
    list_filter = [*RenewalInvoiceAdmin.list_filter, RenewalProgressFilter]
    actions = ["send_reminder_now"]

    def has_send_reminder_permission(self, request):
        """Mailing holders is managing reminders, as "Send again" is: AASC staff hold
        credentials.change_reminderlog; reviewers, who may read every invoice, do not."""
        return request.user.has_perm("credentials.change_reminderlog")

    @admin.action(
        description="Send a reminder now to the selected holders", permissions=["send_reminder"]
    )
    def send_reminder_now(self, request, queryset):
        invoices = list(queryset.values_list("pk", flat=True))
        transaction.on_commit(lambda: [manual_reminder_task.delay(pk) for pk in invoices])
        self.message_user(
            request, f"A reminder is on its way to {len(invoices)} holder(s).", messages.SUCCESS
        )


# allauth, axes and django-celery-beat declare admin actions without a permission, so anyone
# who may open their list could run them. No role has these models today (superusers
# only), but every action states what it needs so that granting "view" never grants a write.
THIRD_PARTY_ACTION_PERMISSIONS = {
    EmailAddress: {"make_verified": "change"},
    AccessAttempt: {"cleanup_expired_attempts": "delete"},
    PeriodicTask: {
        "enable_tasks": "change",
        "disable_tasks": "change",
        "toggle_tasks": "change",
        "run_tasks": "change",
    },
}


def _stating_permission(func, permission):
    @functools.wraps(func)
    def action(modeladmin, request, queryset):
        return func(modeladmin, request, queryset)

    action.allowed_permissions = (permission,)
    return action


for _model, _permissions in THIRD_PARTY_ACTION_PERMISSIONS.items():
    if admin.site.is_registered(_model):
        _base = type(admin.site.get_model_admin(_model))
        _actions = {
            name: _stating_permission(getattr(_base, name), perm)
            for name, perm in _permissions.items()
        }
        admin.site.unregister(_model)
        admin.site.register(_model, type(_base.__name__, (_base,), _actions))
