import pytest
from django.urls import reverse

from credentials.models import RenewalInvoice
from payments.models import Payment
from payments.services import Outcome, demo_gateway_enabled, payment_fulfil
from renewal_portal.dashboard import StepState
from tests.payments.stripe_fakes import event, post_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(invoice):
    return payment_fulfil(
        invoice_id=invoice.pk,
        amount_cents=22000,
        currency="usd",
        provider="stripe",
        session_id="cs_1",
        payment_intent_id="pi_refund_me",
    ).payment


def refund_event(amount, event_id="evt_refund"):
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": "pi_refund_me",
        "amount_refunded": amount,
        "refunded": amount == 22000,
    }
    return event("charge.refunded", charge, event_id=event_id)


def test_a_full_refund_marks_the_invoice_refunded_and_reopens_payment(client, paid, invoice):
    assert post_event(client, refund_event(22000)).status_code == 200
    paid.refresh_from_db()
    invoice.refresh_from_db()
    assert paid.status == Payment.Status.REFUNDED
    assert paid.refunded_cents == 22000
    assert invoice.status == RenewalInvoice.Status.REFUNDED
    client.force_login(invoice.holder.user)
    step = client.get(reverse("dashboard")).context["steps"][1]
    assert step.state == StepState.TODO
    assert "refunded" in step.detail


def test_a_refunded_invoice_asks_for_its_total_again(client, paid, invoice):
    post_event(client, refund_event(22000))
    client.force_login(invoice.holder.user)
    page = client.get(reverse("payments:invoice", args=[invoice.number])).text
    assert "Pay $220.00 by card" in page
    assert "$0.00" not in page


def test_a_partial_refund_keeps_the_invoice_paid(client, paid, invoice):
    post_event(client, refund_event(5000))
    invoice.refresh_from_db()
    paid.refresh_from_db()
    assert invoice.status == RenewalInvoice.Status.PAID
    assert (paid.status, paid.refunded_cents) == (Payment.Status.SUCCEEDED, 5000)


def test_a_refunded_invoice_can_be_paid_again(paid, invoice):
    from payments.services import payment_refund

    payment_refund(payment_intent_id="pi_refund_me", refunded_cents=22000)
    again = payment_fulfil(
        invoice_id=invoice.pk,
        amount_cents=22000,
        currency="usd",
        provider="stripe",
        payment_intent_id="pi_second",
    )
    assert again.outcome == Outcome.PAID
    assert again.payment.receipt_number.endswith("-P2")


def test_test_mode_only_in_debug_without_a_stripe_key(settings):
    settings.DEBUG = True
    settings.STRIPE_SECRET_KEY = ""
    assert demo_gateway_enabled()
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    assert not demo_gateway_enabled()
    settings.STRIPE_SECRET_KEY = ""
    settings.DEBUG = False
    assert not demo_gateway_enabled()


def test_test_mode_page_pays_through_the_same_fulfilment(
    client, invoice, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.DEBUG = True
    settings.STRIPE_SECRET_KEY = ""
    client.force_login(invoice.holder.user)
    pay = client.post(reverse("payments:pay", args=[invoice.number]))
    assert pay.url == reverse("payments:test_checkout", args=[invoice.number])
    page = client.get(pay.url)
    assert "TEST MODE: no real card is charged." in page.text
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(pay.url, follow=True)
    assert "your payment is received" in done.text
    payment = Payment.objects.get()
    assert payment.provider == Payment.Provider.TEST_MODE
    invoice.refresh_from_db()
    assert invoice.status == RenewalInvoice.Status.PAID
    assert "TEST MODE" in mailoutbox[0].body


@pytest.mark.parametrize(("debug", "key"), [(True, "sk_test_x"), (False, "")])
def test_test_mode_page_does_not_exist_otherwise(client, invoice, settings, debug, key):
    settings.DEBUG = debug
    settings.STRIPE_SECRET_KEY = key
    client.force_login(invoice.holder.user)
    url = reverse("payments:test_checkout", args=[invoice.number])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not Payment.objects.exists()


def test_staff_see_payments_and_events_read_only(client, staff, paid):
    client.force_login(staff)
    changelist = client.get(reverse("admin:payments_payment_changelist"))
    assert paid.receipt_number in changelist.text
    change = client.get(reverse("admin:payments_payment_change", args=[paid.pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in change.text
    assert client.get(reverse("admin:payments_stripeevent_changelist")).status_code == 200


def test_staff_reconcile_an_attempt_with_stripe(client, staff, invoice):
    from django.utils import timezone

    from payments import stripe_gateway
    from payments.models import CheckoutAttempt
    from tests.payments.stripe_fakes import FakeStripeHTTP, checkout_session

    attempt = CheckoutAttempt.objects.create(
        invoice=invoice,
        attempt=1,
        idempotency_key="k",
        amount_cents=22000,
        stripe_session_id="cs_test_1",
        url="https://checkout.stripe.test/x",
        created_at=timezone.now(),
        expires_at=timezone.now(),
    )
    stripe_gateway.use_http_client(FakeStripeHTTP(lambda r: (200, checkout_session(invoice))))
    try:
        client.force_login(staff)
        response = client.post(
            reverse("admin:payments_checkoutattempt_changelist"),
            {"action": "reconcile", "_selected_action": [attempt.pk]},
            follow=True,
        )
    finally:
        stripe_gateway.use_http_client(None)
    assert ": paid" in response.text
    invoice.refresh_from_db()
    assert invoice.status == RenewalInvoice.Status.PAID


def test_a_refund_after_completion_is_flagged_to_staff(client, paid, invoice):
    from django.utils import timezone

    from payments.models import StripeEvent

    RenewalInvoice.objects.filter(pk=invoice.pk).update(completed_at=timezone.now())
    post_event(client, refund_event(22000))
    row = StripeEvent.objects.get()
    assert row.flagged
    assert "refunded after its renewal completed" in row.note
