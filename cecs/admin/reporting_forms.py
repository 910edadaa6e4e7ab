"""CEC Reporting Forms: staff verify and sign, or return with a reason."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from core.errors import ApplicationError
from credentials.selectors import open_earning_windows

from ..models import CecEntry, ReportingForm
from ..reporting import services
from ..reporting.checks import outside_windows_text
from .base import HOLDER_SEARCH, LONG_LIST_PAGE_SIZE, ServiceOnlyAdmin, counted


class VerifyForm(forms.Form):
    signer_name = forms.CharField(
        label="Signed for AASC by",
        max_length=200,
        help_text="The full name of the person signing for AASC, as on the paper form.",
    )
    signed_on = forms.DateField(
        label="Signed on", initial=timezone.localdate, widget=AdminDateWidget
    )

    def clean_signed_on(self):
        signed_on = self.cleaned_data["signed_on"]
        if signed_on > timezone.localdate():
            raise ValidationError("The signing date cannot be in the future.")
        return signed_on


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="The holder receives it by email; say what to correct.",
    )


DECISIONS = {
    "verify": {
        "form": VerifyForm,
        "title": "Verify and sign",
        "done": "Verified and signed: the CECs are in {holder}'s ledger and {holder} is told.",
    },
    "return": {
        "form": ReturnForm,
        "title": "Return to holder",
        "done": "Returned to {holder}, who is told why by email.",
    },
}


class WaitingFirstStatusFilter(admin.SimpleListFilter):
    """The list opens on the forms waiting for AASC (oldest first); "All" shows every form."""

    title = "status"
    parameter_name = "status"
    ALL = "all"
    WAITING = ReportingForm.Status.SUBMITTED

    def lookups(self, request, model_admin):
        return [
            (self.WAITING, "Waiting for AASC"),
            *(choice for choice in ReportingForm.Status.choices if choice[0] != self.WAITING),
            (self.ALL, "All"),
        ]

    def value(self):
        return super().value() or self.WAITING

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == self.ALL:
            return queryset
        return queryset.filter(status=self.value())


@admin.register(ReportingForm)
class ReportingFormAdmin(ServiceOnlyAdmin):
    """Staff read what the holder wrote and verify or return it; they never edit it."""

    # Hundreds of thousands of forms: no second COUNT(*) of the whole table per page.
    show_full_result_count = False
    list_per_page = LONG_LIST_PAGE_SIZE

    list_display = [
        "holder",
        "activity_type",
        "title",
        "date_from",
        "hours",
        "status",
        "submitted_at",
    ]
    list_filter = [WaitingFirstStatusFilter, "activity_type", "date_from"]
    list_select_related = ["holder", "activity_type"]
    search_fields = [*HOLDER_SEARCH, "title"]
    ordering = ["submitted_at", "pk"]  # oldest submitted first; PostgreSQL puts drafts last
    readonly_fields = ["upload_link", "ledger_entry"]
    fieldsets = (
        (
            "What the holder reported",
            {
                "fields": (
                    "holder",
                    "activity_type",
                    "title",
                    "organisation",
                    ("date_from", "date_to"),
                    ("start_time", "end_time", "time_zone"),
                    ("gross_hours", "break_minutes"),
                    "hours",
                    "description",
                    "upload_link",
                )
            },
        ),
        (
            "Status",
            {
                "fields": (
                    "status",
                    "submitted_at",
                    ("signer_name", "signed_on"),
                    ("verified_by", "verified_at"),
                    "returned_reason",
                    ("returned_by", "returned_at"),
                    "ledger_entry",
                    "created_at",
                )
            },
        ),
    )
    change_form_template = "admin/cecs/reportingform/change_form.html"
    actions = ["verify_selected"]

    def changelist_view(self, request, extra_context=None):
        status = request.GET.get(WaitingFirstStatusFilter.parameter_name)
        waiting = status in (None, WaitingFirstStatusFilter.WAITING)
        title = "Reporting forms waiting for AASC" if waiting else "Reporting forms"
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    @admin.action(description="Verify and sign the selected forms", permissions=["change"])
    def verify_selected(self, request, queryset):
        """For forms staff have checked: one signer for all, after a confirmation page."""
        reports = list(
            queryset.select_related("holder", "activity_type").order_by("submitted_at", "pk")
        )
        form = VerifyForm(request.POST if "confirm" in request.POST else None)
        if not form.is_valid():
            return self.render_workbench(
                request,
                "admin/cecs/reportingform/verify_selected.html",
                "Verify and sign the selected forms",
                reports=reports,
                form=form,
                selected=[report.pk for report in reports],
                action_checkbox_name=admin.helpers.ACTION_CHECKBOX_NAME,
                media=self.media + form.media,
            )
        verified, refused = services.reporting_forms_verify(
            forms=reports,
            actor=request.user,
            signer_name=form.cleaned_data["signer_name"],
            signed_on=form.cleaned_data["signed_on"],
        )
        if verified:
            self.message_user(
                request,
                f"Verified and signed {counted(len(verified), 'form')}: the CECs are in the "
                "holders' ledgers and each holder is told.",
                messages.SUCCESS,
            )
        for report, why in refused:
            self.message_user(request, f"Not verified: {report}. {why}", messages.WARNING)
        return None

    @admin.display(description="uploaded form")
    def upload_link(self, obj):
        if not obj.upload:
            return "No upload"
        try:
            url = reverse("cecs:form_upload", args=[obj.pk])
        except NoReverseMatch:  # pragma: no cover - the portal's URL is always there
            return obj.upload_name or "uploaded"
        return format_html(
            '<a href="{}">Download {}</a>', url, obj.upload_name or "the uploaded form"
        )

    @admin.display(description="CEC entry")
    def ledger_entry(self, obj):
        entry = CecEntry.objects.filter(reporting_form=obj).first()
        if entry is None:
            return "—"
        url = reverse("admin:cecs_cecentry_change", args=[entry.pk])
        return format_html('<a href="{}">{}</a>', url, entry)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_decide"] = (
            obj is not None
            and obj.status == ReportingForm.Status.SUBMITTED
            and self.has_change_permission(request, obj)
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/verify/",
                self.admin_site.admin_view(self.decision_view),
                {"decision": "verify"},
                name="cecs_reportingform_verify",
            ),
            path(
                "<path:object_id>/return/",
                self.admin_site.admin_view(self.decision_view),
                {"decision": "return"},
                name="cecs_reportingform_return",
            ),
            *super().get_urls(),
        ]

    def decision_view(self, request, object_id, decision):
        if not self.has_change_permission(request):
            raise PermissionDenied
        report = self.get_object(request, unquote(object_id))
        if report is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, report):
            raise PermissionDenied
        change_url = self.admin_url("change", report.pk)
        spec = DECISIONS[decision]
        if request.method != "POST" and report.status != ReportingForm.Status.SUBMITTED:
            self.message_user(
                request,
                f"This form is {report.get_status_display().lower()}: only a submitted form "
                "can be verified or returned.",
                messages.WARNING,
            )
            return HttpResponseRedirect(change_url)
        form = spec["form"](request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                if decision == "verify":
                    services.reporting_form_verify(
                        form=report,
                        actor=request.user,
                        signer_name=form.cleaned_data["signer_name"],
                        signed_on=form.cleaned_data["signed_on"],
                    )
                else:
                    services.reporting_form_return(
                        form=report, actor=request.user, reason=form.cleaned_data["reason"]
                    )
            except ApplicationError as error:
                self.message_user(request, str(error), messages.ERROR)
                return HttpResponseRedirect(change_url)
            self.message_user(request, spec["done"].format(holder=report.holder), messages.SUCCESS)
            return HttpResponseRedirect(self.admin_url("changelist"))
        if decision == "verify":
            self._warn_outside_windows(request, report)
        return self.render_workbench(
            request,
            "admin/cecs/reportingform/decision.html",
            f"{spec['title']}: {report}",
            original=report,
            form=form,
            decision=decision,
            change_url=change_url,
            upload_link=self.upload_link(report),
            media=self.media + form.media,
        )

    def _warn_outside_windows(self, request, report):
        """Staff decide whether to verify a form that no open renewal would take (one saved
        before dates were checked, or a renewal closed since): they are told, not stopped."""
        windows = open_earning_windows(today=timezone.localdate())
        refusal = outside_windows_text(report.date_from, windows=windows)
        if refusal:
            self.message_user(
                request,
                "This form's date is outside every open renewal's earning window. "
                f"{refusal} You can still verify it.",
                messages.WARNING,
            )
