import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import reverse

from holders.models import HolderProfile, User
from holders.roles import HOLDERS

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Pikes-Peak-renewal-77"


def sign_up(client, email, **extra):
    data = {
        "email": email,
        "first_name": "Riley",
        "last_name": "Nguyen",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **extra,
    }
    return client.post(reverse("account_signup"), data)


def link_in(message):
    """The path of the account link in an allauth mail (on settings.SITE_URL, never the
    request's host: tests/holders/test_account_pages_and_mail.py)."""
    return re.search(re.escape(settings.SITE_URL) + r"(/accounts/\S+)", message.body).group(1)


def test_sign_up_requires_email_verification_then_logs_in(client):
    response = sign_up(client, "Riley.Nguyen@Example.org")
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get()
    assert user.email == "riley.nguyen@example.org"

    # Not verified yet: a log-in attempt is sent to verification, not into the portal.
    client.logout()
    login = client.post(reverse("account_login"), {"login": user.email, "password": NEW_PASSWORD})
    assert login.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    confirm_path = link_in(mail.outbox[-1])
    confirm = client.post(confirm_path)
    assert confirm.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    profile = HolderProfile.objects.get(user=user)
    assert (profile.first_name, profile.last_name) == ("Riley", "Nguyen")
    assert user.groups.filter(name=HOLDERS).exists()


def test_log_in_with_email_in_any_case_and_log_out(client, holder, password):
    response = client.post(
        reverse("account_login"), {"login": holder.user.email.upper(), "password": password}
    )
    assert response.status_code == 302
    assert client.get(response.url, follow=True).request["PATH_INFO"] == reverse("dashboard")
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_wrong_password_gives_a_clear_message(client, holder):
    response = client.post(
        reverse("account_login"), {"login": holder.user.email, "password": "wrong-password"}
    )
    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in response.text


def test_password_reset_link_in_the_mail_works(client, holder):
    client.post(reverse("account_reset_password"), {"email": holder.user.email})
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [holder.user.email]
    key_page = client.get(link_in(mail.outbox[0]), follow=True)
    assert key_page.status_code == 200
    set_password_path = key_page.request["PATH_INFO"]
    response = client.post(
        set_password_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    client.logout()
    login = client.post(
        reverse("account_login"), {"login": holder.user.email, "password": NEW_PASSWORD}
    )
    assert login.status_code == 302
    assert client.session["_auth_user_id"] == str(holder.user.pk)


def test_password_change_requires_the_old_password(client, holder, password):
    client.force_login(holder.user)
    bad = client.post(
        reverse("account_change_password"),
        {"oldpassword": "not-it", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert bad.status_code == 200
    assert "Please type your current password." in bad.text
    good = client.post(
        reverse("account_change_password"),
        {"oldpassword": password, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert good.status_code == 302
    holder.user.refresh_from_db()
    assert holder.user.check_password(NEW_PASSWORD)


def test_weak_password_is_refused(client):
    response = sign_up(client, "weak@example.org", password1="12345678", password2="12345678")
    assert response.status_code == 200
    assert "This password is too short" in response.text
    assert not User.objects.exists()


def test_imported_holder_claims_record_by_signing_up_with_same_email(client):
    imported = HolderProfile.objects.create(
        first_name="Morgan",
        last_name="Castillo",
        email="morgan.castillo@example.org",
        member_number="N1234567",
    )
    sign_up(client, "MORGAN.Castillo@example.org", first_name="Mo", last_name="C")
    client.post(link_in(mail.outbox[-1]))

    assert HolderProfile.objects.count() == 1
    imported.refresh_from_db()
    assert imported.user.email == "morgan.castillo@example.org"
    # The imported record keeps what NAAEI sent.
    assert (imported.first_name, imported.member_number) == ("Morgan", "N1234567")
    assert imported.history.first().history_change_reason == "claimed by sign-up"
    page = client.get(reverse("holders:profile"))
    assert "N1234567" in page.text


def test_sign_up_cannot_take_a_record_another_account_owns(client, holder):
    """The page says nothing (see the next test); the mailbox learns why, and no account is
    made, so the record stays with its owner."""
    holder.email = "contact@example.org"
    holder.save()
    owner = holder.user
    response = sign_up(client, "contact@example.org")
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert not User.objects.filter(email="contact@example.org").exists()
    holder.refresh_from_db()
    assert holder.user == owner
    assert holder.email == "contact@example.org"
    (message,) = mail.outbox
    assert message.to == ["contact@example.org"]
    assert "already linked to a portal account" in message.body
    assert "/accounts/login/" in message.body
    assert "confirm-email" not in message.body  # nothing to verify: no account was made


def visible_answer(client, email):
    """What the person at the sign-up form sees: status, where it sends them, and the page
    (with its messages) they land on, the address they typed written as ADDRESS."""
    response = sign_up(client, email)
    landing = client.get(response.url) if response.status_code == 302 else response
    return (
        response.status_code,
        response.get("Location"),
        landing.status_code,
        landing.text.replace(email, "ADDRESS"),
    )


@pytest.mark.parametrize(
    "on_file", ["record another account owns", "existing account", "imported record"]
)
def test_sign_up_answers_an_address_on_file_exactly_as_a_fresh_one(client, holder, on_file):
    """Sign-up must not tell anyone which addresses the portal knows (ASVS 2.5.x / 3.x
    enumeration): each known case gets the fresh address's redirect, page and message."""
    if on_file == "record another account owns":
        holder.email = known = "contact@example.org"
        holder.save()
    elif on_file == "existing account":
        known = holder.user.email
    else:
        known = "imported@example.org"
        HolderProfile.objects.create(first_name="Morgan", last_name="Castillo", email=known)
    fresh = visible_answer(Client(), "nobody-yet@example.org")
    assert fresh[:3] == (302, reverse("account_email_verification_sent"), 200)
    assert "We have emailed a confirmation link to ADDRESS." in fresh[3]

    assert visible_answer(client, known) == fresh


def test_user_email_is_unique_regardless_of_case(client, holder):
    response = sign_up(client, holder.user.email.upper())
    # allauth does not reveal that the account exists; it mails its owner instead.
    assert response.status_code == 302
    assert User.objects.filter(email__iexact=holder.user.email).count() == 1
    assert mail.outbox[-1].to == [holder.user.email]
    assert "already" in mail.outbox[-1].body


def test_roles_exist_as_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Holders",
        "AASC staff",
        "NAAEI reviewers",
    }
