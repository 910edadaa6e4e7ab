"""A slow, hanging or failing Stripe costs one Pay click a bounded wait, never the site.

The Pay click reserves its CheckoutAttempt and commits before it asks Stripe, so nothing is
locked and no transaction is open during the call (finding 4 of the security issue: three
clicks with Stripe unreachable held all three workers and the invoice lock for 80 s)."""

import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.conf import settings as django_settings
from django.db import IntegrityError, connections, transaction
from django.urls import reverse
from django.utils import timezone

from credentials.models import RenewalInvoice
from payments import checkout, services, stripe_gateway
from payments.models import CheckoutAttempt
from tests.payments.stripe_fakes import FakeStripeHTTP, SilentStripe

pytestmark = pytest.mark.django_db

MESSAGE = (
    "Card payments are unavailable for a moment; nothing was charged. "
    "Please try again in a few minutes."
)
URLS = {"success_url": "https://portal.test/paid", "cancel_url": "https://portal.test/cancelled"}


def stripe_down(request):
    return 500, {"error": {"message": "down", "type": "api_error"}}


def lock_invoice_from_another_connection(invoice):
    """True if another database session can lock the invoice row right now (NOWAIT)."""
    outcome = []

    def lock():
        try:
            with transaction.atomic():
                RenewalInvoice.objects.select_for_update(nowait=True).get(pk=invoice.pk)
            outcome.append(True)
        except Exception as error:  # LockNotAvailable surfaces as OperationalError
            outcome.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=lock)
    thread.start()
    thread.join()
    return outcome == [True]


def live_open(opener, url, *, cookies, data=None):
    """(status, body) from the live server; an HTTP error status is an answer too."""
    request = urllib.request.Request(  # noqa: S310 - the test's own live server
        url,
        data=urllib.parse.urlencode(data).encode() if data is not None else None,
        headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
    )
    try:
        with opener.open(request, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_stripe_failing_shows_the_holder_a_way_back_and_keeps_the_key(client, invoice, settings):
    settings.STRIPE_MAX_NETWORK_RETRIES = 1
    down = FakeStripeHTTP(stripe_down)
    stripe_gateway.use_http_client(down)
    try:
        client.force_login(invoice.holder.user)
        response = client.post(reverse("payments:pay", args=[invoice.number]))
    finally:
        stripe_gateway.use_http_client(None)
    assert response.status_code == 503
    assert MESSAGE in response.text
    assert f'href="{reverse("payments:invoice", args=[invoice.number])}"' in response.text
    assert len(down.requests) == 2  # one try and STRIPE_MAX_NETWORK_RETRIES=1 retry
    [reserved] = CheckoutAttempt.objects.all()
    assert not CheckoutAttempt.objects.filter(status="open").exists()
    assert (reserved.status, reserved.stripe_session_id, reserved.creating_until) == (
        "creating",
        None,
        None,
    )
    invoice.refresh_from_db()
    assert invoice.status == RenewalInvoice.Status.OPEN

    # Stripe is back: the next click asks again with the same key (Stripe answers a
    # repeated key with the session it may already have made) and goes to the card page.
    sessions = {}

    def stripe_up(request):
        key = request["headers"]["Idempotency-Key"]
        sessions.setdefault(key, f"cs_test_{len(sessions) + 1}")
        session_id = sessions[key]
        return 200, {"id": session_id, "url": f"https://checkout.stripe.test/{session_id}"}

    up = FakeStripeHTTP(stripe_up)
    stripe_gateway.use_http_client(up)
    try:
        again = client.post(reverse("payments:pay", args=[invoice.number]))
    finally:
        stripe_gateway.use_http_client(None)
    assert again.status_code == 302
    assert again.url == "https://checkout.stripe.test/cs_test_1"
    keys = {r["headers"]["Idempotency-Key"] for r in down.requests + up.requests}
    assert keys == {f"aasc-invoice-{invoice.pk}-checkout-1"}
    reserved.refresh_from_db()
    assert (reserved.status, reserved.stripe_session_id) == ("open", "cs_test_1")
    assert CheckoutAttempt.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_no_transaction_or_row_lock_is_held_while_stripe_is_asked(client, invoice):
    seen = []

    def respond(request):
        seen.append(
            {
                "in_atomic_block": request["in_atomic_block"],
                "invoice_lockable": lock_invoice_from_another_connection(invoice),
            }
        )
        key = request["headers"]["Idempotency-Key"]
        return 200, {"id": f"cs_test_{key}", "url": f"https://checkout.stripe.test/{key}"}

    stripe_gateway.use_http_client(FakeStripeHTTP(respond))
    try:
        client.force_login(invoice.holder.user)
        response = client.post(reverse("payments:pay", args=[invoice.number]))
    finally:
        stripe_gateway.use_http_client(None)
    assert response.status_code == 302
    assert seen == [{"in_atomic_block": False, "invoice_lockable": True}]
    assert CheckoutAttempt.objects.get().status == "open"


@pytest.mark.django_db(transaction=True)
def test_a_hanging_stripe_costs_one_click_not_the_site(client, invoice, live_server, settings):
    settings.STRIPE_TIMEOUT_SECONDS = 2
    settings.STRIPE_MAX_NETWORK_RETRIES = 1
    silent = SilentStripe()
    stripe_gateway.use_api_base(silent.url)
    client.force_login(invoice.holder.user)
    csrf = "a" * 32  # Django accepts its unmasked secret as the form token
    cookies = {
        django_settings.SESSION_COOKIE_NAME: client.cookies[
            django_settings.SESSION_COOKIE_NAME
        ].value,
        django_settings.CSRF_COOKIE_NAME: csrf,
    }
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    invoice_url = reverse("payments:invoice", args=[invoice.number])
    pay = {}
    pay_done = threading.Event()

    def click_pay():
        pay["answer"] = live_open(
            opener,
            live_server.url + reverse("payments:pay", args=[invoice.number]),
            cookies=cookies,
            data={"csrfmiddlewaretoken": csrf},
        )
        pay_done.set()

    try:
        payer = threading.Thread(target=click_pay)
        payer.start()
        assert silent.called.wait(60), "the Pay click never reached Stripe"
        # The Pay request is now inside the Stripe call. Everything else still answers,
        # and nobody is holding the invoice row.
        health = live_open(opener, f"{live_server.url}/healthz", cookies={})
        page = live_open(opener, live_server.url + invoice_url, cookies=cookies)
        lockable = lock_invoice_from_another_connection(invoice)
        in_flight_after_others = not pay_done.is_set()
        payer.join()
    finally:
        stripe_gateway.use_api_base(None)
        silent.close()
        connections.close_all()

    assert health == (200, "ok")
    assert page[0] == 200 and invoice.number in page[1]
    assert lockable
    assert in_flight_after_others  # they answered while Pay was still waiting on Stripe
    status, body = pay["answer"]
    assert status == 503
    assert MESSAGE in body
    assert f'href="{invoice_url}"' in body
    assert silent.calls == 2  # bounded: one try plus STRIPE_MAX_NETWORK_RETRIES=1
    assert not CheckoutAttempt.objects.filter(status="open").exists()
    assert not CheckoutAttempt.objects.filter(
        stripe_session_id=None, creating_until__isnull=False
    ).exists()  # the reservation was released, so the next click may try again


@pytest.mark.django_db(transaction=True)
def test_a_second_click_waits_for_the_first_and_does_not_ask_stripe_again(
    invoice, settings, monkeypatch
):
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    first_is_asking, second_is_waiting, release = (threading.Event() for _ in range(3))

    def respond(request):
        first_is_asking.set()
        release.wait(60)
        return stripe_down(request)

    real_wait = checkout._checkout_wait

    def wait(**kwargs):
        second_is_waiting.set()
        return real_wait(**kwargs)

    monkeypatch.setattr(checkout, "_checkout_wait", wait)
    fake = FakeStripeHTTP(respond)
    stripe_gateway.use_http_client(fake)
    outcomes = {}

    def click(name):
        try:
            outcomes[name] = checkout.checkout_start(invoice=invoice, **URLS)
        except checkout.CheckoutUnavailable as error:
            outcomes[name] = error
        finally:
            connections.close_all()

    try:
        first = threading.Thread(target=click, args=["first"])
        first.start()
        assert first_is_asking.wait(60)
        second = threading.Thread(target=click, args=["second"])
        second.start()
        assert second_is_waiting.wait(60)
        release.set()
        first.join()
        second.join()
    finally:
        stripe_gateway.use_http_client(None)
    assert isinstance(outcomes["first"], checkout.CheckoutUnavailable)
    assert isinstance(outcomes["second"], checkout.CheckoutUnavailable)
    assert len(fake.requests) == 1  # a failing Stripe is not asked once per waiting click


def test_a_reservation_whose_request_died_is_retried_with_the_same_key(invoice, stripe_http):
    now = timezone.now()
    CheckoutAttempt.objects.create(
        invoice=invoice,
        attempt=1,
        idempotency_key=f"aasc-invoice-{invoice.pk}-checkout-1",
        amount_cents=invoice.total_cents,
        status="creating",
        creating_until=now - timezone.timedelta(seconds=1),  # its process was killed
        created_at=now,
        expires_at=now + checkout.CHECKOUT_LIFETIME,
    )
    attempt = checkout.checkout_start(invoice=invoice, **URLS)
    assert (attempt.attempt, attempt.status) == (1, "open")
    [sent] = stripe_http.requests
    assert sent["headers"]["Idempotency-Key"] == f"aasc-invoice-{invoice.pk}-checkout-1"


def test_a_failed_reservation_for_an_old_amount_is_replaced(invoice, stripe_http):
    now = timezone.now()
    CheckoutAttempt.objects.create(
        invoice=invoice,
        attempt=1,
        idempotency_key=f"aasc-invoice-{invoice.pk}-checkout-1",
        amount_cents=invoice.total_cents - 100,  # Stripe refuses a key reused with new params
        status="creating",
        created_at=now,
        expires_at=now + checkout.CHECKOUT_LIFETIME,
    )
    attempt = checkout.checkout_start(invoice=invoice, **URLS)
    assert (attempt.attempt, attempt.amount_cents) == (2, invoice.total_cents)
    assert CheckoutAttempt.objects.get(attempt=1).status == "expired"
    [sent] = stripe_http.requests
    assert sent["headers"]["Idempotency-Key"] == f"aasc-invoice-{invoice.pk}-checkout-2"


def test_an_open_attempt_without_a_session_is_refused_by_the_database(invoice):
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckoutAttempt.objects.create(
            invoice=invoice,
            attempt=1,
            idempotency_key="k1",
            amount_cents=1,
            status="open",
            created_at=now,
            expires_at=now,
        )


def test_a_creating_and_an_open_attempt_cannot_coexist(invoice):
    now = timezone.now()
    fields = {"invoice": invoice, "amount_cents": 1, "created_at": now, "expires_at": now}
    CheckoutAttempt.objects.create(attempt=1, idempotency_key="k1", status="creating", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckoutAttempt.objects.create(
            attempt=2, idempotency_key="k2", status="open", stripe_session_id="cs", **fields
        )


def test_staff_reconcile_of_a_reservation_without_a_session_asks_nobody(invoice, stripe_http):
    now = timezone.now()
    attempt = CheckoutAttempt.objects.create(
        invoice=invoice,
        attempt=1,
        idempotency_key="k1",
        amount_cents=1,
        status="creating",
        created_at=now,
        expires_at=now,
    )
    assert "nothing to check" in services.reconcile_attempt(attempt=attempt).message
    assert stripe_http.requests == []
