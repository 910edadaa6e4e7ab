"""Everything the portal asks of Stripe, through the official library, in one module.

Tests replace the HTTP layer with `use_http_client` (or point the real one at a local
socket with `use_api_base`) and sign webhook payloads with a test secret; nothing here is
mocked away.

Every call here is a network call made inside a web request, so two rules hold: each call
is bounded (STRIPE_TIMEOUT_SECONDS per connect and per read, STRIPE_MAX_NETWORK_RETRIES
retries), and callers make it outside any database transaction, so a slow Stripe holds
one worker for a bounded time and never a row lock that other requests queue on."""

import functools
import json

import stripe
from django.conf import settings

_http_client = None
_api_base = None


def use_http_client(http_client):
    """Route API calls through `http_client` (a stripe.HTTPClient); None restores the default."""
    global _http_client
    _http_client = http_client


def use_api_base(url):
    """Send API calls to `url` instead of api.stripe.com (tests, stripe-mock); None restores."""
    global _api_base
    _api_base = url


def is_configured():
    return bool(settings.STRIPE_SECRET_KEY)


@functools.cache
def _requests_client(timeout):
    # One per timeout value, kept: it holds a connection pool per thread. The library's
    # own default waits 80 s for Stripe, longer than gunicorn lets a worker live.
    return stripe.RequestsClient(timeout=timeout)


def longest_call_seconds():
    """How long one API call can take at most, retries and their backoff included."""
    retries = settings.STRIPE_MAX_NETWORK_RETRIES
    # A timed-out connect plus a timed-out read per try, and at most MAX_DELAY between tries.
    return (
        2 * settings.STRIPE_TIMEOUT_SECONDS * (retries + 1) + stripe.HTTPClient.MAX_DELAY * retries
    )


def client():
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        http_client=_http_client or _requests_client(settings.STRIPE_TIMEOUT_SECONDS),
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
        base_addresses={"api": _api_base} if _api_base else None,
    )


def create_checkout_session(*, invoice, amount_cents, success_url, cancel_url, idempotency_key):
    """A hosted Checkout page for the invoice's open amount, paid by card (a plain dict)."""
    session = client().v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "payment_method_types": ["card"],
            "customer_email": invoice.holder.email,
            "client_reference_id": invoice.number,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": amount_cents,
                        "product_data": {
                            "name": f"{invoice.cycle.year} NAAEI credential renewal",
                            "description": f"AASC invoice {invoice.number}",
                        },
                    },
                }
            ],
            "metadata": {"invoice_number": invoice.number, "invoice_id": str(invoice.pk)},
            "payment_intent_data": {"metadata": {"invoice_number": invoice.number}},
            "success_url": success_url,
            "cancel_url": cancel_url,
        },
        options={"idempotency_key": idempotency_key},
    )
    return session.to_dict()


def retrieve_checkout_session(session_id):
    session = client().v1.checkout.sessions.retrieve(
        session_id, params={"expand": ["payment_intent.latest_charge"]}
    )
    return session.to_dict()


SignatureVerificationError = stripe.SignatureVerificationError
SIGNATURE_TOLERANCE_SECONDS = 300


def parse_webhook(payload, signature):
    """The verified event as a plain dict.

    Raises SignatureVerificationError (bad, stale or missing signature) or ValueError
    (not a JSON event)."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise SignatureVerificationError("No webhook secret is configured.", signature)
    stripe.WebhookSignature.verify_header(
        payload.decode("utf-8"),
        signature or "",
        settings.STRIPE_WEBHOOK_SECRET,
        SIGNATURE_TOLERANCE_SECONDS,
    )
    event = json.loads(payload)
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise ValueError("Not a Stripe event.")
    return event
