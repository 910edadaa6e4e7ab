import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

LOGIN_TIME_KEY = "portal_login_at"
SEEN_KEY = "portal_seen_at"
# Writing the session on every page view costs a database write per request; renewing it
# once a minute keeps the 30-minute idle limit to within a minute.
SEEN_EVERY_SECONDS = 60


def remember_login_time(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[LOGIN_TIME_KEY] = now
        request.session[SEEN_KEY] = now


class SessionAgeLimitMiddleware:
    """End a session 12 hours after log-in, however active, and renew it (cookie and
    stored expiry, the 30-minute idle limit) at most once a minute while it is used."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.setdefault(LOGIN_TIME_KEY, now)
            if now - started > settings.SESSION_ABSOLUTE_AGE:
                logout(request)
                messages.info(
                    request, "For your security you were signed out; please sign in again."
                )
                return redirect(f"{reverse('account_login')}?next={request.path}")
            if now - session.get(SEEN_KEY, 0) >= SEEN_EVERY_SECONDS:
                session[SEEN_KEY] = now
        return self.get_response(request)


MFA_FREE_PREFIXES = ("/accounts/", "/static/", "/healthz")


class StaffMfaMiddleware:
    """Staff and reviewers set up two-factor authentication before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            settings.MFA_REQUIRED_FOR_STAFF
            and user.is_authenticated
            and user.is_staff
            and not request.path.startswith(MFA_FREE_PREFIXES)
            and not has_second_factor(user)
        ):
            messages.warning(
                request,
                "Staff and reviewer accounts need two-factor authentication. "
                "Set up an authenticator app to continue.",
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def has_second_factor(user):
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
