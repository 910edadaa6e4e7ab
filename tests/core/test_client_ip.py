"""core.client_ip: the one reading of the client's address that every limiter uses."""

import os
import subprocess
import sys

import pytest
from django.test import RequestFactory

from core.client_ip import client_ip

PROXY = "10.0.0.2"


def request_from(remote_addr, forwarded_for=None):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("count", "remote_addr", "forwarded_for", "expected"),
    [
        # No trusted proxy: the header is the client's own text and is never read.
        (0, "203.0.113.7", None, "203.0.113.7"),
        (0, "203.0.113.7", "198.51.100.1", "203.0.113.7"),
        (0, "203.0.113.7", "198.51.100.1, 192.0.2.9", "203.0.113.7"),
        # One proxy: the entry it appended, whatever the client wrote before it.
        (1, PROXY, "203.0.113.7", "203.0.113.7"),
        (1, PROXY, "198.51.100.1, 203.0.113.7", "203.0.113.7"),
        (1, PROXY, "  garbage ,203.0.113.7 ", "203.0.113.7"),
        # A private client address is still that client (no "prefer public" guessing).
        (1, PROXY, "192.168.1.20", "192.168.1.20"),
        # Two proxies (a CDN, then the TLS proxy): the second entry from the right.
        (2, PROXY, "198.51.100.1, 203.0.113.7, 192.0.2.50", "203.0.113.7"),
        # Not through the proxy (e.g. the container's health check): the connection.
        (1, "127.0.0.1", None, "127.0.0.1"),
        (2, PROXY, "203.0.113.7", PROXY),
        # The trusted entry is unreadable: never fall back to a client-written one.
        (1, PROXY, "203.0.113.7, unknown", PROXY),
        # One spelling per client.
        (1, PROXY, "203.0.113.7:51234", "203.0.113.7"),
        (1, PROXY, "[2001:db8:1:2::5]:443", "2001:db8:1:2::"),
        (1, PROXY, "::ffff:203.0.113.7", "203.0.113.7"),
        # An IPv6 client holds a /64: every address in it is the same client.
        (1, PROXY, "2001:db8:1:2:aaaa::1", "2001:db8:1:2::"),
        (1, PROXY, "2001:db8:1:2:bbbb::9", "2001:db8:1:2::"),
    ],
)
def test_client_address(settings, count, remote_addr, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(request_from(remote_addr, forwarded_for)) == expected


def test_every_limiter_asks_core_client_ip(settings):
    """axes, allauth and django-ratelimit each have their own idea of the client's address
    (REMOTE_ADDR, or an X-Forwarded-For reading); all three are pointed here."""
    from allauth.account.adapter import get_adapter
    from axes.helpers import get_client_ip_address
    from django_ratelimit.core import _get_ip

    settings.TRUSTED_PROXY_COUNT = 1
    request = request_from(PROXY, "198.51.100.1, 203.0.113.7")
    assert get_client_ip_address(request) == "203.0.113.7"
    assert get_adapter(request).get_client_ip(request) == "203.0.113.7"
    assert _get_ip(request) == "203.0.113.7"


def settings_with(count):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_ENV_FILE": os.devnull,
        "DJANGO_DEBUG": "true",
        "DJANGO_TRUSTED_PROXY_COUNT": count,
    }
    code = (
        "from renewal_portal import settings as s;"
        "print(s.TRUSTED_PROXY_COUNT, s.ALLAUTH_TRUSTED_PROXY_COUNT)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )


def test_the_count_is_read_once_from_the_environment():
    loaded = settings_with("2")
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split() == ["2", "2"]


@pytest.mark.parametrize("count", ["-1", "one"])
def test_a_count_that_is_not_a_whole_number_of_proxies_stops_start_up(count):
    loaded = settings_with(count)
    assert loaded.returncode != 0
    assert "DJANGO_TRUSTED_PROXY_COUNT" in loaded.stderr or "invalid literal" in loaded.stderr
