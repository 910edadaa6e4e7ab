import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from cecs.classes.services import attendance_record, attendance_withdraw
from cecs.ledger.selectors import entry_is_locked
from cecs.ledger.services import entry_create
from cecs.models import Source, Submission
from cecs.submissions.services import submission_approve, submission_create, submission_reject
from core.errors import ApplicationError
from credentials.models import HeldCredential, RenewalInvoice
from credentials.services import invoices_issue
from renewal_portal.dashboard import StepState
from tests.concurrency import run_together
from tests.factories import AascClassFactory, holder_with, reviewer_user, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder(cycle):
    holder = holder_with("CAM", "NALP")  # owes 8, at least 5 in-network
    invoices_issue(cycle=cycle)
    return holder


def earn(holder, hours, source=Source.AASC_CLASS):
    return entry_create(
        holder=holder,
        title=f"{source} class",
        provider="AASC",
        earned_on=datetime.date(2026, 5, 5),
        hours=Decimal(hours),
        source=source,
    )


def pay(holder, cycle):
    RenewalInvoice.objects.filter(holder=holder, cycle=cycle).update(status="paid")


def test_short_submission_is_refused_with_the_missing_count(holder, cycle):
    earn(holder, 4)
    earn(holder, 1, Source.VOLUNTEERING)
    with pytest.raises(ApplicationError) as refused:
        submission_create(holder=holder, cycle=cycle, actor=holder.user)
    message = str(refused.value)
    assert "needs 8 CECs earned in 2026; 5 count so far, so 3 more are missing" in message
    assert "at least 1 of them in-network" in message
    assert "CEC Reporting Form" in message
    assert not Submission.objects.exists()


def test_exactly_the_requirement_is_accepted_and_carries_every_counting_entry(holder, cycle):
    earn(holder, 5)
    earn(holder, 2, Source.COMMITTEE)
    earn(holder, 1, Source.OTHER_PROVIDER)
    submission = submission_create(holder=holder, cycle=cycle, actor=holder.user)
    assert submission.status == Submission.Status.PENDING
    assert submission.total_hours == 8
    assert submission.lines.count() == 3
    assert (submission.in_network_hours, submission.participation_hours) == (5, 2)


def test_one_open_submission_per_cycle(holder, cycle):
    earn(holder, 8)
    submission_create(holder=holder, cycle=cycle, actor=holder.user)
    with pytest.raises(ApplicationError, match="already have a submission for the 2027 renewal"):
        submission_create(holder=holder, cycle=cycle, actor=holder.user)
    assert Submission.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submissions_store_one(cycle):
    holder = holder_with("CAM", "NALP")
    invoices_issue(cycle=cycle)
    earn(holder, 8)

    def submit():
        try:
            submission_create(holder=holder, cycle=cycle, actor=holder.user)
        except ApplicationError as error:
            return str(error)
        return "stored"

    outcomes, errors = run_together(submit, 2)
    assert errors == []
    assert sorted(outcomes)[1] == "stored"
    assert "already have a submission" in sorted(outcomes)[0]
    assert Submission.objects.count() == 1


def test_entries_in_a_pending_submission_are_locked(holder, cycle):
    aasc_class = AascClassFactory(held_on=datetime.date(2026, 4, 1), hours=Decimal(8))
    attendance, _ = attendance_record(aasc_class=aasc_class, holder=holder, actor=staff_user())
    submission_create(holder=holder, cycle=cycle, actor=holder.user)
    assert entry_is_locked(entry=attendance.cec_entry)
    with pytest.raises(ApplicationError, match="part of a pending or approved submission"):
        attendance_withdraw(attendance=attendance, actor=staff_user(), reason="mistake")


def test_rejection_unlocks_the_entries_and_allows_a_new_submission(holder, cycle):
    entry = earn(holder, 8)
    first = submission_create(holder=holder, cycle=cycle, actor=holder.user)
    submission_reject(submission=first, reviewer=reviewer_user(), reason="Class not NAAEI-approved")
    assert not entry_is_locked(entry=entry)
    second = submission_create(holder=holder, cycle=cycle, actor=holder.user)
    assert second.pk != first.pk
    first.refresh_from_db()
    assert first.status == Submission.Status.REJECTED  # kept in history


def test_reject_needs_a_reason(holder, cycle):
    earn(holder, 8)
    submission = submission_create(holder=holder, cycle=cycle, actor=holder.user)
    with pytest.raises(ApplicationError, match="reason"):
        submission_reject(submission=submission, reviewer=reviewer_user(), reason="  ")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.PENDING


def test_approval_completes_the_renewal_only_when_paid(holder, cycle):
    earn(holder, 8)
    submission = submission_create(holder=holder, cycle=cycle, actor=holder.user)
    submission_approve(submission=submission, reviewer=reviewer_user())
    invoice = RenewalInvoice.objects.get(holder=holder)
    assert invoice.cecs_approved_at is not None
    assert invoice.completed_at is None  # not paid yet

    from credentials.services import renewal_complete_if_ready

    pay(holder, cycle)
    assert renewal_complete_if_ready(invoice=invoice)
    assert not renewal_complete_if_ready(invoice=invoice)  # twice changes nothing
    expiries = set(
        HeldCredential.objects.filter(holder=holder).values_list("expires_on", flat=True)
    )
    assert expiries == {datetime.date(2027, 12, 31)}


def test_approval_of_a_paid_renewal_completes_it(holder, cycle):
    pay(holder, cycle)
    earn(holder, 8)
    submission = submission_create(holder=holder, cycle=cycle, actor=holder.user)
    submission_approve(submission=submission, reviewer=reviewer_user())
    assert RenewalInvoice.objects.get(holder=holder).completed_at is not None


def test_a_decided_submission_cannot_be_decided_again(holder, cycle):
    earn(holder, 8)
    submission = submission_create(holder=holder, cycle=cycle, actor=holder.user)
    submission_approve(submission=submission, reviewer=reviewer_user())
    with pytest.raises(ApplicationError, match="already decided"):
        submission_reject(submission=submission, reviewer=reviewer_user(), reason="late")
    with pytest.raises(ApplicationError, match="already decided"):
        submission_approve(submission=submission, reviewer=reviewer_user())


def test_emails_for_received_approved_and_rejected(
    holder, cycle, mailoutbox, django_capture_on_commit_callbacks
):
    earn(holder, 8)
    with django_capture_on_commit_callbacks(execute=True):
        first = submission_create(holder=holder, cycle=cycle, actor=holder.user)
    with django_capture_on_commit_callbacks(execute=True):
        submission_reject(submission=first, reviewer=reviewer_user(), reason="Missing signature")
    with django_capture_on_commit_callbacks(execute=True):
        second = submission_create(holder=holder, cycle=cycle, actor=holder.user)
    with django_capture_on_commit_callbacks(execute=True):
        submission_approve(submission=second, reviewer=reviewer_user())
    subjects = [message.subject for message in mailoutbox]
    assert subjects == [
        "[AASC renewals] Your 2027 CEC submission is with NAAEI",
        "[AASC renewals] Your 2027 CEC submission needs attention",
        "[AASC renewals] Your 2027 CEC submission is with NAAEI",
        "[AASC renewals] NAAEI approved your 2027 CECs",
    ]
    assert "Missing signature" in mailoutbox[1].body
    assert "pay your renewal invoice" in mailoutbox[3].body
    assert mailoutbox[3].alternatives[0][1] == "text/html"


def test_holder_submits_from_the_submit_page(client, holder, cycle):
    earn(holder, 8)
    client.force_login(holder.user)
    page = client.get(reverse("cecs:submit"))
    assert "Submit 8 CECs to NAAEI" in page.text
    response = client.post(reverse("cecs:submit"), follow=True)
    assert "are submitted to NAAEI" in response.text
    step = response.context["steps"][3]
    assert step.state == StepState.WAITING
    assert "waiting for NAAEI review" in step.detail


def test_submit_page_says_what_is_missing(client, holder, cycle):
    earn(holder, 3)
    client.force_login(holder.user)
    page = client.get(reverse("cecs:submit"))
    assert "5 more are missing" in page.text
    response = client.post(reverse("cecs:submit"), follow=True)
    assert "5 more are missing" in response.text
    assert not Submission.objects.exists()


def test_dashboard_shows_a_rejection_with_its_reason(client, holder, cycle):
    earn(holder, 8)
    submission = submission_create(holder=holder, cycle=cycle, actor=holder.user)
    submission_reject(submission=submission, reviewer=reviewer_user(), reason="Wrong year")
    client.force_login(holder.user)
    step = client.get(reverse("dashboard")).context["steps"][3]
    assert step.state == StepState.TODO
    assert "Wrong year" in step.detail
    assert step.action_label == "Submit again"


def test_rejection_reason_reads_as_a_sentence_on_the_dashboard(client, holder, cycle):
    earn(holder, 8)
    submission = submission_create(holder=holder, cycle=cycle, actor=holder.user)
    submission_reject(submission=submission, reviewer=reviewer_user(), reason="Attach the form")
    client.force_login(holder.user)
    step = client.get(reverse("dashboard")).context["steps"][3]
    assert step.detail == (
        "NAAEI did not approve your submission: Attach the form. Correct it and submit again."
    )
