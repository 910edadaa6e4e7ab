"""The kinds of activity that earn CECs (design.md: CEC sources), as data staff edit: where
each counts, who checks it before it counts and the evidence it needs."""

from django.db import models
from simple_history.models import HistoricalRecords


class Category(models.TextChoices):
    IN_NETWORK = "in_network", "In-network education"
    PARTICIPATION = "participation", "Association participation"
    OTHER = "other", "Other education"


class Source(models.TextChoices):
    """The codes of the kinds the portal itself names: attendance records AASC classes, and
    the kinds the migration loads (staff may add others in the admin)."""

    AASC_CLASS = "aasc_class", "AASC class"
    EXPO_CLASS = "expo_class", "Expo class"
    COMMITTEE = "committee", "Committee or board service"
    VOLUNTEERING = "volunteering", "Volunteering"
    LEGISLATIVE_EVENT = "legislative_event", "Legislative event"
    NAA_COURSE = "naa_course", "NAA or NAAEI course"
    OTHER_PROVIDER = "other_provider", "Another provider's course"
    COLLEGE_COURSE = "college_course", "College course"


class ActivityKind(models.Model):
    class CheckedBy(models.TextChoices):
        ATTENDANCE = "attendance", "AASC records attendance; counts at once"
        AASC = "aasc", "AASC verifies and signs a CEC Reporting Form"
        NAAEI = "naaei", "NAAEI reviews it with the submission"

    class Evidence(models.TextChoices):
        NONE = "none", "None"
        SIGNED_FORM = "signed_form", "Signed AASC form"
        CERTIFICATE = "certificate", "Certificate of completion"

    # What entries and forms store (their column holds the code, not the id).
    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=100, unique=True)
    category = models.CharField(
        max_length=20,
        choices=Category.choices,
        help_text="Where its CECs count. Entries keep the category they were recorded with.",
    )
    checked_by = models.CharField(
        "checked by", max_length=20, choices=CheckedBy.choices, default=CheckedBy.AASC
    )
    evidence = models.CharField(max_length=20, choices=Evidence.choices, default=Evidence.NONE)
    help_text = models.TextField(
        blank=True, help_text="Shown to holders where they report it: what counts, what to attach."
    )
    active = models.BooleanField(default=True, help_text="Inactive kinds are not offered.")
    display_order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["display_order", "name"]
        verbose_name = "CEC activity kind"

    def __str__(self):
        return self.name

    @property
    def holder_reports_it(self):
        """Holders report it themselves (a form or a claim), unlike attendance."""
        return self.checked_by != self.CheckedBy.ATTENDANCE
