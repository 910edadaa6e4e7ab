"""AASC classes: the class page, with attendance recorded on it and shown read-only.

The roster import is in roster.py, withdrawing attendance in attendance.py."""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet

from core.errors import ApplicationError

from ..classes import services
from ..models import AascClass, Attendance
from .attendance import remove_link, withdrawn_display
from .base import WorkbenchAdmin
from .roster import RosterImportMixin


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
class AascClassAdmin(RosterImportMixin, WorkbenchAdmin):
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
