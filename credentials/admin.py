from django.contrib import admin, messages
from django.utils import timezone

from core.admin_history import GuardedImportMixin, HistoryAdmin
from core.errors import ApplicationError
from core.formatting import dollars

from . import services
from .models import (
    CecRequirement,
    CredentialType,
    EmeritusStatus,
    HeldCredential,
    InvoiceLine,
    RenewalCycle,
    RenewalInvoice,
    Waiver,
)
from .resources import HeldCredentialImportResource
from .selectors import new_credential_status


class CecRequirementInline(admin.TabularInline):
    model = CecRequirement
    extra = 0
    fields = ["from_year", "total_cecs", "in_network_minimum", "participation_cap"]


@admin.register(CredentialType)
class CredentialTypeAdmin(HistoryAdmin):
    list_display = ["code", "name", "fee", "renews", "display_order"]
    inlines = [CecRequirementInline]

    @admin.display(description="annual fee", ordering="annual_fee_cents")
    def fee(self, obj):
        return dollars(obj.annual_fee_cents)


@admin.register(CecRequirement)
class CecRequirementAdmin(HistoryAdmin):
    list_display = [
        "credential_type",
        "from_year",
        "total_cecs",
        "in_network_minimum",
        "participation_cap",
    ]
    list_filter = ["credential_type", "from_year"]
    list_select_related = ["credential_type"]


@admin.register(HeldCredential)
class HeldCredentialAdmin(GuardedImportMixin, HistoryAdmin):
    resource_classes = [HeldCredentialImportResource]
    list_display = ["number", "credential_type", "holder", "earned_on", "expires_on", "status"]
    list_filter = ["status", "credential_type"]
    list_select_related = ["credential_type", "holder"]
    search_fields = ["number", "holder__last_name", "holder__member_number", "holder__email"]
    autocomplete_fields = ["holder"]
    date_hierarchy = "expires_on"
    actions = ["reinstate"]

    def get_readonly_fields(self, request, obj=None):
        # A new credential's status follows the calendar (new_credential_status), never a
        # default staff might leave on "Active".
        fields = list(super().get_readonly_fields(request, obj))
        return fields if obj is not None else [*fields, "status"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.status = new_credential_status(credential=obj)
        super().save_model(request, obj, form, change)

    @admin.action(description="Reinstate selected lapsed credentials", permissions=["change"])
    def reinstate(self, request, queryset):
        done = 0
        for credential in queryset:
            try:
                services.credential_reinstate(
                    credential=credential, actor=request.user, reason="reinstated by staff"
                )
                done += 1
            except ApplicationError as error:
                self.message_user(request, str(error), messages.WARNING)
        if done:
            self.message_user(request, f"Reinstated {done} credential(s).", messages.SUCCESS)


@admin.register(RenewalCycle)
class RenewalCycleAdmin(HistoryAdmin):
    list_display = [
        "year",
        "invoices_go_out_on",
        "due_on",
        "grace_ends_on",
        "late_fee",
        "cec_window_start",
        "cec_window_end",
    ]
    actions = ["issue_invoices"]

    def get_changeform_initial_data(self, request):
        year = timezone.localdate().year + 1
        return {"year": year, **services.cycle_defaults(year)}

    @admin.display(description="late fee", ordering="late_fee_cents")
    def late_fee(self, obj):
        return dollars(obj.late_fee_cents)

    def has_issue_invoices_permission(self, request):
        return request.user.has_perm("credentials.issue_invoices")

    @admin.action(
        description="Issue renewal invoices for selected cycles", permissions=["issue_invoices"]
    )
    def issue_invoices(self, request, queryset):
        for cycle in queryset:
            result = services.invoices_issue(cycle=cycle, actor=request.user)
            self.message_user(
                request,
                f"{cycle.year}: {result.created} invoice(s) issued, "
                f"{result.skipped} holder(s) already invoiced.",
                messages.SUCCESS,
            )


@admin.register(Waiver)
class WaiverAdmin(HistoryAdmin):
    list_display = ["holder", "cycle", "waive_fee", "waive_cecs", "granted_by", "granted_at"]
    list_filter = ["cycle", "waive_fee", "waive_cecs"]
    list_select_related = ["holder", "cycle", "granted_by"]
    autocomplete_fields = ["holder"]
    fields = ["holder", "cycle", "waive_fee", "waive_cecs", "reason", "granted_by", "granted_at"]
    readonly_fields = ["granted_by", "granted_at"]

    def save_model(self, request, obj, form, change):
        try:
            saved = services.waiver_grant(
                holder=obj.holder,
                cycle=obj.cycle,
                waive_fee=obj.waive_fee,
                waive_cecs=obj.waive_cecs,
                reason=obj.reason,
                actor=request.user,
            )
        except ApplicationError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        obj.pk = saved.pk


@admin.register(EmeritusStatus)
class EmeritusStatusAdmin(HistoryAdmin):
    list_display = ["holder", "since_year", "granted_by", "granted_at"]
    list_select_related = ["holder", "granted_by"]
    autocomplete_fields = ["holder"]
    fields = ["holder", "since_year", "reason", "granted_by", "granted_at"]
    readonly_fields = ["granted_by", "granted_at"]

    def save_model(self, request, obj, form, change):
        saved = services.emeritus_grant(
            holder=obj.holder, since_year=obj.since_year, reason=obj.reason, actor=request.user
        )
        obj.pk = saved.pk


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    fields = ["description", "fee_cents"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RenewalInvoice)
class RenewalInvoiceAdmin(HistoryAdmin):
    """Invoices are issued by the cycle action and change only through services."""

    list_display = ["number", "holder", "cycle", "status", "total", "cecs_owed", "completed_at"]
    list_filter = ["cycle", "status", "fee_waived", "cecs_waived"]
    list_select_related = ["holder", "cycle"]
    search_fields = ["number", "holder__last_name", "holder__member_number", "holder__email"]
    inlines = [InvoiceLineInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="total")
    def total(self, obj):
        return dollars(obj.total_cents)
