"""The AASC class calendar in a real browser: the demo holder, short of CECs for the 2027
renewal, sees on the CEC status page the classes that would close the gap, reserves a
seat, sees it reserved, and downloads the calendar file, which holds the class at its
Colorado time; the feed address answers a calendar app that is not signed in. The
classes page and the status page with suggestions pass axe and fit a phone."""

import datetime
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from icalendar import Calendar
from playwright.sync_api import expect

from cecs.models import Reservation
from tests.factories import AascClassFactory

from .a11y import PHONE_VIEWPORT, assert_no_blocking_axe_violations, assert_no_horizontal_scroll

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

HOLDER_EMAIL = "holder@demo.test"
DENVER = ZoneInfo("America/Denver")
DASHBOARD_PATH = reverse("dashboard")
STATUS_PATH = reverse("cecs:status")
CLASSES_PATH = reverse("cecs:classes")

FAIR_HOUSING = "Fair Housing Essentials"
MAINTENANCE = "Maintenance Law Intensive"


def at(day, hour):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=DENVER)


@pytest.fixture
def upcoming_classes(demo_cycle):
    """December 2026 classes (inside the 2027 cycle's earning window, after the test's
    November 26, 2026), one in January 2027 (outside it) and a draft."""
    fair_housing = AascClassFactory(
        title=FAIR_HOUSING,
        held_on=datetime.date(2026, 12, 3),
        starts_at=at(datetime.date(2026, 12, 3), 9),
        hours=Decimal(3),
        instructor="Lee Grant",
        location="AASC office, 1220 N Union Blvd, Colorado Springs",
        seats=12,
        published=True,
    )
    maintenance = AascClassFactory(
        title=MAINTENANCE,
        held_on=datetime.date(2026, 12, 10),
        starts_at=at(datetime.date(2026, 12, 10), 8),
        ends_at=at(datetime.date(2026, 12, 10), 17),
        hours=Decimal(8),
        instructor="Pat Instructor",
        online_url="https://meet.example.org/aasc-maintenance-law-intensive-december-2026",
        seats=None,
        published=True,
    )
    AascClassFactory(
        title="Next Year's Leasing Class",
        held_on=datetime.date(2027, 1, 14),
        starts_at=at(datetime.date(2027, 1, 14), 9),
        location="AASC office",
        published=True,
    )
    AascClassFactory(
        title="Draft Class",
        held_on=datetime.date(2026, 12, 5),
        starts_at=at(datetime.date(2026, 12, 5), 9),
        location="AASC office",
        published=False,
    )
    return fair_housing, maintenance


@pytest.fixture
def holder_page(page, live_server, log_in, demo_invoice, upcoming_classes):
    """The demo holder (8 CECs owed, none yet), signed in, on their dashboard."""
    log_in(HOLDER_EMAIL)
    expect(page).to_have_url(f"{live_server.url}{DASHBOARD_PATH}")
    return page


def nav_link(page, name):
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)


def suggestions(page):
    return page.get_by_role("region", name="AASC classes that help close the gap")


def suggested(page):
    return suggestions(page).get_by_role("list", name="Suggested classes").get_by_role("listitem")


def reserved(page):
    return (
        suggestions(page).get_by_role("list", name="Your reserved classes").get_by_role("listitem")
    )


def your_reservations(page):
    return page.get_by_role("list", name="Your reservations").get_by_role("listitem")


# --- Steps of the journey ------------------------------------------------------------


def holder_sees_suggested_classes(page, live_server):
    """The CEC status page: 8 CECs missing, the two classes in the window suggested (not
    the one after it, nor the draft). Returns the two suggestions."""
    nav_link(page, "CEC status").click()
    expect(page).to_have_url(f"{live_server.url}{STATUS_PATH}")
    expect(page.get_by_role("status").filter(has_text="8 more CECs needed")).to_be_visible()
    expect(suggestions(page)).to_be_visible()
    expect(suggested(page)).to_have_count(2)
    fair, law = suggested(page).nth(0), suggested(page).nth(1)
    expect(fair.get_by_role("heading", level=3)).to_have_text(FAIR_HOUSING)
    expect(fair).to_contain_text("Thu, Dec 3, 2026, 9:00 AM · AASC office")
    expect(fair).to_contain_text("3 CECs: 5 still missing after it · 12 seats left")
    expect(law.get_by_role("heading", level=3)).to_have_text(MAINTENANCE)
    expect(law).to_contain_text("8 CECs: enough to close the gap · open seating")
    expect(suggestions(page)).not_to_contain_text("Next Year's Leasing Class")
    expect(suggestions(page)).not_to_contain_text("Draft Class")
    return fair, law


def holder_reserves_from_suggestions(page, live_server, suggestion, holder):
    """Reserve Fair Housing from the suggestions: back on the status page, reserved."""
    suggestion.get_by_role("button", name=f"Reserve a seat in {FAIR_HOUSING}").click()
    expect(page).to_have_url(f"{live_server.url}{STATUS_PATH}")
    expect(
        page.get_by_role("status").filter(
            has_text=f"Seat reserved: {FAIR_HOUSING}, Thursday, December 3, 2026 at 9:00 AM."
        )
    ).to_be_visible()
    expect(reserved(page)).to_have_count(1)
    expect(reserved(page).first).to_contain_text(f"{FAIR_HOUSING} Reserved")
    expect(
        reserved(page).first.get_by_role("button", name=f"Cancel reservation for {FAIR_HOUSING}")
    ).to_be_visible()
    expect(suggestions(page)).to_contain_text(
        "You have reserved 1 class worth 3 CECs. Once AASC records your attendance, "
        "5 more will still be needed."
    )
    expect(suggested(page)).to_have_count(1)
    expect(suggested(page).first).to_contain_text(MAINTENANCE)
    reservation = Reservation.objects.get(holder=holder)
    assert (reservation.aasc_class.title, reservation.status) == (FAIR_HOUSING, "reserved")


def holder_sees_the_reservation_on_the_classes_page(page, live_server):
    """The classes page lists it under "Your reservations"."""
    nav_link(page, "Classes").click()
    expect(page).to_have_url(f"{live_server.url}{CLASSES_PATH}")
    expect(nav_link(page, "Classes")).to_have_attribute("aria-current", "page")
    mine = your_reservations(page)
    expect(mine).to_have_count(1)
    expect(mine.first).to_contain_text(FAIR_HOUSING)
    expect(mine.first).to_contain_text("Thursday, December 3, 2026, 9:00 AM to 12:00 PM")
    expect(mine.first).to_contain_text("11 of 12 seats left")


def holder_downloads_the_calendar(page, live_server, tmp_path):
    """The calendar file: the due date, the end of grace and the class, in Colorado time."""
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download calendar file (.ics)").click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename == "aasc-renewal-calendar.ics"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    calendar = Calendar.from_ical(path.read_bytes())
    events = {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}
    assert set(events) == {
        "AASC 2027 credential renewal due",
        "AASC 2027 renewal: grace period ends",
        f"AASC class: {FAIR_HOUSING}",
    }
    class_event = events[f"AASC class: {FAIR_HOUSING}"]
    assert class_event["DTSTART"].params["TZID"] == "America/Denver"
    assert class_event.decoded("DTSTART") == at(datetime.date(2026, 12, 3), 9)
    assert class_event.decoded("DTEND") == at(datetime.date(2026, 12, 3), 12)
    assert events["AASC 2027 credential renewal due"].decoded("DTSTART") == datetime.date(
        2027, 1, 1
    )
    assert events["AASC 2027 renewal: grace period ends"].decoded("DTSTART") == datetime.date(
        2027, 3, 31
    )
    expect(page).to_have_url(f"{live_server.url}{CLASSES_PATH}")


def feed_answers_a_calendar_app(page, live_server, new_context):
    """The feed address works for a calendar app that never signed in; a forged one not."""
    feed_url = page.get_by_label(re.compile("subscribe in your calendar app")).input_value()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/cecs/calendar/[\w-]{{40,}}\.ics", feed_url)
    anonymous = new_context()
    answer = anonymous.request.get(feed_url)
    assert answer.status == 200
    assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
    assert f"AASC class: {FAIR_HOUSING}" in {
        str(event["SUMMARY"]) for event in Calendar.from_ical(answer.body()).walk("VEVENT")
    }
    forged = anonymous.request.get(re.sub(r"/[\w-]+\.ics$", "/forged-token.ics", feed_url))
    assert forged.status == 404


def holder_cancels_freeing_the_seat(page):
    your_reservations(page).first.get_by_role(
        "button", name=f"Cancel reservation for {FAIR_HOUSING}"
    ).click()
    expect(
        page.get_by_role("status").filter(has_text=f"Reservation cancelled: {FAIR_HOUSING}.")
    ).to_be_visible()
    expect(page.get_by_role("list", name="Your reservations")).to_have_count(0)
    card = (
        page.get_by_role("list", name="Classes open for reservation")
        .get_by_role("listitem")
        .filter(has_text=FAIR_HOUSING)
    )
    expect(card).to_contain_text("12 of 12 seats left")


def test_a_short_holder_reserves_a_suggested_class_and_downloads_the_calendar(
    holder_page, live_server, demo_holder, new_context, tmp_path
):
    page = holder_page
    fair, _ = holder_sees_suggested_classes(page, live_server)
    holder_reserves_from_suggestions(page, live_server, fair, demo_holder)
    holder_sees_the_reservation_on_the_classes_page(page, live_server)
    holder_downloads_the_calendar(page, live_server, tmp_path)
    feed_answers_a_calendar_app(page, live_server, new_context)
    holder_cancels_freeing_the_seat(page)


# --- Accessibility and phone width --------------------------------------------------


@pytest.fixture
def one_reservation(upcoming_classes, demo_holder):
    from cecs.classes.reservations import reservation_create

    return reservation_create(aasc_class=upcoming_classes[0], holder=demo_holder)


def test_classes_page_has_no_serious_axe_violations(holder_page, live_server, one_reservation):
    holder_page.goto(f"{live_server.url}{CLASSES_PATH}")
    expect(holder_page.get_by_role("heading", level=1)).to_have_text("Upcoming AASC classes")
    expect(holder_page.get_by_role("list", name="Your reservations")).to_be_visible()
    assert_no_blocking_axe_violations(holder_page)


def test_status_page_with_suggestions_has_no_serious_axe_violations(
    holder_page, live_server, one_reservation
):
    holder_page.goto(f"{live_server.url}{STATUS_PATH}")
    expect(suggested(holder_page)).to_have_count(1)
    expect(reserved(holder_page)).to_have_count(1)
    assert_no_blocking_axe_violations(holder_page)


@pytest.mark.parametrize("path", [CLASSES_PATH, STATUS_PATH], ids=["classes", "status"])
def test_class_pages_fit_a_phone_screen(holder_page, live_server, one_reservation, path):
    holder_page.set_viewport_size(PHONE_VIEWPORT)
    holder_page.goto(f"{live_server.url}{path}")
    expect(
        holder_page.get_by_role("button", name=f"Reserve a seat in {MAINTENANCE}")
    ).to_be_visible()
    assert_no_horizontal_scroll(holder_page)
