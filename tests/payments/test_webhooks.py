import itertools
import json
import threading
import time

import pytest
from django.db import connections
from django.test import Client

from credentials.models import RenewalInvoice
from payments.models import CheckoutAttempt, Payment, StripeEvent
from tests.payments.stripe_fakes import (
    checkout_session,
    event,
    post_event,
    signature_header,
)

pytestmark = pytest.mark.django_db


def completed(invoice, event_id="evt_test_1", **session):
    return event(
        "checkout.session.completed", checkout_session(invoice, **session), event_id=event_id
    )


def test_paid_checkout_session_marks_the_invoice_paid_once(
    client, invoice, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        responses = [post_event(client, completed(invoice)) for _ in range(5)]
    assert [r.status_code for r in responses] == [200] * 5
    assert StripeEvent.objects.get().deliveries == 5
    payment = Payment.objects.get()
    assert (payment.amount_cents, payment.stripe_payment_intent_id) == (22000, "pi_test_1")
    invoice.refresh_from_db()
    assert invoice.status == RenewalInvoice.Status.PAID
    assert invoice.paid_at is not None
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject.startswith("[AASC renewals] Receipt")
    assert mailoutbox[0].attachments[0][2] == "application/pdf"
    assert invoice.history.filter(status="paid").count() == 1


@pytest.mark.parametrize(
    "headers_for",
    [
        lambda payload: {"HTTP_STRIPE_SIGNATURE": signature_header(payload, secret="whsec_wrong")},
        lambda payload: {"HTTP_STRIPE_SIGNATURE": signature_header(payload + b" ")},
        lambda payload: {},
        lambda payload: {"HTTP_STRIPE_SIGNATURE": signature_header(payload, scheme="v0")},
    ],
    ids=["wrong-secret", "signed-other-bytes", "no-header", "only-v0"],
)
def test_forged_webhooks_are_refused_and_nothing_is_stored(client, invoice, headers_for):
    payload = json.dumps(completed(invoice)).encode()
    response = client.post(
        "/payments/stripe/webhook/",
        data=payload,
        content_type="application/json",
        **headers_for(payload),
    )
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert not Payment.objects.exists()


def test_a_body_changed_after_signing_is_refused(client, invoice):
    payload = json.dumps(completed(invoice)).encode()
    header = signature_header(payload)
    tampered = payload.replace(b'"amount_total": 22000', b'"amount_total": 1')
    assert tampered != payload
    response = client.post(
        "/payments/stripe/webhook/",
        data=tampered,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


@pytest.mark.parametrize(("age", "status"), [(301, 400), (299, 200)])
def test_stale_signatures_are_refused(client, invoice, age, status):
    response = post_event(client, completed(invoice), timestamp=time.time() - age)
    assert response.status_code == status
    assert Payment.objects.exists() is (status == 200)


def test_malformed_json_is_refused(client):
    payload = b"{not json"
    response = client.post(
        "/payments/stripe/webhook/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature_header(payload),
    )
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_the_webhook_needs_no_login_and_no_csrf_token(invoice):
    strict = Client(enforce_csrf_checks=True)
    assert post_event(strict, completed(invoice)).status_code == 200


def test_unpaid_completion_waits_for_async_success(
    client, invoice, mailoutbox, django_capture_on_commit_callbacks
):
    CheckoutAttempt.objects.create(
        invoice=invoice,
        attempt=1,
        idempotency_key="k1",
        amount_cents=22000,
        stripe_session_id="cs_test_1",
        url="https://checkout.stripe.test/cs_test_1",
        created_at=invoice.issued_at,
        expires_at=invoice.issued_at,
    )
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, completed(invoice, payment_status="unpaid", event_id="evt_1"))
    invoice.refresh_from_db()
    assert invoice.status == RenewalInvoice.Status.OPEN
    assert CheckoutAttempt.objects.get().status == "processing"
    with django_capture_on_commit_callbacks(execute=True):
        post_event(
            client,
            event(
                "checkout.session.async_payment_succeeded",
                checkout_session(invoice),
                event_id="evt_2",
            ),
        )
    invoice.refresh_from_db()
    assert invoice.status == RenewalInvoice.Status.PAID
    assert Payment.objects.count() == 1
    assert len(mailoutbox) == 1


ORDERING_EVENTS = {
    "completed": lambda inv: event("checkout.session.completed", checkout_session(inv)),
    "succeeded": lambda inv: event(
        "checkout.session.async_payment_succeeded", checkout_session(inv)
    ),
    "failed": lambda inv: event(
        "checkout.session.async_payment_failed", checkout_session(inv, payment_status="unpaid")
    ),
    "expired": lambda inv: event(
        "checkout.session.expired", checkout_session(inv, payment_status="unpaid")
    ),
}


@pytest.mark.parametrize("order", list(itertools.permutations(ORDERING_EVENTS)))
def test_any_order_of_events_ends_paid_exactly_once(client, invoice, order):
    """Stripe's final state here is paid (completed and succeeded both say so)."""
    for number, name in enumerate(order):
        payload = ORDERING_EVENTS[name](invoice)
        payload["id"] = f"evt_{number}"
        assert post_event(client, payload).status_code == 200
    invoice.refresh_from_db()
    assert invoice.status == RenewalInvoice.Status.PAID
    assert Payment.objects.count() == 1


def test_amount_mismatch_is_not_fulfilled_and_is_flagged(
    client, invoice, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, completed(invoice, amount=100))
    assert response.status_code == 200
    invoice.refresh_from_db()
    assert invoice.status in RenewalInvoice.PAYABLE_STATUSES
    assert not Payment.objects.exists()
    row = StripeEvent.objects.get()
    assert row.flagged
    assert "expects 22000 usd; Stripe reported 100 usd" in row.note


def test_currency_mismatch_is_not_fulfilled(client, invoice):
    post_event(client, completed(invoice, currency="eur"))
    assert not Payment.objects.exists()
    assert StripeEvent.objects.get().flagged


def test_a_crash_mid_processing_rolls_back_keeps_the_event_and_a_retry_converges(
    client, invoice, monkeypatch
):
    from credentials import services as credential_services
    from payments import services

    def explode(**kwargs):
        raise RuntimeError("database hiccup after the payment row")

    monkeypatch.setattr(services, "renewal_complete_if_ready", explode)
    response = post_event(client, completed(invoice))
    assert response.status_code == 500
    assert not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.status == RenewalInvoice.Status.OPEN
    row = StripeEvent.objects.get()
    assert row.processed_at is None
    assert "database hiccup" in row.error

    monkeypatch.setattr(
        services, "renewal_complete_if_ready", credential_services.renewal_complete_if_ready
    )
    assert post_event(client, completed(invoice)).status_code == 200
    assert Payment.objects.count() == 1
    row.refresh_from_db()
    assert row.processed_at is not None


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_event_are_all_counted(invoice):
    from payments.services import event_record
    from tests.concurrency import run_together

    payload = completed(invoice)
    _, errors = run_together(lambda: event_record(payload), 30)
    assert errors == []
    assert StripeEvent.objects.get().deliveries == 30


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_deliveries_record_one_payment(invoice, live_server):
    import urllib.error
    import urllib.request

    payload = json.dumps(completed(invoice)).encode()
    header = signature_header(payload)
    barrier = threading.Barrier(50)
    statuses = []

    def deliver():
        request = urllib.request.Request(  # noqa: S310 - the test's own live server
            f"{live_server.url}/payments/stripe/webhook/",
            data=payload,
            headers={"Content-Type": "application/json", "Stripe-Signature": header},
        )
        barrier.wait()
        # Like Stripe, retry when the connection itself fails (the test server's listen
        # backlog is small); an HTTP answer is final.
        for _ in range(10):
            try:
                with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                    statuses.append(response.status)
                    return
            except urllib.error.HTTPError as error:
                statuses.append(error.code)
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        statuses.append("no connection")

    threads = [threading.Thread(target=deliver) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    connections.close_all()

    assert statuses.count(200) == 50, statuses
    assert StripeEvent.objects.count() == 1
    # Every delivery is counted: the counter is incremented in the database, not read and
    # written back (which counted 41 of 50).
    assert StripeEvent.objects.get().deliveries == 50
    assert Payment.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.status == RenewalInvoice.Status.PAID
