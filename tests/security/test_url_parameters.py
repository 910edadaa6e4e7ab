"""Hostile values in every URL parameter of the project: never a server error.

Every pattern that takes a parameter (ours, allauth's and the admin's, found by walking the
URLconf, so a new one is covered without touching this file) is requested with each hostile
value in every parameter, as each role. The URL is built by hand from the route, because
reverse() would refuse most of these values: the point is what a client can type.

Before core/converters.py, seven of these were 500s on PostgreSQL: a NUL byte in the calendar
feed token, the invoice number and the payments addresses (PostgreSQL refuses NUL in text, so
the query raised ValueError), and a transcript year of 0 or past 9999 (date() raised).
"""

import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory, holder_with, reviewer_user, staff_user
from tests.security.test_authorization_matrix import walk

pytestmark = pytest.mark.django_db

# The raw values; each is URL-quoted (nothing kept) before it goes into the path.
HOSTILE = {
    "NUL": "\x00",
    "NUL inside": "a\x00b",
    "huge number": "99999999999999999999",
    "zero": "0",
    "negative": "-1",
    "accented": "é",
    "right-to-left override": "\u202e",
    "emoji (4-byte UTF-8)": "\U0001f4a9",
    "dot-dot-slash": "../",
    "encoded traversal": "../../etc/passwd",
    "5,000 characters": "a" * 5000,
}
# Values put into the path as they are (not quoted again).
UNQUOTED = {"literal ../": "../", "literal ../../etc/passwd": "../../etc/passwd"}
VALUES = {label: quote(raw, safe="") for label, raw in HOSTILE.items()} | UNQUOTED

ROLES = ("anonymous", "holder", "reviewer", "staff", "superuser")
# Holders and reviewers are turned away at the admin's door before any parameter is read
# (test_authorization_matrix checks that door), so the admin's patterns are walked as
# anonymous, staff and superuser; ours and allauth's as everyone.
ADMIN_ROLES = ("anonymous", "staff", "superuser")

# `<int:pk>`, `<path:object_id>`, `<id>`: path() parameters.
PATH_PARAMETER = re.compile(r"<(?:\w+:)?\w+>")
# `(?P<key>[-:\w]+)`, `([^/]+)`: re_path() groups (allauth, simple-history); none nest.
REGEX_GROUP = re.compile(r"\((?:\?P<\w+>)?[^()]*\)")
REGEX_LEFTOVER = re.compile(r"[\\()\[\]*+?|{}]")

# What were server errors (item 9 of the security issue), and must be plain 404s.
MUST_BE_404 = [
    ("cecs:calendar_feed", "anonymous", "NUL"),
    ("cecs:calendar_feed", "anonymous", "NUL inside"),
    *(
        (name, "holder", label)
        for name in (
            "payments:invoice",
            "credentials:invoice_pdf",
            "payments:paid",
            "payments:cancelled",
            "payments:test_checkout",
            "payments:receipt",
        )
        for label in ("NUL", "NUL inside")
    ),
    *(
        (name, "holder", label)
        for name in ("cecs:transcript_pdf", "cecs:transcript_csv")
        for label in ("zero", "huge number")
    ),
]
OUT_OF_RANGE_YEARS = ["0000", "0001", "1899", "10000", "99999"]


def parameter_patterns():
    return [(name, route) for name, route in walk() if "<" in route or "(" in route]


def fill(route, value):
    """The path for ROUTE with every parameter replaced by VALUE (already URL-safe)."""
    template = REGEX_GROUP.sub("\0", PATH_PARAMETER.sub("\0", route))
    template = template.replace("^", "").replace("$", "")
    assert not REGEX_LEFTOVER.search(template), f"cannot fill {route!r}: teach fill() its syntax"
    return "/" + template.replace("\0", value)


def is_ours(route):
    return not route.startswith(("admin/", "accounts/")) or route.startswith(
        ("admin/holder-audit/", "admin/cycle-overview/")
    )


@pytest.fixture
def clients():
    owner = holder_with("CAM")
    users = {
        "holder": owner.user,
        "reviewer": reviewer_user(),
        "staff": staff_user(),
        "superuser": UserFactory(is_staff=True, is_superuser=True),
    }
    made = {"anonymous": Client(raise_request_exception=False)}
    for role, user in users.items():
        made[role] = Client(raise_request_exception=False)
        made[role].force_login(user)
    return made


def roles_for(route):
    return ROLES if is_ours(route) or route.startswith("accounts/") else ADMIN_ROLES


def is_login_redirect(response):
    return response.status_code == 302 and "/login/" in response.get("Location", "")


def test_fill_builds_the_path_by_hand():
    assert fill("cecs/transcript/<year:year>/pdf/", "%00") == "/cecs/transcript/%00/pdf/"
    assert fill("accounts/^confirm-email/(?P<key>[-:\\w]+)/$", "x") == "/accounts/confirm-email/x/"
    assert fill("admin/a/b/^([^/]+)/history/([^/]+)/$", "0") == "/admin/a/b/0/history/0/"


def test_no_hostile_url_parameter_causes_a_server_error(clients):
    patterns = parameter_patterns()
    server_errors, ours_wrong, checked = [], [], 0
    for name, route in patterns:
        for label, value in VALUES.items():
            url = fill(route, value)
            for role in roles_for(route):
                response = clients[role].get(url)
                checked += 1
                status = response.status_code
                if status >= 500:
                    server_errors.append(f"{name or route} {label!r} as {role}: {status}")
                # A hostile value never finds anything of ours: a login redirect, a refusal,
                # a "this link is not valid" page (400) or a 404, never a page with data.
                elif is_ours(route) and not (
                    status in (400, 403, 404, 405) or is_login_redirect(response)
                ):
                    ours_wrong.append(f"{name} {label!r} as {role}: {status}")
    print(
        f"\n{len(patterns)} URL patterns with parameters x {len(VALUES)} hostile values"
        f" x up to {len(ROLES)} roles = {checked} requests, {len(server_errors)} server errors"
    )
    assert server_errors == [], "\n".join(server_errors)
    assert ours_wrong == [], "\n".join(ours_wrong)
    assert len(patterns) > 100  # ours, allauth's and the admin's


def test_the_former_server_errors_are_404s(clients):
    routes = dict(parameter_patterns())
    got = {
        (name, role, label): clients[role].get(fill(routes[name], VALUES[label])).status_code
        for name, role, label in MUST_BE_404
    }
    for year in OUT_OF_RANGE_YEARS:
        for name in ("cecs:transcript_pdf", "cecs:transcript_csv"):
            got[(name, "holder", year)] = (
                clients["holder"].get(fill(routes[name], year)).status_code
            )
    assert {key: status for key, status in got.items() if status != 404} == {}


def test_a_valid_year_still_reaches_the_transcript(clients):
    routes = dict(parameter_patterns())
    for year in ("1900", "2026", "9999"):
        response = clients["holder"].get(fill(routes["cecs:transcript_csv"], year))
        assert response.status_code == 200, year
    assert clients["holder"].get(fill(routes["cecs:transcript_pdf"], "9999")).status_code == 200
    assert clients["reviewer"].get(fill(routes["cecs:decisions_csv"], "2027")).status_code == 200


@pytest.mark.parametrize("view", ["cycle_overview", "cycle_overview_csv"])
def test_a_hostile_year_in_the_overview_query_string_is_no_server_error(clients, view):
    # "²".isdigit() is true, and int("²") raised: the season overview was a 500.
    for raw in ("²", "٢٠٢٧", *HOSTILE.values()):
        response = clients["staff"].get(reverse(view), {"year": raw})
        assert response.status_code in (200, 404), (raw, response.status_code)


@pytest.mark.parametrize("progress", ["paid", "paid_not_submitted"])
def test_a_hostile_cycle_in_the_invoice_progress_filter_is_no_server_error(clients, progress):
    # The progress filter read cycle__id__exact straight into a query: "abc" was a 500.
    url = reverse("admin:credentials_renewalinvoice_changelist")
    for raw in ("abc", "1é", "²", *HOSTILE.values()):
        response = clients["staff"].get(url, {"progress": progress, "cycle__id__exact": raw})
        assert response.status_code in (200, 302), (raw, response.status_code)
