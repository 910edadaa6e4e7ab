from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.auth_backends import AuthenticationBackend
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.urls import reverse

from core.client_ip import client_ip
from core.emails import contact_context, html_body, render_text

from .selectors import email_claimed_by_account


class LoadsHolderProfile:
    """Load the signed-in user with their holder record in one query: every holder page
    needs both (`holders.selectors.holder_for_user`)."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("holder_profile")
        # [:1], not .first(): every signed-in request runs this, and first()'s ORDER BY
        # (needless for a primary key) cost a quarter of it (bench/findings.md).
        user = next(iter(users.filter(pk=user_id)[:1]), None)
        return user if user is not None and self.user_can_authenticate(user) else None


class PortalModelBackend(LoadsHolderProfile, ModelBackend):
    pass


class PortalAllauthBackend(LoadsHolderProfile, AuthenticationBackend):
    pass


def login_identifier(request, credentials):
    """The account a log-in attempt names, for django-axes.

    The portal log-in (allauth) passes `email`, the admin log-in `username`;
    both are the email address, compared case-insensitively.
    """
    credentials = credentials or {}
    post = getattr(request, "POST", {}) or {}
    value = (
        credentials.get("email")
        or credentials.get("username")
        or post.get("login")
        or post.get("username")
        or ""
    )
    return value.strip().lower()


@dataclass(frozen=True)
class PortalSite:
    """What allauth's mail calls `current_site`: the portal as settings name it."""

    name: str
    domain: str


def portal_site():
    return PortalSite(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)


def portal_url(path):
    """An absolute link for mail: settings.SITE_URL, never the Host header of the request
    that set the mail off (anyone can send any host ALLOWED_HOSTS lets through)."""
    return f"{settings.SITE_URL}{path}"


def account_links():
    return {
        "login_url": portal_url(reverse("account_login")),
        "signup_url": portal_url(reverse("account_signup")),
        "password_reset_url": portal_url(reverse("account_reset_password")),
    }


class PortalAccountAdapter(DefaultAccountAdapter):
    """allauth, with the portal's idea of who the client is, what sign-up may reveal, and
    what its mail calls the site and links to (settings.SITE_NAME and SITE_URL)."""

    def render_mail(self, template_prefix, email, context, headers=None):
        # Every allauth mail passes here (send_mail → render_mail). allauth's context names
        # the site from the request (`current_site`: RequestSite, without django.contrib.sites)
        # and so does the sign-up link of the "unknown account" mail; replace both.
        context = {
            **context,
            "current_site": portal_site(),
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
        }
        if "signup_url" in context:
            context["signup_url"] = account_links()["signup_url"]
        message = super().render_mail(template_prefix, email, context, headers=headers)
        # As the portal's own mail (core.emails.send_templated_email): AASC's contact details
        # after the text, and an HTML part (the text escaped, links only to the portal's pages).
        if hasattr(message, "attach_alternative") and not message.alternatives:
            body = message.body
            contact = render_text("emails/_contact.txt", contact_context())
            message.body = f"{body.rstrip()}\n\n{contact}"
            html = render_to_string(
                "emails/_layout.html", {"subject": message.subject, "body": html_body(body)}
            )
            message.attach_alternative(html, "text/html")
        return message

    def get_email_confirmation_url(self, request, emailconfirmation):
        return portal_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key):
        # As allauth's flows.password_reset.get_reset_password_from_key_url, on SITE_URL.
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return portal_url(path.replace("UID-KEY", quote(key)))

    def get_client_ip(self, request):
        # The address the trusted proxies saw (DJANGO_TRUSTED_PROXY_COUNT), as axes and the
        # verification page's limit use it; allauth's own reading raises a 500 when the header
        # has fewer entries than proxies.
        address = client_ip(request)
        if not address:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    def _get_login_attempts_cache_key(self, request, **credentials):
        # allauth counts "5 failed log-ins per 5 minutes" per account alone, so five wrong
        # passwords from anywhere kept the owner out too. Per (account, client) instead, as
        # axes locks: the owner elsewhere is never refused. allauth uses this key both to count
        # failures and to clear them after a password reset.
        key = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{key}@{self.get_client_ip(request)}"

    def send_account_already_exists_mail(self, email):
        """Sign-up answers every address alike (ACCOUNT_PREVENT_ENUMERATION); only the mailbox
        learns why no account was made. For an address on a holder record another account
        owns (holders.forms.SignupNamesForm), say so there, not on the page."""
        has_account = get_user_model()._default_manager.filter(email__iexact=email).exists()
        if has_account or not email_claimed_by_account(email=email):
            template = "account/email/account_already_exists"
        else:
            template = "account/email/holder_record_in_use"
        self.send_mail(template, email, {"email": email, **account_links()})
