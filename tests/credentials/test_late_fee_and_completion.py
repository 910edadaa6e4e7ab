import datetime

import pytest
from django.utils import timezone

from credentials.models import HeldCredential, RenewalInvoice
from credentials.selectors import amount_due_cents
from credentials.services import (
    invoice_apply_late_fee,
    invoice_record_cecs_approved,
    invoices_issue,
    next_expiry,
    renewal_complete_if_ready,
    waiver_grant,
)
from tests.factories import holder_with, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(cycle):
    holder = holder_with("CAM", "NALP")
    invoices_issue(cycle=cycle)
    return RenewalInvoice.objects.get(holder=holder)


def mark_paid(invoice):
    invoice.status = RenewalInvoice.Status.PAID
    invoice.paid_at = timezone.now()
    invoice.save()


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (datetime.date(2026, 12, 1), 22000),
        (datetime.date(2027, 3, 31), 22000),  # last day of grace: no late fee
        (datetime.date(2027, 4, 1), 27000),  # after grace: $50 added
    ],
)
def test_late_fee_is_added_only_after_the_grace_period(invoice, today, due):
    assert amount_due_cents(invoice=invoice, today=today) == due


def test_applying_the_late_fee_is_recorded_once(invoice):
    after_grace = datetime.date(2027, 4, 2)
    invoice_apply_late_fee(invoice=invoice, today=after_grace)
    invoice_apply_late_fee(invoice=invoice, today=after_grace)
    invoice.refresh_from_db()
    assert invoice.late_fee_cents == 5000
    assert invoice.total_cents == 27000
    assert amount_due_cents(invoice=invoice, today=after_grace) == 27000
    assert invoice.history.first().history_change_reason == "late fee added after the grace period"


def test_paid_and_approved_completes_the_renewal_and_moves_expiry_a_year(invoice):
    mark_paid(invoice)
    assert not renewal_complete_if_ready(invoice=invoice)  # CECs not yet approved
    invoice_record_cecs_approved(invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.completed_at is not None
    for credential in HeldCredential.objects.filter(holder=invoice.holder):
        assert credential.expires_on == datetime.date(2027, 12, 31)
        assert credential.status == HeldCredential.Status.ACTIVE


def test_completion_is_safe_to_call_twice(invoice):
    mark_paid(invoice)
    invoice_record_cecs_approved(invoice=invoice)
    assert not renewal_complete_if_ready(invoice=invoice)
    invoice_record_cecs_approved(invoice=invoice)
    expiries = set(
        HeldCredential.objects.filter(holder=invoice.holder).values_list("expires_on", flat=True)
    )
    assert expiries == {datetime.date(2027, 12, 31)}


def test_approved_but_unpaid_does_not_complete(invoice):
    invoice_record_cecs_approved(invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.completed_at is None
    assert set(
        HeldCredential.objects.filter(holder=invoice.holder).values_list("expires_on", flat=True)
    ) == {datetime.date(2026, 12, 31)}


def test_full_waiver_completes_the_renewal(invoice, cycle):
    waiver_grant(
        holder=invoice.holder,
        cycle=cycle,
        waive_fee=True,
        waive_cecs=True,
        reason="Military deployment",
        actor=staff_user(),
    )
    invoice.refresh_from_db()
    assert invoice.status == RenewalInvoice.Status.WAIVED
    assert invoice.completed_at is not None
    reasons = list(invoice.history.values_list("history_change_reason", flat=True))
    assert reasons[:2] == ["renewal completed", "waiver: Military deployment"]
    assert invoice.history.all()[1].history_user.is_staff


def test_expiry_on_29_february_moves_to_28_february():
    assert next_expiry(datetime.date(2028, 2, 29)) == datetime.date(2029, 2, 28)
