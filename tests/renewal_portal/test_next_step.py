"""The one sentence payments' receipt and NAAEI's approval email end with: what the holder
does next, from the renewal-progress model (core.next_step → settings.RENEWAL_NEXT_STEP)."""

import pytest
from django.utils import timezone

from cecs.models import Submission
from core.next_step import renewal_next_step
from credentials.models import RenewalInvoice
from credentials.services import invoices_issue
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


def test_complete_says_nothing_else_is_needed(invoice):
    invoice.completed_at = timezone.now()
    paid(invoice)
    assert renewal_next_step(invoice=invoice) == (
        "Your renewal is complete. Nothing else is needed."
    )
