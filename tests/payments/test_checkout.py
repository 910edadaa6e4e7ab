import datetime
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from credentials.models import RenewalInvoice
from payments.checkout import checkout_start
from payments.models import CheckoutAttempt, Payment
from tests.concurrency import run_together
from tests.factories import holder_with

pytestmark = pytest.mark.django_db

URLS = {"success_url": "https://portal.test/paid", "cancel_url": "https://portal.test/cancelled"}


def test_pay_now_creates_a_checkout_session_and_redirects_to_it(client, invoice, stripe_http):
    client.force_login(invoice.holder.user)
    response = client.post(reverse("payments:pay", args=[invoice.number]))
    assert response.status_code == 302
    assert response.url.startswith("https://checkout.stripe.test/cs_test_aasc-invoice-")
    [sent] = stripe_http.requests
    form = sent["form"]
    assert sent["url"].endswith("/v1/checkout/sessions")
    assert sent["headers"]["Idempotency-Key"] == f"aasc-invoice-{invoice.pk}-checkout-1"
    assert form["line_items[0][price_data][unit_amount]"] == ["22000"]
    assert form["line_items[0][price_data][currency]"] == ["usd"]
    assert form["metadata[invoice_number]"] == [invoice.number]
    assert form["client_reference_id"] == [invoice.number]
    assert form["mode"] == ["payment"]
    assert form["success_url"][0].endswith(
        f"/payments/invoices/{invoice.number}/paid/?session_id={{CHECKOUT_SESSION_ID}}"
    )
    assert CheckoutAttempt.objects.get().status == "open"


def test_after_grace_the_late_fee_is_in_the_amount(invoice, stripe_http):
    after_grace = timezone.make_aware(datetime.datetime(2027, 4, 2, 12))
    attempt = checkout_start(invoice=invoice, now=after_grace, **URLS)
    assert attempt.amount_cents == 27000
    assert stripe_http.requests[0]["form"]["line_items[0][price_data][unit_amount]"] == ["27000"]
    invoice.refresh_from_db()
    assert invoice.late_fee_cents == 5000


def test_a_second_click_reuses_the_open_session(invoice, stripe_http):
    first = checkout_start(invoice=invoice, **URLS)
    second = checkout_start(invoice=invoice, **URLS)
    assert first.pk == second.pk
    assert len(stripe_http.requests) == 1


def test_an_expired_attempt_gets_a_new_key(invoice, stripe_http):
    first = checkout_start(invoice=invoice, **URLS)
    later = first.expires_at + datetime.timedelta(minutes=1)
    second = checkout_start(invoice=invoice, now=later, **URLS)
    assert second.attempt == 2
    assert second.idempotency_key.endswith("-checkout-2")
    first.refresh_from_db()
    assert first.status == "expired"


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_clicks_make_one_open_session(invoice, stripe_http):
    _, errors = run_together(lambda: checkout_start(invoice=invoice, **URLS), 20)
    assert errors == []
    assert CheckoutAttempt.objects.filter(status="open").count() == 1
    keys = {request["headers"]["Idempotency-Key"] for request in stripe_http.requests}
    assert keys == {f"aasc-invoice-{invoice.pk}-checkout-1"}


@pytest.mark.parametrize("status", ["paid", "void", "waived"])
def test_an_invoice_that_is_not_open_cannot_be_paid(client, invoice, stripe_http, status):
    RenewalInvoice.objects.filter(pk=invoice.pk).update(status=status)
    client.force_login(invoice.holder.user)
    response = client.post(reverse("payments:pay", args=[invoice.number]), follow=True)
    assert "there is nothing to pay" in response.text
    assert stripe_http.requests == []
    assert not CheckoutAttempt.objects.exists()


def test_someone_elses_invoice_is_not_found(client, invoice, stripe_http):
    client.force_login(holder_with("CAM").user)
    response = client.post(reverse("payments:pay", args=[invoice.number]))
    assert response.status_code == 404
    assert stripe_http.requests == []


def test_pay_is_post_only(client, invoice):
    client.force_login(invoice.holder.user)
    assert client.get(reverse("payments:pay", args=[invoice.number])).status_code == 405


def test_a_stripe_outage_says_nothing_was_charged(client, invoice):
    from payments import stripe_gateway
    from tests.payments.stripe_fakes import FakeStripeHTTP

    stripe_gateway.use_http_client(
        FakeStripeHTTP(lambda r: (500, {"error": {"message": "down", "type": "api_error"}}))
    )
    try:
        client.force_login(invoice.holder.user)
        response = client.post(reverse("payments:pay", args=[invoice.number]), follow=True)
    finally:
        stripe_gateway.use_http_client(None)
    assert "nothing was charged" in response.text
    assert not CheckoutAttempt.objects.filter(status="open").exists()


def test_return_page_confirms_through_the_same_fulfilment(client, invoice):
    from payments import stripe_gateway
    from tests.payments.stripe_fakes import FakeStripeHTTP, checkout_session

    stripe_gateway.use_http_client(FakeStripeHTTP(lambda r: (200, checkout_session(invoice))))
    try:
        client.force_login(invoice.holder.user)
        page = client.get(
            reverse("payments:paid", args=[invoice.number]), {"session_id": "cs_test_1"}
        )
        again = client.get(
            reverse("payments:paid", args=[invoice.number]), {"session_id": "cs_test_1"}
        )
    finally:
        stripe_gateway.use_http_client(None)
    assert "your payment is received" in page.text
    assert again.status_code == 200
    assert Payment.objects.count() == 1


def test_cancel_page_says_no_payment_was_taken(client, invoice):
    client.force_login(invoice.holder.user)
    page = client.get(reverse("payments:cancelled", args=[invoice.number]))
    assert "No payment was taken" in page.text


def test_receipt_pdf_and_history_for_the_owner_only(client, invoice, tmp_path):
    from payments.services import payment_fulfil

    result = payment_fulfil(
        invoice_id=invoice.pk,
        amount_cents=22000,
        currency="usd",
        provider="stripe",
        payment_intent_id="pi_1",
        card_brand="visa",
        card_last4="4242",
    )
    receipt = result.payment.receipt_number
    client.force_login(invoice.holder.user)
    history = client.get(reverse("payments:history"))
    assert receipt in history.text
    assert "VISA ending 4242" in history.text
    pdf = client.get(reverse("payments:receipt", args=[receipt]))
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf.content)
    text = " ".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split()
    )
    assert f"Receipt {receipt}" in text
    assert "$220.00" in text
    client.force_login(holder_with("CAM").user)
    assert client.get(reverse("payments:receipt", args=[receipt])).status_code == 404
