"""Renewal step 4 in a real browser: the demo holder submits their 2026 CECs, an NAAEI
reviewer (a second person, in a second browser context) rejects them with a reason, the
holder submits again, the reviewer approves, and the renewal completes."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from cecs.classes.services import attendance_record
from cecs.models import CecEntry, Submission
from cecs.submissions.services import submission_create
from credentials.models import HeldCredential, RenewalInvoice
from holders.models import User
from tests.factories import AascClassFactory

from .a11y import PHONE_VIEWPORT, assert_no_blocking_axe_violations, assert_no_horizontal_scroll

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

HOLDER_EMAIL = "holder@demo.test"
STAFF_EMAIL = "staff@demo.test"
REVIEWER_EMAIL = "reviewer@demo.test"
HOLDER_NAME = "Dana Holder"

DASHBOARD_PATH = reverse("dashboard")
SUBMIT_PATH = reverse("cecs:submit")
QUEUE_PATH = reverse("cecs:review_queue")

CLASS_TITLE = "Fair Housing and Leasing Law Update"
CLASS_INSTRUCTOR = "Pat Instructor"
CLASS_DAY = datetime.date(2026, 5, 14)
REJECTION_REASON = "Please attach the Expo form"

SUBMIT_BUTTON = "Submit 8 CECs to NAAEI"
SUBMITTED_MESSAGE = (
    "Your 2027 CECs (8) are submitted to NAAEI. We will email you when they are reviewed."
)
STEP_3 = "3. Check your CEC status"
STEP_4 = "4. Submit outstanding CECs online"
SUBMITTED_DETAIL = "Submitted on November 26, 2026; waiting for NAAEI review."
REJECTED_DETAIL = (
    f"NAAEI did not approve your submission: {REJECTION_REASON}. Correct it and submit again."
)
APPROVED_DETAIL = "Approved by NAAEI on November 26, 2026."


def subject(text):
    return f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{text}"


RECEIVED_SUBJECT = subject("Your 2027 CEC submission is with NAAEI")
REJECTED_SUBJECT = subject("Your 2027 CEC submission needs attention")
APPROVED_SUBJECT = subject("NAAEI approved your 2027 CECs")


def exact(text):
    """A regex that matches `text` exactly (Playwright's name= is a substring otherwise)."""
    return re.compile(rf"^{re.escape(text)}$")


def squashed(text):
    return " ".join(text.split())


def description_list(locator):
    """{term: definition} of a <dl>, whitespace collapsed."""
    return locator.evaluate(
        """(dl) => Object.fromEntries(
            Array.from(dl.querySelectorAll('dt')).map((dt) => [
                dt.textContent.trim().replace(/\\s+/g, ' '),
                dt.nextElementSibling.textContent.trim().replace(/\\s+/g, ' '),
            ]))"""
    )


# --- Set-up in the database ----------------------------------------------------------


@pytest.fixture
def earned_cecs(demo_cycle, demo_holder):
    """8 in-network CECs earned in 2026: AASC staff record attendance at an 8-hour class."""
    aasc_class = AascClassFactory(
        title=CLASS_TITLE, held_on=CLASS_DAY, instructor=CLASS_INSTRUCTOR, hours=Decimal(8)
    )
    attendance, created = attendance_record(
        aasc_class=aasc_class, holder=demo_holder, actor=User.objects.get(email=STAFF_EMAIL)
    )
    assert created
    return attendance.cec_entry


@pytest.fixture
def ready_to_submit(paid_invoice, earned_cecs):
    return paid_invoice


@pytest.fixture
def pending_submission(ready_to_submit, demo_holder, demo_cycle):
    return submission_create(holder=demo_holder, cycle=demo_cycle, actor=demo_holder.user)


# --- Page helpers ----------------------------------------------------------------------


def steps(page):
    heading = page.get_by_role("heading", name="Renewal steps", level=2, exact=True)
    return heading.locator("xpath=following-sibling::ol[1]").get_by_role("listitem")


def step(page, title):
    return steps(page).filter(has=page.locator(".fw-semibold", has_text=exact(title)))


def expect_step(page, title, state, detail):
    item = step(page, title)
    expect(item).to_have_count(1)
    expect(item.locator(".badge")).to_have_text(state)
    expect(item.locator(".small")).to_have_text(detail)
    return item


def credentials(page):
    heading = page.get_by_role("heading", name="Your credentials", level=2, exact=True)
    return heading.locator("xpath=following-sibling::ul[1]").get_by_role("listitem")


def status_message(page, text):
    return page.get_by_role("status").filter(has_text=text)


def queue_rows(page):
    return page.get_by_role("table", name="Submissions").locator("tbody tr")


def entries_table(page):
    return page.get_by_role("table", name="Entries in this submission")


def reason_box(page):
    return page.get_by_label("Reason")


def reject_button(page):
    return page.get_by_role("button", name="Reject", exact=True)


def holder_signs_in(page, live_server, log_in):
    log_in(HOLDER_EMAIL)
    expect(page).to_have_url(f"{live_server.url}{DASHBOARD_PATH}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your 2027 renewal")


def holder_submits(page, live_server):
    """From the dashboard's step 4, submit the 8 CECs; back on the dashboard."""
    step(page, STEP_4).get_by_role("link", name=re.compile(r" for step 4$")).click()
    expect(page).to_have_url(f"{live_server.url}{SUBMIT_PATH}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Submit your CECs for the 2027 renewal"
    )
    counted = page.locator("main ul.list-group").last.get_by_role("listitem")
    expect(counted).to_have_count(2)
    expect(counted.nth(0)).to_have_text(
        re.compile(
            rf"^{re.escape(CLASS_TITLE)}\s*\(May 14, 2026, in-network education\)\s*8$",
        )
    )
    expect(counted.nth(1)).to_have_text(re.compile(r"^Total \(you owe 8\)\s*8$"))
    page.get_by_role("button", name=SUBMIT_BUTTON, exact=True).click()

    expect(page).to_have_url(f"{live_server.url}{DASHBOARD_PATH}")
    expect(status_message(page, SUBMITTED_MESSAGE)).to_be_visible()
    expect_step(page, STEP_4, "Waiting", SUBMITTED_DETAIL)
    expect(step(page, STEP_4).get_by_role("link")).to_have_count(0)


def reviewer_opens_pending(page, live_server):
    """From the queue, open Dana Holder's one pending submission."""
    page.goto(f"{live_server.url}{QUEUE_PATH}")
    rows = queue_rows(page)
    expect(rows).to_have_count(1)
    cells = rows.first.locator("td")
    expect(cells).to_have_text(
        [
            re.compile(r"^Nov 26, 2026 \d\d:\d\d$"),
            HOLDER_NAME,
            "D0000001",
            "2027",
            "CAM, NALP",
            "8 / 8",
            "Waiting for NAAEI review",
        ]
    )
    rows.first.get_by_role("link", name=HOLDER_NAME, exact=True).click()
    pending = Submission.objects.get(status=Submission.Status.PENDING)
    expect(page).to_have_url(f"{live_server.url}{reverse('cecs:review_detail', args=[pending.pk])}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{HOLDER_NAME}: 2027 CECs")
    return pending


def expect_review_detail(page, entry):
    details = description_list(page.locator("main dl"))
    assert details["NAAEI member"] == "D0000001"
    assert details["Credentials renewed"] == "CAM CAM-104233, NALP NALP-220871"
    assert details["CECs owed"] == (
        "8 (at least 5 in-network), earned Jan 1, 2026 \u2013 Dec 31, 2026"
    ), details
    assert re.fullmatch(
        r"8 CECs: 8 in-network, 0 participation, on November 26, 2026 \d\d:\d\d",
        details["Submitted"],
    ), details
    assert details["Status"] == "Waiting for NAAEI review", details

    rows = entries_table(page).locator("tbody tr")
    expect(rows).to_have_count(1)
    cells = [squashed(text) for text in rows.first.locator("td").all_inner_texts()]
    assert cells == [
        "May 14, 2026",
        f"{CLASS_TITLE} AASC (Apartment Association of Southern Colorado) · In-network education",
        f'AASC class: attendance at "{CLASS_TITLE}" ({CLASS_INSTRUCTOR}), '
        f"certificate {entry.verification_code}",
        "8",
    ], cells


# --- Steps of the journey ------------------------------------------------------------


def holder_sees_step_4_to_do(page, live_server, log_in):
    """The holder: paid, 8 CECs counted, so step 4 is to do."""
    holder_signs_in(page, live_server, log_in)
    expect_step(page, "2. Pay your renewal invoice", "Done", "Paid. Thank you.")
    expect_step(page, STEP_3, "Done", "8 CECs count; you owe 8.")
    todo = expect_step(
        page,
        STEP_4,
        "To do",
        "Submit your 8 CECs to NAAEI, all in one submission.",
    )
    expect(todo.get_by_role("link", name=exact("Submit CECs for step 4"))).to_have_attribute(
        "href", SUBMIT_PATH
    )


def reviewer_reads_pending(page, live_server, entry):
    """The reviewer finds the submission in the queue and reads it."""
    reviewer_opens_pending(page, live_server)
    expect_review_detail(page, entry)
    expect(page.get_by_role("button", name="Approve", exact=True)).to_be_visible()
    expect(reason_box(page)).to_have_accessible_description(
        re.compile("The holder sees this reason; say what to fix.")
    )


NO_REASON = "Give the reason for rejecting, or say why an entry is not accepted"


def reviewer_cannot_reject_without_a_reason(page, submission):
    # Neither a reason (spaces only) nor an entry named: the server refuses and says why.
    reason_box(page).fill("   ")
    with page.expect_response(re.compile(r"/reject/$")) as answer:
        reject_button(page).click()
    assert answer.value.status == 400
    expect(page.locator("main .alert-danger")).to_contain_text(NO_REASON)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.PENDING


def reviewer_rejects_with_a_reason(page, live_server, submission):
    # Nothing else is pending, so the reviewer is back at the queue.
    reason_box(page).fill(REJECTION_REASON)
    reject_button(page).click()
    expect(page).to_have_url(f"{live_server.url}{QUEUE_PATH}")
    expect(status_message(page, f"Rejected: {HOLDER_NAME}.")).to_be_visible()
    expect(queue_rows(page)).to_have_text(["Nothing to review."])
    submission.refresh_from_db()
    assert submission.status == Submission.Status.REJECTED
    assert submission.rejection_reason == REJECTION_REASON
    assert submission.decided_by.email == REVIEWER_EMAIL


def holder_submits_again(page, live_server, rejected):
    """The holder sees the reason and submits again: a new submission, pending."""
    page.reload()
    again = expect_step(page, STEP_4, "To do", REJECTED_DETAIL)
    expect(again.get_by_role("link", name=exact("Submit again for step 4"))).to_have_attribute(
        "href", SUBMIT_PATH
    )
    holder_submits(page, live_server)
    second = Submission.objects.get(status=Submission.Status.PENDING)
    assert second.pk != rejected.pk


def reviewer_approves(page, live_server, entry):
    reviewer_opens_pending(page, live_server)
    expect_review_detail(page, entry)
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{QUEUE_PATH}")
    expect(status_message(page, f"Approved: {HOLDER_NAME}.")).to_be_visible()
    expect(queue_rows(page)).to_have_text(["Nothing to review."])


def holder_sees_renewal_complete(page):
    """Both credentials renewed to the end of 2027."""
    page.reload()
    expect(status_message(page, "Your 2027 renewal is complete.")).to_be_visible()
    expect_step(page, STEP_4, "Done", APPROVED_DETAIL)
    held = credentials(page)
    expect(held).to_have_count(2)
    for index, number in enumerate(["CAM-104233", "NALP-220871"]):
        expect(held.nth(index)).to_contain_text(f"No. {number} ·")
        expect(held.nth(index)).to_contain_text("expires Dec 31, 2027")
        expect(held.nth(index).locator(".badge")).to_have_text("Active")


def expect_renewal_completed(invoice, entry):
    """The database agrees with the page: completed, renewed, one rejected and one
    approved submission, the entry counted."""
    invoice = RenewalInvoice.objects.get(pk=invoice.pk)
    assert invoice.cecs_approved_at is not None
    assert invoice.completed_at is not None
    assert sorted(
        HeldCredential.objects.filter(holder=invoice.holder).values_list(
            "number", "expires_on", "status"
        )
    ) == [
        ("CAM-104233", datetime.date(2027, 12, 31), HeldCredential.Status.ACTIVE),
        ("NALP-220871", datetime.date(2027, 12, 31), HeldCredential.Status.ACTIVE),
    ]
    assert list(Submission.objects.order_by("submitted_at").values_list("status", flat=True)) == [
        Submission.Status.REJECTED,
        Submission.Status.APPROVED,
    ]
    assert CecEntry.objects.get(pk=entry.pk).status == CecEntry.Status.COUNTED


def expect_journey_emails(mailoutbox):
    """Sent by Celery (eager) on commit in the live server's thread."""
    assert [(message.to, message.subject) for message in mailoutbox] == [
        ([HOLDER_EMAIL], RECEIVED_SUBJECT),
        ([HOLDER_EMAIL], REJECTED_SUBJECT),
        ([HOLDER_EMAIL], RECEIVED_SUBJECT),
        ([HOLDER_EMAIL], APPROVED_SUBJECT),
    ]
    assert REJECTION_REASON in mailoutbox[1].body
    assert "Your renewal is complete" in mailoutbox[3].body


# --- 1. The whole journey, two people ----------------------------------------------------


def test_submission_is_rejected_resubmitted_and_approved_completing_the_renewal(
    page, live_server, log_in, reviewer_page, ready_to_submit, earned_cecs, mailoutbox
):
    holder_page = page
    review = reviewer_page

    holder_sees_step_4_to_do(holder_page, live_server, log_in)
    holder_submits(holder_page, live_server)
    first = Submission.objects.get()
    assert first.status == Submission.Status.PENDING
    assert first.total_hours == Decimal(8)

    reviewer_reads_pending(review, live_server, earned_cecs)
    reviewer_cannot_reject_without_a_reason(review, first)
    reviewer_rejects_with_a_reason(review, live_server, first)

    holder_submits_again(holder_page, live_server, first)
    reviewer_approves(review, live_server, earned_cecs)

    holder_sees_renewal_complete(holder_page)
    expect_renewal_completed(ready_to_submit, earned_cecs)
    expect_journey_emails(mailoutbox)


# --- 2. Accessibility and phone width --------------------------------------------------


def test_submit_page_has_no_serious_axe_violations(page, live_server, log_in, ready_to_submit):
    holder_signs_in(page, live_server, log_in)
    page.goto(f"{live_server.url}{SUBMIT_PATH}")
    expect(page.get_by_role("button", name=SUBMIT_BUTTON, exact=True)).to_be_visible()
    assert_no_blocking_axe_violations(page)


def test_review_queue_has_no_serious_axe_violations(reviewer_page, live_server, pending_submission):
    reviewer_page.reload()
    expect(queue_rows(reviewer_page)).to_have_count(1)
    expect(queue_rows(reviewer_page).first).to_contain_text(HOLDER_NAME)
    assert_no_blocking_axe_violations(reviewer_page)


def test_review_detail_has_no_serious_axe_violations_with_or_without_an_error(
    reviewer_page, live_server, pending_submission, earned_cecs
):
    reviewer_opens_pending(reviewer_page, live_server)
    expect_review_detail(reviewer_page, earned_cecs)
    assert_no_blocking_axe_violations(reviewer_page)

    reason_box(reviewer_page).fill("   ")
    reject_button(reviewer_page).click()
    expect(reviewer_page.locator("main")).to_contain_text(NO_REASON)
    assert_no_blocking_axe_violations(reviewer_page)


def test_review_detail_fits_a_phone_screen(reviewer_page, live_server, pending_submission):
    reviewer_page.set_viewport_size(PHONE_VIEWPORT)
    reviewer_page.goto(
        f"{live_server.url}{reverse('cecs:review_detail', args=[pending_submission.pk])}"
    )
    expect(entries_table(reviewer_page).locator("tbody tr")).to_have_count(1)
    expect(reject_button(reviewer_page)).to_be_visible()
    assert_no_horizontal_scroll(reviewer_page)
