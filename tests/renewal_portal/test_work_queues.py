"""The admin home's work queues: each counts what waits for the signed-in person (oldest
first), links to exactly those rows, and shows only to someone who may act on it."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from cecs.models import ReportingForm
from renewal_portal.work_queues import work_queues
from tests.factories import ReportingFormFactory, reviewer_user, staff_user

pytestmark = pytest.mark.django_db

DENVER = ZoneInfo("America/Denver")


def by_label(queues):
    return {queue.label: queue for queue in queues}


def test_staff_see_the_forms_waiting_with_the_oldest_and_a_link_to_them():
    oldest = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=DENVER)
    ReportingFormFactory(submitted_at=oldest)
    ReportingFormFactory(submitted_at=oldest + datetime.timedelta(days=3))
    ReportingFormFactory(
        status=ReportingForm.Status.VERIFIED, signer_name="A", verified_at=timezone.now()
    )
    queues = by_label(work_queues(user=staff_user()))
    forms = queues["Reporting forms waiting"]
    assert (forms.count, forms.oldest) == (2, oldest)
    assert forms.url == reverse("admin:cecs_reportingform_changelist") + "?status=submitted"
    assert queues["Record-link requests"].count == 0
    assert "CEC submissions to review" not in queues  # reviewers' work, not staff's


def test_reviewers_see_only_their_queue():
    queues = by_label(work_queues(user=reviewer_user()))
    assert list(queues) == ["CEC submissions to review"]
    assert queues["CEC submissions to review"].url == reverse("cecs:review_queue")


def test_each_queue_costs_one_query(django_assert_num_queries):
    user = staff_user()
    user.has_perm("cecs.change_reportingform")  # the permission cache, read once per request
    with django_assert_num_queries(4):
        work_queues(user=user)


def test_the_admin_home_shows_the_queues(client):
    ReportingFormFactory()
    client.force_login(staff_user())
    page = client.get(reverse("admin:index"))
    assert "Waiting for you" in page.text
    assert "Reporting forms waiting" in page.text
    assert "?status=submitted" in page.text
