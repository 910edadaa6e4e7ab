"""Cheque, cash and bank-transfer payments: AASC staff record them against an invoice, and
they take the card payment's path (invoice paid, renewal completed, receipt, history); refunds
the same way. Every refusal leaves nothing stored."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cecs.models import Submission
from core.errors import ApplicationError
from credentials.models import RenewalInvoice
from holders.roles import AASC_STAFF
from payments.models import Payment
from payments.offline import offline_payment_record, offline_refund_record
from payments.services import payment_fulfil
from renewal_portal.overview import cycle_overview
from tests.factories import reviewer_user, staff_user

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 2)
# The services' clock, so that "received tomorrow" stays in the future whatever day it runs.
NOW = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(12)))


@pytest.fixture
def staff():
    return staff_user()


def record(invoice, staff, **overrides):
    values = {
        "invoice": invoice,
        "method": Payment.Provider.CHEQUE,
        "amount_cents": invoice.total_cents,
        "reference": "1234",
        "received_on": TODAY - datetime.timedelta(days=3),
        "actor": staff,
        "now": NOW,
    }
    values.update(overrides)
    return offline_payment_record(**values)


def test_a_cheque_pays_the_invoice_with_a_receipt_and_history(
    invoice, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        payment = record(invoice, staff)
    invoice.refresh_from_db()
    assert invoice.status == RenewalInvoice.Status.PAID
    assert (payment.provider, payment.reference, payment.recorded_by) == ("cheque", "1234", staff)
    assert payment.amount_cents == invoice.total_cents == 22000
    assert payment.receipt_number == f"{invoice.number}-P1"
    assert payment.method_text == "Cheque 1234, received November 29, 2026"
    (receipt,) = [m for m in mail.outbox if "Receipt" in m.subject]
    assert "by cheque 1234 received on November 29, 2026" in receipt.body
    assert receipt.attachments[0][0] == f"receipt-{payment.receipt_number}.pdf"


def test_a_transfer_completes_a_renewal_whose_cecs_are_approved(invoice, staff):
    Submission.objects.create(
        holder=invoice.holder,
        cycle=invoice.cycle,
        invoice=invoice,
        status=Submission.Status.APPROVED,
        cecs_owed=invoice.cecs_owed,
        in_network_minimum=invoice.in_network_minimum,
        total_hours=8,
        in_network_hours=8,
        participation_hours=0,
        submitted_at=timezone.now(),
        submitted_by=staff,
        decided_at=timezone.now(),
    )
    invoice.cecs_approved_at = timezone.now()
    invoice.save(update_fields=["cecs_approved_at"])
    record(invoice, staff, method=Payment.Provider.BANK_TRANSFER, reference="ACME-PAYROLL-77")
    invoice.refresh_from_db()
    assert invoice.completed_at is not None


def test_cash_needs_no_reference(invoice, staff):
    payment = record(invoice, staff, method=Payment.Provider.CASH, reference="")
    assert payment.method_text == "Cash, received November 29, 2026"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"amount_cents": 12500}, "asks for $220.00, not $125.00"),
        ({"reference": "  "}, "Give the cheque number"),
        ({"method": Payment.Provider.BANK_TRANSFER, "reference": ""}, "transfer's reference"),
        ({"received_on": TODAY + datetime.timedelta(days=1)}, "cannot be in the future"),
        ({"method": Payment.Provider.STRIPE}, "cheque, cash or bank transfer"),
    ],
)
def test_a_wrong_payment_is_refused_and_nothing_is_stored(invoice, staff, overrides, message):
    with pytest.raises(ApplicationError, match=re.escape(message)):
        record(invoice, staff, **overrides)
    assert not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.status == RenewalInvoice.Status.OPEN


def test_a_paid_invoice_cannot_be_paid_again_offline(invoice, staff):
    record(invoice, staff)
    with pytest.raises(ApplicationError, match="nothing to pay"):
        record(invoice, staff, reference="5678")
    assert Payment.objects.count() == 1


def test_refunds_of_an_offline_payment_add_up_and_a_full_one_reopens_the_invoice(invoice, staff):
    payment = record(invoice, staff)
    payment = offline_refund_record(
        payment=payment, amount_cents=5000, reason="Duplicate late fee", actor=staff
    )
    assert (payment.refunded_cents, payment.status) == (5000, Payment.Status.SUCCEEDED)
    with pytest.raises(ApplicationError, match=r"between \$0.01 and \$170.00"):
        offline_refund_record(payment=payment, amount_cents=20000, reason="Too much", actor=staff)
    payment = offline_refund_record(
        payment=payment, amount_cents=17000, reason="Left the industry", actor=staff
    )
    assert (payment.refunded_cents, payment.status) == (22000, Payment.Status.REFUNDED)
    assert payment.refund_note == "Left the industry"
    assert payment.history.first().history_user == staff
    invoice.refresh_from_db()
    assert invoice.status == RenewalInvoice.Status.REFUNDED


def test_a_refund_needs_a_reason_and_card_payments_are_refunded_in_stripe(invoice, staff):
    card = payment_fulfil(
        invoice_id=invoice.pk,
        amount_cents=22000,
        currency="usd",
        provider="stripe",
        session_id="cs_1",
        payment_intent_id="pi_1",
    ).payment
    with pytest.raises(ApplicationError, match="refunded in Stripe"):
        offline_refund_record(payment=card, amount_cents=100, reason="x", actor=staff)
    card.provider = Payment.Provider.CHEQUE  # as if offline: the reason is still required
    with pytest.raises(ApplicationError, match="Say why"):
        offline_refund_record(payment=card, amount_cents=100, reason=" ", actor=staff)
    card.refresh_from_db()
    assert card.refunded_cents == 0


def test_the_season_overview_splits_card_and_offline_money(invoice, staff):
    record(invoice, staff)
    money = cycle_overview(invoice.cycle).money
    assert (money["collected"], money["collected_card"], money["collected_offline"]) == (
        22000,
        0,
        22000,
    )


def test_aasc_staff_may_record_and_refund_offline_payments():
    staff = Group.objects.get(name=AASC_STAFF)
    codenames = set(staff.permissions.values_list("codename", flat=True))
    assert {"record_offline_payment", "refund_offline_payment"} <= codenames


# --- The admin pages ---------------------------------------------------------------------


RECORD_URL = reverse("admin:payments_payment_record_offline")


def form_data(invoice, **overrides):
    data = {
        "invoice_number": invoice.number.lower(),
        "method": "cheque",
        "amount": "220.00",
        "reference": "1234",
        "received_on": "2026-11-29",
    }
    data.update(overrides)
    return data


def test_staff_record_a_cheque_from_the_payments_list(client, invoice, staff):
    client.force_login(staff)
    listing = client.get(reverse("admin:payments_payment_changelist"))
    assert RECORD_URL in listing.text
    response = client.post(RECORD_URL, form_data(invoice), follow=True)
    payment = Payment.objects.get()
    assert response.redirect_chain[-1][0] == reverse(
        "admin:payments_payment_change", args=[payment.pk]
    )
    assert (
        f"Recorded Cheque 1234, received November 29, 2026: $220.00 for invoice {invoice.number}"
        in (response.text)
    )
    assert payment.history.first().history_user == staff
    refund_url = reverse("admin:payments_payment_refund_offline", args=[payment.pk])
    assert refund_url in response.text
    refunded = client.post(refund_url, {"amount": "220", "reason": "Paid twice"}, follow=True)
    assert "The invoice is open for payment again." in refunded.text


def test_a_wrong_amount_or_number_on_the_page_is_refused_and_nothing_is_stored(
    client, invoice, staff
):
    client.force_login(staff)
    wrong_amount = client.post(RECORD_URL, form_data(invoice, amount="125"))
    assert wrong_amount.status_code == 200
    assert "asks for $220.00, not $125.00" in wrong_amount.text
    assert "Nothing was recorded." in wrong_amount.text
    unknown = client.post(RECORD_URL, form_data(invoice, invoice_number="NOPE-1"))
    assert "No invoice has the number NOPE-1." in unknown.text
    assert not Payment.objects.exists()


def test_reviewers_cannot_record_payments(client, invoice):
    client.force_login(reviewer_user())
    assert client.get(RECORD_URL).status_code == 403
    assert client.post(RECORD_URL, form_data(invoice)).status_code == 403
    assert not Payment.objects.exists()
