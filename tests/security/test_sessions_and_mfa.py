"""Sessions, two-factor authentication and the headers every page carries."""

import datetime

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def sign_in(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_session_key_changes_at_log_in_and_the_old_cookie_dies_at_log_out(client, holder, password):
    client.get(reverse("account_login"))
    client.session.save()
    before = client.session.session_key
    sign_in(client, holder.user.email, password)
    after = client.session.session_key
    assert after != before
    stolen = client.cookies["sessionid"].value
    client.post(reverse("account_logout"))
    client.cookies["sessionid"] = stolen
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize(("idle_minutes", "signed_in"), [(29, True), (31, False)])
def test_thirty_minutes_idle_signs_out(client, holder, password, idle_minutes, signed_in):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client, holder.user.email, password)
        clock.shift(datetime.timedelta(minutes=idle_minutes))
        assert (client.get(reverse("dashboard")).status_code == 200) is signed_in


def test_activity_keeps_a_session_alive_past_the_idle_limit(client, holder, password):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client, holder.user.email, password)
        for _ in range(6):  # a request every 20 minutes for two hours
            clock.shift(datetime.timedelta(minutes=20))
            assert client.get(reverse("dashboard")).status_code == 200


def test_page_views_within_a_minute_do_not_write_the_session(client, holder, password):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client, holder.user.email, password)
        clock.shift(datetime.timedelta(seconds=30))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("dashboard")).status_code == 200
        session_writes = [
            q["sql"]
            for q in queries.captured_queries
            if "django_session" in q["sql"] and not q["sql"].lstrip().startswith("SELECT")
        ]
        assert session_writes == []
        clock.shift(datetime.timedelta(seconds=61))
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("dashboard"))
        assert any(
            "django_session" in q["sql"] and q["sql"].lstrip().startswith("UPDATE")
            for q in queries.captured_queries
        )


def test_twelve_hours_after_log_in_signs_out_however_active(client, holder, password):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client, holder.user.email, password)
        for _ in range(12 * 3 + 1):  # a request every 20 minutes, past 12 hours
            clock.shift(datetime.timedelta(minutes=20))
            response = client.get(reverse("dashboard"))
        assert response.status_code == 302
        assert "_auth_user_id" not in client.session


@pytest.fixture
def mfa_required(settings):
    settings.MFA_REQUIRED_FOR_STAFF = True


@pytest.mark.parametrize(
    "url",
    ["/admin/", "/admin/holders/holderprofile/", "/cecs/review/"],
)
def test_staff_without_a_second_factor_reach_no_staff_page(
    client, mfa_required, staff, reviewer, url
):
    for user in (staff, reviewer):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == reverse("mfa_activate_totp")


def test_staff_with_a_second_factor_reach_their_pages(client, mfa_required, staff, reviewer):
    for user in (staff, reviewer):
        Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={})
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    client.force_login(reviewer)
    assert client.get("/cecs/review/").status_code == 200


def test_holders_need_no_second_factor(client, mfa_required, holder):
    client.force_login(holder.user)
    assert client.get(reverse("dashboard")).status_code == 200


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/credentials/verify/"])
def test_every_page_carries_the_security_headers(client, db, url):
    response = client.get(url)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_no_template_has_inline_script_or_style():
    import re
    from pathlib import Path

    from django.conf import settings

    offenders = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        if path.parts[-2] in ("pdf", "emails"):
            continue  # rendered to PDF or mail, never served under the CSP
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", text) or " style=" in text:
            offenders.append(str(path))
    assert offenders == []


def test_log_lines_carry_no_email_addresses():
    import logging

    from renewal_portal.log_filters import RedactEmails

    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "failed for %s", ("dana@x.org",), None
    )
    RedactEmails().filter(record)
    assert record.getMessage() == "failed for [email]"
