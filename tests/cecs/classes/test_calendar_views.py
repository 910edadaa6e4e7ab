"""The class calendar through the portal's pages: the class list, reserving and
cancelling (holder-scoped), suggestions on the CEC status page, the calendar download
and the secret feed, and staff publishing classes in the admin."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from cecs.classes.reservations import reservation_create
from cecs.ledger.services import entry_create
from cecs.models import AascClass, CalendarFeed, Reservation, Source
from credentials.services import invoices_issue
from tests.factories import AascClassFactory, HolderProfileFactory, holder_with

pytestmark = pytest.mark.django_db

DENVER = ZoneInfo("America/Denver")
NOW = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=DENVER)
CLASSES = reverse("cecs:classes")
STATUS = reverse("cecs:status")
DOWNLOAD = reverse("cecs:calendar_download")


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def offered(title, day, *, hour=9, hours="3", seats=None, **fields):
    return AascClassFactory(
        title=title,
        held_on=day,
        starts_at=datetime.datetime.combine(day, datetime.time(hour), tzinfo=DENVER),
        hours=Decimal(hours),
        seats=seats,
        published=fields.pop("published", True),
        location=fields.pop("location", "AASC office, 1220 N Union Blvd"),
        **fields,
    )


@pytest.fixture
def holder(cycle):
    holder = holder_with("CAM", "NALP", first_name="Robin", last_name="Okafor")
    invoices_issue(cycle=cycle)
    return holder


@pytest.fixture
def other_holder(cycle):
    holder = holder_with("CAM", first_name="Sam", last_name="Other")
    invoices_issue(cycle=cycle)
    return holder


@pytest.fixture
def holder_client(holder):
    client = Client()
    client.force_login(holder.user)
    return client


@pytest.fixture
def fair_housing(cycle):
    return offered("Fair Housing Essentials", datetime.date(2026, 12, 3), seats=20)


@pytest.fixture
def maintenance(cycle):
    return offered("Maintenance Law", datetime.date(2026, 12, 10), hours="8")


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def earn(holder, hours):
    entry_create(
        holder=holder,
        title="Earlier class",
        provider="AASC",
        earned_on=datetime.date(2026, 6, 1),
        hours=Decimal(hours),
        source=Source.AASC_CLASS,
    )


# --- The class list, reserving and cancelling ------------------------------------------


def test_the_class_list_shows_upcoming_published_classes(holder_client, fair_housing):
    offered("Draft Class", datetime.date(2026, 12, 4), published=False)
    offered("Held Last Week", datetime.date(2026, 11, 19))

    page = holder_client.get(CLASSES)

    assert page.status_code == 200
    assert list(page.context["classes"]) == [fair_housing]
    assert "Fair Housing Essentials" in page.text
    assert "Thursday, December 3, 2026, 9:00 AM to 12:00 PM" in page.text
    assert "20 of 20 seats left" in page.text
    assert "Draft Class" not in page.text
    assert "Held Last Week" not in page.text
    assert 'style="' not in page.text and "<script>" not in page.text  # CSP


def test_a_holder_reserves_a_seat_and_cancels_it(holder_client, holder, fair_housing):
    response = holder_client.post(reverse("cecs:class_reserve", args=[fair_housing.pk]))

    assert response.status_code == 302 and response.url == CLASSES
    reservation = Reservation.objects.get(holder=holder)
    assert reservation.aasc_class == fair_housing
    assert messages_of(response) == [
        "Seat reserved: Fair Housing Essentials, Thursday, December 3, 2026 at 9:00 AM. "
        "It is in your calendar file; AASC records your attendance at the class."
    ]
    page = holder_client.get(CLASSES)
    assert [r.aasc_class for r in page.context["upcoming_reservations"]] == [fair_housing]
    assert list(page.context["classes"]) == []  # not offered twice
    assert "19 of 20 seats left" in page.text

    # Reserving again changes nothing.
    again = holder_client.post(reverse("cecs:class_reserve", args=[fair_housing.pk]))
    assert messages_of(again) == ["You have already reserved a seat in Fair Housing Essentials."]
    assert Reservation.objects.filter(holder=holder).count() == 1

    response = holder_client.post(reverse("cecs:reservation_cancel", args=[reservation.pk]))
    assert response.status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CANCELLED
    fair_housing.refresh_from_db()
    assert fair_housing.seats_taken == 0


def test_a_full_class_has_no_reserve_button_and_refuses_a_post(holder_client, other_holder):
    full = offered("Full Class", datetime.date(2026, 12, 3), seats=1)
    reservation_create(aasc_class=full, holder=other_holder)

    page = holder_client.get(CLASSES)
    assert "Full" in page.text
    assert reverse("cecs:class_reserve", args=[full.pk]) not in page.text

    response = holder_client.post(reverse("cecs:class_reserve", args=[full.pk]))
    assert messages_of(response) == ["Full Class on December 3, 2026 is full."]
    assert (
        not Reservation.objects.filter(aasc_class=full, holder__user__isnull=False)
        .exclude(holder=other_holder)
        .exists()
    )


def test_reserving_goes_back_to_the_page_it_came_from_if_it_is_ours(holder_client, fair_housing):
    url = reverse("cecs:class_reserve", args=[fair_housing.pk])
    assert holder_client.post(url, {"next": STATUS}).url == STATUS
    Reservation.objects.all().update(status="cancelled", cancelled_at=NOW)
    AascClass.objects.update(seats_taken=0)
    assert holder_client.post(url, {"next": "https://evil.example/"}).url == CLASSES


def test_an_unpublished_class_cannot_be_reserved(holder_client):
    draft = offered("Draft Class", datetime.date(2026, 12, 4), published=False)
    response = holder_client.post(reverse("cecs:class_reserve", args=[draft.pk]))
    assert response.status_code == 404
    assert not Reservation.objects.exists()


def test_reserving_and_cancelling_need_a_post(holder_client, holder, fair_housing):
    assert (
        holder_client.get(reverse("cecs:class_reserve", args=[fair_housing.pk])).status_code == 405
    )
    reservation = reservation_create(aasc_class=fair_housing, holder=holder)
    url = reverse("cecs:reservation_cancel", args=[reservation.pk])
    assert holder_client.get(url).status_code == 405


def test_another_holders_reservation_is_a_404(holder_client, other_holder, fair_housing):
    theirs = reservation_create(aasc_class=fair_housing, holder=other_holder)

    response = holder_client.post(reverse("cecs:reservation_cancel", args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Reservation.Status.RESERVED


def test_anonymous_visitors_are_sent_to_sign_in(fair_housing):
    client = Client()
    for response in (
        client.get(CLASSES),
        client.get(DOWNLOAD),
        client.post(reverse("cecs:class_reserve", args=[fair_housing.pk])),
    ):
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    assert not Reservation.objects.exists()


def test_staff_without_a_holder_record_get_404(staff, fair_housing):
    client = Client()
    client.force_login(staff)
    assert client.get(CLASSES).status_code == 404
    assert client.post(reverse("cecs:class_reserve", args=[fair_housing.pk])).status_code == 404
    assert client.get(DOWNLOAD).status_code == 404


# --- Suggestions on the CEC status page -----------------------------------------------


def test_a_short_holder_sees_classes_that_close_the_gap(holder_client, fair_housing, maintenance):
    offered("Next Year", datetime.date(2027, 1, 14))  # outside the 2026 earning window

    page = holder_client.get(STATUS)

    text = " ".join(page.text.split())
    assert "AASC classes that help close the gap" in text
    assert "Fair Housing Essentials" in text
    assert "3 CECs</strong>: 5 still missing after it" in text
    assert "Maintenance Law" in text
    assert "8 CECs</strong>: enough to close the gap" in text
    assert "Next Year" not in text
    assert reverse("cecs:class_reserve", args=[fair_housing.pk]) in text
    assert f'name="next" value="{STATUS}"' in text


def test_the_status_page_shows_the_reserved_class_as_reserved(
    holder_client, holder, fair_housing, maintenance
):
    response = holder_client.post(
        reverse("cecs:class_reserve", args=[fair_housing.pk]), {"next": STATUS}, follow=True
    )

    text = " ".join(response.text.split())
    assert response.redirect_chain == [(STATUS, 302)]
    assert "You have reserved 1 class worth 3 CECs" in text
    assert "5 more will still be needed" in text
    assert "You need 5 more CECs besides the classes you reserved" in text
    assert "8 CECs</strong>: enough to close the gap" in text  # Maintenance Law
    reservation = Reservation.objects.get(holder=holder)
    assert reverse("cecs:reservation_cancel", args=[reservation.pk]) in text
    assert reverse("cecs:class_reserve", args=[fair_housing.pk]) not in text


@pytest.mark.parametrize("earned", ["8", "11"], ids=["exactly-met", "over"])
def test_a_holder_who_has_the_cecs_gets_no_suggestions(holder_client, holder, fair_housing, earned):
    earn(holder, earned)

    page = holder_client.get(STATUS)

    text = " ".join(page.text.split())
    assert "Your 2027 CEC requirement is met, so no classes are suggested." in text
    assert "AASC classes that help close the gap" not in text
    assert reverse("cecs:class_reserve", args=[fair_housing.pk]) not in text


# --- The calendar file and the feed ---------------------------------------------------


def summaries(body):
    return {str(event["SUMMARY"]) for event in Calendar.from_ical(body).walk("VEVENT")}


def test_the_holder_downloads_their_calendar_file(holder_client, holder, fair_housing):
    reservation_create(aasc_class=fair_housing, holder=holder)

    response = holder_client.get(DOWNLOAD)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="aasc-renewal-calendar.ics"'
    assert summaries(response.content) == {
        "AASC 2027 credential renewal due",
        "AASC 2027 renewal: grace period ends",
        "AASC class: Fair Housing Essentials",
    }
    assert b"DTSTART;TZID=America/Denver:20261203T090000" in response.content
    assert b"http://testserver/cecs/classes/" in response.content.replace(b"\r\n ", b"")


def feed_url(holder):
    return reverse("cecs:calendar_feed", args=[CalendarFeed.objects.get(holder=holder).token])


def test_the_feed_address_shows_only_its_holders_calendar(
    holder_client, holder, other_holder, fair_housing, maintenance
):
    reservation_create(aasc_class=fair_housing, holder=holder)
    reservation_create(aasc_class=maintenance, holder=other_holder)
    page = holder_client.get(CLASSES)
    token = CalendarFeed.objects.get(holder=holder).token
    assert len(token) >= 40
    assert page.context["feed_url"] == f"http://testserver{feed_url(holder)}"
    other_client = Client()
    other_client.force_login(other_holder.user)
    other_client.get(CLASSES)

    # Calendar apps do not sign in: the token is the key.
    mine = Client().get(feed_url(holder))
    theirs = Client().get(feed_url(other_holder))

    assert mine.status_code == theirs.status_code == 200
    assert mine["Content-Type"] == "text/calendar; charset=utf-8"
    assert "AASC class: Fair Housing Essentials" in summaries(mine.content)
    assert "AASC class: Maintenance Law" not in summaries(mine.content)
    assert "AASC class: Maintenance Law" in summaries(theirs.content)
    assert "AASC class: Fair Housing Essentials" not in summaries(theirs.content)
    for body in (mine.content, theirs.content):  # no names or emails at all
        for detail in (holder.last_name, other_holder.last_name, holder.email):
            assert detail.encode() not in body


@pytest.mark.parametrize(
    "token",
    [
        "forged-token",
        "A" * 43,
        "../calendar",
        "",
    ],
)
def test_a_forged_or_unknown_token_is_a_404(holder_client, token):
    holder_client.get(CLASSES)  # the holder's real feed exists
    if not token:
        response = Client().get("/cecs/calendar/.ics")
    else:
        response = Client().get(f"/cecs/calendar/{token}.ics")
    assert response.status_code == 404


def test_a_token_that_differs_by_one_character_is_a_404(holder_client, holder):
    holder_client.get(CLASSES)
    token = CalendarFeed.objects.get(holder=holder).token
    forged = token[:-1] + ("a" if token[-1] != "a" else "b")
    assert Client().get(reverse("cecs:calendar_feed", args=[forged])).status_code == 404


def test_a_new_feed_address_turns_the_old_one_off(holder_client, holder):
    holder_client.get(CLASSES)
    old = feed_url(holder)

    response = holder_client.post(reverse("cecs:calendar_feed_reset"))

    assert response.status_code == 302
    new = feed_url(holder)
    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200


# --- Staff publish classes in the admin -----------------------------------------------


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


def admin_form_data(page):
    """What the admin add/change page would post as it stands, inline management forms
    included (no inline rows)."""
    data = {}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for row in inline.formset.initial_forms:
            for name in row.fields:
                data[row.add_prefix(name)] = row[name].value()
    return {key: "" if value is None else value for key, value in data.items()}


def publish(client, **fields):
    url = reverse("admin:cecs_aascclass_add")
    data = admin_form_data(client.get(url)) | {
        "title": "Leasing Law Update",
        "instructor": "Lee Grant",
        "hours": "3",
        "held_on": "",
        "starts_at_0": "2026-12-03",
        "starts_at_1": "09:00",
        "location": "AASC office",
        "online_url": "",
        "seats": "12",
        "published": "on",
    }
    return client.post(url, data | fields)


def test_staff_publish_a_class_and_its_date_follows_the_start(staff_client):
    response = publish(staff_client)

    assert response.status_code == 302, response.context["adminform"].form.errors
    aasc_class = AascClass.objects.get()
    assert aasc_class.published
    assert aasc_class.starts_at == datetime.datetime(2026, 12, 3, 9, 0, tzinfo=DENVER)
    assert aasc_class.held_on == datetime.date(2026, 12, 3)
    assert (aasc_class.seats, aasc_class.seats_taken) == (12, 0)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"starts_at_0": "", "starts_at_1": ""}, "Give the start time before publishing"),
        ({"location": ""}, "Give a location or an online link before publishing."),
        ({"held_on": "2026-12-04"}, "The class starts on December 3, 2026 but its date is"),
        ({"seats": "0"}, "A class needs at least one seat"),
    ],
)
def test_publishing_refuses_an_incomplete_class(staff_client, fields, error):
    response = publish(staff_client, **fields)
    assert response.status_code == 200
    assert error in response.text
    assert not AascClass.objects.exists()


def test_staff_cannot_lower_the_seats_below_those_reserved(
    staff_client, holder, other_holder, fair_housing
):
    reservation_create(aasc_class=fair_housing, holder=holder)
    reservation_create(aasc_class=fair_housing, holder=other_holder)
    url = reverse("admin:cecs_aascclass_change", args=[fair_housing.pk])
    page = staff_client.get(url)
    assert "Seat reservations" in page.text
    form = page.context["adminform"].form
    data = admin_form_data(page)
    for name in form.fields:
        data[name] = "" if form[name].value() is None else form[name].value()
    data |= {"starts_at_0": "2026-12-03", "starts_at_1": "09:00", "seats": "1"}
    data.pop("starts_at", None)
    data.pop("ends_at", None)

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert "2 seats are reserved already" in response.text
    fair_housing.refresh_from_db()
    assert (fair_housing.seats, fair_housing.seats_taken) == (20, 2)

    # Saving the page never writes the reservation counter back.
    data["seats"] = "25"
    reservation_create(aasc_class=fair_housing, holder=HolderProfileFactory())
    assert staff_client.post(url, data).status_code == 302
    fair_housing.refresh_from_db()
    assert (fair_housing.seats, fair_housing.seats_taken) == (25, 3)


def test_staff_cancel_a_reservation_from_the_admin(staff_client, holder, fair_housing):
    reservation = reservation_create(aasc_class=fair_housing, holder=holder)
    url = reverse("admin:cecs_reservation_changelist")
    assert staff_client.get(url).status_code == 200

    response = staff_client.post(
        url, {"action": "cancel_reservations", "_selected_action": [reservation.pk]}
    )

    assert response.status_code == 302
    assert "1 reservation cancelled." in messages_of(response)
    reservation.refresh_from_db()
    fair_housing.refresh_from_db()
    assert (reservation.status, fair_housing.seats_taken) == ("cancelled", 0)


def test_reviewers_see_reservations_but_cannot_cancel(reviewer, holder, fair_housing):
    reservation = reservation_create(aasc_class=fair_housing, holder=holder)
    client = Client()
    client.force_login(reviewer)
    url = reverse("admin:cecs_reservation_changelist")
    page = client.get(url)
    assert page.status_code == 200
    assert "cancel_reservations" not in page.text
    client.post(url, {"action": "cancel_reservations", "_selected_action": [reservation.pk]})
    reservation.refresh_from_db()
    assert reservation.status == "reserved"
