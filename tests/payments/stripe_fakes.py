"""Test doubles at Stripe's edges: signed webhook payloads and the HTTP layer."""

import hashlib
import hmac
import json
import socket
import threading
import time
from urllib.parse import parse_qs

import stripe
from django.db import connection

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
        record = {
            "method": method,
            "url": url,
            "headers": dict(headers or {}),
            "form": form,
            # Stripe must never be called with a transaction open (it would hold its locks
            # for as long as Stripe takes); only meaningful in transaction=True tests.
            "in_atomic_block": connection.in_atomic_block,
        }
        with self._lock:
            self.requests.append(record)
        status, body = self.respond(record)
        return json.dumps(body), status, {}

    def close(self):
        pass


class SilentStripe:
    """A local TCP server that accepts every connection and never answers: Stripe hanging.
    Use its `url` as the API base; `calls` counts the connections it accepted."""

    def __init__(self):
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self.calls = 0
        self.called = threading.Event()
        self._held = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            self._held.append(conn)  # kept open, never read from or written to
            self.calls += 1
            self.called.set()

    def close(self):
        self._stop.set()
        self._thread.join()
        for conn in self._held:
            conn.close()
        self._server.close()
