import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import HolderProfileFactory

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


# --- Behind the TLS proxy ------------------------------------------------------------------------
# In production every request arrives from the proxy's address; the proxy appends the address it
# received the connection from to X-Forwarded-For. These tests play that: one REMOTE_ADDR for
# everyone, a different X-Forwarded-For per client, DJANGO_TRUSTED_PROXY_COUNT=1. Only the one
# setting is changed: every limiter must follow it (settings.py derives the rest from it).

PROXY = "10.0.0.2"
CLIENT_A = "203.0.113.10"
CLIENT_B = "198.51.100.20"


@pytest.fixture
def one_trusted_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def client_at(address, *, forwarded_for=None):
    """A browser at `address` reaching the portal through the proxy. `forwarded_for` is what
    the client itself put in X-Forwarded-For before the proxy appended its address."""
    header = address if forwarded_for is None else f"{forwarded_for}, {address}"
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=header)


def signed_in_as(client, user):
    return client.session.get("_auth_user_id") == str(user.pk)


def test_ten_wrong_passwords_from_one_client_leave_the_owner_free_elsewhere(
    one_trusted_proxy, staff, password
):
    """Axes locks the (account, client) pair: A is locked out of this account with a clear
    429 page, the owner at B signs in with the right password."""
    attacker, owner = client_at(CLIENT_A), client_at(CLIENT_B)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(10):
            portal_login(attacker, staff.email, "wrong-password")
            clock.shift(datetime.timedelta(minutes=5, seconds=10))
        locked = portal_login(attacker, staff.email, password)
        assert locked.status_code == 429
        assert "Too many failed sign-in attempts" in locked.text
        assert not signed_in_as(attacker, staff)

        assert portal_login(owner, staff.email, password).status_code == 302
        assert signed_in_as(owner, staff)


def test_a_burst_of_wrong_passwords_from_one_client_does_not_block_the_owner(
    one_trusted_proxy, holder, password
):
    """allauth's quick limits (5 per 5 minutes per account, 10 a minute) count per client."""
    attacker, owner = client_at(CLIENT_A), client_at(CLIENT_B)
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(10):
            portal_login(attacker, holder.user.email, "wrong-password")
        refused = portal_login(attacker, holder.user.email, password)
        assert "Too many failed login attempts" in refused.text
        assert not signed_in_as(attacker, holder.user)

        assert portal_login(owner, holder.user.email, password).status_code == 302
        assert signed_in_as(owner, holder.user)


def test_a_locked_client_is_locked_for_that_account_only(
    one_trusted_proxy, staff, holder, password
):
    attacker = client_at(CLIENT_A)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(10):
            portal_login(attacker, staff.email, "wrong-password")
            clock.shift(datetime.timedelta(minutes=5, seconds=10))
        assert portal_login(attacker, staff.email, password).status_code == 429
        # Someone at the same address (a shared office, say) signs in to their own account.
        assert portal_login(attacker, holder.user.email, password).status_code == 302
        assert signed_in_as(attacker, holder.user)


def test_failures_on_many_accounts_from_one_client_do_not_block_other_clients(
    one_trusted_proxy, holder, password
):
    sprayer, owner = client_at(CLIENT_A), client_at(CLIENT_B)
    with time_machine.travel(timezone.now(), tick=False):
        for n in range(10):
            portal_login(sprayer, f"guess{n}@example.org", "wrong-password")
        # The sprayer has used its 10 failures a minute ...
        refused = portal_login(sprayer, "guess10@example.org", "wrong-password")
        assert "Too many failed login attempts" in refused.text
        # ... which are its own: the owner elsewhere is not affected.
        assert portal_login(owner, holder.user.email, password).status_code == 302
        assert signed_in_as(owner, holder.user)


def test_32_good_log_ins_in_a_minute_from_different_clients_are_all_accepted(
    one_trusted_proxy, password
):
    """allauth's `login` limit (30 a minute per address) counts every attempt, good or bad:
    keyed on the proxy's address it refused the 31st and 32nd holder of the minute."""
    holders = [HolderProfileFactory() for _ in range(32)]
    accepted = 0
    with time_machine.travel(timezone.now(), tick=False):
        for n, holder in enumerate(holders):
            browser = client_at(f"203.0.113.{100 + n}")
            if portal_login(browser, holder.user.email, password).status_code == 302:
                accepted += signed_in_as(browser, holder.user)
    assert accepted == 32


def test_successful_log_ins_do_not_use_up_the_failure_allowance(holder, password):
    """allauth takes back a success's use of `login_failed`: 20 good log-ins, then 4 typos,
    still leave the right password working (the 5-per-5-minutes limit counts only failures)."""
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(20):
            browser = Client()
            assert portal_login(browser, holder.user.email, password).status_code == 302
            assert signed_in_as(browser, holder.user)
        browser = Client()
        for _ in range(4):
            assert portal_login(browser, holder.user.email, "wrong-password").status_code == 200
        assert portal_login(browser, holder.user.email, password).status_code == 302


def test_with_one_proxy_what_the_client_writes_in_the_header_is_ignored(
    one_trusted_proxy, staff, password
):
    """Only the entry the proxy appended counts: a client that puts a fresh made-up address
    in front of it on every attempt is still one client, and gets locked."""
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n in range(10):
            portal_login(
                client_at(CLIENT_A, forwarded_for=f"192.0.2.{n}"), staff.email, "wrong-password"
            )
            clock.shift(datetime.timedelta(minutes=5, seconds=10))
        retry = client_at(CLIENT_A, forwarded_for="192.0.2.99")
        assert portal_login(retry, staff.email, password).status_code == 429


def test_with_no_trusted_proxy_a_forged_header_does_not_escape_the_limits(
    settings, staff, password
):
    """DJANGO_TRUSTED_PROXY_COUNT=0 (the default): the portal faces clients directly, so
    X-Forwarded-For is whatever the client wrote and never changes who it is."""
    settings.TRUSTED_PROXY_COUNT = 0

    def direct(n):
        return Client(REMOTE_ADDR=CLIENT_A, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")

    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n in range(10):
            portal_login(direct(n), f"guess{n}@example.org", "wrong-password")
        assert "Too many failed login attempts" in portal_login(direct(50), staff.email, "x").text

        clock.shift(datetime.timedelta(minutes=2))
        for n in range(10):
            portal_login(direct(n), staff.email, "wrong-password")
            clock.shift(datetime.timedelta(minutes=5, seconds=10))
        assert portal_login(direct(99), staff.email, password).status_code == 429
        # A client elsewhere still signs in.
        assert portal_login(Client(REMOTE_ADDR=CLIENT_B), staff.email, password).status_code == 302
