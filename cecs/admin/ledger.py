"""The CEC ledger: entries staff add, correct or withdraw with a reason, never deleted."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from core.errors import ApplicationError

from ..ledger import services
from ..ledger.hours import check_plausible
from ..models import ActivityKind, CecEntry
from .base import HOLDER_SEARCH, WorkbenchAdmin


class CecEntryAddForm(forms.ModelForm):
    """Staff add an entry for a holder (for example from another provider's roster)."""

    class Meta:
        model = CecEntry
        fields = ["holder", "source", "title", "provider", "earned_on", "hours", "correction_note"]
        labels = {
            "source": "Kind of activity",
            "title": "Course, class or activity",
            "provider": "Provider",
            "earned_on": "Date earned",
            "hours": "CECs",
            "correction_note": "Why AASC adds it",
        }
        help_texts = {
            "correction_note": "Required; emailed to the holder and kept in the history.",
            "hours": "Hours of education, meals and breaks excluded.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = ActivityKind.objects.filter(active=True)
        self.fields["correction_note"].required = True

    def clean(self):
        cleaned_data = super().clean()
        needed = ("source", "earned_on", "hours", "correction_note")
        if all(cleaned_data.get(name) is not None for name in needed):
            try:
                services.entry_add_check(
                    kind=cleaned_data["source"],
                    earned_on=cleaned_data["earned_on"],
                    hours=cleaned_data["hours"],
                    reason=cleaned_data["correction_note"],
                )
            except ApplicationError as error:
                raise ValidationError(str(error)) from error
        return cleaned_data


class CecEntryCorrectionForm(forms.ModelForm):
    """Staff correct hours, date or title, or withdraw the entry; each change says why."""

    withdraw = forms.BooleanField(
        required=False,
        label="Withdraw this entry",
        help_text="It stays in the ledger and no longer counts; the holder is emailed why.",
    )

    class Meta:
        model = CecEntry
        fields = ["title", "earned_on", "hours", "correction_note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        note = self.fields.get("correction_note")
        if note is not None:
            note.required = True
            note.label = "Why (this correction or withdrawal)"
            note.help_text = "Required for every change; kept in the entry's history."
            self.initial["correction_note"] = ""  # a new note each time, not the last one
        if note is None or self.instance.status == CecEntry.Status.WITHDRAWN:
            del self.fields["withdraw"]  # a read-only view, or nothing left to withdraw

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
        cleaned_data = super().clean()
        corrected = {"title", "earned_on", "hours"} & set(self.changed_data)
        if cleaned_data.get("withdraw") and corrected:
            raise ValidationError("Withdraw the entry or correct it, not both at once.")
        return cleaned_data


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

    add_fieldsets = (
        (
            None,
            {
                "fields": (
                    "holder",
                    "source",
                    "title",
                    "provider",
                    "earned_on",
                    "hours",
                    "correction_note",
                )
            },
        ),
    )
    autocomplete_fields = ["holder"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = CecEntryAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj.status != CecEntry.Status.WITHDRAWN and self.has_change_permission(request, obj):
            fieldsets[-1] = (
                "Correction or withdrawal",
                {"fields": ("withdraw", "correction_note")},
            )
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            entry = services.entry_add(
                holder=obj.holder,
                kind=obj.source,
                title=obj.title,
                provider=obj.provider,
                earned_on=obj.earned_on,
                hours=obj.hours,
                reason=obj.correction_note,
                actor=request.user,
            )
            obj.pk, obj._state.adding = entry.pk, False
            return
        if form.cleaned_data.get("withdraw"):
            services.entry_withdraw(
                entry=obj, reason=form.cleaned_data["correction_note"], actor=request.user
            )
            return
        services.entry_correct(
            entry=obj,
            changes={field: form.cleaned_data[field] for field in ("title", "earned_on", "hours")},
            note=form.cleaned_data["correction_note"],
            actor=request.user,
        )
