"""Payments that reach AASC by cheque, cash or bank transfer, as many employers pay: staff
record them against the invoice, and they go through the same fulfilment as a card payment
(the invoice paid, the renewal completed if its CECs are approved, the receipt emailed, the
history kept). Refunds the same way."""

from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError
from core.formatting import dollars

from .models import OFFLINE_PROVIDERS, Payment
from .services import (
    CURRENCY,
    Outcome,
    ensure_payable,
    locked_invoice,
    payment_fulfil,
    refund_record,
)


def _checked_details(*, method, reference, received_on, today):
    if method not in OFFLINE_PROVIDERS:
        raise ApplicationError("Choose how it was paid: cheque, cash or bank transfer.")
    reference = reference.strip()
    if method != Payment.Provider.CASH and not reference:
        what = "cheque number" if method == Payment.Provider.CHEQUE else "transfer's reference"
        raise ApplicationError(f"Give the {what}: it goes on the receipt.")
    if received_on is None:
        raise ApplicationError("Give the date the payment was received.")
    if received_on > today:
        raise ApplicationError("The date received cannot be in the future.")
    return reference


@transaction.atomic
def offline_payment_record(
    *, invoice, method, amount_cents, reference, received_on, actor, now=None
):
    """Record a cheque, cash or bank-transfer payment of the whole invoice. Refused, with
    nothing stored, unless the invoice is open to payment and the amount is what it asks."""
    now = now or timezone.now()
    reference = _checked_details(
        method=method, reference=reference, received_on=received_on, today=timezone.localdate(now)
    )
    locked = locked_invoice(invoice.pk)
    ensure_payable(locked)
    if amount_cents != locked.total_cents:
        raise ApplicationError(
            f"Invoice {locked.number} asks for {dollars(locked.total_cents)}, not "
            f"{dollars(amount_cents)}. Record a payment of the whole amount; a part payment "
            "cannot be recorded."
        )
    result = payment_fulfil(
        invoice_id=locked.pk,
        amount_cents=amount_cents,
        currency=CURRENCY,
        provider=method,
        offline={"reference": reference, "received_on": received_on, "recorded_by": actor},
        now=now,
    )
    if result.outcome != Outcome.PAID:  # ensure_payable and the amount check rule these out
        raise ApplicationError(result.problem or f"Invoice {locked.number} could not be paid.")
    return result.payment


@transaction.atomic
def offline_refund_record(*, payment, amount_cents, reason, actor, now=None):
    """Staff give back `amount_cents` of a cheque, cash or transfer payment (by their own
    means) and record it here; a full refund reopens the invoice for payment."""
    if not payment.is_offline:
        raise ApplicationError(
            "Card payments are refunded in Stripe's dashboard; the refund then shows here."
        )
    reason = reason.strip()
    if not reason:
        raise ApplicationError("Say why the payment is refunded; it stays in the history.")
    # Same lock order as refund_record: the invoice, then the payment.
    locked_invoice(payment.invoice_id)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    left = payment.amount_cents - payment.refunded_cents
    if not 0 < amount_cents <= left:
        raise ApplicationError(
            f"Refund between $0.01 and {dollars(left)}: that is what is left of this payment."
        )
    return refund_record(
        payment=payment,
        refunded_cents=payment.refunded_cents + amount_cents,
        note=reason,
        actor=actor,
        now=now,
    )
