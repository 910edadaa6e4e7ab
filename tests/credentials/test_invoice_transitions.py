"""Paid and refunded are credentials' transitions: allowed only from the right state."""

import datetime

import pytest
from django.utils import timezone

from core.errors import ApplicationError
from credentials.models import RenewalInvoice
from credentials.services import (
    invoice_mark_paid,
    invoice_mark_refunded,
    invoices_issue,
    waiver_grant,
)
from tests.factories import holder_with, staff_user

pytestmark = pytest.mark.django_db

PAID_AT = timezone.make_aware(datetime.datetime(2026, 12, 3, 10, 30))


@pytest.fixture
def invoice(cycle):
    holder = holder_with("CAM")
    invoices_issue(cycle=cycle)
    return RenewalInvoice.objects.get(holder=holder)


def stored(invoice):
    return RenewalInvoice.objects.values().get(pk=invoice.pk)


def test_an_open_invoice_is_marked_paid_with_its_history(invoice):
    paid = invoice_mark_paid(invoice=invoice, receipt_number="R-1", now=PAID_AT)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_at) == (RenewalInvoice.Status.PAID, PAID_AT)
    assert paid.status == RenewalInvoice.Status.PAID
    latest = invoice.history.first()
    assert (latest.status, latest.history_change_reason) == ("paid", "paid: receipt R-1")


def test_marking_paid_names_the_actor_when_given(invoice):
    staff = staff_user()
    invoice_mark_paid(invoice=invoice, receipt_number="R-1", actor=staff)
    assert invoice.history.first().history_user == staff


def test_marking_paid_twice_is_refused_and_changes_nothing(invoice):
    invoice_mark_paid(invoice=invoice, receipt_number="R-1", now=PAID_AT)
    before, rows = stored(invoice), invoice.history.count()
    with pytest.raises(ApplicationError, match="is paid; it cannot be marked paid"):
        invoice_mark_paid(invoice=invoice, receipt_number="R-2")
    assert stored(invoice) == before
    assert invoice.history.count() == rows


def test_a_waived_invoice_cannot_be_marked_paid(invoice):
    waiver_grant(
        holder=invoice.holder,
        cycle=invoice.cycle,
        waive_fee=True,
        waive_cecs=False,
        reason="Hardship",
        actor=staff_user(),
    )
    before = stored(invoice)
    with pytest.raises(ApplicationError, match="is fee waived; it cannot be marked paid"):
        invoice_mark_paid(invoice=invoice, receipt_number="R-1")
    assert stored(invoice) == before


def test_a_stale_copy_is_checked_against_the_stored_state(invoice):
    """The caller's object still says open; the row says paid: the row decides."""
    stale = RenewalInvoice.objects.get(pk=invoice.pk)
    invoice_mark_paid(invoice=invoice, receipt_number="R-1")
    with pytest.raises(ApplicationError):
        invoice_mark_paid(invoice=stale, receipt_number="R-2")


def test_a_paid_invoice_is_marked_refunded_and_payable_again(invoice):
    invoice_mark_paid(invoice=invoice, receipt_number="R-1", now=PAID_AT)
    invoice_mark_refunded(invoice=invoice, receipt_number="R-1")
    invoice.refresh_from_db()
    assert invoice.status == RenewalInvoice.Status.REFUNDED
    assert invoice.is_payable
    latest = invoice.history.first()
    assert latest.history_change_reason == "refunded: receipt R-1"
    invoice_mark_paid(invoice=invoice, receipt_number="R-2")
    invoice.refresh_from_db()
    assert invoice.status == RenewalInvoice.Status.PAID


@pytest.mark.parametrize("refund_first", [False, True], ids=["open", "already refunded"])
def test_only_a_paid_invoice_can_be_refunded(invoice, refund_first):
    if refund_first:
        invoice_mark_paid(invoice=invoice, receipt_number="R-1")
        invoice_mark_refunded(invoice=invoice, receipt_number="R-1")
    before, rows = stored(invoice), invoice.history.count()
    with pytest.raises(ApplicationError, match="only a paid invoice can be refunded"):
        invoice_mark_refunded(invoice=invoice, receipt_number="R-1")
    assert stored(invoice) == before
    assert invoice.history.count() == rows


@pytest.mark.parametrize(
    ("status", "payable"),
    [("open", True), ("refunded", True), ("paid", False), ("waived", False), ("void", False)],
)
def test_payable_statuses_are_open_and_refunded(status, payable):
    assert RenewalInvoice(status=status).is_payable is payable
    assert (status in RenewalInvoice.PAYABLE_STATUSES) is payable
