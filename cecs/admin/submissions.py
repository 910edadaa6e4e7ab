"""Submissions to NAAEI, read-only here, with the decisions export."""

from django.contrib import admin

from core.safe_csv import csv_response

from ..models import Submission, SubmissionEntry
from .base import HOLDER_SEARCH, LONG_LIST_PAGE_SIZE, ServiceOnlyAdmin


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
    list_per_page = LONG_LIST_PAGE_SIZE

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
        rows = (
            [
                sub.cycle.year,
                sub.holder.member_number,
                sub.holder.full_name,
                sub.status,
                sub.decided_by.email if sub.decided_by else "",
                sub.decided_at.isoformat() if sub.decided_at else "",
            ]
            for sub in queryset.select_related("cycle", "holder", "decided_by")
        )
        header = ["cycle", "member number", "holder", "status", "decided by", "decided at"]
        return csv_response("cec-decisions.csv", header, rows)
