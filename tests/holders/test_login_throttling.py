import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def portal_login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def admin_login(client, email, password):
    return client.post(reverse("admin:login"), {"username": email, "password": password})


def test_portal_log_in_is_throttled_then_recovers(client, holder, password):
    email = holder.user.email
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            assert portal_login(client, email, "wrong-password").status_code == 200
        blocked = portal_login(client, email, password)
        assert "Too many failed login attempts" in blocked.text
        assert "_auth_user_id" not in client.session

        clock.shift(datetime.timedelta(minutes=6))
        assert portal_login(client, email, password).status_code == 302
        assert client.session["_auth_user_id"] == str(holder.user.pk)


@pytest.mark.parametrize(("minutes_later", "status"), [(59, 429), (61, 302)])
def test_repeated_failures_lock_the_account_for_an_hour_with_a_clear_message(
    client, staff, password, minutes_later, status
):
    """django-axes: 10 failures (spaced out, so allauth's 5-per-5-minutes limit never
    fires) lock this account from this address for an hour after the last attempt."""
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(10):
            portal_login(client, staff.email, "wrong-password")
            clock.shift(datetime.timedelta(minutes=5, seconds=10))
        locked = portal_login(client, staff.email, password)
        assert locked.status_code == 429
        assert "Too many failed sign-in attempts" in locked.text
        assert "_auth_user_id" not in client.session

        # Attempts while locked count as failures, so the hour runs from the last one.
        clock.shift(datetime.timedelta(minutes=minutes_later))
        assert portal_login(client, staff.email, password).status_code == status


def test_lockout_is_per_account_not_for_everyone(client, staff, password):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(10):
            portal_login(client, "someone-else@example.org", "wrong-password")
            clock.shift(datetime.timedelta(minutes=5, seconds=10))
        assert portal_login(client, staff.email, password).status_code == 302


def test_failures_allowed_per_account_per_hour_stay_under_sixty(client, holder):
    """ASVS 2.2.1 figure: hammer one account for an hour, one attempt a minute."""
    allowed = 0
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(60):
            response = portal_login(client, holder.user.email, "wrong-password")
            if response.status_code == 200 and "Too many" not in response.text:
                allowed += 1
            clock.shift(datetime.timedelta(minutes=1))
    assert allowed <= 10


def test_the_admin_log_in_goes_through_the_portal_log_in(client, staff, password):
    """Django's own admin log-in would skip the throttling and the second factor."""
    page = client.get(reverse("admin:login"))
    assert page.status_code == 302
    assert page.url.startswith(reverse("account_login"))
    attempt = admin_login(client, staff.email, password)
    assert attempt.status_code == 302
    assert "_auth_user_id" not in client.session
