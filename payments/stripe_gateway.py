"""Everything the portal asks of Stripe, through the official library, in one module.

Tests replace the HTTP layer with `use_http_client` and sign webhook payloads with a
test secret; nothing here is mocked away."""

import json

import stripe
from django.conf import settings

_http_client = None


def use_http_client(http_client):
    """Route API calls through `http_client` (a stripe.HTTPClient); None restores the default."""
    global _http_client
    _http_client = http_client


def is_configured():
    return bool(settings.STRIPE_SECRET_KEY)


def client():
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, http_client=_http_client, max_network_retries=2
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
