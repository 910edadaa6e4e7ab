import datetime

import pytest
import time_machine
from django.urls import reverse

from credentials.selectors import current_renewal_year
from credentials.services import cycle_get_or_create
from holders.models import ContactConfirmation, HolderProfile
from tests.factories import contact_details_post

URL = reverse("holders:profile")


def stored(holder):
    return HolderProfile.objects.values().get(pk=holder.pk)


@pytest.mark.django_db
def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_holder_sees_only_own_details(holder_client, holder, other_holder):
    response = holder_client.get(URL)
    assert response.status_code == 200
    assert holder.member_number in response.text
    assert other_holder.email not in response.text
    assert other_holder.member_number not in response.text


def test_saving_normalises_phone_and_reports_success(holder_client, holder):
    response = holder_client.post(URL, contact_details_post(holder), follow=True)
    assert "Your contact details are saved." in response.text
    holder.refresh_from_db()
    assert holder.phone.as_e164 == "+17195550199"
    assert holder.street == "31 N Tejon St"
    assert not ContactConfirmation.objects.filter(holder=holder).exists()


def test_confirming_records_the_renewal_year(holder_client, holder):
    data = contact_details_post(holder)
    del data["action"]  # the browser sends only the button pressed
    data["confirm"] = "Save and confirm"
    response = holder_client.post(URL, data, follow=True)
    year = current_renewal_year()
    assert f"confirmed for the {year} renewal" in response.text
    confirmation = ContactConfirmation.objects.get(holder=holder)
    assert confirmation.cycle_year == year
    assert confirmation.confirmed_by == holder.user


def test_confirming_uses_the_current_cycles_year_not_the_calendars(holder_client, holder):
    """The 2027 invoices went out early (15 October 2026): the calendar still says 2026,
    but the dashboard is on the 2027 cycle, so the confirmation must be for 2027 too."""
    cycle_get_or_create(year=2026)
    early = cycle_get_or_create(year=2027)
    early.invoices_go_out_on = datetime.date(2026, 10, 15)
    early.save()
    data = contact_details_post(holder)
    del data["action"]  # the browser sends only the button pressed
    data["confirm"] = "Save and confirm"
    denver_noon = datetime.datetime(
        2026, 10, 20, 12, tzinfo=datetime.timezone(-datetime.timedelta(hours=6))
    )
    with time_machine.travel(denver_noon, tick=False):
        response = holder_client.post(URL, data, follow=True)
    assert "confirmed for the 2027 renewal" in response.text
    assert ContactConfirmation.objects.get(holder=holder).cycle_year == 2027


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("zip_code", "8090", "Enter a zip code in the format XXXXX or XXXXX-XXXX."),
        ("zip_code", "ABCDE", "Enter a zip code in the format XXXXX or XXXXX-XXXX."),
        ("state", "XX", "Select a valid choice."),
        ("phone", "12", "Enter a valid phone number"),
        ("email", "not-an-email", "Enter a valid email address."),
        ("first_name", "   ", "This field is required."),
        ("street", "", "This field is required."),
        ("city", "", "This field is required."),
    ],
)
def test_bad_input_shows_error_beside_field_and_saves_nothing(
    holder_client, holder, field, value, message
):
    before = stored(holder)
    history_before = holder.history.count()
    response = holder_client.post(URL, contact_details_post(holder, **{field: value}))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert f'id="error_1_id_{field}"' in response.text
    assert "Nothing was saved" in response.text
    assert stored(holder) == before
    assert holder.history.count() == history_before


def test_email_unique_regardless_of_case(holder_client, holder, other_holder):
    before = stored(holder)
    response = holder_client.post(
        URL, contact_details_post(holder, email=other_holder.email.upper())
    )
    assert "already uses this email address" in response.context["form"].errors["email"][0]
    assert stored(holder) == before


def test_a_new_email_is_stored_lower_case_and_waits_for_confirmation(holder_client, holder):
    old = holder.email
    holder_client.post(URL, contact_details_post(holder, email="New.Address@Example.ORG"))
    holder.refresh_from_db()
    assert holder.pending_email == "new.address@example.org"
    assert holder.email == old  # tests/security/test_outgoing_mail.py: until the link is opened


def test_changes_are_kept_in_history_with_who(holder_client, holder):
    holder_client.post(URL, contact_details_post(holder, city="Pueblo", zip_code="81003"))
    latest = holder.history.first()
    assert latest.city == "Pueblo"
    assert latest.history_user == holder.user
    assert latest.prev_record.city == "Colorado Springs"


def test_member_number_cannot_be_changed_by_the_holder(holder_client, holder):
    number = holder.member_number
    holder_client.post(URL, contact_details_post(holder, member_number="HACKED1"))
    holder.refresh_from_db()
    assert holder.member_number == number
