"""Attendance already recorded: found, and withdrawn (with a reason) when it was a mistake."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from core.errors import ApplicationError

from ..classes import services
from ..models import Attendance
from .base import HOLDER_SEARCH, ServiceOnlyAdmin


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
