"""Submissions of a cycle's CECs to NAAEI, and the entries each carries."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from holders.models import HolderProfile
from holders.renewal_version import renewal_version_triggers, through

from .ledger import HOURS, CecEntry

TALLY_TABLE = "cecs_submissiontally"


def _tally_triggers():
    """Statement-level triggers that move each inserted, changed or deleted submission's
    count to its (cycle, status) row of SubmissionTally, in the writing transaction."""
    added = "SELECT cycle_id, status, 1 AS delta FROM new_rows"
    removed = "SELECT cycle_id, status, -1 AS delta FROM old_rows"

    def trigger(name, operation, changes, **referencing):
        return pgtrigger.Trigger(
            name=f"submission_tally_{name}",
            level=pgtrigger.Statement,
            when=pgtrigger.After,
            operation=operation,
            referencing=pgtrigger.Referencing(**referencing),
            # Rows in one order, so two statements never wait on each other's rows.
            func=(
                f"INSERT INTO {TALLY_TABLE} (cycle_id, status, total) "  # noqa: S608
                f"SELECT cycle_id, status, SUM(delta) FROM ({changes}) AS changes "
                "GROUP BY cycle_id, status HAVING SUM(delta) <> 0 ORDER BY cycle_id, status "
                "ON CONFLICT (cycle_id, status) "
                f"DO UPDATE SET total = {TALLY_TABLE}.total + EXCLUDED.total; RETURN NULL;"
            ),
        )

    return [
        trigger("ins", pgtrigger.Insert, added, new="new_rows"),
        trigger(
            "upd", pgtrigger.Update, f"{added} UNION ALL {removed}", old="old_rows", new="new_rows"
        ),
        trigger("del", pgtrigger.Delete, removed, old="old_rows"),
    ]


class Submission(models.Model):
    """The holder's CECs for one cycle, all in one submission, for NAAEI approval."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for NAAEI review"
        APPROVED = "approved", "Approved by NAAEI"
        REJECTED = "rejected", "Rejected by NAAEI"

    holder = models.ForeignKey(HolderProfile, on_delete=models.PROTECT, related_name="submissions")
    cycle = models.ForeignKey(
        "credentials.RenewalCycle", on_delete=models.PROTECT, related_name="submissions"
    )
    invoice = models.ForeignKey(
        "credentials.RenewalInvoice", on_delete=models.PROTECT, related_name="submissions"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    cecs_owed = models.DecimalField(**HOURS)
    in_network_minimum = models.DecimalField(**HOURS)
    total_hours = models.DecimalField(**HOURS)
    in_network_hours = models.DecimalField(**HOURS)
    participation_hours = models.DecimalField(**HOURS)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rejection_reason = models.TextField(blank=True)
    entries = models.ManyToManyField(
        CecEntry, through="SubmissionEntry", related_name="submissions"
    )

    history = HistoricalRecords()

    class Meta:
        # Every write bumps the holder's renewal version (holders.renewal_version) and
        # keeps the tally of each cycle's submissions by status (SubmissionTally).
        triggers = [*renewal_version_triggers(prefix="submission"), *_tally_triggers()]
        ordering = ["submitted_at", "pk"]
        permissions = [("review_submission", "Can approve or reject CEC submissions")]
        indexes = [
            # The reviewer queue (a status, oldest first, ties by id) reads its page straight
            # off this one; without "id" PostgreSQL walked (submitted_at, id) past every
            # decided submission to find the pending (bench/findings.md).
            models.Index(fields=["status", "submitted_at", "id"], name="cecs_sub_status_queue_idx"),
            models.Index(fields=["submitted_at", "id"], name="cecs_sub_submitted_id_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "cycle"],
                condition=Q(status__in=["pending", "approved"]),
                name="one_open_or_approved_submission_per_cycle",
                violation_error_message="You already have a submission for this renewal.",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="rejection_has_a_reason",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="decision_has_a_time",
            ),
        ]

    def __str__(self):
        return f"{self.holder}: {self.cycle.year} CECs ({self.get_status_display().lower()})"

    def not_accepted_lines(self):
        """The lines NAAEI named, with why, in rejecting this submission (entries attached):
        the one query the dashboard, the rejection email and the submit page read."""
        return self.lines.exclude(not_accepted_reason="").select_related("entry")


class SubmissionTally(models.Model):
    """How many submissions a cycle has in a status, so that the reviewer queue need not
    count them: written only by Submission's triggers (insert, update and delete, bulk
    paths included) in the transaction that changes them; a row whose count reaches 0
    stays. The migration that adds it counts what exists. No history: it is derived."""

    cycle = models.ForeignKey(
        "credentials.RenewalCycle", on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Submission.Status.choices)
    total = models.IntegerField()

    class Meta:
        # No CHECK on the total: PostgreSQL checks the row an ON CONFLICT upsert proposes
        # (a decrement of -1) before it finds the row to update.
        constraints = [
            models.UniqueConstraint(fields=["cycle", "status"], name="one_tally_per_cycle_status"),
        ]

    def __str__(self):
        return f"{self.total} {self.status} submission(s) for cycle {self.cycle_id}"


class SubmissionEntry(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="lines")
    entry = models.ForeignKey(CecEntry, on_delete=models.PROTECT, related_name="submission_lines")
    counted_hours = models.DecimalField(**HOURS)
    # Set when NAAEI rejects the submission naming this entry: why it was not accepted.
    not_accepted_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        # Every write bumps the holder's renewal version (holders.renewal_version).
        triggers = renewal_version_triggers(
            prefix="subentry", holder_ids=through("cecs_submission", "submission_id")
        )
        ordering = ["entry__earned_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "entry"], name="entry_once_per_submission"
            ),
        ]

    def __str__(self):
        return f"{self.entry} in {self.submission}"
