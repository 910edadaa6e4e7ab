"""Random and hostile input on every public form: never a server error, never a
partial write, and what is shown back is escaped."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cecs.models import ReportingForm
from holders.models import HolderProfile

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
HOSTILE = st.sampled_from(
    [
        SCRIPT,
        "'; DROP TABLE holders_holderprofile; --",
        "\x00\x01\x1b[31m",
        "\u03a9\u2248\u00e7\u221a\u222b\u02dc \U0001d573\U0001d594 \u202eevil \ufeff",
        "A" * 5000,
        "   ",
        "-1",
        "99999999999999999999",
        "2026-02-30",
        "25:61",
        "",
    ]
)
TEXT = st.one_of(HOSTILE, st.text(max_size=300))
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

PROFILE_FIELDS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "street",
    "city",
    "state",
    "zip_code",
    "employer",
    "job_title",
]
FORM_FIELDS = [
    "activity_type",
    "title",
    "organisation",
    "date_from",
    "date_to",
    "start_time",
    "end_time",
    "gross_hours",
    "break_minutes",
    "time_zone",
    "description",
]


def assert_escaped(response):
    assert SCRIPT not in response.content.decode("utf-8", errors="replace")


@FUZZ
@given(data=st.fixed_dictionaries(dict.fromkeys(PROFILE_FIELDS, TEXT)))
@example(data=dict.fromkeys(PROFILE_FIELDS, SCRIPT))
def test_contact_details_form(holder_client, holder, data):
    before = HolderProfile.objects.values().get(pk=holder.pk)
    response = holder_client.post(reverse("holders:profile"), {**data, "action": "save"})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert HolderProfile.objects.values().get(pk=holder.pk) == before
        assert "Nothing was saved" in response.text
        assert_escaped(response)
    else:
        assert_escaped(holder_client.get(reverse("holders:profile")))


@FUZZ
@given(data=st.fixed_dictionaries(dict.fromkeys(FORM_FIELDS, TEXT)))
@example(data={**dict.fromkeys(FORM_FIELDS, SCRIPT), "activity_type": "expo_class"})
def test_reporting_form(holder_client, holder, data):
    count = ReportingForm.objects.count()
    response = holder_client.post(reverse("cecs:form_new"), {**data, "action": "save"})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert ReportingForm.objects.count() == count
        assert_escaped(response)
    else:
        assert_escaped(holder_client.get(response.url))


@FUZZ
@given(number=TEXT, last_name=TEXT)
def test_public_verification(client, number, last_name):
    from django.core.cache import cache

    cache.clear()  # the lookup throttle is tested elsewhere
    response = client.get(reverse("credentials:verify"), {"number": number, "last_name": last_name})
    assert response.status_code == 200
    assert_escaped(response)


@FUZZ
@given(reason=TEXT, status=TEXT, year=TEXT, credential=TEXT, q=TEXT, page=TEXT)
def test_review_queue_filters(client, reviewer, reason, status, year, credential, q, page):
    client.force_login(reviewer)
    response = client.get(
        reverse("cecs:review_queue"),
        {"status": status, "year": year, "credential": credential, "q": q, "page": page},
    )
    assert response.status_code == 200
    assert_escaped(response)


@pytest.mark.parametrize(
    "payload",
    [b"", b"\xff\xfe\x00", b"A" * 100_000, b'{"id": 1}', b"[]", b"null"],
    ids=["empty", "not-utf8", "huge", "unsigned-json", "list", "null"],
)
def test_webhook_garbage_is_a_400(client, db, payload, settings):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_x"
    response = client.post(
        "/payments/stripe/webhook/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE="t=1,v1=00",
    )
    assert response.status_code == 400
