from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Fieldset, Layout, Row
from django import forms

from ..models import ReportingForm
from .checks import (
    DEFAULT_TIME_ZONE,
    FORM_FIELDS,
    US_TIME_ZONES,
    WHEN_FIELDS,
    ReportingFormInvalid,
    reporting_form_check,
)
from .selectors import form_kinds
from .uploads import ACCEPT_ATTRIBUTE, validate_upload

DATE_INPUT = {"type": "date"}
TIME_INPUT = {"type": "time"}


class ReportingFormForm(forms.ModelForm):
    """A CEC Reporting Form for any activity a holder reports: one AASC verifies, or a
    course NAAEI reviews with its certificate.

    Validation only: the view saves through cecs.reporting.services.reporting_form_save, and
    `cleaned_data["hours"]` holds the CECs the form claims."""

    time_zone = forms.ChoiceField(
        choices=US_TIME_ZONES,
        initial=DEFAULT_TIME_ZONE,
        label="Time zone",
        help_text="Where the activity took place (AASC is on Mountain time).",
    )
    upload = forms.FileField(
        required=False,
        label="Signed form or certificate (scan, photo or PDF)",
        help_text="A PDF, JPEG or PNG of at most 10 MB: the certificate of completion for a "
        "course, or a signed form where AASC asks for one.",
        widget=forms.FileInput({"accept": ACCEPT_ATTRIBUTE}),
    )
    remove_upload = forms.BooleanField(
        required=False,
        label="Remove the uploaded file",
        help_text="It no longer counts towards the files you can keep.",
    )

    class Meta:
        model = ReportingForm
        fields = list(FORM_FIELDS)  # what reporting_form_save writes
        labels = {
            "activity_type": "Kind of activity",
            "title": "Course, class, committee or event",
            "organisation": "Organised by",
            "date_from": "Date",
            "date_to": "Last day (if more than one day)",
            "start_time": "Start time",
            "end_time": "End time",
            "gross_hours": "Total hours (instead of times)",
            "break_minutes": "Meals and breaks (minutes)",
            "description": "What you did or learned",
        }
        help_texts = {
            "title": "For example “Expo: Leasing in a Soft Market” or “Membership Committee”.",
            "organisation": "For example “AASC Expo 2026” or “AASC Membership Committee”.",
            "date_from": "The day of the activity, or its first day.",
            "date_to": "Leave empty for a single day. Must be in the same calendar year.",
            "gross_hours": (
                "For several days, or if you do not know the times: the hours in total, "
                "including meals and breaks."
            ),
            "break_minutes": (
                "Left out of the CECs: one CEC is one hour of education, meals and breaks excluded."
            ),
            "description": "A few lines for AASC staff: the topics, or your role.",
        }
        widgets = {
            "date_from": forms.DateInput(DATE_INPUT, format="%Y-%m-%d"),
            "date_to": forms.DateInput(DATE_INPUT, format="%Y-%m-%d"),
            "start_time": forms.TimeInput(TIME_INPUT, format="%H:%M"),
            "end_time": forms.TimeInput(TIME_INPUT, format="%H:%M"),
            "gross_hours": forms.NumberInput({"inputmode": "decimal"}),
            "break_minutes": forms.NumberInput({"inputmode": "numeric", "min": 0}),
            "description": forms.Textarea({"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.upload_type = None
        kind = self.fields["activity_type"]
        kind.queryset = form_kinds()
        kind.empty_label = "Choose the kind of activity"
        self.fields["break_minutes"].required = False
        if not self.instance.upload:
            del self.fields["remove_upload"]  # nothing to remove
        else:
            self.fields["upload"].help_text = (
                f"You uploaded “{self.instance.upload_name}”. Choose a file only to replace it: "
                "a PDF, JPEG or PNG of at most 10 MB."
            )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                "The activity",
                "activity_type",
                HTML('{% include "cecs/_kind_help.html" %}'),
                "title",
                "organisation",
                "description",
            ),
            Fieldset(
                "When",
                Row(
                    Column("date_from", css_class="col-sm-6"),
                    Column("date_to", css_class="col-sm-6"),
                ),
                "time_zone",
            ),
            Fieldset(
                "Hours",
                HTML(
                    '<p class="form-text mt-0">Give the start and end times of a single day, '
                    "or the total hours. The CECs claimed are the hours without meals and "
                    "breaks.</p>"
                ),
                Row(
                    Column("start_time", css_class="col-6"),
                    Column("end_time", css_class="col-6"),
                ),
                Row(
                    Column("gross_hours", css_class="col-sm-6"),
                    Column("break_minutes", css_class="col-sm-6"),
                ),
            ),
            Fieldset(
                "Evidence",
                "upload",
                *(["remove_upload"] if "remove_upload" in self.fields else []),
            ),
            HTML('<div class="d-flex flex-wrap gap-2 mt-3">'),
            StrictButton(
                "Save draft",
                type="submit",
                name="action",
                value="save",
                css_class="btn-outline-primary",
            ),
            StrictButton(
                "Submit",
                type="submit",
                name="action",
                value="submit",
                css_class="btn-primary",
            ),
            HTML("</div>"),
        )

    def clean_title(self):
        return self.cleaned_data["title"].strip()

    def clean_organisation(self):
        return self.cleaned_data["organisation"].strip()

    def clean_break_minutes(self):
        return self.cleaned_data.get("break_minutes") or 0

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            # The virus scan runs once, in reporting_form_save, which stores the file.
            self.upload_type = validate_upload(upload, scan=False)
        return upload

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("remove_upload") and cleaned_data.get("upload"):
            self.add_error(
                "remove_upload",
                "Choose a new file to replace the uploaded one, or remove it; not both.",
            )
        # Cross-field rules only once each field on its own is valid.
        if any(self.has_error(name) for name in WHEN_FIELDS):
            return cleaned_data
        try:
            checked = reporting_form_check(**{name: cleaned_data.get(name) for name in WHEN_FIELDS})
        except ReportingFormInvalid as error:
            for field, messages in error.errors.items():
                for message in messages:
                    self.add_error(field, message)
        else:
            cleaned_data.update(checked)
        return cleaned_data
