"""The kinds of CEC activity, which staff keep: where each counts, who checks it, the
evidence it needs and the help holders see. Never deleted: entries and forms refer to them
(set a kind inactive to stop offering it)."""

from django.contrib import admin

from core.admin_history import HistoryAdmin

from ..models import ActivityKind


@admin.register(ActivityKind)
class ActivityKindAdmin(HistoryAdmin):
    list_display = ["name", "category", "checked_by", "evidence", "active", "display_order"]
    list_editable = ["active", "display_order"]
    list_filter = ["category", "checked_by", "active"]
    search_fields = ["name", "code"]
    fields = [
        "name",
        "code",
        "category",
        "checked_by",
        "evidence",
        "help_text",
        "active",
        "display_order",
    ]

    def get_readonly_fields(self, request, obj=None):
        # The code is what entries store: fixed once the kind exists.
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False
