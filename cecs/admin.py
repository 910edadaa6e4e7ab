"""The AASC staff workbench for classes, attendance, reporting forms and the CEC ledger.

Every state change goes through `cecs.services`; the admin only collects the input,
checks the role and reports `ApplicationError` through `message_user`. Nothing in the
ledger is deleted here: attendance recorded by mistake is withdrawn, with its reason,
and the history keeps who did what and when. NAAEI reviewers only read.
"""

import csv
import io

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminDateWidget
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from holders.services import ApplicationError
from renewal_portal.admin_history import HistoryAdmin

from . import services
from .hours import check_plausible
from .models import AascClass, Attendance, CecEntry, ReportingForm, Submission, SubmissionEntry


def counted(number, noun):
    return f"{number} {noun}{pluralize(number)}"


HOLDER_SEARCH = [
    "holder__last_name",
    "holder__first_name",
    "holder__email",
    "holder__member_number",
]
# The buttons that change a record through its form; hidden where a service does it.
NO_SAVE_BUTTONS = {
    "show_save": False,
    "show_save_and_continue": False,
    "show_save_and_add_another": False,
    "show_delete": False,
}


class WorkbenchAdmin(HistoryAdmin):
    """Admin pages that render extra workbench views (roster, verify, withdraw)."""

    def admin_url(self, name, *args):
        opts = self.opts
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=args)

    def render_workbench(self, request, template, title, **context):
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": title,
                **context,
            },
        )


class ServiceOnlyAdmin(WorkbenchAdmin):
    """A change page that only shows the record: its changes are made by services."""

    def get_readonly_fields(self, request, obj=None):
        return [*(f.name for f in self.opts.fields), *self.readonly_fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(
            request, object_id, form_url, {**NO_SAVE_BUTTONS, **(extra_context or {})}
        )

    def save_model(self, request, obj, form, change):
        """Nothing on this page is editable; writing the row would only add noise to
        its history (or, from the history page, undo a service's change)."""


# --- AASC classes and attendance ---------------------------------------------------


class NewAttendanceFormSet(BaseInlineFormSet):
    def validate_unique(self):
        """The same holder twice is not an error: attendance_record records one."""


class NewAttendanceInline(admin.TabularInline):
    """Rows added here are recorded by services.attendance_record, never saved as is."""

    model = Attendance
    formset = NewAttendanceFormSet
    fields = ["holder"]
    autocomplete_fields = ["holder"]
    extra = 1
    can_delete = False
    verbose_name = "attendee"
    verbose_name_plural = "Record attendance (each attendee gets the CEC entry at once)"

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm("cecs.add_attendance")

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


def remove_link(attendance):
    """The page that withdraws an attendance recorded by mistake (with a reason)."""
    if attendance.pk is None or attendance.withdrawn_at is not None:
        return ""
    url = reverse("admin:cecs_attendance_withdraw", args=[attendance.pk])
    return format_html('<a href="{}">Remove (recorded by mistake)</a>', url)


def withdrawn_display(attendance):
    if attendance.withdrawn_at is None:
        return "—"
    when = timezone.localtime(attendance.withdrawn_at)
    return f"Withdrawn {when:%b %-d, %Y}: {attendance.withdrawn_reason}"


class AttendanceInline(admin.TabularInline):
    """Attendance already recorded, read-only; removal has its own page (with a reason)."""

    model = Attendance
    fields = ["holder", "recorded_by", "recorded_at", "withdrawn"]
    readonly_fields = ["holder", "recorded_by", "recorded_at", "withdrawn", "remove"]
    extra = 0
    can_delete = False
    verbose_name_plural = "Recorded attendance"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("holder", "recorded_by")

    def get_fields(self, request, obj=None):
        if request.user.has_perm("cecs.change_attendance"):
            return [*self.fields, "remove"]
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="withdrawn")
    def withdrawn(self, obj):
        return withdrawn_display(obj)

    @admin.display(description="")
    def remove(self, obj):
        return remove_link(obj)


ROSTER_COLUMNS = ("email", "member_number")
ROSTER_MAX_BYTES = 1024 * 1024
ROSTER_SALT = "cecs.admin.roster"
ROSTER_MAX_AGE = 60 * 60


def read_roster(data):
    """The (line number, value) rows of a roster CSV with an `email` or `member_number`
    column; raises ValidationError with a message for staff."""
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ValidationError("The file is empty: it needs a header line and one row per attendee.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            f"The file is not UTF-8 text (byte {error.start + 1} cannot be read). In Excel, "
            "save it as “CSV UTF-8 (Comma delimited)” and upload it again."
        ) from error
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
        names = [cell.strip().lower().replace(" ", "_") for cell in header]
        found = [name for name in ROSTER_COLUMNS if name in names]
        if not found:
            shown = ",".join(header)[:60]
            raise ValidationError(
                "The first line must be the header naming the column: email or "
                f"member_number. It reads “{shown}”."
            )
        if len(found) > 1:
            raise ValidationError("Give one column, email or member_number, not both.")
        column = names.index(found[0])
        rows = []
        for row in reader:
            value = row[column].strip() if len(row) > column else ""
            if value:
                rows.append((reader.line_num, value))
    except csv.Error as error:
        raise ValidationError(f"Line {reader.line_num} is not readable CSV ({error}).") from error
    if not rows:
        raise ValidationError(f"The file has the {found[0]} header but no rows under it.")
    return rows


class RosterUploadForm(forms.Form):
    roster = forms.FileField(
        label="Roster CSV",
        help_text="A header line, email or member_number, then one attendee per line. "
        "Other columns are ignored.",
    )

    def clean_roster(self):
        upload = self.cleaned_data["roster"]
        if upload.size > ROSTER_MAX_BYTES:
            raise ValidationError("The file is larger than 1 MB; is it really a roster?")
        return read_roster(upload.read())


class AttendeeCountFilter(admin.SimpleListFilter):
    title = "attendance"
    parameter_name = "attended"

    def lookups(self, request, model_admin):
        return [("yes", "With attendance"), ("no", "No attendance yet")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(_attendees__gt=0)
        if self.value() == "no":
            return queryset.filter(_attendees=0)
        return queryset


@admin.register(AascClass)
class AascClassAdmin(WorkbenchAdmin):
    list_display = ["title", "held_on", "instructor", "hours", "attendees"]
    search_fields = ["title", "instructor"]
    list_filter = ["held_on", AttendeeCountFilter]
    date_hierarchy = "held_on"
    fields = ["title", "held_on", "instructor", "hours"]
    inlines = [NewAttendanceInline, AttendanceInline]
    change_form_template = "admin/cecs/aascclass/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _attendees=Count("attendances", filter=Q(attendances__withdrawn_at__isnull=True))
            )
        )

    @admin.display(description="attendees", ordering="_attendees")
    def attendees(self, obj):
        return obj._attendees

    def get_readonly_fields(self, request, obj=None):
        # The CEC entries copy the class's date and hours when attendance is recorded;
        # changing them afterwards would leave the ledger disagreeing with the class.
        if obj is not None and obj.pk and Attendance.objects.filter(aasc_class=obj).exists():
            return ["held_on", "hours"]
        return []

    def has_delete_permission(self, request, obj=None):
        if obj is not None and Attendance.objects.filter(aasc_class=obj).exists():
            return False
        return super().has_delete_permission(request, obj)

    def has_roster_permission(self, request):
        return request.user.has_perm("cecs.add_attendance")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_import_roster"] = obj is not None and self.has_roster_permission(request)
        if obj is not None and "held_on" in self.get_readonly_fields(request, obj):
            context["ledger_note"] = (
                "The date and hours are fixed: the attendees' CEC entries copy them. "
                "Correct a single entry under CEC entries."
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_formset(self, request, form, formset, change):
        recorded, already = [], []
        if isinstance(formset, NewAttendanceFormSet):
            for row in formset.forms:
                holder = row.cleaned_data.get("holder")
                if holder is None:
                    continue
                try:
                    attendance, created = services.attendance_record(
                        aasc_class=formset.instance, holder=holder, actor=request.user
                    )
                except ApplicationError as error:
                    self.message_user(request, f"{holder}: {error}", messages.ERROR)
                    continue
                (recorded if created else already).append(attendance)
        # Recorded attendance is never changed or deleted through the form.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = recorded, [], []
        if recorded:
            names = ", ".join(str(a.holder) for a in recorded)
            self.message_user(
                request,
                f"Attendance recorded for {len(recorded)} holder(s), each with a CEC entry: "
                f"{names}.",
                messages.SUCCESS,
            )
        if already:
            names = ", ".join(str(a.holder) for a in already)
            self.message_user(request, f"Already recorded for this class: {names}.", messages.INFO)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/roster/",
                self.admin_site.admin_view(self.roster_view),
                name="cecs_aascclass_roster",
            ),
            *super().get_urls(),
        ]

    def roster_view(self, request, object_id):
        if not self.has_roster_permission(request):
            raise PermissionDenied
        aasc_class = self.get_object(request, unquote(object_id))
        if aasc_class is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        change_url = self.admin_url("change", aasc_class.pk)

        def render(**context):
            return self.render_workbench(
                request,
                "admin/cecs/aascclass/roster.html",
                f"Import roster: {aasc_class}",
                original=aasc_class,
                change_url=change_url,
                **context,
            )

        if request.method == "POST" and "confirm" in request.POST:
            try:
                rows = self._roster_rows(request.POST.get("rows", ""), aasc_class)
            except signing.BadSignature:
                self.message_user(
                    request,
                    "The preview has expired or was altered; upload the file again.",
                    messages.ERROR,
                )
                return HttpResponseRedirect(request.path)
            result = services.roster_import(
                aasc_class=aasc_class, identifiers=rows, actor=request.user
            )
            if not result.ok:
                self.message_user(
                    request,
                    "Nothing was imported: some rows no longer match a holder.",
                    messages.ERROR,
                )
                return render(form=RosterUploadForm(), unknown=result.unknown)
            self.message_user(
                request,
                f"{counted(len(result.created), 'attendance')} recorded, "
                f"{len(result.already_recorded)} already recorded, "
                f"{counted(len(result.duplicates_in_file), 'duplicate row')} ignored.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(change_url)

        form = RosterUploadForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
        )
        if not form.is_valid():
            return render(form=form)
        rows = form.cleaned_data["roster"]
        matched, duplicates, unknown = services.roster_match(identifiers=rows)
        recorded = set(
            Attendance.objects.filter(
                aasc_class=aasc_class,
                withdrawn_at__isnull=True,
                holder__in=[holder for _, holder in matched],
            ).values_list("holder_id", flat=True)
        )
        if unknown:
            self.message_user(
                request,
                f"{len(unknown)} row(s) match no holder, so nothing can be imported. "
                "Correct them (or add the holders) and upload the file again.",
                messages.ERROR,
            )
        return render(
            form=RosterUploadForm(),
            preview=True,
            matched=[(line, holder, holder.pk in recorded) for line, holder in matched],
            new_count=sum(1 for _, holder in matched if holder.pk not in recorded),
            recorded_count=len(recorded),
            duplicates=duplicates,
            unknown=unknown,
            token=None
            if unknown
            else signing.dumps(
                {"class": aasc_class.pk, "rows": rows}, salt=ROSTER_SALT, compress=True
            ),
        )

    @staticmethod
    def _roster_rows(token, aasc_class):
        """The rows the preview showed; the import matches them to holders again."""
        data = signing.loads(token, salt=ROSTER_SALT, max_age=ROSTER_MAX_AGE)
        if data.get("class") != aasc_class.pk:
            raise signing.BadSignature("roster preview for another class")
        return [(int(line), str(value)) for line, value in data["rows"]]


class WithdrawAttendanceForm(forms.Form):
    reason = forms.CharField(
        label="Reason for removing",
        max_length=280,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Kept with the withdrawn CEC entry and in its history.",
    )


class AttendanceStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", "Counted"), ("withdrawn", "Withdrawn")]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(withdrawn_at__isnull=True)
        if self.value() == "withdrawn":
            return queryset.filter(withdrawn_at__isnull=False)
        return queryset


@admin.register(Attendance)
class AttendanceAdmin(ServiceOnlyAdmin):
    """Attendance is recorded on the class page; here it is found and, if it was a
    mistake, withdrawn."""

    list_display = ["holder", "aasc_class", "recorded_by", "recorded_at", "withdrawn"]
    list_filter = [AttendanceStatusFilter, "aasc_class__held_on"]
    list_select_related = ["holder", "aasc_class", "recorded_by"]
    search_fields = [*HOLDER_SEARCH, "aasc_class__title"]
    fields = [
        "aasc_class",
        "holder",
        "recorded_by",
        "recorded_at",
        "withdrawn_at",
        "withdrawn_reason",
        "remove",
    ]
    readonly_fields = ["remove"]
    actions = ["withdraw"]

    @admin.display(description="withdrawn")
    def withdrawn(self, obj):
        return withdrawn_display(obj)

    @admin.display(description="remove")
    def remove(self, obj):
        return remove_link(obj) or "—"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/withdraw/",
                self.admin_site.admin_view(self.withdraw_view),
                name="cecs_attendance_withdraw",
            ),
            *super().get_urls(),
        ]

    @admin.action(description="Remove attendance recorded by mistake", permissions=["change"])
    def withdraw(self, request, queryset):
        form = WithdrawAttendanceForm(request.POST if "apply" in request.POST else None)
        attendances = list(queryset.select_related("holder", "aasc_class"))
        if form.is_valid():
            self._withdraw(request, attendances, form.cleaned_data["reason"])
            return None
        return self.render_withdraw(request, attendances, form, action=True)

    def withdraw_view(self, request, object_id):
        if not self.has_change_permission(request):
            raise PermissionDenied
        attendance = self.get_object(request, unquote(object_id))
        if attendance is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        form = WithdrawAttendanceForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            self._withdraw(request, [attendance], form.cleaned_data["reason"])
            return HttpResponseRedirect(
                reverse("admin:cecs_aascclass_change", args=[attendance.aasc_class_id])
            )
        return self.render_withdraw(request, [attendance], form, action=False)

    def render_withdraw(self, request, attendances, form, *, action):
        return self.render_workbench(
            request,
            "admin/cecs/attendance/withdraw.html",
            "Remove attendance recorded by mistake",
            attendances=attendances,
            form=form,
            action=action,
            action_checkbox_name=admin.helpers.ACTION_CHECKBOX_NAME,
        )

    def _withdraw(self, request, attendances, reason):
        done = 0
        for attendance in attendances:
            if attendance.withdrawn_at is not None:
                self.message_user(request, f"{attendance} was already removed.", messages.INFO)
                continue
            try:
                services.attendance_withdraw(
                    attendance=attendance, actor=request.user, reason=reason
                )
            except ApplicationError as error:
                self.message_user(request, f"{attendance}: {error}", messages.ERROR)
                continue
            done += 1
        if done:
            self.message_user(
                request,
                f"Removed {done} attendance(s); their CEC entries are withdrawn and kept in "
                "the history.",
                messages.SUCCESS,
            )


# --- CEC Reporting Forms --------------------------------------------------------


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


@admin.register(ReportingForm)
class ReportingFormAdmin(ServiceOnlyAdmin):
    """Staff read what the holder wrote and verify or return it; they never edit it."""

    # Hundreds of thousands of forms: no second COUNT(*) of the whole table per page.
    show_full_result_count = False

    list_display = [
        "holder",
        "activity_type",
        "title",
        "date_from",
        "hours",
        "status",
        "submitted_at",
    ]
    list_filter = ["status", "activity_type", "date_from"]
    list_select_related = ["holder"]
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


# --- The CEC ledger ---------------------------------------------------------------


class CecEntryCorrectionForm(forms.ModelForm):
    """Staff correct hours, date or title; each correction says why."""

    class Meta:
        model = CecEntry
        fields = ["title", "earned_on", "hours", "correction_note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        note = self.fields.get("correction_note")
        if note is not None:
            note.required = True
            note.label = "Why this correction"
            note.help_text = "Required for every change; kept in the entry's history."
            self.initial["correction_note"] = ""  # a new note each time, not the last one

    def clean_hours(self):
        hours = self.cleaned_data["hours"]
        if hours is None or "hours" not in self.changed_data:
            return hours
        report = self.instance.reporting_form
        days = (report.date_to - report.date_from).days + 1 if report and report.date_to else 1
        try:
            check_plausible(hours, days=days)
        except ApplicationError as error:
            raise ValidationError(str(error)) from error
        return hours

    def clean(self):
        try:
            services.ensure_entry_not_locked(self.instance)
        except ApplicationError as error:
            raise ValidationError(str(error)) from error
        return super().clean()


@admin.register(CecEntry)
class CecEntryAdmin(WorkbenchAdmin):
    form = CecEntryCorrectionForm
    list_display = [
        "holder",
        "title",
        "provider",
        "earned_on",
        "hours",
        "source",
        "category",
        "status",
    ]
    list_filter = ["status", "source", "category", "earned_on"]
    list_select_related = ["holder"]
    search_fields = [*HOLDER_SEARCH, "title", "provider", "verification_code"]
    date_hierarchy = "earned_on"
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "holder",
                    "title",
                    "provider",
                    "earned_on",
                    "hours",
                    ("source", "category"),
                    "status",
                )
            },
        ),
        (
            "Origin",
            {"fields": ("attendance", "reporting_form", "verification_code", "created_at")},
        ),
        ("Correction", {"fields": ("correction_note",)}),
    )
    readonly_fields = [
        "holder",
        "provider",
        "source",
        "category",
        "status",
        "attendance",
        "reporting_form",
        "verification_code",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.entry_correct(
            entry=obj,
            changes={field: form.cleaned_data[field] for field in ("title", "earned_on", "hours")},
            note=form.cleaned_data["correction_note"],
            actor=request.user,
        )


# --- Submissions (decided by NAAEI reviewers in the portal's review pages) -----------


class SubmissionEntryInline(admin.TabularInline):
    model = SubmissionEntry
    extra = 0
    fields = ["entry", "counted_hours"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(ServiceOnlyAdmin):
    """Who submitted and who decided what, when: read-only for staff, for audit."""

    show_full_result_count = False

    list_display = [
        "holder",
        "cycle",
        "status",
        "total_hours",
        "cecs_owed",
        "submitted_at",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["status", "cycle"]
    list_select_related = ["holder", "cycle", "decided_by"]
    search_fields = HOLDER_SEARCH
    # No date_hierarchy: its MIN/MAX and per-year scans read every submission on each page
    # view (bench/findings.md); the cycle filter narrows by year instead.
    inlines = [SubmissionEntryInline]
    actions = ["export_decisions"]

    @admin.action(description="Export selected decisions as CSV", permissions=["view"])
    def export_decisions(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="cec-decisions.csv"'
        writer = csv.writer(response)
        writer.writerow(["cycle", "member number", "holder", "status", "decided by", "decided at"])
        for sub in queryset.select_related("cycle", "holder", "decided_by"):
            writer.writerow(
                [
                    sub.cycle.year,
                    sub.holder.member_number,
                    sub.holder.full_name,
                    sub.status,
                    sub.decided_by.email if sub.decided_by else "",
                    sub.decided_at.isoformat() if sub.decided_at else "",
                ]
            )
        return response


# --- The class calendar: publishing classes and seat reservations (issue 11) ----------

from . import reservations  # noqa: E402
from .models import Reservation  # noqa: E402


class ClassCalendarForm(forms.ModelForm):
    """A class's date follows its start time (in America/Denver) once it has one, and its
    seats cannot drop below the seats already reserved."""

    online_url = forms.URLField(
        label="Online link", required=False, max_length=200, assume_scheme="https"
    )

    class Meta:
        model = AascClass
        fields = [
            "title",
            "instructor",
            "hours",
            "held_on",
            "starts_at",
            "ends_at",
            "location",
            "online_url",
            "published",
            "seats",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "held_on" in self.fields:
            self.fields["held_on"].required = False
            self.fields["held_on"].help_text = "Filled in from the start time when left empty."

    def clean(self):
        cleaned = super().clean()
        starts_at = cleaned.get("starts_at")
        editable_date = "held_on" in self.fields
        held_on = cleaned.get("held_on") if editable_date else self.instance.held_on
        if starts_at is not None:
            day = timezone.localdate(starts_at)
            if editable_date and held_on is None:
                cleaned["held_on"] = day
            elif held_on is not None and held_on != day:
                self.add_error(
                    "starts_at",
                    f"The class starts on {day:%B %-d, %Y} but its date is "
                    f"{held_on:%B %-d, %Y}; make them agree.",
                )
        elif editable_date and held_on is None and "held_on" not in self.errors:
            self.add_error("held_on", "Give the date, or the start time.")
        seats = cleaned.get("seats")
        taken = self.instance.seats_taken if self.instance.pk else 0
        if seats is not None and seats < taken:
            self.add_error(
                "seats",
                f"{counted(taken, 'seat')} {pluralize(taken, 'is,are')} reserved already; "
                "cancel reservations first or keep at least that many seats.",
            )
        return cleaned


class ReservationInline(admin.TabularInline):
    """Who reserved a seat; read-only (holders reserve and cancel in the portal)."""

    model = Reservation
    fields = ["holder", "status", "created_at", "cancelled_at", "attended"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "Seat reservations"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("holder")
            .annotate(_attended=reservations.attended_subquery())
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="attended", boolean=True)
    def attended(self, obj):
        return obj._attended


class ClassCalendarAdmin(AascClassAdmin):
    """The classes workbench above, plus the calendar: staff publish a class with its
    start, place and seats, and see who reserved."""

    form = ClassCalendarForm
    fields = None
    fieldsets = [
        (None, {"fields": ["title", "instructor", "hours"]}),
        ("Date and time", {"fields": ["held_on", "starts_at", "ends_at"]}),
        ("Place", {"fields": ["location", "online_url"]}),
        ("Publishing", {"fields": ["published", "seats", "seats_reserved"]}),
    ]
    list_display = [
        "title",
        "held_on",
        "starts_at",
        "instructor",
        "hours",
        "published",
        "seats_reserved",
        "attendees",
    ]
    list_filter = ["published", "held_on", AttendeeCountFilter]

    def get_inlines(self, request, obj):
        """The reservations table only where there are reservations (not on old classes)."""
        inlines = list(super().get_inlines(request, obj))
        if obj is not None and obj.pk and Reservation.objects.filter(aasc_class=obj).exists():
            inlines.insert(inlines.index(AttendanceInline), ReservationInline)
        return inlines

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "seats_reserved"]

    @admin.display(description="seats reserved", ordering="seats_taken")
    def seats_reserved(self, obj):
        if obj.pk is None:
            return "—"
        if obj.seats is None:
            return f"{obj.seats_taken} (unlimited seats)"
        return f"{obj.seats_taken} of {obj.seats}"

    def save_model(self, request, obj, form, change):
        """Never write `seats_taken` from the form's copy: a reservation made while the
        page was open would be lost. The reservation services own that column."""
        obj._history_user = request.user
        if not change:
            obj.save()
            return
        names = [f.name for f in obj._meta.concrete_fields if not f.primary_key]
        obj.save(update_fields=[name for name in names if name != "seats_taken"])


admin.site.unregister(AascClass)
admin.site.register(AascClass, ClassCalendarAdmin)


@admin.register(Reservation)
class ReservationAdmin(ServiceOnlyAdmin):
    """Seat reservations, read-only; staff can cancel one for a holder (the seat frees)."""

    list_display = ["holder", "aasc_class", "class_starts_at", "status", "created_at", "attended"]
    list_filter = ["status", "aasc_class__published"]
    list_select_related = ["holder", "aasc_class"]
    search_fields = [*HOLDER_SEARCH, "aasc_class__title"]
    date_hierarchy = "created_at"
    actions = ["cancel_reservations"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_attended=reservations.attended_subquery())

    @admin.display(description="class starts", ordering="aasc_class__starts_at")
    def class_starts_at(self, obj):
        return obj.aasc_class.starts_at

    @admin.display(description="attended", boolean=True, ordering="_attended")
    def attended(self, obj):
        return obj._attended

    @admin.action(description="Cancel selected reservations", permissions=["change"])
    def cancel_reservations(self, request, queryset):
        cancelled = 0
        for reservation in queryset.filter(status=Reservation.Status.RESERVED):
            try:
                reservations.reservation_cancel(reservation=reservation)
            except ApplicationError as error:
                self.message_user(request, f"{reservation}: {error}", messages.ERROR)
            else:
                cancelled += 1
        self.message_user(
            request, f"{counted(cancelled, 'reservation')} cancelled.", messages.SUCCESS
        )
