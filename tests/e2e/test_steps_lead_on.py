"""Each renewal step leads on: once the holder confirms their contact details, pays, or has a
form verified, the page says what comes next and offers the button for it."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cecs.reporting.services import reporting_form_verify
from holders.models import User
from holders.services import contact_confirm
from tests.factories import ReportingFormFactory

from .a11y import assert_no_blocking_axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HOLDER_EMAIL = "holder@demo.test"


def next_action(page, heading):
    return page.get_by_role("region", name=heading)


def test_confirming_contact_details_leads_on_to_paying(page, live_server, log_in, demo_invoice):
    log_in(HOLDER_EMAIL)
    page.goto(f"{live_server.url}{reverse('dashboard')}")
    page.get_by_role("link", name="Confirm contact details").first.click()
    page.get_by_role("button", name="Save and confirm for the 2027 renewal").click()
    expect(
        page.get_by_role("status").filter(has_text="saved and confirmed for the 2027")
    ).to_be_visible()
    lead_on = next_action(page, "Next: pay your renewal invoice")
    expect(lead_on).to_contain_text("Pay $220.00 by credit or debit card.")
    assert_no_blocking_axe_violations(page)
    lead_on.get_by_role("link", name="View and pay invoice").click()
    expect(page).to_have_url(
        f"{live_server.url}{reverse('payments:invoice', args=[demo_invoice.number])}"
    )


def test_a_verified_form_leads_on_to_the_cecs_still_missing(
    page, live_server, log_in, paid_invoice, demo_holder
):
    contact_confirm(holder=demo_holder, cycle_year=2027, actor=demo_holder.user)
    form = ReportingFormFactory(holder=demo_holder)
    reporting_form_verify(
        form=form, actor=User.objects.get(email="staff@demo.test"), signer_name="A. Staff"
    )
    log_in(HOLDER_EMAIL)
    page.goto(f"{live_server.url}{reverse('cecs:forms')}")
    page.get_by_role("link", name=f"View {form.title}").click()
    expect(page.get_by_role("status").filter(has_text="AASC verified and signed")).to_be_visible()
    lead_on = next_action(page, "Next: check your CEC status")
    expect(lead_on).to_contain_text("6 more CECs needed, earned in 2026 (2 of 8 so far).")
    assert_no_blocking_axe_violations(page)
    lead_on.get_by_role("link", name="View CEC status").click()
    expect(page).to_have_url(f"{live_server.url}{reverse('cecs:status')}")
