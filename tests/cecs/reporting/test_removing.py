"""A holder takes back an activity they reported: a draft, a form AASC is checking or
returned, or a claim NAAEI has not yet accepted. It stops counting; one AASC verified, or
a claim NAAEI is reviewing or accepted, stays."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from cecs.ledger.selectors import cec_status, invoices_with_cec_counts
from cecs.models import CecEntry, ReportingForm
from cecs.reporting.services import (
    reporting_form_remove,
    reporting_form_save,
    reporting_form_verify,
)
from cecs.submissions.selectors import changes_since_rejection
from cecs.submissions.services import submission_approve, submission_create, submission_reject
from core.errors import ApplicationError
from credentials.models import RenewalInvoice
from credentials.services import invoices_issue
from tests.cecs.reporting.test_claims import certificate, cleaned_course
from tests.factories import holder_with, reviewer_user, staff_user

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=ZoneInfo("America/Denver"))


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def holder(cycle):
    holder = holder_with("CAM")
    invoices_issue(cycle=cycle)
    return holder


def claimed(holder, **overrides):
    data = {**cleaned_course(), **overrides}
    return reporting_form_save(
        holder=holder, form_data=data, upload=certificate(), actor=holder.user, submit=True
    )


def expo_form(holder, *, submit):
    data = {**cleaned_course(), "activity_type": "expo_class", "title": "Expo: leasing"}
    return reporting_form_save(holder=holder, form_data=data, actor=holder.user, submit=submit)


def status_of(holder, cycle):
    invoice = RenewalInvoice.objects.get(holder=holder, cycle=cycle)
    return cec_status(holder=holder, cycle=cycle, invoice=invoice)


def test_the_holder_removes_a_claim_from_the_page_and_its_cecs_stop_counting(
    holder_client, holder, cycle, private_media, django_capture_on_commit_callbacks
):
    form = claimed(holder)
    scan = private_media / form.upload.name
    assert scan.exists()
    listing = holder_client.get(reverse("cecs:forms"))
    remove_url = reverse("cecs:form_remove", args=[form.pk])
    assert remove_url in listing.text
    confirm = holder_client.get(remove_url)
    assert "Its CECs stop counting at once" in confirm.text
    with django_capture_on_commit_callbacks(execute=True):
        response = holder_client.post(remove_url, follow=True)
    assert "Removed “NAAEI online: Fair Housing Essentials”. Its 3 CECs no longer count." in (
        response.text
    )
    form.refresh_from_db()
    entry = CecEntry.objects.get(reporting_form=form)
    assert form.status == ReportingForm.Status.REMOVED
    assert (entry.status, entry.correction_note) == (CecEntry.Status.WITHDRAWN, "You removed it.")
    assert entry.history.first().history_user == holder.user
    assert form.history.first().history_user == holder.user
    status = status_of(holder, cycle)
    assert status.total == 0
    assert status.not_counting[0].reason == "You removed it."
    invoice = RenewalInvoice.objects.get(holder=holder, cycle=cycle)
    assert (
        invoices_with_cec_counts(RenewalInvoice.objects.filter(pk=invoice.pk)).get().cec_total == 0
    )
    assert not form.upload
    assert not scan.exists()  # deleted after the commit: it frees the holder's quota
    assert "You removed it; it does not count." in holder_client.get(reverse("cecs:forms")).text


def test_drafts_and_forms_waiting_for_aasc_can_be_removed_but_not_verified_ones(holder):
    draft = reporting_form_remove(form=expo_form(holder, submit=False), actor=holder.user)
    waiting = reporting_form_remove(form=expo_form(holder, submit=True), actor=holder.user)
    assert draft.status == waiting.status == ReportingForm.Status.REMOVED
    assert not CecEntry.objects.exists()
    verified = reporting_form_verify(
        form=expo_form(holder, submit=True), actor=staff_user(), signer_name="A. Staff"
    )
    with pytest.raises(ApplicationError, match="verified and signed and cannot be removed"):
        reporting_form_remove(form=verified, actor=holder.user)
    with pytest.raises(ApplicationError, match="You removed this form already"):
        reporting_form_remove(form=draft, actor=holder.user)
    verified.refresh_from_db()
    assert verified.status == ReportingForm.Status.VERIFIED
    assert CecEntry.objects.get().status == CecEntry.Status.COUNTED


def test_a_claim_under_review_or_accepted_cannot_be_removed(
    holder_client, holder, cycle, private_media
):
    form = claimed(holder, gross_hours=Decimal(8))
    submission = submission_create(holder=holder, cycle=cycle, actor=holder.user)
    page = holder_client.get(reverse("cecs:form_remove", args=[form.pk]), follow=True)
    assert "is in the submission NAAEI is reviewing, so it cannot be removed now" in page.text
    refused = holder_client.post(reverse("cecs:form_remove", args=[form.pk]), follow=True)
    assert "cannot be removed now" in refused.text
    assert "Nothing was changed." in refused.text
    assert CecEntry.objects.get().status == CecEntry.Status.CLAIMED
    submission_approve(submission=submission, reviewer=reviewer_user())
    form.refresh_from_db()
    assert not form.is_removable
    with pytest.raises(ApplicationError, match="NAAEI accepted"):
        reporting_form_remove(form=form, actor=holder.user)
    assert CecEntry.objects.get().status == CecEntry.Status.COUNTED


def test_after_a_rejection_the_holder_removes_entries_and_the_submit_page_says_so(
    holder_client, holder, cycle, private_media
):
    named = claimed(holder, title="Course NAAEI did not accept", gross_hours=Decimal(4))
    kept = claimed(holder, title="Course the holder drops", gross_hours=Decimal(4))
    submission = submission_create(holder=holder, cycle=cycle, actor=holder.user)
    named_entry = CecEntry.objects.get(reporting_form=named)
    submission_reject(
        submission=submission,
        reviewer=reviewer_user(),
        not_accepted={named_entry.pk: "The certificate names someone else."},
    )
    status_page = holder_client.get(reverse("cecs:status"))
    assert reverse("cecs:form_remove", args=[named.pk]) in status_page.text  # "Remove it"
    holder_client.post(reverse("cecs:form_remove", args=[named.pk]))
    holder_client.post(reverse("cecs:form_remove", args=[kept.pk]))
    named.refresh_from_db()
    assert named.upload  # NAAEI saw it with the submission: kept as the record
    submission.refresh_from_db()
    status = status_of(holder, cycle)
    changes = changes_since_rejection(status=status, submissions=[submission])
    assert [entry.title for entry in changes.dropped] == ["Course the holder drops"]
    submit_page = holder_client.get(reverse("cecs:submit"))
    assert "Course the holder drops" in submit_page.text


def test_another_holders_form_cannot_be_removed(client, holder, private_media):
    form = claimed(holder)
    other = holder_with("CAM")
    client.force_login(other.user)
    assert client.post(reverse("cecs:form_remove", args=[form.pk])).status_code == 404
    assert CecEntry.objects.get().status == CecEntry.Status.CLAIMED
