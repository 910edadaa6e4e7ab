"""NAAEI reviews each entry: approving accepts the claimed ones; rejecting names the entries
not accepted and why, and those no longer count until the holder replaces them."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from cecs.ledger.selectors import cec_status
from cecs.ledger.services import entry_create
from cecs.models import CecEntry, ReportingForm, Source, Submission, SubmissionEntry
from cecs.submissions.services import submission_approve, submission_create, submission_reject
from core.errors import ApplicationError
from credentials.models import RenewalInvoice
from credentials.services import invoices_issue
from holders.roles import NAAEI_REVIEWERS
from renewal_portal.dashboard import not_accepted_text
from tests.factories import UserFactory, holder_with, reviewer_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder(cycle):
    holder = holder_with("CAM")  # owes 8, at least 5 in-network
    invoices_issue(cycle=cycle)
    return holder


@pytest.fixture
def reviewer():
    return reviewer_user()


def earn(holder, hours, source=Source.AASC_CLASS, status=CecEntry.Status.COUNTED, title=None):
    return entry_create(
        holder=holder,
        title=title or f"{source} {hours}",
        provider="Provider",
        earned_on=datetime.date(2026, 5, 5),
        hours=Decimal(hours),
        source=source,
        status=status,
    )


@pytest.fixture
def submitted(holder, cycle):
    """An AASC class (5) and a claimed NAAEI course (3): 8 of 8, submitted."""
    class_entry = earn(holder, 5)
    course = earn(holder, 3, Source.NAA_COURSE, CecEntry.Status.CLAIMED, "NAAEI online course")
    submission = submission_create(holder=holder, cycle=cycle, actor=holder.user)
    return submission, class_entry, course


def status_of(holder, cycle):
    invoice = RenewalInvoice.objects.get(holder=holder, cycle=cycle)
    return cec_status(holder=holder, cycle=cycle, invoice=invoice)


def test_a_claimed_course_counts_and_goes_into_the_submission(submitted):
    submission, class_entry, course = submitted
    assert set(submission.entries.all()) == {class_entry, course}
    assert submission.total_hours == Decimal(8)


def test_approving_accepts_the_claimed_entries_with_the_reviewer_in_history(submitted, reviewer):
    submission, _class_entry, course = submitted
    submission_approve(submission=submission, reviewer=reviewer)
    course.refresh_from_db()
    assert course.status == CecEntry.Status.COUNTED
    latest = course.history.first()
    assert latest.history_user == reviewer
    assert latest.history_change_reason == "Accepted by NAAEI with the submission"


def test_rejecting_an_entry_stops_it_counting_and_tells_the_holder_why(
    submitted, reviewer, holder, cycle, django_capture_on_commit_callbacks
):
    submission, _class_entry, course = submitted
    with django_capture_on_commit_callbacks(execute=True):
        submission_reject(
            submission=submission,
            reviewer=reviewer,
            not_accepted={course.pk: "The certificate is for a different person."},
        )
    submission.refresh_from_db()
    course.refresh_from_db()
    assert submission.status == Submission.Status.REJECTED
    assert submission.rejection_reason == "NAAEI did not accept 1 entry: see each below."
    assert course.status == CecEntry.Status.NOT_ACCEPTED
    assert course.history.first().history_user == reviewer
    assert course.history.first().history_change_reason == (
        "Not accepted by NAAEI: The certificate is for a different person."
    )
    line = SubmissionEntry.objects.get(submission=submission, entry=course)
    assert line.not_accepted_reason == "The certificate is for a different person."
    status = status_of(holder, cycle)
    assert status.total == Decimal(5)
    assert [line.reason for line in status.not_counting] == [
        "Not accepted by NAAEI: The certificate is for a different person."
    ]
    (email,) = mail.outbox[-1:]
    assert "NAAEI online course (May 5, 2026): The certificate is for a different person." in (
        email.body
    )
    assert "“NAAEI online course” (The certificate is for a different person)" in (
        not_accepted_text(submission)
    )


def test_entries_not_named_stay_as_they_were(submitted, reviewer):
    submission, class_entry, course = submitted
    submission_reject(submission=submission, reviewer=reviewer, reason="Missing member number.")
    course.refresh_from_db()
    class_entry.refresh_from_db()
    assert course.status == CecEntry.Status.CLAIMED
    assert class_entry.status == CecEntry.Status.COUNTED


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "Give the reason for rejecting"),
        ({"not_accepted": {0: "Not in this submission."}}, "not in this submission"),
        ({"not_accepted": {"course": "  "}}, "Say why each entry"),
    ],
)
def test_a_rejection_without_reasons_or_naming_other_entries_changes_nothing(
    submitted, reviewer, kwargs, message
):
    submission, _class_entry, course = submitted
    if "course" in kwargs.get("not_accepted", {}):
        kwargs = {"not_accepted": {course.pk: "  "}}
    with pytest.raises(ApplicationError, match=message):
        submission_reject(submission=submission, reviewer=reviewer, **kwargs)
    submission.refresh_from_db()
    course.refresh_from_db()
    assert submission.status == Submission.Status.PENDING
    assert course.status == CecEntry.Status.CLAIMED


def test_the_reviewer_names_an_entry_on_the_review_page(client, submitted, reviewer):
    submission, _class_entry, course = submitted
    client.force_login(reviewer)
    page = client.get(reverse("cecs:review_detail", args=[submission.pk]))
    assert f'name="not_accepted_{course.pk}"' in page.text
    assert "NAAEI online course (May 5, 2026): not accepted because" in page.text
    assert "claimed by the holder for NAAEI to review, no certificate attached" in page.text
    response = client.post(
        reverse("cecs:review_reject", args=[submission.pk]),
        {"reason": "", f"not_accepted_{course.pk}": "Not an approved provider."},
    )
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.status == CecEntry.Status.NOT_ACCEPTED


def test_entries_named_together_each_keep_their_own_reason(submitted, reviewer):
    submission, class_entry, course = submitted
    reasons = {class_entry.pk: "Attended the wrong year.", course.pk: "Not an approved provider."}
    submission_reject(submission=submission, reviewer=reviewer, not_accepted=reasons)
    for entry in (class_entry, course):
        entry.refresh_from_db()
        latest = entry.history.first()
        assert entry.status == CecEntry.Status.NOT_ACCEPTED
        assert entry.correction_note == reasons[entry.pk]
        assert (latest.history_user, latest.history_change_reason) == (
            reviewer,
            f"Not accepted by NAAEI: {reasons[entry.pk]}",
        )


def test_an_empty_rejection_on_the_page_is_refused_with_a_message(client, submitted, reviewer):
    submission, _, _ = submitted
    client.force_login(reviewer)
    response = client.post(reverse("cecs:review_reject", args=[submission.pk]), {"reason": ""})
    assert response.status_code == 400
    # In the form's error box, which a screen reader announces.
    assert re.search(
        r'<div class="alert alert-block alert-danger" role="alert">\s*<ul class="m-0">\s*'
        r"<li>Give the reason for rejecting, or say why an entry is not accepted",
        response.text,
    )
    submission.refresh_from_db()
    assert submission.status == Submission.Status.PENDING


def test_the_submit_page_shows_what_changed_since_the_rejection(
    holder_client, holder, cycle, submitted, reviewer
):
    submission, _class_entry, course = submitted
    submission_reject(
        submission=submission, reviewer=reviewer, not_accepted={course.pk: "No certificate."}
    )
    before = holder_client.get(reverse("cecs:submit"))
    assert "NAAEI did not accept these entries" in before.text
    assert "NAAEI online course" in before.text
    assert "Nothing has been added yet" in before.text
    earn(holder, 3, Source.NAA_COURSE, CecEntry.Status.CLAIMED, "Apartmentalize session")
    after = holder_client.get(reverse("cecs:submit"))
    assert "Added since:" in after.text
    assert "Apartmentalize session" in after.text
    again = submission_create(holder=holder, cycle=cycle, actor=holder.user)
    assert course not in again.entries.all()


def test_the_dashboard_names_the_entries_not_accepted(holder_client, submitted, reviewer):
    submission, _, course = submitted
    submission_reject(
        submission=submission, reviewer=reviewer, not_accepted={course.pk: "No certificate."}
    )
    page = holder_client.get(reverse("dashboard"))
    assert "Not accepted, so no longer counted: “NAAEI online course” (No certificate)" in (
        page.text
    )


def test_a_reviewer_downloads_the_evidence_only_of_what_was_submitted(
    client, holder, cycle, private_media
):
    # Not staff: AASC staff roles see every scan; a reviewer account alone sees these.
    reviewer = UserFactory(role=NAAEI_REVIEWERS)
    from django.core.files.base import ContentFile

    pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    forms = []
    for title in ("Submitted course", "Unsubmitted course"):
        form = ReportingForm(
            holder=holder,
            activity_type_id="naa_course",
            title=title,
            organisation="NAAEI",
            date_from=datetime.date(2026, 5, 5),
            hours=Decimal(3),
            description="Online",
            status=ReportingForm.Status.CLAIMED,
            upload_name="certificate.pdf",
        )
        form.upload.save("cert.pdf", ContentFile(pdf), save=True)
        forms.append(form)
    earn(holder, 5)
    entry = earn(holder, 3, Source.NAA_COURSE, CecEntry.Status.CLAIMED, "Submitted course")
    entry.reporting_form = forms[0]
    entry.save()
    submission_create(holder=holder, cycle=cycle, actor=holder.user)
    client.force_login(reviewer)
    allowed = client.get(reverse("cecs:form_upload", args=[forms[0].pk]))
    assert allowed.status_code == 200
    assert allowed["Content-Disposition"].startswith("attachment")
    assert allowed["X-Content-Type-Options"] == "nosniff"
    assert client.get(reverse("cecs:form_upload", args=[forms[1].pk])).status_code == 404
