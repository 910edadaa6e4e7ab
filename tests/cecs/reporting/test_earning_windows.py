"""A reporting form's date must fall in an open renewal's earning window: refused with a
message naming the windows, or accepted and, when it goes to another renewal than the
current one, the holder is told which."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from cecs.models import ReportingForm
from cecs.reporting.checks import ReportingFormInvalid, renewal_year_note, reporting_form_check
from cecs.reporting.services import reporting_form_save
from credentials.models import RenewalCycle
from credentials.services import cycle_get_or_create
from tests.factories import ReportingFormFactory

pytestmark = pytest.mark.django_db

D = datetime.date
DENVER = ZoneInfo("America/Denver")
JUN_2026 = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=DENVER)  # 2026 grace period over
DEC_2026 = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=DENVER)  # 2027 season, before due
FEB_2027 = datetime.datetime(2027, 2, 15, 12, 0, tzinfo=DENVER)  # 2027 grace period
APR_2027 = datetime.datetime(2027, 4, 2, 12, 0, tzinfo=DENVER)  # after it

ONE_WINDOW = (
    "Dated March 2025: the 2027 renewal accepts CECs earned from January 1 to December 31, 2026."
)
TWO_WINDOWS = (
    "Dated March 2025: the 2027 renewal accepts CECs earned from January 1 to December 31, "
    "2026, and the 2028 renewal those from January 1 to December 31, 2027."
)


@pytest.fixture(autouse=True)
def _cycles():
    cycle_get_or_create(year=2026)
    cycle_get_or_create(year=2027)


def check(date_from, *, now, **values):
    return reporting_form_check(date_from=date_from, gross_hours=Decimal(2), now=now, **values)


def refusal(date_from, *, now, **values):
    with pytest.raises(ReportingFormInvalid) as refused:
        check(date_from, now=now, **values)
    return refused.value.errors


def holder_client_at(client, holder, time_machine, now):
    """Signed in after moving the clock: a session from the real "now" would have expired."""
    time_machine.move_to(now, tick=False)
    client.force_login(holder.user)
    return client


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def form_data(**overrides):
    return {
        "activity_type": "expo_class",
        "title": "Expo: Leasing in a Soft Market",
        "organisation": "AASC Expo",
        "date_from": "2026-04-22",
        "date_to": "",
        "start_time": "",
        "end_time": "",
        "gross_hours": "2",
        "break_minutes": "0",
        "time_zone": "America/Denver",
        "description": "Expo education session.",
        "action": "save",
        **overrides,
    }


# --- The check ---------------------------------------------------------------------


def test_a_date_in_the_current_window_counts_towards_the_current_renewal():
    assert check(D(2026, 4, 22), now=DEC_2026)["renewal_year"] == 2027


def test_a_date_before_every_window_is_refused_naming_the_current_window():
    assert refusal(D(2025, 3, 14), now=JUN_2026) == {"date_from": [ONE_WINDOW]}


def test_with_two_renewals_open_the_refusal_names_both_windows():
    assert refusal(D(2025, 3, 14), now=FEB_2027) == {"date_from": [TWO_WINDOWS]}


def test_in_the_grace_period_this_years_dates_go_to_the_next_renewal():
    assert check(D(2027, 2, 10), now=FEB_2027)["renewal_year"] == 2028
    assert check(D(2026, 11, 3), now=FEB_2027)["renewal_year"] == 2027


def test_after_the_grace_period_last_years_dates_are_refused():
    errors = refusal(D(2026, 11, 3), now=APR_2027)
    assert errors == {
        "date_from": [
            "Dated November 2026: the 2028 renewal accepts CECs earned from January 1 to "
            "December 31, 2027."
        ]
    }


def test_a_window_across_two_years_names_both_years():
    upcoming = cycle_get_or_create(year=2028)
    upcoming.cec_window_start, upcoming.cec_window_end = D(2027, 1, 1), D(2027, 6, 30)
    upcoming.save()
    errors = refusal(D(2026, 11, 3), now=APR_2027)
    assert errors["date_from"] == [
        "Dated November 2026: the 2028 renewal accepts CECs earned from January 1 to June 30, 2027."
    ]
    upcoming.cec_window_start = D(2026, 7, 1)
    upcoming.save()
    assert refusal(D(2026, 3, 3), now=APR_2027)["date_from"] == [
        "Dated March 2026: the 2028 renewal accepts CECs earned from July 1, 2026 to June 30, 2027."
    ]


def test_the_last_day_must_be_in_the_same_window_as_the_first():
    """Only a window that is not a calendar year can split a form: 2028's ends in June."""
    upcoming = cycle_get_or_create(year=2028)
    upcoming.cec_window_end = D(2027, 6, 30)
    upcoming.save()
    later = datetime.datetime(2027, 8, 1, 12, tzinfo=DENVER)
    assert refusal(D(2027, 6, 29), date_to=D(2027, 7, 2), now=later) == {
        "date_to": [
            "The last day must be in the same renewal as the first: the 2028 renewal accepts "
            "CECs earned from January 1 to June 30, 2027. Report the later days on a separate "
            "form."
        ]
    }
    assert check(D(2027, 6, 27), date_to=D(2027, 6, 30), now=later)["renewal_year"] == 2028


def test_future_dates_are_still_refused_as_future_not_as_outside_a_window():
    errors = refusal(D(2027, 1, 5), now=DEC_2026)
    assert list(errors) == ["date_from"]
    assert "The date is in the future" in errors["date_from"][0]


# --- The holder's page and the service ---------------------------------------------------


def test_a_2025_date_is_refused_on_the_page_and_nothing_is_stored(client, holder, time_machine):
    holder_client = holder_client_at(client, holder, time_machine, DEC_2026)
    before = ReportingForm.objects.count()
    response = holder_client.post(reverse("cecs:form_new"), form_data(date_from="2025-03-14"))
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "date_from": [
            "Dated March 2025: the 2027 renewal accepts CECs earned from January 1 to "
            "December 31, 2026, and the 2028 renewal those from January 1 to December 31, 2027."
        ]
    }
    assert "Nothing was saved" in response.text
    assert ReportingForm.objects.count() == before


def test_the_service_refuses_a_2025_date_itself(holder):
    before = ReportingForm.objects.count()
    with pytest.raises(ReportingFormInvalid) as refused:
        reporting_form_save(
            holder=holder,
            form_data={
                "activity_type": "expo_class",
                "title": "Expo: Leasing in a Soft Market",
                "organisation": "AASC Expo",
                "description": "Expo education session.",
                "date_from": D(2025, 3, 14),
                "gross_hours": Decimal(2),
            },
            actor=holder.user,
            now=FEB_2027,
        )
    assert refused.value.errors == {"date_from": [TWO_WINDOWS]}
    assert ReportingForm.objects.count() == before


def test_a_date_for_the_next_renewal_is_saved_and_the_holder_told(client, holder, time_machine):
    holder_client = holder_client_at(client, holder, time_machine, FEB_2027)
    response = holder_client.post(reverse("cecs:form_new"), form_data(date_from="2027-02-10"))
    saved = ReportingForm.objects.get(holder=holder)
    assert response.status_code == 302
    assert saved.date_from == D(2027, 2, 10)
    assert messages_of(response)[-1] == (
        "This activity counts towards your 2028 renewal, not the 2027 one: the 2027 renewal "
        "accepts CECs earned from January 1 to December 31, 2026."
    )


def test_a_date_for_the_current_renewal_needs_no_note(client, holder, time_machine):
    holder_client = holder_client_at(client, holder, time_machine, FEB_2027)
    response = holder_client.post(reverse("cecs:form_new"), form_data(date_from="2026-11-03"))
    assert response.status_code == 302
    assert not any("counts towards" in message for message in messages_of(response))


@pytest.mark.parametrize("cycles", [True, False], ids=["cycle rows", "no cycle yet"])
def test_after_the_grace_period_the_note_names_the_current_renewals_window(cycles):
    if not cycles:
        RenewalCycle.objects.all().delete()
    assert renewal_year_note(renewal_year=2027, now=JUN_2026) == (
        "This activity counts towards your 2027 renewal, not the 2026 one: the 2026 renewal "
        "accepts CECs earned from January 1 to December 31, 2025."
    )
    assert renewal_year_note(renewal_year=2026, now=JUN_2026) is None


# --- AASC staff ---------------------------------------------------------------------


def test_staff_are_warned_but_not_stopped_when_a_form_is_outside_every_window(
    staff, holder, time_machine
):
    time_machine.move_to(APR_2027, tick=False)
    report = ReportingFormFactory(holder=holder, date_from=D(2026, 4, 22))
    client = Client()
    client.force_login(staff)
    url = reverse("admin:cecs_reportingform_verify", args=[report.pk])

    page = client.get(url)

    assert page.status_code == 200
    assert (
        "This form&#x27;s date is outside every open renewal&#x27;s earning window. Dated April "
        "2026: the 2028 renewal accepts CECs earned from January 1 to December 31, 2027. You "
        "can still verify it."
    ) in page.text
    verified = client.post(url, {"signer_name": "Dana Ruiz", "signed_on": "2027-04-01"})
    assert verified.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportingForm.Status.VERIFIED


def test_staff_see_no_warning_for_a_form_inside_a_window(staff, holder, time_machine):
    time_machine.move_to(DEC_2026, tick=False)
    report = ReportingFormFactory(holder=holder, date_from=D(2026, 4, 22))
    client = Client()
    client.force_login(staff)
    page = client.get(reverse("admin:cecs_reportingform_verify", args=[report.pk]))
    assert page.status_code == 200
    assert "earning window" not in page.text
