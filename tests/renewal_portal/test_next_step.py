"""What the holder does next, from the renewal-progress model: the one sentence payments'
receipt and NAAEI's approval email end with (core.next_step → settings.RENEWAL_NEXT_STEP), and
the heading and button of the pages that finish a step (RENEWAL_NEXT_ACTION)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cecs.ledger.services import entry_create
from cecs.models import Source, Submission
from core.next_step import renewal_next_action, renewal_next_step
from credentials.models import RenewalInvoice
from credentials.services import invoices_issue, renewal_complete_if_ready
from holders.services import contact_confirm
from tests.factories import holder_with, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(cycle):
    holder = holder_with("CAM")
    invoices_issue(cycle=cycle)
    return RenewalInvoice.objects.get(holder=holder)


def submit(invoice, status):
    decided = None if status == Submission.Status.PENDING else timezone.now()
    Submission.objects.create(
        holder=invoice.holder,
        cycle=invoice.cycle,
        invoice=invoice,
        status=status,
        cecs_owed=invoice.cecs_owed,
        in_network_minimum=invoice.in_network_minimum,
        total_hours=8,
        in_network_hours=8,
        participation_hours=0,
        submitted_at=timezone.now(),
        submitted_by=staff_user(),
        decided_at=decided,
    )


def paid(invoice):
    invoice.status = RenewalInvoice.Status.PAID
    invoice.save()
    return invoice


def test_an_unpaid_invoice_without_cecs_names_both(invoice):
    assert renewal_next_step(invoice=invoice) == (
        "What to do next: pay your renewal invoice "
        f"{invoice.number} ($125.00), then earn 8 more CECs dated in 2026, then submit them "
        "online for NAAEI approval."
    )


def test_paid_without_cecs_names_the_cecs_only(invoice):
    assert renewal_next_step(invoice=paid(invoice)) == (
        "What to do next: earn 8 more CECs dated in 2026, then submit them online for NAAEI "
        "approval."
    )


def test_paid_with_cecs_submitted_leaves_nothing_to_the_holder(invoice):
    submit(invoice, Submission.Status.PENDING)
    assert renewal_next_step(invoice=paid(invoice)) == (
        "What happens next: nothing more from you; NAAEI completes your renewal."
    )


def test_approved_but_unpaid_says_pay(invoice):
    submit(invoice, Submission.Status.APPROVED)
    assert renewal_next_step(invoice=invoice) == (
        f"What to do next: pay your renewal invoice {invoice.number} ($125.00)."
    )


def test_complete_says_until_when_and_nothing_else_is_needed(invoice):
    paid(invoice)
    invoice.cecs_waived = True  # so paying completes it
    invoice.save()
    assert renewal_complete_if_ready(invoice=invoice)
    invoice.refresh_from_db()
    assert renewal_next_step(invoice=invoice) == (
        "Your renewal is complete: CAM renewed, valid through December 31, 2027. Download "
        "your renewal card from your dashboard. Nothing else is needed."
    )


# --- The pages that finish a step lead on (core.next_step.renewal_next_action) -----------


def confirmed(invoice):
    contact_confirm(holder=invoice.holder, cycle_year=invoice.cycle.year, actor=staff_user())
    return invoice


def test_the_next_action_is_the_first_step_still_to_do(invoice):
    action = renewal_next_action(holder=invoice.holder)
    assert action.heading == "Next: update your contact information"
    assert action.label == "Confirm contact details"
    confirmed(invoice)
    action = renewal_next_action(holder=invoice.holder)
    assert (action.heading, action.detail, action.label, action.url) == (
        "Next: pay your renewal invoice",
        "Pay $125.00 by credit or debit card.",
        "View and pay invoice",
        reverse("payments:invoice", args=[invoice.number]),
    )
    paid(invoice)
    action = renewal_next_action(holder=invoice.holder)
    assert action.heading == "Next: check your CEC status"  # "CEC" keeps its capitals
    assert action.url == reverse("cecs:status")


def test_while_naaei_reviews_there_is_nothing_to_do_but_wait(invoice):
    entry_create(
        holder=invoice.holder,
        title="Fair Housing",
        provider="AASC",
        earned_on=datetime.date(2026, 5, 5),
        hours=Decimal(8),
        source=Source.AASC_CLASS,
    )
    submit(paid(confirmed(invoice)), Submission.Status.PENDING)
    action = renewal_next_action(holder=invoice.holder)
    assert action.heading == "Next: nothing for you to do now"
    assert "waiting for NAAEI review" in action.detail
    assert action.url == reverse("dashboard")


def test_a_complete_renewal_says_so_and_no_renewal_gives_no_action(invoice):
    invoice.completed_at = timezone.now()
    paid(confirmed(invoice))
    assert renewal_next_action(holder=invoice.holder).heading == "Your 2027 renewal is complete"
    assert renewal_next_action(holder=holder_with()) is None  # nothing to renew


def test_the_contact_page_leads_on_only_once_confirmed(client, invoice):
    client.force_login(invoice.holder.user)
    before = client.get(reverse("holders:profile"))
    assert "Next: pay your renewal invoice" not in before.text
    confirmed(invoice)
    after = client.get(reverse("holders:profile"))
    assert "Next: pay your renewal invoice" in after.text
    assert reverse("payments:invoice", args=[invoice.number]) in after.text
