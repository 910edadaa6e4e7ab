import pytest

from credentials.models import RenewalInvoice
from credentials.services import cycle_get_or_create, invoices_issue
from payments import stripe_gateway
from tests.factories import holder_with
from tests.payments.stripe_fakes import WEBHOOK_SECRET, FakeStripeHTTP


@pytest.fixture(autouse=True)
def stripe_settings(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_suite_key"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_suite_key"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return settings


@pytest.fixture
def invoice(db):
    cycle = cycle_get_or_create(year=2027)
    holder = holder_with("CAM", "NALP")
    invoices_issue(cycle=cycle)
    return RenewalInvoice.objects.get(holder=holder)


@pytest.fixture
def stripe_http():
    """Stripe's HTTP layer, stubbed: Checkout Sessions get ids from the idempotency key."""

    def respond(request):
        if request["method"] == "post" and request["url"].endswith("/v1/checkout/sessions"):
            key = request["headers"].get("Idempotency-Key", "none")
            session_id = f"cs_test_{key}"
            return 200, {
                "id": session_id,
                "object": "checkout.session",
                "url": f"https://checkout.stripe.test/{session_id}",
            }
        return 404, {"error": {"message": "not stubbed", "type": "invalid_request_error"}}

    fake = FakeStripeHTTP(respond)
    stripe_gateway.use_http_client(fake)
    yield fake
    stripe_gateway.use_http_client(None)
