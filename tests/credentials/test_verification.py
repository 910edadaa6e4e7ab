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
    for private in ("jordan@example.org", "M7654321", "555", "Tejon", "Cascade", "Front Range"):
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
