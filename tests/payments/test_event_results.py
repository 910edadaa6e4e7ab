"""Handlers return a typed result (outcome, words, flagged); nothing parses strings. The
words stored for staff and shown in the admin are the ones they always were."""

import pytest
from django.contrib.messages import constants as levels
from django.urls import reverse
from django.utils import timezone

from payments import services, stripe_gateway
from payments.models import CheckoutAttempt, StripeEvent
from payments.services import EventResult, Outcome
from tests.payments.stripe_fakes import FakeStripeHTTP, checkout_session, event, post_event

pytestmark = pytest.mark.django_db


def test_a_paid_session_is_an_unflagged_paid_result(invoice):
    result = services.fulfil_checkout_session(checkout_session(invoice))
    assert result == EventResult(Outcome.PAID, "paid")
    again = services.fulfil_checkout_session(checkout_session(invoice))
    assert again == EventResult(Outcome.ALREADY_PAID, "already_paid")


def test_a_mismatch_is_flagged_with_the_problem_in_plain_words(invoice):
    result = services.fulfil_checkout_session(checkout_session(invoice, amount=100))
    assert result.outcome == Outcome.MISMATCH
    assert result.flagged
    assert result.message == (
        f"Invoice {invoice.number} expects 22000 usd; Stripe reported 100 usd."
    )


@pytest.mark.parametrize(
    ("event_type", "outcome", "message"),
    [
        (
            "checkout.session.async_payment_failed",
            Outcome.FAILED,
            "payment failed; the invoice stays open",
        ),
        ("checkout.session.expired", Outcome.EXPIRED, "expired"),
    ],
)
def test_session_endings_are_unflagged(invoice, event_type, outcome, message):
    handler = services.EVENT_HANDLERS[event_type]
    assert handler(checkout_session(invoice)) == EventResult(outcome, message)


def test_an_unknown_invoice_is_stored_flagged_with_the_same_note(client, invoice):
    session = checkout_session(invoice, session_id="cs_nobody")
    session["metadata"] = {"invoice_number": "AASC-1999-000000"}
    session["client_reference_id"] = "AASC-1999-000000"
    assert post_event(client, event("checkout.session.completed", session)).status_code == 200
    row = StripeEvent.objects.get()
    assert row.flagged
    assert row.note == "session cs_nobody names no known invoice."


def test_an_unhandled_event_is_processed_unflagged_with_no_note(client):
    payload = event("customer.created", {"id": "cus_1", "object": "customer"})
    assert post_event(client, payload).status_code == 200
    row = StripeEvent.objects.get()
    assert row.processed_at is not None
    assert (row.flagged, row.note) == (False, "")


def test_a_refund_for_an_unknown_payment_is_stored_flagged(client):
    charge = {"id": "ch_x", "object": "charge", "payment_intent": "pi_nobody", "amount_refunded": 5}
    assert post_event(client, event("charge.refunded", charge)).status_code == 200
    row = StripeEvent.objects.get()
    assert row.flagged
    assert row.note == "refund for unknown payment pi_nobody."


def reconcile(client, staff, invoice, session):
    attempt = CheckoutAttempt.objects.create(
        invoice=invoice,
        attempt=1,
        idempotency_key="k",
        amount_cents=22000,
        stripe_session_id=session["id"],
        url="https://checkout.stripe.test/x",
        created_at=timezone.now(),
        expires_at=timezone.now(),
    )
    stripe_gateway.use_http_client(FakeStripeHTTP(lambda r: (200, session)))
    try:
        client.force_login(staff)
        response = client.post(
            reverse("admin:payments_checkoutattempt_changelist"),
            {"action": "reconcile", "_selected_action": [attempt.pk]},
            follow=True,
        )
    finally:
        stripe_gateway.use_http_client(None)
    return attempt, [(m.level, m.message) for m in response.context["messages"]]


def test_reconciling_a_mismatch_warns_staff_in_the_same_words(client, staff, invoice):
    attempt, shown = reconcile(client, staff, invoice, checkout_session(invoice, amount=100))
    problem = f"Invoice {invoice.number} expects 22000 usd; Stripe reported 100 usd."
    assert shown == [(levels.WARNING, f"{attempt}: {problem}")]


def test_reconciling_a_paid_session_reports_success(client, staff, invoice):
    attempt, shown = reconcile(client, staff, invoice, checkout_session(invoice))
    assert shown == [(levels.SUCCESS, f"{attempt}: paid")]
