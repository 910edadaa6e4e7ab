"""CEC Reporting Forms, which AASC verifies and signs."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from holders.models import HolderProfile
from holders.renewal_version import renewal_version_triggers

from .kinds import ActivityKind
from .ledger import HOURS, private_storage


class ReportingForm(models.Model):
    """How a holder reports an activity: one AASC verifies (an Expo class, committee service,
    volunteering, a legislative event) goes to AASC staff; one NAAEI reviews (an NAA or
    NAAEI course, another provider's, a college course) is claimed at once, its
    certificate as the upload, and NAAEI accepts it or not with the submission."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted to AASC"
        VERIFIED = "verified", "Verified and signed"
        RETURNED = "returned", "Returned for correction"
        # An activity NAAEI checks (a course with its certificate): in the ledger at once.
        CLAIMED = "claimed", "Claimed: NAAEI reviews it with your submission"
        # The holder took it back before AASC verified it or NAAEI approved it.
        REMOVED = "removed", "Removed by you"

    holder = models.ForeignKey(
        HolderProfile, on_delete=models.PROTECT, related_name="reporting_forms"
    )
    # The kinds holders report (the kind's code is the column's value).
    activity_type = models.ForeignKey(
        ActivityKind,
        to_field="code",
        on_delete=models.PROTECT,
        db_column="activity_type",
        related_name="+",
        limit_choices_to={
            "checked_by__in": [ActivityKind.CheckedBy.AASC, ActivityKind.CheckedBy.NAAEI]
        },
        verbose_name="kind of activity",
    )
    title = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200)
    date_from = models.DateField("date")
    date_to = models.DateField("last date", null=True, blank=True)
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=40, default="America/Denver")
    gross_hours = models.DecimalField(**HOURS, null=True, blank=True)
    break_minutes = models.PositiveIntegerField(default=0)
    hours = models.DecimalField(**HOURS, help_text="CECs claimed: hours net of meals and breaks.")
    description = models.TextField()
    upload = models.FileField(storage=private_storage, upload_to="forms/", blank=True)
    upload_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    signer_name = models.CharField(max_length=200, blank=True)
    signed_on = models.DateField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    returned_reason = models.TextField(blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        # Every write bumps the holder's renewal version (holders.renewal_version).
        triggers = renewal_version_triggers(prefix="form")
        ordering = ["-date_from", "-pk"]
        indexes = [
            models.Index(fields=["status", "submitted_at"]),
            # The admin changelist's order (oldest submitted first).
            models.Index(fields=["submitted_at", "id"], name="cecs_form_submitted_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=100), name="form_hours_in_range"
            ),
            models.CheckConstraint(
                condition=Q(date_to__isnull=True) | Q(date_to__gte=models.F("date_from")),
                name="form_dates_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(status="verified")
                | (Q(verified_at__isnull=False) & ~Q(signer_name="")),
                name="verified_form_is_signed",
            ),
        ]

    def __str__(self):
        return f"{self.activity_type}: {self.title}"

    @property
    def is_editable(self):
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    @property
    def upload_is_image(self):
        """Whether the scan is a photo or image (by its name, which validate_upload made
        match its content), so a page can show it; a PDF is downloaded instead."""
        return self.upload_name.lower().endswith((".jpg", ".jpeg", ".png"))

    @property
    def is_removable(self):
        """Whether the holder may still take it back (see reporting_form_remove): not once
        AASC verified it, nor once NAAEI accepted the claim (its line then counts)."""
        if self.status in (self.Status.VERIFIED, self.Status.REMOVED):
            return False
        entry = getattr(self, "cec_entry", None)  # the reverse one-to-one, if any
        return entry is None or entry.status != entry.Status.COUNTED
