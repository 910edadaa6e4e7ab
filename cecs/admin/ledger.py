"""The CEC ledger: entries corrected with a reason, never deleted."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from core.errors import ApplicationError

from ..ledger import services
from ..ledger.hours import check_plausible
from ..models import CecEntry
from .base import HOLDER_SEARCH, WorkbenchAdmin


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
    list_select_related = ["holder", "source"]
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
