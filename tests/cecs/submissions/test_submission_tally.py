"""The tally of submissions by cycle and status (cecs.SubmissionTally) that PostgreSQL keeps
with every write, so that the reviewer queue need not count: it always agrees with a count
of the submissions, whatever wrote them, and the queue shows it."""

import datetime
import importlib
import re
import threading
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cecs.ledger.services import entry_create
from cecs.models import Source, Submission, SubmissionTally
from cecs.submissions.selectors import review_queue_count
from cecs.submissions.services import submission_approve, submission_create, submission_reject
from credentials.services import invoices_issue
from tests.concurrency import run_together
from tests.factories import holder_with

pytestmark = pytest.mark.django_db

QUEUE = reverse("cecs:review_queue")


def submitted(cycle, *codes):
    holder = holder_with(*(codes or ("CAM",)))
    invoices_issue(cycle=cycle)
    entry_create(
        holder=holder,
        title="Leadership",
        provider="AASC",
        earned_on=datetime.date(2026, 5, 5),
        hours=Decimal(8),
        source=Source.AASC_CLASS,
    )
    return submission_create(holder=holder, cycle=cycle, actor=holder.user)


def counted():
    rows = Submission.objects.values("cycle_id", "status").annotate(n=Count("id")).order_by()
    return {(row["cycle_id"], row["status"]): row["n"] for row in rows}


def tallied():
    rows = SubmissionTally.objects.exclude(total=0)
    return {(row.cycle_id, row.status): row.total for row in rows}


def test_every_kind_of_write_keeps_the_tally(cycle, reviewer):
    first, second, third = (submitted(cycle) for _ in range(3))
    assert tallied() == counted() == {(cycle.pk, "pending"): 3}
    submission_approve(submission=first, reviewer=reviewer)
    submission_reject(submission=second, reviewer=reviewer, reason="Hours missing.")
    assert tallied() == counted()
    assert counted()[(cycle.pk, "approved")] == 1
    # The admin's actions and the batch jobs write with QuerySet.update: no signal.
    Submission.objects.filter(pk=third.pk).update(
        status=Submission.Status.REJECTED,
        decided_at=datetime.datetime.now(datetime.UTC),
        rejection_reason="Bulk",
    )
    assert tallied() == counted()
    Submission.objects.filter(pk=second.pk).delete()
    assert tallied() == counted() == {(cycle.pk, "approved"): 1, (cycle.pk, "rejected"): 1}


def test_a_rolled_back_write_leaves_the_tally_as_it_was(cycle):
    submitted(cycle)

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        submitted(cycle)
        raise Abort
    assert tallied() == counted() == {(cycle.pk, "pending"): 1}


def test_the_migration_counts_what_exists(cycle):
    submitted(cycle), submitted(cycle)
    SubmissionTally.objects.all().delete()
    migration = importlib.import_module("cecs.migrations.0015_submission_tally")
    with connection.schema_editor() as editor:
        migration.count_what_exists(apps, editor)
    assert tallied() == counted() == {(cycle.pk, "pending"): 2}


def test_the_queue_shows_the_tally_without_counting(client, reviewer, cycle):
    submitted(cycle, "CAM"), submitted(cycle, "CAM", "NALP")
    client.force_login(reviewer)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(QUEUE)
    assert "2 submissions, oldest first." in page.text
    counts = [
        q["sql"] for q in captured if re.match(r'SELECT COUNT\(\*\).*"cecs_submission"', q["sql"])
    ]
    assert counts == []
    assert "1 submission, oldest first." in client.get(QUEUE, {"credential": "NALP"}).text
    assert "2 submissions, oldest first." in client.get(QUEUE, {"year": cycle.year}).text
    assert "0 submissions, oldest first." in client.get(QUEUE, {"status": "approved"}).text


def test_a_credential_or_a_search_is_counted_with_the_queue(cycle):
    assert review_queue_count(status="pending") == 0
    assert review_queue_count(status="pending", credential_code="CAM") is None
    assert review_queue_count(status="pending", search="Quintero") is None


@pytest.mark.django_db(transaction=True)
def test_submissions_and_decisions_at_once_all_count(cycle, reviewer):
    """Six holders submit while a reviewer decides others, all released together: each
    statement's change to the tally waits for the row the others hold, none is lost."""
    waiting = [submitted(cycle) for _ in range(3)]
    holders = [holder_with("CAM") for _ in range(6)]
    invoices_issue(cycle=cycle)
    for holder in holders:
        entry_create(
            holder=holder,
            title="Leadership",
            provider="AASC",
            earned_on=datetime.date(2026, 5, 5),
            hours=Decimal(8),
            source=Source.AASC_CLASS,
        )
    queue = iter([("decide", sub) for sub in waiting] + [("submit", h) for h in holders])
    lock = threading.Lock()

    def act():
        with lock:
            kind, subject = next(queue)
        if kind == "decide":
            return submission_approve(submission=subject, reviewer=reviewer)
        return submission_create(holder=subject, cycle=cycle, actor=subject.user)

    results, errors = run_together(act, times=9)
    assert errors == []
    assert len(results) == 9
    assert tallied() == counted() == {(cycle.pk, "pending"): 6, (cycle.pk, "approved"): 3}
