"""CECs from every source in a real browser, two people: the demo holder reports an NAAEI online
course with its certificate (after a 2025 date is refused with the window named), sees it in
CEC status as in-network, and submits; an NAAEI reviewer rejects that one entry saying why;
the holder removes it, replaces it with another course and submits again; the reviewer
approves and the renewal completes."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cecs.classes.services import attendance_record
from cecs.models import CecEntry, ReportingForm, Submission
from credentials.models import RenewalInvoice
from holders.models import User
from tests.factories import AascClassFactory

from .a11y import assert_no_blocking_axe_violations
from .test_submission_review import (
    HOLDER_NAME,
    QUEUE_PATH,
    STEP_4,
    SUBMIT_PATH,
    holder_signs_in,
    reject_button,
    reviewer_opens_pending,
    status_message,
    step,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FORM_PATH = reverse("cecs:form_new")
STATUS_PATH = reverse("cecs:status")
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

ONLINE_COURSE = "NAAEI online: Fair Housing Essentials"
REPLACEMENT = "Apartmentalize: Resident Retention"
NOT_ACCEPTED = "The certificate names another person"
# The 2027 renewal's window is named first (another open renewal's may follow).
WINDOW_REFUSAL = (
    "Dated March 2025: the 2027 renewal accepts CECs earned from January 1 to December 31, 2026"
)


@pytest.fixture
def five_cecs_counted(paid_invoice, demo_holder):
    """Paid, and 5 of the 8 CECs owed already counted (an AASC class)."""
    aasc_class = AascClassFactory(
        title="Leasing Law Update", held_on=datetime.date(2026, 5, 14), hours=Decimal(5)
    )
    attendance_record(
        aasc_class=aasc_class,
        holder=demo_holder,
        actor=User.objects.get(email="staff@demo.test"),
    )
    return paid_invoice


UPLOAD = "Signed form or certificate (scan, photo or PDF)"


def field(page, label):
    """The field labelled `label`, with or without the required-field asterisk."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def fill_course(page, *, title, provider, day, hours, certificate_dir):
    field(page, "Kind of activity").select_option(label="NAA or NAAEI course")
    field(page, "Course, class, committee or event").fill(title)
    field(page, "Organised by").fill(provider)
    field(page, "What you did or learned").fill("An online course; certificate attached.")
    field(page, "Date").fill(day)
    field(page, "Total hours (instead of times)").fill(hours)
    certificate = certificate_dir / "Certificate of completion.pdf"
    certificate.write_bytes(PDF)
    field(page, UPLOAD).set_input_files(str(certificate))


def submit_form(page):
    page.get_by_role("button", name="Submit", exact=True).click()


def holder_reports_the_course(page, live_server, tmp_path):
    """From CEC status, report the course: a 2025 date is refused naming the window."""
    page.goto(f"{live_server.url}{STATUS_PATH}")
    page.get_by_role("link", name="Report an activity or a course").click()
    expect(page).to_have_url(f"{live_server.url}{FORM_PATH}")
    fill_course(
        page,
        title=ONLINE_COURSE,
        provider="NAAEI",
        day="2025-03-10",
        hours="3",
        certificate_dir=tmp_path,
    )
    submit_form(page)
    expect(page.locator("main")).to_contain_text(WINDOW_REFUSAL)
    expect(page.locator("main")).to_contain_text("Nothing was saved")
    assert not ReportingForm.objects.exists()
    assert_no_blocking_axe_violations(page)

    field(page, "Date").fill("2026-05-04")
    # The browser forgets a chosen file after a refused post: choose it again.
    field(page, UPLOAD).set_input_files(str(tmp_path / "Certificate of completion.pdf"))
    submit_form(page)
    expect(status_message(page, "Added to your CECs: 3 CECs claimed")).to_be_visible()


def holder_sees_it_in_network(page, live_server):
    page.goto(f"{live_server.url}{STATUS_PATH}")
    counting = page.get_by_role("heading", name="CECs that count for 2027").locator(
        "xpath=following-sibling::ul[1]"
    )
    course = counting.get_by_role("listitem").filter(has_text=ONLINE_COURSE)
    expect(course).to_contain_text("In-network education")
    expect(course).to_contain_text("Claimed: NAAEI reviews it with your submission.")
    expect(course.get_by_role("link", name=f"Your certificate for {ONLINE_COURSE}")).to_be_visible()
    expect(page.locator("main")).to_contain_text("You have the 8 CECs you owe")
    assert_no_blocking_axe_violations(page)


def holder_submits(page, live_server, total="8"):
    page.goto(f"{live_server.url}{SUBMIT_PATH}")
    page.get_by_role("button", name=f"Submit {total} CECs to NAAEI", exact=True).click()
    expect(status_message(page, "are submitted to NAAEI")).to_be_visible()


def reviewer_rejects_the_course(page, live_server):
    reviewer_opens_pending(page, live_server)
    row = page.get_by_role("table", name="Entries in this submission").locator("tbody tr")
    course_row = row.filter(has_text=ONLINE_COURSE)
    expect(course_row).to_contain_text("claimed by the holder for NAAEI to review")
    expect(course_row.get_by_role("link", name=f"certificate for {ONLINE_COURSE}")).to_be_visible()
    assert_no_blocking_axe_violations(page)
    page.get_by_label(f"{ONLINE_COURSE} (May 4, 2026): not accepted because").fill(NOT_ACCEPTED)
    reject_button(page).click()
    expect(page).to_have_url(f"{live_server.url}{QUEUE_PATH}")
    expect(status_message(page, f"Rejected: {HOLDER_NAME}.")).to_be_visible()


def holder_replaces_it(page, live_server, tmp_path):
    page.goto(f"{live_server.url}{reverse('dashboard')}")
    expect(step(page, STEP_4)).to_contain_text(
        f"Not accepted, so no longer counted: “{ONLINE_COURSE}” ({NOT_ACCEPTED})"
    )
    step(page, STEP_4).get_by_role("link", name=re.compile("Submit again")).click()
    changes = page.get_by_role("region", name=re.compile("Since NAAEI rejected"))
    expect(changes).to_contain_text(f"{ONLINE_COURSE} (May 4, 2026, 3 CECs): {NOT_ACCEPTED}")
    expect(changes).to_contain_text("Nothing has been added yet")
    holder_removes_it(page, live_server)
    page.goto(f"{live_server.url}{SUBMIT_PATH}")
    changes.get_by_role("link", name="report an activity or a course").click()
    fill_course(
        page,
        title=REPLACEMENT,
        provider="NAA Apartmentalize 2026",
        day="2026-06-12",
        hours="3",
        certificate_dir=tmp_path,
    )
    submit_form(page)
    expect(status_message(page, "Added to your CECs: 3 CECs claimed")).to_be_visible()
    page.goto(f"{live_server.url}{SUBMIT_PATH}")
    expect(changes).to_contain_text("Added since:")
    expect(changes).to_contain_text(f"{REPLACEMENT} (Jun 12, 2026, 3 CECs)")
    assert_no_blocking_axe_violations(page)


def holder_removes_it(page, live_server):
    """From CEC status, the entry NAAEI did not accept is removed (after a confirmation)."""
    page.goto(f"{live_server.url}{STATUS_PATH}")
    page.get_by_role("link", name=f"Remove it from your CECs: {ONLINE_COURSE}").click()
    expect(page.get_by_role("heading", name=f"Remove “{ONLINE_COURSE}”?")).to_be_visible()
    assert_no_blocking_axe_violations(page)
    page.get_by_role("button", name="Remove it", exact=True).click()
    expect(
        status_message(page, f"Removed “{ONLINE_COURSE}”. Its 3 CECs no longer count.")
    ).to_be_visible()


def reviewer_approves(page, live_server):
    reviewer_opens_pending(page, live_server)
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(status_message(page, f"Approved: {HOLDER_NAME}.")).to_be_visible()


def test_a_course_is_claimed_rejected_replaced_and_approved(
    page, live_server, log_in, reviewer_page, five_cecs_counted, tmp_path, private_media
):
    holder_signs_in(page, live_server, log_in)
    holder_reports_the_course(page, live_server, tmp_path)
    holder_sees_it_in_network(page, live_server)
    holder_submits(page, live_server)

    reviewer_rejects_the_course(reviewer_page, live_server)
    holder_replaces_it(page, live_server, tmp_path)
    holder_submits(page, live_server)
    reviewer_approves(reviewer_page, live_server)

    page.goto(f"{live_server.url}{reverse('dashboard')}")
    expect(status_message(page, "Your 2027 renewal is complete.")).to_be_visible()
    invoice = RenewalInvoice.objects.get(pk=five_cecs_counted.pk)
    assert invoice.completed_at is not None
    statuses = dict(CecEntry.objects.values_list("title", "status"))
    assert statuses[ONLINE_COURSE] == CecEntry.Status.WITHDRAWN
    assert statuses[REPLACEMENT] == CecEntry.Status.COUNTED
    assert list(Submission.objects.order_by("pk").values_list("status", flat=True)) == [
        Submission.Status.REJECTED,
        Submission.Status.APPROVED,
    ]
