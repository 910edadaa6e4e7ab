from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.auth_backends import AuthenticationBackend
from allauth.account.internal.flows.password_reset import get_reset_password_url
from allauth.core import context
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from core.client_ip import client_ip

from .selectors import email_claimed_by_account


class LoadsHolderProfile:
    """Load the signed-in user with their holder record in one query: every holder page
    needs both (`holders.selectors.holder_for_user`)."""

    def get_user(self, user_id):
        user_model = get_user_model()
        user = (
            user_model._default_manager.select_related("holder_profile").filter(pk=user_id).first()
        )
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


class PortalAccountAdapter(DefaultAccountAdapter):
    """allauth, with the portal's idea of who the client is and what sign-up may reveal."""

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
            return super().send_account_already_exists_mail(email)
        request = context.request
        self.send_mail(
            "account/email/holder_record_in_use",
            email,
            {
                "email": email,
                "login_url": request.build_absolute_uri(reverse("account_login")),
                "password_reset_url": get_reset_password_url(request),
            },
        )
