"""Starting a Stripe Checkout for an invoice, with no lock held while Stripe is asked.

The attempt is reserved and committed first, Stripe is called outside any transaction (its
client is bounded: payments/stripe_gateway.py), and the answer is recorded in a second short
transaction, so a hanging Stripe costs one worker a bounded wait and never a row lock that
other requests queue on."""

import datetime
import logging
import time

import stripe
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from credentials.services import invoice_apply_late_fee

from . import stripe_gateway
from .models import CheckoutAttempt
from .services import CURRENCY, ensure_payable, locked_invoice

logger = logging.getLogger(__name__)

CHECKOUT_LIFETIME = datetime.timedelta(hours=23)  # Stripe expires sessions after 24 h
WAIT_POLL_SECONDS = 0.2  # a second click re-reads the first click's attempt this often


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
    invoice = locked_invoice(invoice.pk)
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
