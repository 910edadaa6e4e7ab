"""Renewal step 1 in a real browser: signing in, editing contact details, a11y, phone width."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from holders.models import HolderProfile

from .a11y import PHONE_VIEWPORT, assert_no_blocking_axe_violations, assert_no_horizontal_scroll
from .conftest import open_account_menu

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

HOLDER_EMAIL = "holder@demo.test"
STAFF_EMAIL = "staff@demo.test"
REVIEWER_EMAIL = "reviewer@demo.test"

PROFILE_PATH = reverse("holders:profile")
LOGIN_PATH = reverse("account_login")
ADMIN_PATH = reverse("admin:index")

SAVED = "Your contact details are saved."
NOT_SAVED = "Nothing was saved: please correct the fields marked below."
BAD_ZIP_ERROR = "Enter a zip code in the format XXXXX or XXXXX-XXXX."


def stored(profile):
    """Every column of the profile as the database has it now."""
    return HolderProfile.objects.values().get(pk=profile.pk)


def profile_url(live_server):
    """The contact details page, with or without the renewal ?year= the dashboard adds."""
    return re.compile(rf"^{re.escape(live_server.url + PROFILE_PATH)}(\?.*)?$")


def open_contact_details(page, live_server):
    page.goto(f"{live_server.url}{PROFILE_PATH}")
    expect(page).to_have_url(profile_url(live_server))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your contact information")


def submit_bad_zip(page):
    """Change the city (so a partial save would show) and enter an invalid ZIP; save."""
    page.locator("#id_city").fill("Pueblo")
    page.locator("#id_zip_code").fill("8090X")
    page.get_by_role("button", name="Save changes", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text=NOT_SAVED)).to_be_visible()


# --- 1. Editing the phone number -------------------------------------------------


def test_holder_signs_in_and_changes_phone_number(page, live_server, log_in, demo_holder):
    log_in(HOLDER_EMAIL)
    # Signed in as a holder: off the log-in page, not in the admin, "Sign out" offered.
    expect(page).not_to_have_url(re.compile(re.escape(LOGIN_PATH)))
    expect(page).not_to_have_url(re.compile(re.escape(ADMIN_PATH)))
    nav = page.get_by_role("navigation", name="Main")
    account_menu = open_account_menu(page)
    expect(account_menu.get_by_role("button", name=re.compile(r"^Sign out"))).to_be_visible()

    nav.get_by_role("link", name="Contact details").click()
    expect(page).to_have_url(profile_url(live_server))
    phone = page.get_by_label("Phone")
    expect(phone).to_have_value("(719) 555-0134")

    phone.fill("(719) 555-0177")
    page.get_by_role("button", name="Save changes", exact=True).click()

    expect(page.get_by_role("status").filter(has_text=SAVED)).to_be_visible()
    expect(page).to_have_url(profile_url(live_server))
    expect(phone).to_have_value("(719) 555-0177")
    demo_holder.refresh_from_db()
    assert demo_holder.phone.as_e164 == "+17195550177"


# --- 2. A bad ZIP code ----------------------------------------------------------


def test_bad_zip_is_reported_beside_the_field_and_nothing_is_saved(
    page, live_server, log_in, demo_holder
):
    before = stored(demo_holder)
    history_before = demo_holder.history.count()
    log_in(HOLDER_EMAIL)
    open_contact_details(page, live_server)

    submit_bad_zip(page)

    zip_code = page.locator("#id_zip_code")
    expect(zip_code).to_have_value("8090X")
    expect(zip_code).to_have_class(re.compile(r"(^|\s)is-invalid(\s|$)"))
    expect(zip_code).to_have_attribute("aria-invalid", "true")

    # The message is the invalid-feedback element that follows this very input, and the
    # input names it in aria-describedby so screen readers announce it with the field.
    error = zip_code.locator(
        "xpath=following-sibling::*[contains(concat(' ', normalize-space(@class), ' '),"
        " ' invalid-feedback ')][1]"
    )
    expect(error).to_have_text(BAD_ZIP_ERROR)
    expect(error).to_be_visible()
    expect(error.locator("#error_1_id_zip_code")).to_have_text(BAD_ZIP_ERROR)
    error_id = error.get_attribute("id")
    assert error_id, "the ZIP error element has no id for aria-describedby to name"
    described_by = (zip_code.get_attribute("aria-describedby") or "").split()
    assert error_id in described_by, (
        f"#id_zip_code aria-describedby={described_by!r} does not name #{error_id}"
    )
    # ... and is drawn right under it.
    field_box, error_box = zip_code.bounding_box(), error.bounding_box()
    assert field_box["y"] + field_box["height"] <= error_box["y"] + 1
    assert error_box["y"] - (field_box["y"] + field_box["height"]) < 40
    assert abs(error_box["x"] - field_box["x"]) < 2
    # No other field is marked invalid.
    expect(page.locator(".is-invalid")).to_have_count(1)

    assert stored(demo_holder) == before
    assert demo_holder.history.count() == history_before


# --- 2b. A new contact email, confirmed from the link mailed to it -------------------

NEW_EMAIL = "holder.new@demo.test"


def test_holder_changes_the_email_and_confirms_it_from_the_link(
    page, live_server, log_in, demo_holder
):
    log_in(HOLDER_EMAIL)
    open_contact_details(page, live_server)
    email = page.get_by_label("Contact email")
    email.fill(NEW_EMAIL)
    page.get_by_role("button", name="Save changes", exact=True).click()

    # Until the link is opened the old address stays, and the page says so.
    sent = f"We sent a link to {NEW_EMAIL}; your address changes when you open it."
    expect(page.get_by_role("status").filter(has_text=sent)).to_be_visible()
    pending = page.get_by_role("region", name="New email address waiting for confirmation")
    expect(pending).to_contain_text(f"Until then renewal mail keeps going to {HOLDER_EMAIL}")
    expect(pending.get_by_role("button", name="Send the link again")).to_be_visible()
    expect(pending.get_by_role("button", name="Cancel the change")).to_be_visible()
    expect(email).to_have_value(HOLDER_EMAIL)
    assert_no_blocking_axe_violations(page)
    demo_holder.refresh_from_db()
    assert (demo_holder.email, demo_holder.pending_email) == (HOLDER_EMAIL, NEW_EMAIL)

    [message] = [m for m in mail.outbox if m.to == [NEW_EMAIL]]
    path = re.search(r"https?://[^/\s]+(/\S+/email/confirm/\S+/)", message.body).group(1)
    page.goto(f"{live_server.url}{path}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your contact email")
    page.get_by_role("button", name=f"Confirm {NEW_EMAIL}").click()

    expect(page.get_by_role("status").filter(has_text=f"now {NEW_EMAIL}")).to_be_visible()
    expect(page).to_have_url(profile_url(live_server))
    expect(page.get_by_label("Contact email")).to_have_value(NEW_EMAIL)
    expect(pending).to_have_count(0)
    demo_holder.refresh_from_db()
    assert (demo_holder.email, demo_holder.email_verified) == (NEW_EMAIL, True)


# --- 3. Accessibility (axe-core) --------------------------------------------------


@pytest.mark.parametrize("path", ["/", LOGIN_PATH], ids=["home", "login"])
def test_anonymous_pages_have_no_serious_axe_violations(page, live_server, path):
    page.goto(f"{live_server.url}{path}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_blocking_axe_violations(page)


def test_contact_details_page_has_no_serious_axe_violations(
    page, live_server, log_in, demo_accounts
):
    log_in(HOLDER_EMAIL)
    open_contact_details(page, live_server)
    assert_no_blocking_axe_violations(page)


def test_contact_details_with_errors_has_no_serious_axe_violations(
    page, live_server, log_in, demo_accounts
):
    log_in(HOLDER_EMAIL)
    open_contact_details(page, live_server)
    submit_bad_zip(page)
    assert_no_blocking_axe_violations(page)


# --- 4. Phone-width layout --------------------------------------------------------


def test_contact_details_fit_a_phone_screen(page, live_server, log_in, demo_accounts):
    page.set_viewport_size(PHONE_VIEWPORT)
    log_in(HOLDER_EMAIL)
    open_contact_details(page, live_server)
    assert_no_horizontal_scroll(page)

    nav = page.get_by_role("navigation", name="Main")
    toggler = nav.locator(".navbar-toggler")
    menu = page.locator("#main-nav")
    contact_link = menu.get_by_role("link", name="Contact details")
    expect(toggler).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(contact_link).to_be_hidden()

    toggler.click()

    expect(menu).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(contact_link).to_be_visible()
    open_account_menu(page)
    expect(menu.get_by_role("button", name=re.compile(r"^Sign out"))).to_be_visible()
    assert_no_horizontal_scroll(page)

    # The form with its error messages must fit too.
    toggler.click()
    expect(contact_link).to_be_hidden()
    submit_bad_zip(page)
    assert_no_horizontal_scroll(page)


# --- 5. Staff and reviewers -------------------------------------------------------


def test_staff_sign_in_to_the_admin(page, live_server, log_in, demo_accounts):
    log_in(STAFF_EMAIL)
    # "/" after sign-in sends AASC staff to the admin index.
    expect(page).to_have_url(f"{live_server.url}{ADMIN_PATH}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Renewal administration")
    expect(page.get_by_role("link", name="Holder profiles", exact=True)).to_be_visible()


def test_reviewers_sign_in_to_the_review_queue(page, live_server, log_in, demo_accounts):
    log_in(REVIEWER_EMAIL)
    expect(page).to_have_url(f"{live_server.url}{reverse('cecs:review_queue')}")
    expect(page.get_by_role("heading", level=1)).to_have_text("CEC submissions to review")
    page.get_by_role("link", name="Administration", exact=True).click()
    expect(page.get_by_role("link", name="Holder profiles", exact=True)).to_be_visible()
