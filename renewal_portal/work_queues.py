"""The admin home's work queues: what is waiting for the signed-in person, counted, with the
oldest first and a link to the list that holds exactly those. Each queue shows only to
someone who may act on it, and costs one query."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min
from django.urls import reverse

from cecs.models import ReportingForm, Submission
from credentials.models import ReminderLog
from holders.models import RecordLinkRequest
from payments.models import StripeEvent


@dataclass(frozen=True)
class WorkQueue:
    label: str
    count: int
    oldest: datetime | None
    url: str
    what_to_do: str


@dataclass(frozen=True)
class QueueSpec:
    label: str
    permission: str
    queryset: object  # a callable returning the waiting rows
    date_field: str
    url: object  # a callable returning the list's URL
    what_to_do: str


def _changelist(name, query):
    return lambda: f"{reverse(f'admin:{name}_changelist')}?{query}"


QUEUES = [
    QueueSpec(
        "Reporting forms waiting",
        "cecs.change_reportingform",
        lambda: ReportingForm.objects.filter(status=ReportingForm.Status.SUBMITTED),
        "submitted_at",
        _changelist("cecs_reportingform", "status=submitted"),
        "Check each form and verify it, or return it with a reason.",
    ),
    QueueSpec(
        "Record-link requests",
        "holders.decide_recordlinkrequest",
        lambda: RecordLinkRequest.objects.filter(status=RecordLinkRequest.Status.PENDING),
        "created_at",
        _changelist("holders_recordlinkrequest", "status__exact=pending"),
        "Someone asks to be linked to a holder record: check who they are, then approve or reject.",
    ),
    QueueSpec(
        "Flagged payments",
        "payments.view_stripeevent",
        lambda: StripeEvent.objects.filter(flagged=True),
        "received_at",
        _changelist("payments_stripeevent", "flagged__exact=1"),
        "Money arrived that could not be matched to an invoice: read the note and settle it.",
    ),
    QueueSpec(
        "Failed reminders",
        "credentials.view_reminderlog",
        lambda: ReminderLog.objects.filter(status=ReminderLog.Status.FAILED),
        "claimed_at",
        _changelist("credentials_reminderlog", "status__exact=failed"),
        "Reminders that could not be sent: check the address, then send them again.",
    ),
    QueueSpec(
        "CEC submissions to review",
        "cecs.review_submission",
        lambda: Submission.objects.filter(status=Submission.Status.PENDING),
        "submitted_at",
        lambda: reverse("cecs:review_queue"),
        "Approve each submission, or reject it naming the entries not accepted.",
    ),
]


def work_queues(*, user):
    """The queues `user` may work, each with its count and its oldest waiting date."""
    queues = []
    for spec in QUEUES:
        if not user.has_perm(spec.permission):
            continue
        # COUNT(*), not COUNT(id): with (status, date) indexed, PostgreSQL answers from the
        # index alone, a fifth of the time on 100,000 holders (bench/findings.md).
        figures = spec.queryset().aggregate(count=Count("*"), oldest=Min(spec.date_field))
        queues.append(
            WorkQueue(spec.label, figures["count"], figures["oldest"], spec.url(), spec.what_to_do)
        )
    return queues
