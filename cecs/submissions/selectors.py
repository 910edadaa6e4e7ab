"""Reads of CEC submissions: the holder's, and NAAEI reviewers' queue and decisions."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Prefetch, Q, Sum

from credentials.models import InvoiceLine

from ..models import CecEntry, Submission, SubmissionEntry, SubmissionTally


def holder_submissions(*, holder, cycle):
    return Submission.objects.filter(holder=holder, cycle=cycle).order_by("-submitted_at")


QUEUE_COLUMNS = (
    "submitted_at",
    "status",
    "total_hours",
    "cecs_owed",
    "holder__first_name",
    "holder__last_name",
    "holder__email",
    "holder__member_number",
    "cycle__year",
    "invoice__id",
)


def review_queue(*, status=Submission.Status.PENDING, year=None, credential_code=None, search=""):
    """The submissions a reviewer's filters select, oldest first (the queue's order)."""
    submissions = Submission.objects.filter(status=status).order_by("submitted_at", "pk")
    if year:
        submissions = submissions.filter(cycle__year=year)
    if credential_code:
        submissions = submissions.filter(
            invoice__lines__held_credential__credential_type__code=credential_code
        ).distinct()
    search = search.strip()
    if search:
        submissions = submissions.filter(
            Q(holder__last_name__icontains=search)
            | Q(holder__first_name__icontains=search)
            | Q(holder__email__icontains=search)
            | Q(holder__member_number__iexact=search)
        )
    return submissions


def review_queue_count(
    *, status=Submission.Status.PENDING, year=None, credential_code=None, search=""
):
    """How many submissions review_queue selects, from the tally PostgreSQL keeps
    (SubmissionTally) when the filters are a status and a cycle only; None otherwise (a
    credential or a search is counted with the queue, and SQLite keeps no tally)."""
    if credential_code or search.strip() or connection.vendor != "postgresql":
        return None
    tallies = SubmissionTally.objects.filter(status=status)
    if year:
        tallies = tallies.filter(cycle__year=year)
    return tallies.aggregate(total=Sum("total", default=0))["total"]


def review_queue_versions(submissions):
    """(id, the holder's renewal version) of each of `submissions`, in their order: what
    a cached queue page is keyed by (every write to a submission, its invoice lines or
    its holder's record bumps that version: holders.renewal_version)."""
    return submissions.values_list("pk", "holder__renewal_version")


def review_queue_rows(*, ids):
    """The queue's rows for the submissions `ids`, in that order; a fixed number of queries."""
    rows = (
        Submission.objects.filter(pk__in=ids)
        .select_related("holder", "cycle", "invoice")
        .prefetch_related(
            Prefetch(
                "invoice__lines",
                queryset=InvoiceLine.objects.select_related(
                    "held_credential__credential_type"
                ).only("invoice_id", "held_credential__credential_type__code"),
            )
        )
        # Only what the queue shows: 50 rows of three wide models cost more to load than
        # to query (bench/results.md).
        .only(*QUEUE_COLUMNS)
    )
    by_id = {row.pk: row for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


def submission_for_review(*, pk):
    return (
        Submission.objects.select_related("holder", "cycle", "invoice", "decided_by")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=SubmissionEntry.objects.select_related(
                    "entry__source",
                    "entry__attendance__aasc_class",
                    "entry__reporting_form__verified_by",
                ),
            ),
            Prefetch(
                "invoice__lines",
                queryset=InvoiceLine.objects.select_related("held_credential__credential_type"),
            ),
        )
        .get(pk=pk)
    )


def decisions_for_cycle(*, year):
    return (
        Submission.objects.filter(cycle__year=year)
        .exclude(status=Submission.Status.PENDING)
        .select_related("holder", "decided_by", "cycle")
        .order_by("decided_at", "pk")
    )


@dataclass
class ChangesSinceRejection:
    """What a holder's next submission changes since NAAEI last rejected one."""

    rejected: Submission
    not_accepted: list  # SubmissionEntry lines NAAEI named, with why
    added: list  # entries that count now and were not in the rejected submission
    dropped: list  # entries of the rejected submission that no longer count (not named)


def changes_since_rejection(*, status, submissions):
    """Compare the entries counting in `status` (cec_status) with the latest rejected of the
    cycle's `submissions`; None when none was rejected."""
    rejected = [sub for sub in submissions if sub.status == Submission.Status.REJECTED]
    if not rejected:
        return None
    latest = max(rejected, key=lambda sub: (sub.decided_at, sub.pk))
    before = set(latest.lines.values_list("entry_id", flat=True))
    not_accepted = list(latest.not_accepted_lines())
    named = {line.entry_id for line in not_accepted}
    now = {line.entry.pk for line in status.counting}
    return ChangesSinceRejection(
        rejected=latest,
        not_accepted=not_accepted,
        added=[line.entry for line in status.counting if line.entry.pk not in before],
        dropped=list(
            CecEntry.objects.filter(pk__in=before - now - named).order_by("earned_on", "pk")
        ),
    )
