import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cecs.ledger.services import entry_create
from cecs.models import Source, Submission
from cecs.submissions.services import submission_approve, submission_create
from credentials.services import invoices_issue
from tests.factories import holder_with

pytestmark = pytest.mark.django_db


def submitted(cycle, **holder_fields):
    holder = holder_with("CAM", "NALP", **holder_fields)
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


@pytest.fixture
def submission(cycle):
    return submitted(cycle, last_name="Quintero", member_number="Q1234567")


def test_reviewer_sees_the_queue_oldest_first(client, reviewer, cycle):
    first = submitted(cycle)
    second = submitted(cycle)
    client.force_login(reviewer)
    page = client.get(reverse("cecs:review_queue"))
    assert page.status_code == 200
    assert [s.pk for s in page.context["page"]] == [first.pk, second.pk]


def test_queue_search_by_member_number_and_filter_by_credential(
    client, reviewer, submission, cycle
):
    other = submitted(cycle)
    client.force_login(reviewer)
    found = client.get(reverse("cecs:review_queue"), {"q": "Q1234567"})
    assert [s.pk for s in found.context["page"]] == [submission.pk]
    by_name = client.get(reverse("cecs:review_queue"), {"q": "quinter"})
    assert [s.pk for s in by_name.context["page"]] == [submission.pk]
    nalp = client.get(reverse("cecs:review_queue"), {"credential": "NALP", "year": "2027"})
    assert {s.pk for s in nalp.context["page"]} == {submission.pk, other.pk}
    caps = client.get(reverse("cecs:review_queue"), {"credential": "CAPS"})
    assert list(caps.context["page"]) == []


@override_settings(PAGE_CACHE_ENABLED=False)  # every row drawn, as after a change
def test_queue_query_count_does_not_grow_with_its_length(client, reviewer, cycle):
    client.force_login(reviewer)
    submitted(cycle)
    client.get(reverse("cecs:review_queue"))  # warms the per-process caches (AASC's contact)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("cecs:review_queue"))
    for _ in range(12):
        submitted(cycle)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("cecs:review_queue"))
    assert len(few) == len(many)


def test_detail_shows_holder_credentials_owed_entries_and_evidence(client, reviewer, submission):
    client.force_login(reviewer)
    page = client.get(reverse("cecs:review_detail", args=[submission.pk]))
    assert page.status_code == 200
    for text in ("Quintero", "Q1234567", "CAM", "NALP", "at least 5 in-network", "Leadership"):
        assert text in page.text


def test_reviewer_approves_and_moves_to_the_next(client, reviewer, submission, cycle):
    following = submitted(cycle)
    client.force_login(reviewer)
    response = client.post(reverse("cecs:review_approve", args=[submission.pk]))
    assert response.url == reverse("cecs:review_detail", args=[following.pk])
    submission.refresh_from_db()
    assert submission.status == Submission.Status.APPROVED
    assert submission.decided_by == reviewer
    assert submission.history.first().history_user == reviewer


def test_reject_without_a_reason_is_refused_on_the_form(client, reviewer, submission):
    client.force_login(reviewer)
    response = client.post(reverse("cecs:review_reject", args=[submission.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "Give the reason for rejecting, or say why an entry is not accepted" in response.text
    submission.refresh_from_db()
    assert submission.status == Submission.Status.PENDING


def test_second_decision_gets_a_conflict(client, reviewer, submission):
    submission_approve(submission=submission, reviewer=reviewer)
    client.force_login(reviewer)
    response = client.post(
        reverse("cecs:review_reject", args=[submission.pk]), {"reason": "Too late"}
    )
    assert response.status_code == 409
    assert "already decided" in response.text
    submission.refresh_from_db()
    assert submission.status == Submission.Status.APPROVED


@pytest.mark.parametrize("name", ["cecs:review_queue", "cecs:review_detail", "cecs:review_approve"])
def test_staff_without_the_reviewer_group_get_403_and_holders_404(client, staff, submission, name):
    args = [] if name == "cecs:review_queue" else [submission.pk]
    method = client.post if name == "cecs:review_approve" else client.get
    client.force_login(staff)
    assert method(reverse(name, args=args)).status_code == 403
    client.force_login(submission.holder.user)
    assert method(reverse(name, args=args)).status_code == 404
    submission.refresh_from_db()
    assert submission.status == Submission.Status.PENDING


def test_decisions_csv_for_a_cycle(client, reviewer, submission, cycle):
    submission_approve(submission=submission, reviewer=reviewer)
    submitted(cycle)  # pending: not a decision yet
    client.force_login(reviewer)
    response = client.get(reverse("cecs:decisions_csv", args=[2027]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0:3] == ["cycle", "member number", "holder"]
    assert len(rows) == 2
    assert rows[1][1] == "Q1234567"
    assert rows[1][7] == "approved"
    assert rows[1][9] == reviewer.email


def test_staff_see_decisions_with_who_and_when_in_the_admin(client, staff, reviewer, submission):
    submission_approve(submission=submission, reviewer=reviewer)
    client.force_login(staff)
    changelist = client.get(reverse("admin:cecs_submission_changelist"))
    assert changelist.status_code == 200
    assert reviewer.email in changelist.text
    history = client.get(reverse("admin:cecs_submission_history", args=[submission.pk]))
    assert reviewer.email in history.text
    export = client.post(
        reverse("admin:cecs_submission_changelist"),
        {"action": "export_decisions", "_selected_action": [submission.pk]},
    )
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    assert "Q1234567" in export.content.decode()
    page = client.get(reverse("admin:cecs_submission_change", args=[submission.pk]))
    assert 'name="_save"' not in page.text
