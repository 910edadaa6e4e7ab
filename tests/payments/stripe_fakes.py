"""Test doubles at Stripe's edges: signed webhook payloads and the HTTP layer."""

import hashlib
import hmac
import json
import threading
import time
from urllib.parse import parse_qs

import stripe

WEBHOOK_SECRET = "whsec_test_secret_for_the_suite"


def signature_header(payload, *, secret=WEBHOOK_SECRET, timestamp=None, scheme="v1"):
    """Stripe's scheme: HMAC-SHA256 of "timestamp.payload" with the endpoint secret."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    signed = f"{timestamp}.{payload.decode()}".encode()
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},{scheme}={digest}"


def event(event_type, obj, *, event_id="evt_test_1"):
    return {
        "id": event_id,
        "object": "event",
        "type": event_type,
        "livemode": False,
        "created": int(time.time()),
        "data": {"object": obj},
    }


def checkout_session(
    invoice,
    *,
    session_id="cs_test_1",
    payment_status="paid",
    amount=None,
    currency="usd",
    payment_intent="pi_test_1",
):
    return {
        "id": session_id,
        "object": "checkout.session",
        "client_reference_id": invoice.number,
        "metadata": {"invoice_number": invoice.number, "invoice_id": str(invoice.pk)},
        "amount_total": invoice.total_cents if amount is None else amount,
        "currency": currency,
        "payment_status": payment_status,
        "payment_intent": payment_intent,
        "url": f"https://checkout.stripe.test/{session_id}",
    }


def post_event(client, payload_dict, **signing):
    payload = json.dumps(payload_dict).encode()
    return client.post(
        "/payments/stripe/webhook/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature_header(payload, **signing),
    )


class FakeStripeHTTP(stripe.HTTPClient):
    """Answers Stripe API calls from a callback and records every request."""

    name = "fake"

    def __init__(self, respond):
        super().__init__()
        self.respond = respond
        self.requests = []
        self._lock = threading.Lock()

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        form = parse_qs(post_data.decode() if isinstance(post_data, bytes) else post_data or "")
        record = {"method": method, "url": url, "headers": dict(headers or {}), "form": form}
        with self._lock:
            self.requests.append(record)
        status, body = self.respond(record)
        return json.dumps(body), status, {}

    def close(self):
        pass
