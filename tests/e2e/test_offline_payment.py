"""AASC staff record a cheque in the admin (as many employers pay), and the holder then sees
the invoice paid, with the cheque on their payments page."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from credentials.models import RenewalInvoice
from payments.models import Payment

from .a11y import assert_no_blocking_axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def record_cheque(page, invoice):
    page.get_by_role("link", name="Payments", exact=True).last.click()  # the list, not the app
    page.get_by_role("link", name="Record a cheque, cash or transfer payment").click()
    page.get_by_label("Invoice number").fill(invoice.number)
    page.get_by_label("Paid by").select_option(label="Cheque")
    page.get_by_label("Amount ($)").fill("125.00")  # wrong: the invoice asks $220.00
    page.get_by_label("Cheque number or transfer reference").fill("10482")
    page.get_by_label("Date received").fill("2026-11-24")
    assert_no_blocking_axe_violations(page)
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_role("alert")).to_contain_text("asks for $220.00, not $125.00")
    assert not Payment.objects.exists()
    page.get_by_label("Amount ($)").fill("220.00")
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator(".messagelist")).to_contain_text(
        f"Recorded Cheque 10482, received November 24, 2026: $220.00 for invoice {invoice.number}"
    )


def test_staff_record_a_cheque_the_holder_then_sees_as_paid(
    page, live_server, log_in, staff_page, demo_invoice
):
    record_cheque(staff_page, demo_invoice)
    demo_invoice.refresh_from_db()
    assert demo_invoice.status == RenewalInvoice.Status.PAID

    log_in("holder@demo.test")
    page.goto(f"{live_server.url}{reverse('dashboard')}")
    expect(page.locator("main")).to_contain_text("Paid. Thank you.")
    page.goto(f"{live_server.url}{reverse('payments:history')}")
    expect(page.locator("main .list-group-item").first).to_contain_text(
        "Cheque 10482, received November 24, 2026"
    )
