"""The renewal dashboard, the invoice and its PDF, the admin's invoice run and public
verification, in a real browser on the `make run` demo data (2027 renewal season)."""

import re
import subprocess

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from credentials.models import RenewalInvoice
from holders.models import ContactConfirmation
from tests.factories import holder_with

from .a11y import PHONE_VIEWPORT, assert_no_blocking_axe_violations, assert_no_horizontal_scroll

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

HOLDER_EMAIL = "holder@demo.test"
STAFF_EMAIL = "staff@demo.test"

DASHBOARD_PATH = reverse("dashboard")
PROFILE_PATH = reverse("holders:profile")
VERIFY_PATH = reverse("credentials:verify")
CYCLES_PATH = reverse("admin:credentials_renewalcycle_changelist")

DEMO_CAM_NUMBER = "CAM-104233"
DEMO_NALP_NUMBER = "NALP-220871"

# Step 3 tracks CECs (cecs app): with none recorded yet, all 8 are still needed.
# Step 4 waits until the CECs are earned.
FIRST_STEPS = [
    ("1. Update your contact information", "To do"),
    ("2. Pay your renewal invoice", "To do"),
    ("3. Check your CEC status", "To do"),
    ("4. Submit outstanding CECs online", "Waiting"),
]
CEC_STEP_DETAIL = "8 more CECs needed, earned in 2026 (0 of 8 so far)."
SUBMISSION_STEP_DETAIL = "Earn the missing CECs first; then submit them all at once."


def exact(text):
    """A regex that matches `text` exactly (Playwright's name= is a substring otherwise)."""
    return re.compile(rf"^{re.escape(text)}$")


def dashboard_url(live_server):
    return f"{live_server.url}{DASHBOARD_PATH}"


def invoice_url(live_server, invoice):
    return f"{live_server.url}{reverse('payments:invoice', args=[invoice.number])}"


def steps(page):
    """The list items of the "Renewal steps" list, in page order."""
    heading = page.get_by_role("heading", name="Renewal steps", level=2, exact=True)
    return heading.locator("xpath=following-sibling::ol[1]").get_by_role("listitem")


def expect_steps(page, expected):
    items = steps(page)
    expect(items).to_have_count(len(expected))
    for index, (title, state) in enumerate(expected):
        item = items.nth(index)
        expect(item.locator(".fw-semibold")).to_have_text(title)
        expect(item.locator(".badge")).to_have_text(state)


def credentials(page):
    """The list items of the "Your credentials" list, in page order."""
    heading = page.get_by_role("heading", name="Your credentials", level=2, exact=True)
    return heading.locator("xpath=following-sibling::ul[1]").get_by_role("listitem")


def next_card(page):
    return page.locator(".card").filter(has=page.get_by_role("heading", name=re.compile("^Next:")))


def description_list(locator):
    """{term: definition} of a <dl>, whitespace collapsed."""
    return locator.evaluate(
        """(dl) => Object.fromEntries(
            Array.from(dl.querySelectorAll('dt')).map((dt) => [
                dt.textContent.trim().replace(/\\s+/g, ' '),
                dt.nextElementSibling.textContent.trim().replace(/\\s+/g, ' '),
            ]))"""
    )


def visible_text(page):
    return " ".join(page.locator("body").inner_text().split())


def sign_in_to_dashboard(page, live_server, log_in):
    log_in(HOLDER_EMAIL)
    # "/" after sign-in sends a holder to the dashboard.
    expect(page).to_have_url(dashboard_url(live_server))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your 2027 renewal")


# --- 1. The dashboard as the demo holder first sees it -----------------------------


def test_demo_holder_lands_on_their_2027_renewal(page, live_server, log_in, demo_invoice):
    sign_in_to_dashboard(page, live_server, log_in)
    expect(page.get_by_text("Signed in as Dana Holder, NAAEI member D0000001.")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="My renewal")).to_have_attribute("aria-current", "page")

    expect_steps(page, FIRST_STEPS)
    items = steps(page)
    expect(items.nth(2)).to_contain_text(CEC_STEP_DETAIL)
    expect(
        items.nth(2).get_by_role("link", name=exact("View CEC status for step 3"))
    ).to_have_attribute("href", reverse("cecs:status"))
    # Step 4 offers nothing to click yet.
    expect(items.nth(3)).to_contain_text(SUBMISSION_STEP_DETAIL)
    expect(items.nth(3).get_by_role("link")).to_have_count(0)

    card = next_card(page)
    expect(card).to_have_count(1)
    expect(card.get_by_role("heading", level=2)).to_have_text(
        "Next: Update your contact information"
    )
    expect(card).to_contain_text("Check and confirm your details for the 2027 renewal.")
    expect(card.get_by_role("link", name="Confirm contact details", exact=True)).to_have_attribute(
        "href", f"{PROFILE_PATH}?year=2027"
    )

    held = credentials(page)
    expect(held).to_have_count(2)
    expect(held.nth(0).locator(".fw-semibold")).to_have_text("CAM Certified Apartment Manager")
    expect(held.nth(0)).to_contain_text(
        f"No. {DEMO_CAM_NUMBER} · earned Jun 14, 2019 · expires Dec 31, 2026"
    )
    expect(held.nth(0).locator(".badge")).to_have_text("Due for renewal")
    expect(held.nth(1).locator(".fw-semibold")).to_have_text(re.compile(r"^NALP "))
    expect(held.nth(1)).to_contain_text(
        f"No. {DEMO_NALP_NUMBER} · earned Sep 22, 2017 · expires Dec 31, 2026"
    )
    expect(held.nth(1).locator(".badge")).to_have_text("Due for renewal")

    summary = page.get_by_role("heading", name="Invoice", level=2, exact=True).locator(
        "xpath=following-sibling::p[1]"
    )
    expect(summary).to_have_text(
        f"Invoice {demo_invoice.number}: $220.00, open. CECs owed: 8, earned in 2026."
    )
    assert demo_invoice.number == f"AASC-2027-{demo_invoice.holder_id:06d}"
    expect(summary.get_by_role("link", name=demo_invoice.number)).to_have_attribute(
        "href", reverse("payments:invoice", args=[demo_invoice.number])
    )


# --- 2. Step 1 from the dashboard -------------------------------------------------


def test_confirming_contact_details_completes_step_one(
    page, live_server, log_in, demo_invoice, demo_holder
):
    sign_in_to_dashboard(page, live_server, log_in)

    next_card(page).get_by_role("link", name="Confirm contact details", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{PROFILE_PATH}?year=2027")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your contact information")
    expect(
        page.get_by_text("Please check these details and confirm them for the 2027 renewal.")
    ).to_be_visible()

    page.get_by_role("button", name="Save and confirm for the 2027 renewal", exact=True).click()
    expect(
        page.get_by_role("status").filter(
            has_text="Your contact details are saved and confirmed for the 2027 renewal."
        )
    ).to_be_visible()
    expect(
        page.get_by_role("status").filter(
            has_text="Confirmed for the 2027 renewal on November 26, 2026."
        )
    ).to_be_visible()
    assert ContactConfirmation.objects.filter(holder=demo_holder, cycle_year=2027).exists()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My renewal").click()
    expect(page).to_have_url(dashboard_url(live_server))

    expect_steps(page, [("1. Update your contact information", "Done"), *FIRST_STEPS[1:]])
    first = steps(page).nth(0)
    expect(first).to_contain_text("Confirmed on November 26, 2026.")
    expect(first.get_by_role("link", name=exact("Review for step 1"))).to_have_attribute(
        "href", f"{PROFILE_PATH}?year=2027"
    )

    card = next_card(page)
    expect(card.get_by_role("heading", level=2)).to_have_text("Next: Pay your renewal invoice")
    expect(card).to_contain_text("Pay $220.00 by credit or debit card.")
    card.get_by_role("link", name="View and pay invoice", exact=True).click()
    expect(page).to_have_url(invoice_url(live_server, demo_invoice))


# --- 3. The invoice and its PDF ---------------------------------------------------


def pdf_text(path):
    """The PDF's text as poppler's pdftotext reads it, whitespace collapsed."""
    result = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True, timeout=30
    )
    return " ".join(result.stdout.split())


def test_holder_reads_the_invoice_and_downloads_its_pdf(
    page, live_server, log_in, demo_invoice, tmp_path
):
    sign_in_to_dashboard(page, live_server, log_in)
    page.get_by_role("link", name=demo_invoice.number, exact=True).click()
    expect(page).to_have_url(invoice_url(live_server, demo_invoice))
    expect(page.get_by_role("heading", level=1)).to_have_text("2027 renewal invoice")

    assert description_list(page.locator("main dl").first) == {
        "Invoice number": demo_invoice.number,
        "Holder": "Dana Holder (member D0000001)",
        "Status": "Open",
        "Due": "January 1, 2027 (grace period until March 31, 2027)",
    }
    lines = page.get_by_role("table", name="Invoice lines")
    expect(lines.locator("tbody tr")).to_have_text(
        [
            re.compile(rf"^CAM renewal: .*{DEMO_CAM_NUMBER}\s*\$125\.00$"),
            re.compile(rf"^NALP renewal: .*{DEMO_NALP_NUMBER}\s*\$95\.00$"),
        ]
    )
    expect(lines.locator("tfoot tr")).to_have_text(re.compile(r"^Total\s*\$220\.00$"))
    cecs = page.locator("main p").filter(has_text="CECs owed:")
    expect(cecs).to_contain_text("CECs owed: 8, earned between January 1, 2026")
    expect(cecs).to_contain_text("December 31, 2026 (calendar year 2026).")
    expect(page.get_by_role("link", name="← Back to your renewal")).to_have_attribute(
        "href", DASHBOARD_PATH
    )

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF", exact=True).click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename == f"{demo_invoice.number}.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)

    assert saved.read_bytes().startswith(b"%PDF-"), f"{saved} is not a PDF"
    text = pdf_text(saved)
    for expected in (
        f"2027 renewal invoice {demo_invoice.number}",
        "Dana Holder",
        "$220.00",
        "CECs owed: 8",
        "(calendar year 2026)",
        "January 1, 2027",
    ):
        assert expected in text, f"{expected!r} is not in the PDF's text: {text!r}"
    # Downloading is not navigating: the invoice page stays.
    expect(page).to_have_url(invoice_url(live_server, demo_invoice))


# --- 4. Accessibility and phone width ---------------------------------------------


def test_dashboard_has_no_serious_axe_violations(page, live_server, log_in, demo_invoice):
    sign_in_to_dashboard(page, live_server, log_in)
    expect(steps(page)).to_have_count(4)
    assert_no_blocking_axe_violations(page)


def test_invoice_page_has_no_serious_axe_violations(page, live_server, log_in, demo_invoice):
    log_in(HOLDER_EMAIL)
    page.goto(invoice_url(live_server, demo_invoice))
    expect(page.get_by_role("heading", level=1)).to_have_text("2027 renewal invoice")
    assert_no_blocking_axe_violations(page)


@pytest.mark.parametrize(
    ("query", "shows"),
    [
        ("", None),
        (f"?number={DEMO_CAM_NUMBER}&last_name=Holder", "Dana Holder"),
        ("?number=CAM-000000&last_name=Holder", "Not found."),
    ],
    ids=["empty", "found", "not-found"],
)
def test_verify_page_has_no_serious_axe_violations(page, live_server, demo_cycle, query, shows):
    page.goto(f"{live_server.url}{VERIFY_PATH}{query}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify an NAAEI credential")
    result = page.get_by_role("heading", name="Result", level=2)
    if shows is None:
        expect(result).to_have_count(0)
    else:
        expect(result).to_be_visible()
        expect(page.locator("main section")).to_contain_text(shows)
    assert_no_blocking_axe_violations(page)


def test_dashboard_and_invoice_fit_a_phone_screen(page, live_server, log_in, demo_invoice):
    page.set_viewport_size(PHONE_VIEWPORT)
    sign_in_to_dashboard(page, live_server, log_in)
    expect(steps(page)).to_have_count(4)
    expect(credentials(page)).to_have_count(2)
    assert_no_horizontal_scroll(page)

    page.goto(invoice_url(live_server, demo_invoice))
    expect(page.get_by_role("link", name="Download PDF", exact=True)).to_be_visible()
    assert_no_horizontal_scroll(page)


# --- 5. Staff issue the cycle's invoices from the admin ---------------------------


def test_staff_issue_renewal_invoices_from_the_cycle_changelist(
    page, live_server, log_in, demo_cycle, demo_invoice
):
    newcomer = holder_with("NALP")
    assert not RenewalInvoice.objects.filter(holder=newcomer).exists()

    log_in(STAFF_EMAIL)
    expect(page).to_have_url(f"{live_server.url}{reverse('admin:index')}")
    page.locator("#content-main").get_by_role("link", name="Renewal cycles", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{CYCLES_PATH}")

    row = page.locator("#result_list tbody tr").filter(
        has=page.get_by_role("link", name="2027", exact=True)
    )
    expect(row).to_have_count(1)
    row.get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(label="Issue renewal invoices for selected cycles")
    page.get_by_role("button", name="Go", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}{CYCLES_PATH}")
    expect(page.locator("ul.messagelist li.success")).to_have_text(
        "2027: 1 invoice(s) issued, 1 holder(s) already invoiced."
    )
    issued = RenewalInvoice.objects.get(holder=newcomer, cycle=demo_cycle)
    assert issued.number == f"AASC-2027-{newcomer.pk:06d}"
    assert issued.lines.count() == 1
    assert issued.fees_cents == 9500
    # The demo holder's invoice is untouched: still one, the same one.
    assert list(RenewalInvoice.objects.filter(holder_id=demo_invoice.holder_id)) == [demo_invoice]


# --- 6. Public verification -------------------------------------------------------


def test_anyone_can_verify_a_credential_without_seeing_contact_details(
    page, live_server, demo_cycle, demo_holder
):
    page.goto(live_server.url)
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Verify a credential", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{VERIFY_PATH}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify an NAAEI credential")

    page.get_by_label("Credential number").fill(DEMO_CAM_NUMBER)
    page.get_by_label("Holder's last name").fill("Holder")
    page.get_by_role("button", name="Verify", exact=True).click()

    expect(page).to_have_url(
        f"{live_server.url}{VERIFY_PATH}?number={DEMO_CAM_NUMBER}&last_name=Holder"
    )
    result = page.locator("main section").filter(
        has=page.get_by_role("heading", name="Result", level=2)
    )
    expect(result).to_be_visible()
    assert description_list(result.locator("dl")) == {
        "Holder": "Dana Holder",
        "Credential": "CAM: Certified Apartment Manager",
        "Status": "Due for renewal",
        "Expires": "December 31, 2026",
    }

    shown = visible_text(page)
    html = page.content()
    private = [
        demo_holder.email,
        "555-0134",
        "5550134",
        demo_holder.street,
        demo_holder.member_number,
        demo_holder.employer,
        DEMO_NALP_NUMBER,
    ]
    for detail in private:
        assert detail not in shown, f"the public verify page shows {detail!r}"
        assert detail not in html, f"the public verify page's HTML contains {detail!r}"
