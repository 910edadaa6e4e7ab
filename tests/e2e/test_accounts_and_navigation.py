"""The top navigation (one row on a laptop, one account menu, collapsed on a phone) and the
account pages in the portal's layout and voice: sign-up, its mail, the confirmation page."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from .a11y import assert_no_blocking_axe_violations, assert_no_horizontal_scroll
from .conftest import HOLDER_EMAIL, STAFF_EMAIL, open_account_menu

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

LAPTOP = {"width": 1280, "height": 800}
SMALL_LAPTOP = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}

HOLDER_ITEMS = [
    "My renewal",
    "Contact details",
    "CEC status",
    "Reporting forms",
    "Classes",
    "Payments",
]
ACCOUNT_LINKS = ["Password", "Sign-in email", "Two-factor authentication"]
NEW_PASSWORD = "Pikes-Peak-renewal-77"


def top_level_items(page):
    """The navbar's own entries: the brand, each top-level link and the account button."""
    nav = page.get_by_role("navigation", name="Main")
    return nav.locator(".navbar-brand, .navbar-nav > .nav-item > .nav-link")


def assert_on_one_row(page):
    nav_box = page.get_by_role("navigation", name="Main").bounding_box()
    boxes = [item.bounding_box() for item in top_level_items(page).all()]
    row = max(box["height"] for box in boxes)
    # Every entry sits on the same line, none wraps onto a second one ...
    link_boxes = boxes[1:]
    assert {round(box["y"]) for box in link_boxes} == {round(link_boxes[0]["y"])}, link_boxes
    assert {round(box["height"]) for box in link_boxes} == {round(link_boxes[0]["height"])}
    line_height = float(
        top_level_items(page).nth(1).evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    )
    assert all(box["height"] < 2 * line_height for box in link_boxes), (line_height, link_boxes)
    # ... and the bar is one row high (its padding, .5rem above and below, around it).
    assert nav_box["height"] <= row + 16 + 1, (nav_box, row)


def test_the_holders_menu_fits_one_row_at_1280(page, live_server, log_in, demo_holder):
    page.set_viewport_size(LAPTOP)
    log_in(HOLDER_EMAIL)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.locator(".navbar-toggler")).to_be_hidden()
    for name in HOLDER_ITEMS:
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    account = nav.get_by_role("button", name="Account", exact=True)
    expect(account).to_be_visible()
    # The account pages are in the menu, not on the bar.
    for name in ACCOUNT_LINKS:
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_hidden()
    assert top_level_items(page).count() == 1 + len(HOLDER_ITEMS) + 1
    assert_on_one_row(page)

    menu = open_account_menu(page)
    expect(account).to_have_attribute("aria-expanded", "true")
    for name in ACCOUNT_LINKS:
        expect(menu.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(menu.get_by_role("button", name=re.compile(r"^Sign out"))).to_be_visible()
    expect(menu).to_contain_text(f"Signed in as {HOLDER_EMAIL}")
    assert_no_blocking_axe_violations(page)

    menu.get_by_role("link", name="Two-factor authentication").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor authentication")
    assert_no_blocking_axe_violations(page)
    menu = open_account_menu(page)
    expect(menu.get_by_role("link", name="Two-factor authentication")).to_have_attribute(
        "aria-current", "page"
    )

    menu.get_by_role("link", name="Sign-in email").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in email")
    assert_no_blocking_axe_violations(page)

    open_account_menu(page).get_by_role("link", name="Password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    expect(page.get_by_label("Current password")).to_be_visible()
    assert_no_blocking_axe_violations(page)

    open_account_menu(page).get_by_role("button", name=re.compile(r"^Sign out")).click()
    expect(page).to_have_url(f"{live_server.url}{reverse('account_login')}")
    expect(page.get_by_role("status").filter(has_text="You have signed out.")).to_be_visible()


def test_staff_have_one_row_too(page, live_server, log_in, demo_accounts):
    page.set_viewport_size(LAPTOP)
    log_in(STAFF_EMAIL)
    # "/" sends staff to the admin, which has its own layout; the account pages have the portal's.
    page.goto(f"{live_server.url}{reverse('account_email')}")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Administration")).to_be_visible()
    assert_on_one_row(page)
    menu = open_account_menu(page)
    for name in ACCOUNT_LINKS:
        expect(menu.get_by_role("link", name=name, exact=True)).to_be_visible()


@pytest.mark.parametrize("viewport", [SMALL_LAPTOP, PHONE], ids=["1024", "390"])
def test_the_menu_collapses_on_smaller_screens(page, live_server, log_in, demo_holder, viewport):
    page.set_viewport_size(viewport)
    log_in(HOLDER_EMAIL)
    nav = page.get_by_role("navigation", name="Main")
    toggler = nav.locator(".navbar-toggler")
    expect(toggler).to_be_visible()
    expect(nav.get_by_role("link", name="My renewal")).to_be_hidden()

    toggler.click()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    for name in HOLDER_ITEMS:
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    menu = open_account_menu(page)
    for name in ACCOUNT_LINKS:
        expect(menu.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(menu.get_by_role("button", name=re.compile(r"^Sign out"))).to_be_visible()
    assert_no_horizontal_scroll(page)
    assert_no_blocking_axe_violations(page)


def test_sign_up_mail_and_confirmation_in_the_portals_voice(page, live_server, db):
    page.goto(f"{live_server.url}{reverse('account_signup')}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    expect(page).to_have_title(re.compile(r"^Create an account · AASC"))
    assert_no_blocking_axe_violations(page)

    page.get_by_label("Email").fill("riley.nguyen@example.org")
    page.get_by_label("First name").fill("Riley")
    page.get_by_label("Last name").fill("Nguyen")
    page.get_by_label(re.compile(r"^\s*Password\W*$")).fill(NEW_PASSWORD)
    page.get_by_label("Password (again)").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign up", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(
        page.get_by_role("status").filter(has_text="We have emailed a confirmation link")
    ).to_be_visible()
    assert_no_blocking_axe_violations(page)

    [message] = mail.outbox
    assert message.subject == "[AASC renewals] Confirm your email to finish signing up"
    assert "Apartment Association of Southern Colorado" in message.body
    # The link is on SITE_URL, whatever host the browser used (the live server's port).
    assert live_server.url not in message.body
    path = re.search(re.escape(settings.SITE_URL) + r"(/accounts/confirm-email/\S+/)", message.body)
    page.goto(f"{live_server.url}{path.group(1)}")

    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    expect(page.get_by_role("main")).to_contain_text(
        "Is riley.nguyen@example.org your email address?"
    )
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("AASC credential renewal")
    assert_no_blocking_axe_violations(page)
    page.get_by_role("button", name="Confirm", exact=True).click()

    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="My renewal")).to_be_visible()
    expect(
        page.get_by_role("status").filter(has_text="riley.nguyen@example.org is confirmed")
    ).to_be_visible()


@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("account_login", "Sign in"),
        ("account_reset_password", "Reset your password"),
    ],
)
def test_signed_out_account_pages_pass_axe(page, live_server, db, url, heading):
    page.goto(f"{live_server.url}{reverse(url)}")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_no_blocking_axe_violations(page)
