"""Reminders in the admin: the policy staff can edit, and what was sent to whom."""

from django.contrib import admin, messages

from credentials.models import ReminderLog, ReminderStage

from .admin_history import HistoryAdmin
from .reminders import reminder_resend


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
