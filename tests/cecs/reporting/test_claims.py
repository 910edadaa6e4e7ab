"""Courses NAAEI reviews (an NAA or NAAEI course, another provider's, a college course): the
holder reports them on the same form with the certificate, and they count at once as
claimed, for NAAEI to accept or not with the submission."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cecs.ledger.selectors import cec_status, invoices_with_cec_counts
from cecs.models import Category, CecEntry, ReportingForm
from cecs.reporting.checks import ReportingFormInvalid
from cecs.reporting.services import reporting_form_save, reporting_form_verify
from core.errors import ApplicationError
from credentials.models import RenewalInvoice
from credentials.services import invoices_issue
from tests.factories import holder_with, staff_user

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=ZoneInfo("America/Denver"))
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def holder(cycle):
    holder = holder_with("CAM")
    invoices_issue(cycle=cycle)
    return holder


def course(**overrides):
    data = {
        "activity_type": "naa_course",
        "title": "NAAEI online: Fair Housing Essentials",
        "organisation": "NAAEI",
        "date_from": "2026-05-04",
        "date_to": "",
        "start_time": "",
        "end_time": "",
        "gross_hours": "3",
        "break_minutes": "0",
        "time_zone": "America/Denver",
        "description": "Online course, certificate attached.",
        "action": "submit",
    }
    data.update(overrides)
    return data


def cleaned_course():
    """What the page's form hands the service."""
    return course(
        date_from=datetime.date(2026, 5, 4),
        date_to=None,
        start_time=None,
        end_time=None,
        gross_hours=Decimal(3),
        break_minutes=0,
    )


def certificate(name="Certificate.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def claim(client, *, upload=True, **overrides):
    data = course(**overrides)
    if upload:
        data["upload"] = certificate()
    return client.post(reverse("cecs:form_new"), data)


def test_the_form_offers_the_courses_naaei_reviews_with_what_each_needs(holder_client, holder):
    page = holder_client.get(reverse("cecs:form_new"))
    assert '<option value="naa_course">NAA or NAAEI course</option>' in page.text
    assert '<option value="college_course">College course</option>' in page.text
    assert '<option value="aasc_class"' not in page.text  # attendance records those
    assert "NAAEI reviews it with your renewal submission" in page.text
    assert "Attach the certificate of completion." in page.text
    assert "Corporate in-house training is not accepted" in page.text


def test_a_course_with_its_certificate_counts_at_once_as_claimed_in_network(
    holder_client, holder, cycle, private_media
):
    response = claim(holder_client)
    form = ReportingForm.objects.get(holder=holder)
    assert response.status_code == 302
    assert form.status == ReportingForm.Status.CLAIMED
    entry = CecEntry.objects.get(holder=holder)
    assert (entry.status, entry.category, entry.hours) == (
        CecEntry.Status.CLAIMED,
        Category.IN_NETWORK,
        Decimal("3.00"),
    )
    assert entry.reporting_form == form
    invoice = RenewalInvoice.objects.get(holder=holder, cycle=cycle)
    status = cec_status(holder=holder, cycle=cycle, invoice=invoice)
    assert status.in_network == Decimal(3)
    assert status.counting[0].reason == "Claimed: NAAEI reviews it with your submission."
    counted = invoices_with_cec_counts(RenewalInvoice.objects.filter(pk=invoice.pk)).get()
    assert counted.cec_in_network == Decimal(3)  # the SQL count agrees
    page = holder_client.get(response.url)
    assert "Added to your CECs: 3 CECs claimed" in page.text
    status_page = holder_client.get(reverse("cecs:status"))
    assert "Claimed: NAAEI reviews it with your submission." in status_page.text
    assert "Reporting forms not yet verified" not in status_page.text
    assert reverse("cecs:form_upload", args=[form.pk]) in status_page.text


def test_a_course_without_its_certificate_is_refused_and_nothing_is_stored(
    holder_client, holder, private_media
):
    response = claim(holder_client, upload=False)
    assert response.status_code == 200
    assert "Attach the certificate of completion" in response.text
    assert "Nothing was saved" in response.text
    assert not ReportingForm.objects.exists()
    assert not CecEntry.objects.exists()


def test_a_saved_draft_course_is_claimed_from_the_list_once_its_certificate_is_on(
    holder_client, holder, private_media
):
    claim(holder_client, upload=False, action="save")
    form = ReportingForm.objects.get(holder=holder)
    listing = holder_client.get(reverse("cecs:forms"))
    assert "Add to my CECs" in listing.text
    refused = holder_client.post(reverse("cecs:form_submit", args=[form.pk]), follow=True)
    assert "Attach the certificate of completion" in refused.text
    form.refresh_from_db()
    assert form.status == ReportingForm.Status.DRAFT
    assert not CecEntry.objects.exists()


def test_a_2025_course_is_refused_naming_the_window(holder_client, holder, private_media):
    response = claim(holder_client, date_from="2025-03-10")
    assert "Dated March 2025: the 2027 renewal accepts CECs earned from January" in response.text
    assert not ReportingForm.objects.exists()


def test_a_claimed_form_cannot_change_or_go_to_aasc_staff(holder, private_media):
    form = reporting_form_save(
        holder=holder,
        form_data=cleaned_course(),
        upload=certificate(),
        actor=holder.user,
        submit=True,
    )
    with pytest.raises(ApplicationError, match="claimed"):
        reporting_form_save(holder=holder, form=form, form_data=cleaned_course(), actor=holder.user)
    with pytest.raises(ApplicationError, match="Only submitted forms can be verified"):
        reporting_form_verify(form=form, actor=staff_user(), signer_name="A. Staff")
    assert CecEntry.objects.get().status == CecEntry.Status.CLAIMED


def test_the_service_refuses_a_course_without_a_certificate(holder):
    with pytest.raises(ReportingFormInvalid) as refused:
        reporting_form_save(
            holder=holder,
            form_data=cleaned_course(),
            actor=holder.user,
            submit=True,
        )
    assert "upload" in refused.value.errors
    assert not ReportingForm.objects.exists()
