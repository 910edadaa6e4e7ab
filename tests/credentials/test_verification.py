import pytest
from django.urls import reverse

from credentials.models import HeldCredential
from tests.factories import holder_with

pytestmark = pytest.mark.django_db

URL = reverse("credentials:verify")


@pytest.fixture
def credential(db):
    holder = holder_with(
        "CAM",
        first_name="Jordan",
        last_name="Baptiste",
        member_number="M7654321",
        email="jordan@example.org",
        phone="+17195550111",
    )
    return holder.credentials.get()


def test_a_match_shows_only_the_public_fields(client, credential):
    response = client.get(URL, {"number": credential.number.lower(), "last_name": "baptiste"})
    assert response.status_code == 200
    text = response.text
    assert "Jordan Baptiste" in text
    assert "CAM: Certified Apartment Manager" in text
    assert "Active" in text
    assert "December 31, 2026" in text
    # (The footer shows the AASC office's own phone, so the holder's is told by its last digits.)
    for private in ("jordan@example.org", "M7654321", "0111", "Tejon", "Cascade", "Front Range"):
        assert private not in text


@pytest.mark.parametrize(
    "query",
    [
        {"number": "NOPE-1", "last_name": "Baptiste"},
        {"number": "__credential__", "last_name": "Someone"},
    ],
)
def test_unknown_number_or_wrong_name_is_not_found(client, credential, query):
    if query["number"] == "__credential__":
        query = {**query, "number": credential.number}
    response = client.get(URL, query)
    assert "Not found." in response.text
    assert "Baptiste" not in response.text.replace('value="Baptiste"', "")


def test_lapsed_status_is_shown(client, credential):
    credential.status = HeldCredential.Status.LAPSED
    credential.save()
    response = client.get(URL, {"number": credential.number, "last_name": "Baptiste"})
    assert "Lapsed" in response.text


def test_lookups_are_throttled_per_address(client, credential):
    for n in range(30):
        assert client.get(URL, {"number": f"X{n}", "last_name": "Doe"}).status_code == 200
    blocked = client.get(URL, {"number": credential.number, "last_name": "Baptiste"})
    assert blocked.status_code == 429
    assert "Too many lookups" in blocked.text
    assert "Jordan" not in blocked.text


def test_the_form_alone_is_not_counted(client, credential):
    for _ in range(40):
        assert client.get(URL).status_code == 200


PROXY = "10.0.0.2"


def lookup(client, n, **headers):
    return client.get(URL, {"number": f"X{n}", "last_name": "Doe"}, **headers)


def test_lookups_are_counted_per_client_behind_the_proxy(settings, client, credential):
    """Every visitor arrives from the proxy's address; X-Forwarded-For tells them apart."""
    settings.TRUSTED_PROXY_COUNT = 1
    a = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.10"}
    b = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.20"}
    for n in range(30):
        assert lookup(client, n, **a).status_code == 200
    assert lookup(client, 30, **a).status_code == 429
    # What A writes to the left of the proxy's entry does not make it someone new.
    forged = {**a, "HTTP_X_FORWARDED_FOR": "192.0.2.1, 203.0.113.10"}
    assert lookup(client, 31, **forged).status_code == 429

    found = client.get(URL, {"number": credential.number, "last_name": "Baptiste"}, **b)
    assert found.status_code == 200
    assert "Jordan Baptiste" in found.text


def test_without_a_trusted_proxy_a_forged_header_does_not_reset_the_count(
    settings, client, credential
):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(30):
        forged = {"REMOTE_ADDR": "203.0.113.10", "HTTP_X_FORWARDED_FOR": f"192.0.2.{n}"}
        assert lookup(client, n, **forged).status_code == 200
    again = {"REMOTE_ADDR": "203.0.113.10", "HTTP_X_FORWARDED_FOR": "192.0.2.200"}
    assert lookup(client, 30, **again).status_code == 429
