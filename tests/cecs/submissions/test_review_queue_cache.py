"""The reviewer queue's rows and filter form are cached parts (cecs.submissions.queue): a
second view draws nothing again, and no decision, new submission, edit of a holder or of
the reference data leaves the queue showing what was."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cecs.ledger.services import entry_create
from cecs.models import Source, Submission
from cecs.submissions.queue import PAGE_SIZE
from cecs.submissions.services import submission_approve, submission_create
from credentials.models import RenewalCycle
from credentials.services import invoices_issue
from tests.factories import holder_with

pytestmark = pytest.mark.django_db

QUEUE = reverse("cecs:review_queue")


def submitted(cycle, **holder_fields):
    holder = holder_with("CAM", **holder_fields)
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
def reviewing(client, reviewer):
    client.force_login(reviewer)
    return client


def shown(response):
    """The submissions the page lists, in order, by the links a reviewer follows."""
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(r'href="/cecs/review/(\d+)/"', response.text)]


def without_csrf(page):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response, len(captured)


def test_the_second_view_draws_nothing_again(reviewing, cycle):
    submitted(cycle, last_name="Quintero")
    first, first_queries = queries(reviewing, QUEUE)
    second, second_queries = queries(reviewing, QUEUE)
    # The same page but for the per-response CSRF masking of the sign-out button.
    assert without_csrf(second.text) == without_csrf(first.text)
    assert "Quintero" in second.text
    # Not the cycles and credential types of the filter form, nor the rows' own query.
    assert second_queries <= first_queries - 3


def test_a_decision_leaves_the_pending_queue_at_once(reviewing, reviewer, cycle):
    first, second = submitted(cycle), submitted(cycle)
    assert shown(reviewing.get(QUEUE)) == [first.pk, second.pk]
    submission_approve(submission=first, reviewer=reviewer)
    page = reviewing.get(QUEUE)
    assert shown(page) == [second.pk]
    assert "1 submission, oldest first." in page.text
    assert shown(reviewing.get(QUEUE, {"status": "approved"})) == [first.pk]


def test_a_new_submission_joins_the_queue_at_once(reviewing, cycle):
    first = submitted(cycle)
    assert shown(reviewing.get(QUEUE)) == [first.pk]
    second = submitted(cycle)
    assert shown(reviewing.get(QUEUE)) == [first.pk, second.pk]


def test_an_edit_of_the_holder_or_a_bulk_update_shows_at_once(reviewing, cycle):
    submission = submitted(cycle, last_name="Quintero")
    assert "Quintero" in reviewing.get(QUEUE).text
    holder = submission.holder
    holder.last_name = "Quintana"
    holder.save()
    assert "Quintana" in reviewing.get(QUEUE).text
    # The admin's actions and the batch jobs write with QuerySet.update: no signal.
    Submission.objects.filter(pk=submission.pk).update(total_hours=Decimal("11.5"))
    assert "11.5 / " in reviewing.get(QUEUE).text


def test_a_new_cycle_shows_in_the_filters_at_once(
    reviewing, cycle, django_capture_on_commit_callbacks
):
    assert 'value="2031"' not in reviewing.get(QUEUE).text
    with django_capture_on_commit_callbacks(execute=True):
        RenewalCycle.objects.create(
            year=2031,
            invoices_go_out_on=datetime.date(2030, 10, 1),
            due_on=datetime.date(2030, 12, 31),
            grace_ends_on=datetime.date(2031, 1, 31),
            late_fee_cents=5000,
            cec_window_start=datetime.date(2030, 1, 1),
            cec_window_end=datetime.date(2030, 12, 31),
        )
    page = reviewing.get(QUEUE).text
    assert 'value="2031"' in page
    assert reverse("cecs:decisions_csv", args=[2031]) in page


def test_each_query_string_keeps_its_own_filters(reviewing, cycle):
    quintero = submitted(cycle, last_name="Quintero")
    other = submitted(cycle, last_name="Okafor")
    assert shown(reviewing.get(QUEUE, {"q": "quintero"})) == [quintero.pk]
    assert shown(reviewing.get(QUEUE, {"q": "okafor"})) == [other.pk]
    assert shown(reviewing.get(QUEUE, {"q": "quintero"})) == [quintero.pk]
    # A value the form refuses says so, and filters nothing.
    refused = reviewing.get(QUEUE, {"year": "1999"})
    assert "Select a valid choice. 1999 is not one of the available choices." in refused.text
    assert shown(refused) == [quintero.pk, other.pk]


def test_the_next_page_keeps_the_filters(reviewing, cycle):
    wanted = [submitted(cycle, last_name="Quintero").pk for _ in range(PAGE_SIZE + 1)]
    submitted(cycle, last_name="Okafor")
    first = reviewing.get(QUEUE, {"q": "quintero"})
    assert shown(first) == wanted[:PAGE_SIZE]
    assert "Page 1 of 2" in first.text
    assert 'href="?q=quintero&amp;page=2"' in first.text
    assert shown(reviewing.get(QUEUE, {"q": "quintero", "page": "2"})) == wanted[PAGE_SIZE:]
