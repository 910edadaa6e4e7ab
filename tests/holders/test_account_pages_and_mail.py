"""allauth's pages and mail in the portal's layout and voice, with the site's name and links
from settings (SITE_NAME, SITE_URL), never from the Host header of the request."""

import re
from html.parser import HTMLParser

import pytest
from allauth.core import context as allauth_context
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse

from holders.auth import PortalAccountAdapter, portal_site, portal_url
from holders.models import HolderProfile, User

pytestmark = pytest.mark.django_db

SITE_URL = "https://renewals.aasc.test"
HOSTILE = "evil.test:8102"
NEW_PASSWORD = "Pikes-Peak-renewal-77"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE_URL
    settings.SITE_NAME = "AASC credential renewal"
    # As if ALLOWED_HOSTS let a forged Host through (a wildcard, a proxy passing it on).
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.test"]


@pytest.fixture
def hostile():
    return Client(HTTP_HOST=HOSTILE)


def assert_portal_mail(message, *, next_step):
    """Names AASC, links only to SITE_URL, says what to do next, nothing from the request."""
    texts = [message.subject, message.body, *(body for body, _ in message.alternatives)]
    for text in texts:
        for leak in ("evil.test", "example.com", "testserver", "127.0.0.1:", "localhost"):
            assert leak not in text, (leak, message.subject, text)
    assert message.subject.startswith("[AASC renewals] ")
    assert "AASC" in message.body
    assert "Apartment Association of Southern Colorado" in message.body
    links = re.findall(r"https?://[^\s<>\"]+", message.body)
    assert links, message.body
    assert all(link.startswith(f"{SITE_URL}/") for link in links), links
    assert next_step in message.body, message.body
    # No allauth default wording left.
    for default in ("Hello from", "Thank you for using", "user account"):
        assert default not in message.body
    # The HTML part, as the portal's own mail has it: links only to SITE_URL.
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    hrefs = re.findall(r'href="(https?:[^"]*)"', html)
    assert hrefs and all(href.startswith(f"{SITE_URL}/") for href in hrefs), hrefs


def path_of(message):
    return re.search(re.escape(SITE_URL) + r"(/accounts/\S+)", message.body).group(1)


def sign_up(client, email):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "first_name": "Riley",
            "last_name": "Nguyen",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )


# --- The site from settings ---------------------------------------------------------


def test_the_site_name_and_links_come_from_settings(settings):
    assert portal_site().name == "AASC credential renewal"
    assert portal_site().domain == "renewals.aasc.test"
    assert portal_url("/accounts/login/") == f"{SITE_URL}/accounts/login/"
    settings.SITE_NAME = "Another name"
    assert portal_site().name == "Another name"


def test_the_adapters_links_ignore_the_request_host():
    request = RequestFactory().get("/", HTTP_HOST=HOSTILE)
    adapter = PortalAccountAdapter(request)
    with allauth_context.request_context(request):
        assert adapter.get_reset_password_from_key_url("3-abc") == (
            f"{SITE_URL}/accounts/password/reset/key/3-abc/"
        )


# --- Each mail allauth sends --------------------------------------------------------


def test_sign_up_mail_comes_from_settings_and_its_link_confirms(hostile):
    sign_up(hostile, "riley@example.org")
    [message] = mail.outbox
    assert message.to == ["riley@example.org"]
    assert message.subject == "[AASC renewals] Confirm your email to finish signing up"
    assert_portal_mail(message, next_step="To finish signing up, confirm your email address")

    page = hostile.get(path_of(message))
    assert page.status_code == 200
    assert "Is <strong>riley@example.org</strong> your email address?" in page.text
    assert "is an email address for user" not in page.text
    hostile.post(path_of(message))
    assert "_auth_user_id" in hostile.session


def test_confirming_an_added_address(hostile, holder):
    hostile.force_login(holder.user)
    hostile.post(reverse("account_email"), {"action_add": "", "email": "second@example.org"})
    [message] = mail.outbox
    assert message.to == ["second@example.org"]
    assert message.subject == "[AASC renewals] Confirm your email address"
    assert_portal_mail(message, next_step='open this link and press "Confirm"')


def test_password_reset_mail_and_its_link(hostile, holder):
    hostile.post(reverse("account_reset_password"), {"email": holder.user.email})
    [message] = mail.outbox
    assert message.subject == "[AASC renewals] Reset your password"
    assert_portal_mail(message, next_step="To choose a new password, open this link")
    page = hostile.get(path_of(message), follow=True)
    assert "<h1" in page.text and "Choose a new password" in page.text


def test_password_reset_for_an_unknown_address(hostile):
    hostile.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    [message] = mail.outbox
    assert message.subject == "[AASC renewals] No AASC portal account uses this address"
    assert_portal_mail(message, next_step="create an account with it here")
    assert f"{SITE_URL}/accounts/signup/" in message.body


def test_account_already_exists_mail(hostile, holder):
    sign_up(hostile, holder.user.email)
    [message] = mail.outbox
    assert message.to == [holder.user.email]
    assert message.subject == "[AASC renewals] You already have an AASC portal account"
    assert_portal_mail(message, next_step="To renew, sign in with it")
    assert f"{SITE_URL}/accounts/login/" in message.body
    assert f"{SITE_URL}/accounts/password/reset/" in message.body


def test_holder_record_in_use_mail(hostile, holder):
    holder.email = "contact@example.org"
    holder.save()
    sign_up(hostile, "contact@example.org")
    [message] = mail.outbox
    assert message.subject == "[AASC renewals] About your sign-up"
    assert_portal_mail(message, next_step="sign in with the account you already have")


NOTIFICATIONS = [
    ("account/email/password_changed", {}, "Your password was changed"),
    ("account/email/password_set", {}, "Your password was set"),
    ("account/email/password_reset", {}, "Your password was reset"),
    (
        "account/email/email_changed",
        {"from_email": "old@example.org", "to_email": "new@example.org"},
        "Your sign-in email was changed",
    ),
    ("account/email/email_confirm", {}, "Your email address is confirmed"),
    (
        "account/email/email_deleted",
        {"deleted_email": "old@example.org"},
        "An email address was removed from your account",
    ),
    ("mfa/email/totp_activated", {}, "Two-factor authentication is on"),
    ("mfa/email/totp_deactivated", {}, "Two-factor authentication is off"),
    ("mfa/email/recovery_codes_generated", {}, "New recovery codes for your account"),
]


@pytest.mark.parametrize(("template", "extra", "subject"), NOTIFICATIONS)
def test_notification_mails(settings, holder, template, extra, subject):
    """allauth sends these on each change (ACCOUNT_EMAIL_NOTIFICATIONS is on)."""
    request = RequestFactory().post("/", HTTP_HOST=HOSTILE)
    request.user = holder.user
    with allauth_context.request_context(request):
        PortalAccountAdapter(request).send_notification_mail(template, holder.user, extra)
    [message] = mail.outbox
    assert message.subject == f"[AASC renewals] {subject}"
    assert_portal_mail(message, next_step="reset your password now")
    assert "(Colorado time)" in message.body


def test_a_password_change_sends_the_notice(settings, holder_client, holder, password):
    assert settings.ACCOUNT_EMAIL_NOTIFICATIONS
    holder_client.post(
        reverse("account_change_password"),
        {"oldpassword": password, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        HTTP_HOST=HOSTILE,
    )
    [message] = mail.outbox
    assert_portal_mail(message, next_step="reset your password now")


# --- Pages: the portal's layout, sentence case --------------------------------------


class Texts(HTMLParser):
    """The text of each heading, button, label and button-styled link."""

    WATCHED = {"h1", "h2", "button", "label", "title"}

    def __init__(self):
        super().__init__()
        self.stack, self.found = [], []

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class") or ""
        if tag in self.WATCHED or (tag == "a" and "btn" in classes.split()):
            self.stack.append([tag, ""])

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1][0] == tag:
            tag, text = self.stack.pop()
            self.found.append((tag, " ".join(text.split())))

    def handle_data(self, data):
        for item in self.stack:
            item[1] += data


PROPER = {"AASC", "NAAEI", "CEC", "CECs", "I"}


def title_case_words(text):
    words = re.findall(r"[A-Za-z][\w'-]*", text)
    return [w for w in words[1:] if w[0].isupper() and w not in PROPER]


def assert_portal_page(response, heading):
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-label="Main"' in html and "AASC credential renewal" in html  # base.html
    parser = Texts()
    parser.feed(html)
    h1s = [text for tag, text in parser.found if tag == "h1"]
    assert h1s == [heading]
    wrong = [
        (tag, text)
        for tag, text in parser.found
        if tag != "title" and "@" not in text and title_case_words(text)
    ]
    assert wrong == [], wrong
    for title_case in ("Sign Up", "Sign In", "Sign Out", "Password Reset", "Change Password"):
        assert title_case not in html


@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("account_signup", "Create an account"),
        ("account_login", "Sign in"),
        ("account_reset_password", "Reset your password"),
        ("account_reset_password_done", "Check your email"),
        ("account_email_verification_sent", "Check your email"),
    ],
)
def test_pages_before_signing_in(client, url, heading):
    assert_portal_page(client.get(reverse(url)), heading)


def test_the_sign_up_page_says_sign_up(client):
    page = client.get(reverse("account_signup"))
    assert ">Sign up<" in page.content.decode().replace("\n", "")


@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("account_change_password", "Change your password"),
        ("account_email", "Sign-in email"),
        ("account_logout", "Sign out"),
        ("mfa_index", "Two-factor authentication"),
        # Setting up two-factor asks for the password again first.
        ("mfa_activate_totp", "Confirm it is you"),
    ],
)
def test_account_pages_signed_in(holder_client, url, heading):
    response = holder_client.get(reverse(url), follow=True)
    assert_portal_page(response, heading)


def test_setting_up_two_factor_after_confirming_the_password(holder_client, password):
    reauthenticate = holder_client.get(reverse("mfa_activate_totp"), follow=True)
    path = reauthenticate.request["PATH_INFO"]
    next_url = reauthenticate.request["QUERY_STRING"]
    holder_client.post(f"{path}?{next_url}", {"password": password})
    page = holder_client.get(reverse("mfa_activate_totp"))
    assert_portal_page(page, "Set up an authenticator app")
    assert 'alt="QR code for your authenticator app"' in page.text
    assert "Authenticator code" in page.text


def test_password_change_labels_are_sentence_case(holder_client):
    page = holder_client.get(reverse("account_change_password")).content.decode()
    for label in ("Current password", "New password", "New password again"):
        assert label in page
    assert "Current Password" not in page and "New Password" not in page


def test_a_used_reset_link_says_so_plainly(client):
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "bad"})
    assert_portal_page(client.get(path, follow=True), "Link no longer works")


def test_an_unknown_confirmation_link_says_what_to_do(client):
    page = client.get(reverse("account_confirm_email", args=["no-such-key"]))
    assert_portal_page(page, "Confirm your email address")
    assert "expired or was already used" in page.text


def test_the_account_menu_holds_the_account_pages(holder_client):
    page = holder_client.get(reverse("dashboard")).content.decode()
    start = page.index('id="account-menu"')
    menu = page[start : page.index("</ul>", start)]
    for url in ("account_change_password", "account_email", "mfa_index", "account_logout"):
        assert f'"{reverse(url)}"' in menu
    assert 'data-bs-toggle="dropdown"' in page


def test_the_current_account_page_is_marked_in_the_menu(holder_client):
    page = holder_client.get(reverse("account_email")).content.decode()
    assert f'active" aria-current="page" href="{reverse("account_email")}"' in page


def test_sign_up_still_makes_the_account_and_holder_record(hostile):
    sign_up(hostile, "morgan@example.org")
    hostile.post(path_of(mail.outbox[-1]))
    user = User.objects.get(email="morgan@example.org")
    assert HolderProfile.objects.get(user=user).first_name == "Riley"
