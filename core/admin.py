"""AASC's contact details (one row) and the FAQ, which AASC staff keep."""

from django.contrib import admin
from django.db import models
from django.shortcuts import redirect
from django.urls import reverse

from .admin_history import HistoryAdmin
from .association import association_contact_for_edit
from .models import AssociationContact, FaqEntry


@admin.register(AssociationContact)
class AssociationContactAdmin(HistoryAdmin):
    """Shown in every page's footer, on the contact page and in every email."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["name", "short_name"]}),
        ("How holders reach the office", {"fields": ["phone", "email", "office_hours", "website"]}),
        ("Postal address", {"fields": ["street", "city", "state", "zip_code"]}),
    ]

    def changelist_view(self, request, extra_context=None):
        # One row: the list is its change page (or, for read-only staff, its view page).
        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)
        contact = association_contact_for_edit()
        return redirect(reverse("admin:core_associationcontact_change", args=[contact.pk]))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FaqEntry)
class FaqEntryAdmin(HistoryAdmin):
    list_display = ["question", "position", "published"]
    list_editable = ["position", "published"]
    list_filter = ["published"]
    search_fields = ["question", "answer"]
    fields = ["question", "answer", "position", "published"]
