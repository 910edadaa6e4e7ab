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
def test_admin_log_in_locks_out_with_a_clear_message_for_one_hour(
    client, staff, password, minutes_later, status
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(10):
            admin_login(client, staff.email, "wrong-password")
        locked = admin_login(client, staff.email, password)
        assert locked.status_code == 429
        assert "Too many failed sign-in attempts" in locked.text
        assert "_auth_user_id" not in client.session

        # Attempts while locked count as failures, so the hour runs from the last one.
        clock.shift(datetime.timedelta(minutes=minutes_later))
        assert admin_login(client, staff.email, password).status_code == status


def test_lockout_is_per_account_not_for_everyone(client, staff, password):
    for _ in range(10):
        admin_login(client, "someone-else@example.org", "wrong-password")
    assert admin_login(client, staff.email, password).status_code == 302
