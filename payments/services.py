"""Payments: starting Checkout, fulfilling an invoice exactly once, refunds, webhooks."""

import datetime
import enum
import logging
import time
import traceback
import uuid
from dataclasses import dataclass

import stripe
from django.core.mail import mail_admins
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from core.errors import ApplicationError
from credentials.models import RenewalInvoice
from credentials.services import (
    invoice_apply_late_fee,
    invoice_mark_paid,
    invoice_mark_refunded,
    renewal_complete_if_ready,
)

from . import stripe_gateway
from .models import CheckoutAttempt, Payment, StripeEvent

logger = logging.getLogger(__name__)

CHECKOUT_LIFETIME = datetime.timedelta(hours=23)  # Stripe expires sessions after 24 h
CURRENCY = "usd"
WAIT_POLL_SECONDS = 0.2  # a second click re-reads the first click's attempt this often


def _locked_invoice(invoice_id):
    return (
        RenewalInvoice.objects.select_for_update()
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


class CheckoutUnavailable(Exception):
    """Stripe did not give us a Checkout Session (down, slow or refusing); nothing was charged."""


def checkout_start(*, invoice, success_url, cancel_url, now=None):
    """The Checkout Session to send the holder to: the open one if still good, or a new
    one for the open amount (late fee added first).

    Stripe is asked with no transaction open and no row locked (a hanging Stripe must not
    make other requests queue behind it): the attempt is reserved and committed first,
    Stripe is called, and the answer is recorded in a second short transaction. Concurrent
    clicks queue only on the short reservation; a click that finds another one asking
    Stripe waits for its answer, so they share one session and one idempotency key per
    attempt. Raises CheckoutUnavailable when Stripe gives no session."""
    now = now or timezone.now()
    attempt, ask_stripe = _checkout_reserve(invoice=invoice, now=now)
    if not ask_stripe:
        if attempt.status == CheckoutAttempt.Status.CREATING:
            attempt = _checkout_wait(attempt=attempt)
        return attempt
    try:
        session = stripe_gateway.create_checkout_session(
            invoice=attempt.invoice,
            amount_cents=attempt.amount_cents,
            success_url=success_url,
            cancel_url=cancel_url,
            idempotency_key=attempt.idempotency_key,
        )
    except stripe.StripeError as error:
        # Keep the reservation and its key, released: Stripe may have made the session
        # before the connection dropped, and the same key gets that same session back.
        CheckoutAttempt.objects.filter(
            pk=attempt.pk, status=CheckoutAttempt.Status.CREATING
        ).update(creating_until=None)
        logger.warning("Checkout Session for %s failed: %s", attempt.invoice.number, error)
        raise CheckoutUnavailable(str(error)) from error
    return _checkout_record(attempt=attempt, session=session)


@transaction.atomic
def _checkout_reserve(*, invoice, now):
    """Under the invoice lock: (the live attempt, whether this request must ask Stripe)."""
    invoice = invoice_apply_late_fee(invoice=invoice, today=timezone.localdate(now))
    invoice = _locked_invoice(invoice.pk)
    ensure_payable(invoice)
    amount = invoice.total_cents
    clock = timezone.now()  # leases follow the real clock, even when `now` is given
    live = CheckoutAttempt.objects.filter(invoice=invoice, status__in=CheckoutAttempt.LIVE).first()
    if live is not None:
        live.invoice = invoice
        # Same amount and not stale: Stripe gets the same parameters under the same key.
        usable = live.amount_cents == amount and live.expires_at > now
        if usable and live.status == CheckoutAttempt.Status.OPEN:
            return live, False
        if usable and live.creating_until is not None and live.creating_until > clock:
            return live, False  # another request is asking Stripe right now
        if usable:
            live.creating_until = clock + _creating_lease()
            live.save(update_fields=["creating_until"])
            return live, True  # the last ask failed or its process died: ask again, same key
        live.status = CheckoutAttempt.Status.EXPIRED
        live.creating_until = None
        live.save(update_fields=["status", "creating_until"])
    number = (
        CheckoutAttempt.objects.filter(invoice=invoice).aggregate(n=Max("attempt"))["n"] or 0
    ) + 1
    attempt = CheckoutAttempt.objects.create(
        invoice=invoice,
        attempt=number,
        idempotency_key=f"aasc-invoice-{invoice.pk}-checkout-{number}",
        amount_cents=amount,
        currency=CURRENCY,
        status=CheckoutAttempt.Status.CREATING,
        creating_until=clock + _creating_lease(),
        created_at=now,
        expires_at=now + CHECKOUT_LIFETIME,
    )
    return attempt, True


def _creating_lease():
    # Longer than one bounded Stripe call, so only a crashed request's lease runs out.
    return datetime.timedelta(seconds=stripe_gateway.longest_call_seconds() + 5)


@transaction.atomic
def _checkout_record(*, attempt, session):
    row = CheckoutAttempt.objects.select_for_update().select_related("invoice").get(pk=attempt.pk)
    if row.status == CheckoutAttempt.Status.CREATING:
        row.stripe_session_id = session["id"]
        row.url = session["url"]
        row.status = CheckoutAttempt.Status.OPEN
        row.creating_until = None
        row.save(update_fields=["stripe_session_id", "url", "status", "creating_until"])
    elif row.status != CheckoutAttempt.Status.OPEN:
        # Superseded while Stripe answered (say the late fee changed the amount).
        raise CheckoutUnavailable(f"attempt {row.pk} became {row.status} during the call")
    return row


def _checkout_wait(*, attempt):
    """Wait, holding nothing, for the request that is asking Stripe for `attempt`."""
    while True:
        time.sleep(WAIT_POLL_SECONDS)
        row = CheckoutAttempt.objects.select_related("invoice").get(pk=attempt.pk)
        if row.status == CheckoutAttempt.Status.OPEN:
            return row
        released = row.creating_until is None or row.creating_until <= timezone.now()
        if row.status != CheckoutAttempt.Status.CREATING or released:
            # That request got no session: Stripe is failing. Do not queue another wait
            # on it; the holder's next click asks again with the same key.
            raise CheckoutUnavailable(f"attempt {row.pk} got no session")


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
    now=None,
):
    """Record a completed payment and mark the invoice paid: the one path for the webhook,
    the success page, reconciliation and the test-mode page. A second call for the same
    payment changes nothing; a wrong amount or currency is not fulfilled."""
    invoice = _locked_invoice(invoice_id)
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
    invoice = _locked_invoice(payment.invoice_id)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if refunded_cents <= payment.refunded_cents:
        return payment  # a repeat or an older event
    payment.refunded_cents = min(refunded_cents, payment.amount_cents)
    payment.refunded_at = now or timezone.now()
    fields = ["refunded_cents", "refunded_at"]
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
        locked = _locked_invoice(invoice.pk)
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
