from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


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
