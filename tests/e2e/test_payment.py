"""Renewal step 2 in a real browser: the demo holder pays the 2027 invoice on the local
demo's TEST MODE card page (DEBUG on, no Stripe key), downloads the receipt, sees the
step done and the payment listed; the test-mode page is gone once a Stripe key is set;
paying twice never takes a second payment; accessibility and phone width."""

import re
import subprocess

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from credentials.models import RenewalInvoice
from payments.models import Payment

from .a11y import PHONE_VIEWPORT, assert_no_blocking_axe_violations, assert_no_horizontal_scroll

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

HOLDER_EMAIL = "holder@demo.test"
DASHBOARD_PATH = reverse("dashboard")
HISTORY_PATH = reverse("payments:history")

TEST_MODE_BANNER = "TEST MODE: no real card is charged."
THANK_YOU = "Thank you: your payment is received"
PAY_BY_CARD = "Pay $220.00 by card"
PAY_IN_TEST_MODE = "Pay $220.00 (test mode)"


def exact(text):
    """A regex that matches `text` exactly (Playwright's name= is a substring otherwise)."""
    return re.compile(rf"^{re.escape(text)}$")


def url(live_server, path):
    return f"{live_server.url}{path}"


def invoice_path(invoice):
    return reverse("payments:invoice", args=[invoice.number])


def checkout_path(invoice):
    return reverse("payments:test_checkout", args=[invoice.number])


def paid_path(invoice):
    return reverse("payments:paid", args=[invoice.number])


def nothing_to_pay(invoice):
    return f"Invoice {invoice.number} is paid; there is nothing to pay."


@pytest.fixture
def card_test_mode(settings):
    """The local demo's payment set-up: DEBUG on and no Stripe key. The live server
    answers from this process, so the settings apply to it too."""
    settings.DEBUG = True
    settings.STRIPE_SECRET_KEY = ""
    return settings


@pytest.fixture
def stripe_configured(settings):
    """A portal with a Stripe key: the test-mode page must not exist, even in DEBUG."""
    settings.DEBUG = True
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    return settings


def steps(page):
    heading = page.get_by_role("heading", name="Renewal steps", level=2, exact=True)
    return heading.locator("xpath=following-sibling::ol[1]").get_by_role("listitem")


def pdf_text(path):
    """The PDF's text as poppler's pdftotext reads it, whitespace collapsed."""
    result = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True, timeout=30
    )
    return " ".join(result.stdout.split())


def description_list(locator):
    """{term: definition} of a <dl>, whitespace collapsed."""
    return locator.evaluate(
        """(dl) => Object.fromEntries(
            Array.from(dl.querySelectorAll('dt')).map((dt) => [
                dt.textContent.trim().replace(/\\s+/g, ' '),
                dt.nextElementSibling.textContent.trim().replace(/\\s+/g, ' '),
            ]))"""
    )


def open_invoice_from_dashboard(page, live_server, log_in, invoice):
    log_in(HOLDER_EMAIL)
    expect(page).to_have_url(url(live_server, DASHBOARD_PATH))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your 2027 renewal")
    step = steps(page).nth(1)
    expect(step.locator(".fw-semibold")).to_have_text("2. Pay your renewal invoice")
    expect(step.locator(".badge")).to_have_text("To do")
    expect(step).to_contain_text("Pay $220.00 by credit or debit card.")
    step.get_by_role("link", name=exact("View and pay invoice for step 2")).click()
    expect(page).to_have_url(url(live_server, invoice_path(invoice)))
    expect(page.get_by_role("heading", level=1)).to_have_text("2027 renewal invoice")


def open_test_mode_page(page, live_server, invoice):
    """From the invoice page: "Pay $220.00 by card" leads to the TEST MODE page."""
    page.get_by_role("button", name=PAY_BY_CARD, exact=True).click()
    expect(page).to_have_url(url(live_server, checkout_path(invoice)))
    expect_test_mode_page(page, invoice)


def expect_test_mode_page(page, invoice):
    banner = page.get_by_role("alert").filter(has_text=TEST_MODE_BANNER)
    expect(banner).to_be_visible()
    expect(banner.locator("strong")).to_have_text(TEST_MODE_BANNER)
    expect(page).to_have_title(re.compile(r"^TEST MODE payment"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Pay invoice {invoice.number}")
    expect(page.get_by_label("Test card number")).to_have_value("4242 4242 4242 4242")


def pay_in_test_mode(page, live_server, invoice):
    page.get_by_role("button", name=PAY_IN_TEST_MODE, exact=True).click()
    expect(page).to_have_url(url(live_server, paid_path(invoice)))
    expect(page.get_by_role("heading", level=1)).to_have_text(THANK_YOU)


def paid_through_the_browser(page, live_server, log_in, invoice):
    open_invoice_from_dashboard(page, live_server, log_in, invoice)
    open_test_mode_page(page, live_server, invoice)
    pay_in_test_mode(page, live_server, invoice)


# --- 1. The whole payment, from the dashboard to the receipt ----------------------


def test_holder_pays_the_invoice_in_test_mode_and_gets_a_receipt(
    page, live_server, log_in, card_test_mode, demo_invoice, tmp_path
):
    mail.outbox.clear()
    open_invoice_from_dashboard(page, live_server, log_in, demo_invoice)
    assert description_list(page.locator("main dl").first)["Status"] == "Open"
    open_test_mode_page(page, live_server, demo_invoice)
    expect(page.locator("main")).to_contain_text("Amount: $220.00 for the 2027 renewal.")
    assert not Payment.objects.exists(), "opening the card page must not record a payment"

    pay_in_test_mode(page, live_server, demo_invoice)

    payment = Payment.objects.get(invoice=demo_invoice)
    assert payment.provider == Payment.Provider.TEST_MODE
    assert payment.status == Payment.Status.SUCCEEDED
    assert (payment.amount_cents, payment.currency) == (22000, "usd")
    assert payment.receipt_number == f"{demo_invoice.number}-P1"
    demo_invoice.refresh_from_db()
    assert demo_invoice.status == RenewalInvoice.Status.PAID
    assert demo_invoice.paid_at is not None

    expect(page.locator("main")).to_contain_text(
        f"$220.00 for invoice {demo_invoice.number}, VISA card ending 4242 "
        "(test mode: no real card was charged). A receipt is on its way by email."
    )

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download receipt (PDF)", exact=True).click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename == f"receipt-{payment.receipt_number}.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-"), f"{saved} is not a PDF"
    text = pdf_text(saved)
    for expected in (
        f"Receipt {payment.receipt_number}",
        "TEST MODE",
        "Dana Holder",
        f"{demo_invoice.number}, 2027 renewal",
        "November 26, 2026",
        "$220.00",
    ):
        assert expected in text, f"{expected!r} is not in the receipt's text: {text!r}"
    expect(page).to_have_url(url(live_server, paid_path(demo_invoice)))

    # The page leads on to the first step still to do: the demo holder has not yet
    # confirmed their contact details (the CECs come after).
    next_action = page.get_by_role("region", name="Next: update your contact information")
    expect(next_action).to_contain_text("Check and confirm your details for the 2027 renewal.")
    expect(next_action.get_by_role("link", name="Confirm contact details")).to_have_attribute(
        "href", reverse("holders:profile") + "?year=2027"
    )
    assert_no_blocking_axe_violations(page)

    # Back to the dashboard: step 2 is done.
    page.goto(url(live_server, DASHBOARD_PATH))
    step = steps(page).nth(1)
    expect(step.locator(".fw-semibold")).to_have_text("2. Pay your renewal invoice")
    expect(step.locator(".badge")).to_have_text("Done")
    expect(step).to_contain_text("Paid. Thank you.")
    expect(step.get_by_role("link", name=exact("View invoice for step 2"))).to_have_attribute(
        "href", invoice_path(demo_invoice)
    )
    expect(page.locator(".card").filter(has_text="Next: Pay your renewal invoice")).to_have_count(0)

    # "Payments" in the navbar lists the payment and its receipt.
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Payments", exact=True).click()
    expect(page).to_have_url(url(live_server, HISTORY_PATH))
    expect(nav.get_by_role("link", name="Payments", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Your payments")
    rows = page.locator("main .list-group-item")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"2027 renewal, invoice {demo_invoice.number}")
    expect(rows.first).to_contain_text("Nov 26, 2026 · Test mode (no real card) · VISA ending 4242")
    expect(rows.first).to_contain_text("$220.00")
    expect(
        rows.first.get_by_role("link", name=f"Receipt {payment.receipt_number} (PDF)", exact=True)
    ).to_have_attribute("href", reverse("payments:receipt", args=[payment.receipt_number]))

    # The receipt email went out (from the live server's thread; the outbox is shared).
    receipts = [m for m in mail.outbox if m.to == [HOLDER_EMAIL] and "Receipt" in m.subject]
    assert len(receipts) == 1, [(m.to, m.subject) for m in mail.outbox]
    email = receipts[0]
    assert email.subject.endswith(f"Receipt {payment.receipt_number}: 2027 renewal paid")
    assert "we received your payment of $220.00" in email.body
    assert "TEST MODE: no real card was charged" in email.body
    # What comes next, from the renewal-progress model: the CECs are still to earn.
    assert "What to do next: earn 8 more CECs dated in 2026, then submit them" in email.body
    assert [(name, mimetype) for name, _, mimetype in email.attachments] == [
        (f"receipt-{payment.receipt_number}.pdf", "application/pdf")
    ]
    assert email.attachments[0][1].startswith(b"%PDF-")


# --- 2. With a Stripe key, the test-mode page does not exist ------------------------


def test_the_test_mode_page_is_a_404_once_a_stripe_key_is_set(
    page, live_server, log_in, stripe_configured, demo_invoice
):
    log_in(HOLDER_EMAIL)
    expect(page).to_have_url(url(live_server, DASHBOARD_PATH))

    response = page.goto(url(live_server, checkout_path(demo_invoice)))
    assert response.status == 404, f"test-mode page answered {response.status} with a Stripe key"
    expect(page.get_by_text(TEST_MODE_BANNER)).to_have_count(0)

    # Posting to it (as a stale form would) takes no payment either.
    page.goto(url(live_server, invoice_path(demo_invoice)))
    token = page.locator('input[name="csrfmiddlewaretoken"]').first.input_value()
    status = page.evaluate(
        """async ([action, token]) => {
            const body = new FormData();
            body.append('csrfmiddlewaretoken', token);
            const response = await fetch(action, {method: 'POST', body, redirect: 'manual'});
            return response.status;
        }""",
        [checkout_path(demo_invoice), token],
    )
    assert status == 404
    assert not Payment.objects.exists()
    demo_invoice.refresh_from_db()
    assert demo_invoice.status == RenewalInvoice.Status.OPEN


def test_the_test_mode_page_is_a_404_outside_debug(
    page, live_server, log_in, settings, demo_invoice
):
    settings.DEBUG = False
    settings.STRIPE_SECRET_KEY = ""
    log_in(HOLDER_EMAIL)
    response = page.goto(url(live_server, checkout_path(demo_invoice)))
    assert response.status == 404, f"test-mode page answered {response.status} outside DEBUG"
    expect(page.get_by_text(TEST_MODE_BANNER)).to_have_count(0)


# --- 3. Paying twice never takes two payments -----------------------------------------


def test_going_back_and_paying_again_says_there_is_nothing_to_pay(
    page, live_server, log_in, card_test_mode, demo_invoice
):
    paid_through_the_browser(page, live_server, log_in, demo_invoice)
    assert Payment.objects.filter(invoice=demo_invoice).count() == 1

    # The browser's Back button asks for the card page again: it is gone, the invoice says why.
    page.go_back()
    expect(page).to_have_url(url(live_server, invoice_path(demo_invoice)))
    expect(page.get_by_role("alert").filter(has_text=nothing_to_pay(demo_invoice))).to_be_visible()
    assert description_list(page.locator("main dl").first)["Status"] == "Paid"
    expect(page.get_by_role("button", name=re.compile(r"^Pay "))).to_have_count(0)
    expect(page.get_by_role("link", name="Your payments and receipts", exact=True)).to_be_visible()

    assert Payment.objects.filter(invoice=demo_invoice).count() == 1
    demo_invoice.refresh_from_db()
    assert demo_invoice.status == RenewalInvoice.Status.PAID


def test_a_stale_invoice_tab_cannot_pay_a_second_time(
    page, live_server, log_in, card_test_mode, demo_invoice
):
    open_invoice_from_dashboard(page, live_server, log_in, demo_invoice)
    stale = page.context.new_page()  # a second tab, opened before paying
    stale.goto(url(live_server, invoice_path(demo_invoice)))
    open_test_mode_page(page, live_server, demo_invoice)
    pay_in_test_mode(page, live_server, demo_invoice)

    stale.get_by_role("button", name=PAY_BY_CARD, exact=True).click()
    expect(stale).to_have_url(url(live_server, invoice_path(demo_invoice)))
    expect(stale.get_by_role("alert").filter(has_text=nothing_to_pay(demo_invoice))).to_be_visible()

    assert Payment.objects.filter(invoice=demo_invoice).count() == 1


def test_double_clicking_pay_takes_one_payment(
    page, live_server, log_in, card_test_mode, demo_invoice
):
    open_invoice_from_dashboard(page, live_server, log_in, demo_invoice)
    open_test_mode_page(page, live_server, demo_invoice)

    page.get_by_role("button", name=PAY_IN_TEST_MODE, exact=True).dblclick()

    # Whichever request the browser shows last, it says the invoice is paid.
    expect(page).to_have_url(
        re.compile(
            rf"^{re.escape(live_server.url)}"
            rf"({re.escape(paid_path(demo_invoice))}|{re.escape(invoice_path(demo_invoice))})$"
        )
    )
    if page.url.endswith(paid_path(demo_invoice)):
        expect(page.get_by_role("heading", level=1)).to_have_text(THANK_YOU)
    else:
        expect(
            page.get_by_role("alert").filter(has_text=nothing_to_pay(demo_invoice))
        ).to_be_visible()
    assert Payment.objects.filter(invoice=demo_invoice).count() == 1


def test_two_simultaneous_payments_take_one_payment(
    page, live_server, log_in, card_test_mode, demo_invoice
):
    """Two POSTs in flight at once (two tabs, or a double click the browser did not
    cancel): the live server answers them on two threads."""
    open_invoice_from_dashboard(page, live_server, log_in, demo_invoice)
    open_test_mode_page(page, live_server, demo_invoice)
    token = page.locator('form input[name="csrfmiddlewaretoken"]').last.input_value()

    landed = page.evaluate(
        """async ([action, token]) => {
            const pay = async () => {
                const body = new FormData();
                body.append('csrfmiddlewaretoken', token);
                const response = await fetch(action, {method: 'POST', body});
                return [response.status, new URL(response.url).pathname, await response.text()];
            };
            return Promise.all([pay(), pay(), pay()]);
        }""",
        [checkout_path(demo_invoice), token],
    )

    for status, path, html in landed:
        assert status == 200, (status, path)
        assert path in (paid_path(demo_invoice), invoice_path(demo_invoice)), path
        if path == invoice_path(demo_invoice):
            assert nothing_to_pay(demo_invoice) in html
    assert Payment.objects.filter(invoice=demo_invoice).count() == 1
    demo_invoice.refresh_from_db()
    assert demo_invoice.status == RenewalInvoice.Status.PAID


# --- 4. Accessibility and phone width ---------------------------------------------


def test_payment_pages_have_no_serious_axe_violations(
    page, live_server, log_in, card_test_mode, demo_invoice
):
    open_invoice_from_dashboard(page, live_server, log_in, demo_invoice)
    expect(page.get_by_role("button", name=PAY_BY_CARD, exact=True)).to_be_visible()
    assert_no_blocking_axe_violations(page)

    open_test_mode_page(page, live_server, demo_invoice)
    assert_no_blocking_axe_violations(page)

    pay_in_test_mode(page, live_server, demo_invoice)
    assert_no_blocking_axe_violations(page)

    page.goto(url(live_server, HISTORY_PATH))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your payments")
    expect(page.locator("main .list-group-item")).to_have_count(1)
    assert_no_blocking_axe_violations(page)


def test_test_mode_and_paid_pages_fit_a_phone_screen(
    page, live_server, log_in, card_test_mode, demo_invoice
):
    page.set_viewport_size(PHONE_VIEWPORT)
    log_in(HOLDER_EMAIL)
    page.goto(url(live_server, invoice_path(demo_invoice)))
    open_test_mode_page(page, live_server, demo_invoice)
    expect(page.get_by_role("button", name=PAY_IN_TEST_MODE, exact=True)).to_be_visible()
    assert_no_horizontal_scroll(page)

    pay_in_test_mode(page, live_server, demo_invoice)
    expect(page.get_by_role("link", name="Download receipt (PDF)", exact=True)).to_be_visible()
    assert_no_horizontal_scroll(page)
