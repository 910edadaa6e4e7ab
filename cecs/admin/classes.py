"""AASC classes: the roster upload, attendance recorded and withdrawn."""

import csv
import io

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from core.errors import ApplicationError

from .. import services
from ..models import AascClass, Attendance
from .base import HOLDER_SEARCH, ServiceOnlyAdmin, WorkbenchAdmin, counted


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
