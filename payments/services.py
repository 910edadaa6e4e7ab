"""Payments: fulfilling an invoice exactly once, refunds, webhooks (starting Checkout is
payments/checkout.py)."""

import enum
import logging
import traceback
import uuid
from dataclasses import dataclass

from django.core.mail import mail_admins
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.errors import ApplicationError
from credentials.models import RenewalInvoice
from credentials.services import (
    invoice_mark_paid,
    invoice_mark_refunded,
    renewal_complete_if_ready,
)

from . import stripe_gateway
from .models import CheckoutAttempt, Payment, StripeEvent

logger = logging.getLogger(__name__)

CURRENCY = "usd"


def locked_invoice(invoice_id):
    # The invoice and its holder, not the cycle every invoice of the year shares (FOR
    # UPDATE on the join would queue every payment of the cycle on that one row).
    return (
        RenewalInvoice.objects.select_for_update(of=("self", "holder"))
        .select_related("cycle", "holder")
        .get(pk=invoice_id)
    )


def ensure_payable(invoice):
    if not invoice.is_payable:
        raise ApplicationError(
            f"Invoice {invoice.number} is {invoice.get_status_display().lower()}; "
            "there is nothing to pay."
        )
    if invoice.total_cents == 0:
        raise ApplicationError(f"Invoice {invoice.number} has nothing to pay.")


class Outcome(enum.StrEnum):
    """What a fulfilment, a webhook event or a reconciliation came to."""

    PAID = "paid"
    ALREADY_PAID = "already_paid"
    MISMATCH = "mismatch"  # the amount or currency differs from the invoice
    NOT_PAYABLE = "not_payable"  # the invoice was not open to payment
    UNKNOWN_INVOICE = "unknown_invoice"
    WAITING = "waiting"  # paid by a method that clears later
    FAILED = "failed"
    EXPIRED = "expired"
    REFUNDED = "refunded"  # in full
    PARTLY_REFUNDED = "partly_refunded"
    UNKNOWN_PAYMENT = "unknown_payment"
    REFUNDED_AFTER_COMPLETION = "refunded_after_completion"
    NO_SESSION = "no_session"  # reconciliation: Stripe never returned a session
    IGNORED = "ignored"  # an event type we do not handle


@dataclass(frozen=True)
class EventResult:
    """A handled event or reconciliation: the outcome, the words staff see, and whether
    staff must look at it (a flagged event is mailed to them and kept as its note)."""

    outcome: Outcome
    message: str
    flagged: bool = False


@dataclass
class Fulfilment:
    outcome: Outcome
    payment: Payment | None = None
    problem: str = ""

    @property
    def flagged(self):
        """The money arrived but the invoice was not fulfilled: staff must look."""
        return self.outcome in (Outcome.MISMATCH, Outcome.NOT_PAYABLE)


@transaction.atomic
def payment_fulfil(
    *,
    invoice_id,
    amount_cents,
    currency,
    provider,
    session_id=None,
    payment_intent_id=None,
    card_brand="",
    card_last4="",
    offline=None,
    now=None,
):
    """Record a completed payment and mark the invoice paid: the one path for the webhook,
    the success page, reconciliation, the test-mode page and the payments staff record
    (`offline`: their reference, received_on and recorded_by; payments.offline). A second
    call for the same payment changes nothing; a wrong amount or currency is not fulfilled."""
    invoice = locked_invoice(invoice_id)
    known = Payment.objects.filter(invoice=invoice)
    if session_id and known.filter(stripe_checkout_session_id=session_id).exists():
        return Fulfilment(Outcome.ALREADY_PAID, known.get(stripe_checkout_session_id=session_id))
    if payment_intent_id and known.filter(stripe_payment_intent_id=payment_intent_id).exists():
        return Fulfilment(
            Outcome.ALREADY_PAID, known.get(stripe_payment_intent_id=payment_intent_id)
        )
    if not invoice.is_payable:
        return Fulfilment(
            Outcome.NOT_PAYABLE,
            problem=f"Invoice {invoice.number} is {invoice.status}; a payment arrived anyway.",
        )
    if amount_cents != invoice.total_cents or (currency or "").lower() != CURRENCY:
        return Fulfilment(
            Outcome.MISMATCH,
            problem=(
                f"Invoice {invoice.number} expects {invoice.total_cents} {CURRENCY}; "
                f"Stripe reported {amount_cents} {currency}."
            ),
        )
    now = now or timezone.now()
    payment = Payment.objects.create(
        invoice=invoice,
        provider=provider,
        amount_cents=amount_cents,
        currency=CURRENCY,
        stripe_checkout_session_id=session_id,
        stripe_payment_intent_id=payment_intent_id,
        card_brand=card_brand or "",
        card_last4=card_last4 or "",
        paid_at=now,
        receipt_number=f"{invoice.number}-P{known.count() + 1}",
        **(offline or {}),
    )
    # The invoice row is already locked above (invoice first, then its payments): the
    # credentials service re-reads it under the same lock and owns the transition.
    invoice = invoice_mark_paid(invoice=invoice, receipt_number=payment.receipt_number, now=now)
    payment.invoice = invoice
    if session_id:
        CheckoutAttempt.objects.filter(stripe_session_id=session_id).update(
            status=CheckoutAttempt.Status.COMPLETED
        )
    renewal_complete_if_ready(invoice=invoice, now=now)
    from .tasks import payment_receipt_task

    transaction.on_commit(lambda: payment_receipt_task.delay(payment.pk))
    return Fulfilment(Outcome.PAID, payment)


@transaction.atomic
def payment_refund(*, payment_intent_id, refunded_cents, now=None):
    """Record a refund; a full refund marks the invoice refunded so it can be paid again."""
    payment = (
        Payment.objects.select_for_update()
        .filter(stripe_payment_intent_id=payment_intent_id)
        .first()
    )
    if payment is None:
        return None
    return refund_record(payment=payment, refunded_cents=refunded_cents, now=now)


@transaction.atomic
def refund_record(*, payment, refunded_cents, note="", actor=None, now=None):
    """Bring `payment`'s refunded total to `refunded_cents` (never down): Stripe's refunds
    and those staff record (payments.offline) alike. A full refund reopens the invoice."""
    invoice = locked_invoice(payment.invoice_id)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if refunded_cents <= payment.refunded_cents:
        return payment  # a repeat or an older event
    payment.refunded_cents = min(refunded_cents, payment.amount_cents)
    payment.refunded_at = now or timezone.now()
    fields = ["refunded_cents", "refunded_at"]
    if note:
        payment.refund_note = note[:200]
        fields.append("refund_note")
    if actor is not None:
        payment._history_user = actor
    if payment.refunded_cents == payment.amount_cents:
        payment.status = Payment.Status.REFUNDED
        fields.append("status")
        invoice_mark_refunded(invoice=invoice, receipt_number=payment.receipt_number)
    payment.save(update_fields=fields)
    return payment


# --- Webhooks --------------------------------------------------------------------


def event_record(event):
    """Store a verified event once. Returns (row, first_time)."""
    try:
        with transaction.atomic():
            return StripeEvent.objects.create(
                event_id=event["id"],
                type=event["type"],
                livemode=bool(event.get("livemode")),
                payload=event,
            ), True
    except IntegrityError:
        # Counted in the database (F), not read-then-written here: concurrent deliveries of
        # one event would otherwise overwrite each other's count.
        StripeEvent.objects.filter(event_id=event["id"]).update(deliveries=F("deliveries") + 1)
        return StripeEvent.objects.get(event_id=event["id"]), False


def event_process(*, event_row_id):
    """Handle a stored event exactly once; concurrent deliveries queue on its row."""
    try:
        with transaction.atomic():
            row = StripeEvent.objects.select_for_update().get(pk=event_row_id)
            if row.processed_at is not None:
                return row
            handler = EVENT_HANDLERS.get(row.type)
            if handler:
                result = handler(row.payload["data"]["object"])
            else:
                result = EventResult(Outcome.IGNORED, "ignored")
            row.processed_at = timezone.now()
            row.error = ""
            if result.flagged:
                row.flagged = True
                row.note = result.message
                transaction.on_commit(lambda: _tell_staff(row))
            row.save(update_fields=["processed_at", "error", "flagged", "note"])
            return row
    except Exception:
        StripeEvent.objects.filter(pk=event_row_id).update(error=traceback.format_exc())
        raise


def _tell_staff(row):
    mail_admins(
        f"Stripe event needs attention: {row.type}",
        f"{row.note}\n\nEvent {row.event_id}: see Payments → Stripe events (flagged) in the admin.",
    )


def _card(session):
    intent = session.get("payment_intent")
    charge = intent.get("latest_charge") if isinstance(intent, dict) else None
    details = (charge or {}).get("payment_method_details", {}) if isinstance(charge, dict) else {}
    card = details.get("card") or {}
    return card.get("brand", ""), card.get("last4", "")


def _intent_id(session):
    intent = session.get("payment_intent")
    return intent.get("id") if isinstance(intent, dict) else intent


def _invoice_id_of(session):
    metadata = session.get("metadata") or {}
    number = metadata.get("invoice_number") or session.get("client_reference_id")
    return RenewalInvoice.objects.filter(number=number).values_list("pk", flat=True).first()


def fulfil_checkout_session(session):
    """Fulfil a paid Checkout Session (from an event, the success page or reconciliation)."""
    invoice_id = _invoice_id_of(session)
    if invoice_id is None:
        return EventResult(
            Outcome.UNKNOWN_INVOICE,
            f"session {session.get('id')} names no known invoice.",
            flagged=True,
        )
    if session.get("payment_status") != "paid":
        CheckoutAttempt.objects.filter(stripe_session_id=session.get("id"), status="open").update(
            status=CheckoutAttempt.Status.PROCESSING
        )
        return EventResult(Outcome.WAITING, "waiting for the payment to clear")
    brand, last4 = _card(session)
    result = payment_fulfil(
        invoice_id=invoice_id,
        amount_cents=session.get("amount_total"),
        currency=session.get("currency"),
        provider=Payment.Provider.STRIPE,
        session_id=session.get("id"),
        payment_intent_id=_intent_id(session),
        card_brand=brand,
        card_last4=last4,
    )
    if result.flagged:
        logger.warning("Payment not fulfilled: %s", result.problem)
        return EventResult(result.outcome, result.problem, flagged=True)
    return EventResult(result.outcome, result.outcome.value)


def _session_failed(session):
    CheckoutAttempt.objects.filter(
        stripe_session_id=session.get("id"), status__in=["open", "processing"]
    ).update(status=CheckoutAttempt.Status.FAILED)
    return EventResult(Outcome.FAILED, "payment failed; the invoice stays open")


def _session_expired(session):
    CheckoutAttempt.objects.filter(stripe_session_id=session.get("id"), status="open").update(
        status=CheckoutAttempt.Status.EXPIRED
    )
    return EventResult(Outcome.EXPIRED, "expired")


def _charge_refunded(charge):
    payment = payment_refund(
        payment_intent_id=charge.get("payment_intent"),
        refunded_cents=charge.get("amount_refunded", 0),
    )
    if payment is None:
        return EventResult(
            Outcome.UNKNOWN_PAYMENT,
            f"refund for unknown payment {charge.get('payment_intent')}.",
            flagged=True,
        )
    if payment.invoice.completed_at is not None:
        return EventResult(
            Outcome.REFUNDED_AFTER_COMPLETION,
            f"invoice {payment.invoice.number} was refunded after its renewal completed; "
            "the renewed expiry stands until staff decide.",
            flagged=True,
        )
    full = payment.status == Payment.Status.REFUNDED
    return EventResult(Outcome.REFUNDED if full else Outcome.PARTLY_REFUNDED, str(payment.status))


EVENT_HANDLERS = {
    "checkout.session.completed": fulfil_checkout_session,
    "checkout.session.async_payment_succeeded": fulfil_checkout_session,
    "checkout.session.async_payment_failed": _session_failed,
    "checkout.session.expired": _session_expired,
    "charge.refunded": _charge_refunded,
}


def reconcile_attempt(*, attempt):
    """Ask Stripe for the session's true state and fulfil it if paid (staff action).
    Called outside any transaction: the Stripe call must not hold a lock."""
    if not attempt.stripe_session_id:
        return EventResult(
            Outcome.NO_SESSION,
            "Stripe never returned a session for this attempt; there is nothing to check.",
        )
    session = stripe_gateway.retrieve_checkout_session(attempt.stripe_session_id)
    return fulfil_checkout_session(session)


def demo_gateway_pay(*, invoice):
    """The embedded demo's card page: the same fulfilment, no real money."""
    if not demo_gateway_enabled():
        raise ApplicationError("Test-mode payments are switched off.")
    with transaction.atomic():
        locked = locked_invoice(invoice.pk)
        ensure_payable(locked)
        amount = locked.total_cents
    return payment_fulfil(
        invoice_id=invoice.pk,
        amount_cents=amount,
        currency=CURRENCY,
        provider=Payment.Provider.TEST_MODE,
        payment_intent_id=f"test_mode_{uuid.uuid4().hex}",
        card_brand="visa",
        card_last4="4242",
    )


def demo_gateway_enabled():
    """Only in DEBUG and only without a Stripe key: it can never take a live payment."""
    from django.conf import settings

    return settings.DEBUG and not stripe_gateway.is_configured()
