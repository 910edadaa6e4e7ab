"""The CEC ledger: the entries that count, each of an activity kind (kinds.py)."""

import secrets

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from holders.models import HolderProfile
from holders.renewal_version import renewal_version_triggers

from .kinds import ActivityKind, Category

HOURS = {"max_digits": 6, "decimal_places": 2}


def private_storage():
    """Uploads live outside the static root and MEDIA_URL: only views that check
    permission serve them."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


def new_verification_code():
    return secrets.token_hex(5).upper()


class CecEntry(models.Model):
    """One CEC ledger line. Never deleted once counted: withdrawn, with history."""

    class Status(models.TextChoices):
        COUNTED = "counted", "Counted"
        # Reported by the holder for NAAEI to review with the submission: it counts until
        # NAAEI decides, and becomes counted when NAAEI approves.
        CLAIMED = "claimed", "Claimed: NAAEI reviews it with your submission"
        NOT_ACCEPTED = "not_accepted", "Not accepted by NAAEI"
        WITHDRAWN = "withdrawn", "Withdrawn"

    holder = models.ForeignKey(HolderProfile, on_delete=models.PROTECT, related_name="cec_entries")
    title = models.CharField(max_length=200)
    provider = models.CharField(max_length=200)
    earned_on = models.DateField(help_text="The date in AASC's time zone (America/Denver).")
    hours = models.DecimalField(**HOURS)
    # The kind's code is the column's value (db_column keeps today's "source").
    source = models.ForeignKey(
        ActivityKind,
        to_field="code",
        on_delete=models.PROTECT,
        db_column="source",
        related_name="entries",
        verbose_name="activity kind",
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.COUNTED)
    # Named, not imported: the classes and reporting models import this module.
    attendance = models.OneToOneField(
        "cecs.Attendance",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cec_entry",
    )
    reporting_form = models.OneToOneField(
        "cecs.ReportingForm",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cec_entry",
    )
    verification_code = models.CharField(max_length=12, unique=True, default=new_verification_code)
    correction_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        # Every write bumps the holder's renewal version (holders.renewal_version).
        triggers = renewal_version_triggers(prefix="entry")
        ordering = ["-earned_on", "-pk"]
        verbose_name = "CEC entry"
        # The admin's list of every holder's entries.
        verbose_name_plural = "CEC ledger"
        indexes = [models.Index(fields=["holder", "earned_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=100), name="entry_hours_in_range"
            ),
        ]

    def __str__(self):
        return f"{self.title}: {self.hours} CEC ({self.earned_on})"
