"""The dashboard and the CEC status page are cached per holder's renewal version
(core.page_cache, holders.renewal_version): the second view costs no query of the page's
own, and no write, by a service, the admin's bulk paths or the ORM, leaves either page
showing the renewal as it was."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cecs.classes.reservations import reservation_create
from cecs.ledger.services import entry_create
from cecs.models import CecEntry, Source
from core.page_cache import CSRF_PLACEHOLDER
from credentials.models import CredentialType, RenewalInvoice
from credentials.services import invoices_issue
from holders.services import contact_confirm
from tests.factories import (
    AascClassFactory,
    HolderProfileFactory,
    ReportingFormFactory,
    holder_with,
)

pytestmark = pytest.mark.django_db

DASHBOARD, STATUS, FORMS = reverse("dashboard"), reverse("cecs:status"), reverse("cecs:forms")
NOW = datetime.datetime(2026, 12, 3, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def holder(cycle):
    holder = holder_with("CAM")
    invoices_issue(cycle=cycle)
    return holder


@pytest.fixture
def signed_in(client, holder):
    client.force_login(holder.user)
    return client


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(captured)


def without_csrf(page):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def earn(holder, hours="3", title="Fair housing"):
    return entry_create(
        holder=holder,
        title=title,
        provider="NAA",
        earned_on=datetime.date(2026, 5, 5),
        hours=Decimal(hours),
        source=Source.OTHER_PROVIDER,
    )


def invoice_url(holder):
    number = RenewalInvoice.objects.get(holder=holder).number
    return reverse("payments:invoice", args=[number])


PAGES = {
    "dashboard": lambda holder: DASHBOARD,
    "CEC status": lambda holder: STATUS,
    "invoice": invoice_url,
    "reporting forms": lambda holder: FORMS,
}


@pytest.mark.parametrize("page", PAGES)
def test_the_second_view_is_served_from_the_cache(signed_in, holder, page):
    url = PAGES[page](holder)
    first, first_queries = queries(signed_in, url)
    second, second_queries = queries(signed_in, url)
    # The same page but for the per-response CSRF masking of the sign-out button.
    assert without_csrf(second.text) == without_csrf(first.text)
    assert second_queries < first_queries


def test_a_new_entry_shows_at_once_on_both_pages(signed_in, holder):
    signed_in.get(DASHBOARD), signed_in.get(STATUS)
    earn(holder, title="Budgeting basics")
    assert "3 of 8 so far" in signed_in.get(DASHBOARD).text
    assert "Budgeting basics" in signed_in.get(STATUS).text


def test_a_bulk_update_shows_at_once(signed_in, holder):
    """The admin's actions and the batch jobs write with QuerySet.update: no signal."""
    entry = earn(holder)
    assert "3 of 8 so far" in signed_in.get(DASHBOARD).text
    CecEntry.objects.filter(pk=entry.pk).update(hours=Decimal("5"))
    assert "5 of 8 so far" in signed_in.get(DASHBOARD).text
    RenewalInvoice.objects.filter(holder=holder).update(status=RenewalInvoice.Status.PAID)
    assert "Paid. Thank you." in signed_in.get(DASHBOARD).text


def test_confirming_contact_details_shows_at_once(signed_in, holder):
    assert "Next: Update your contact information" in signed_in.get(DASHBOARD).text
    contact_confirm(holder=holder, cycle_year=2027, actor=holder.user)
    assert "Next: Pay your renewal invoice" in signed_in.get(DASHBOARD).text


def test_an_edit_of_the_holder_record_shows_at_once(signed_in, holder):
    signed_in.get(DASHBOARD)
    holder.first_name = "Marisol"
    holder.save()
    assert "Signed in as Marisol" in signed_in.get(DASHBOARD).text


def test_renamed_reference_data_shows_at_once(signed_in, django_capture_on_commit_callbacks):
    signed_in.get(DASHBOARD)
    with django_capture_on_commit_callbacks(execute=True):
        cam = CredentialType.objects.get(code="CAM")
        cam.name = "Certified Apartment Manager, renamed"
        cam.save()
    assert "Certified Apartment Manager, renamed" in signed_in.get(DASHBOARD).text


def test_one_holders_page_is_never_anothers(client, signed_in, holder, cycle):
    signed_in.get(DASHBOARD)
    other = HolderProfileFactory(first_name="Quentin")
    client.force_login(other.user)
    page = client.get(DASHBOARD).text
    assert "Signed in as Quentin" in page
    assert holder.full_name not in page


def test_class_suggestions_stay_live_when_another_holder_takes_the_last_seat(
    signed_in, holder, time_machine
):
    """Seats change with other holders' reservations, which leave this holder's version
    as it is: the suggestions are rendered for every view, beside the cached parts."""
    time_machine.move_to(NOW, tick=False)
    offered = AascClassFactory(
        title="Maintenance Mastery",
        held_on=datetime.date(2026, 12, 15),
        starts_at=datetime.datetime(2026, 12, 15, 15, 0, tzinfo=datetime.UTC),
        seats=1,
        location="AASC office",
        published=True,
    )
    assert "Maintenance Mastery" in signed_in.get(STATUS).text
    reservation_create(aasc_class=offered, holder=HolderProfileFactory())
    page = signed_in.get(STATUS).text
    assert "Maintenance Mastery" not in page
    assert "has a seat left for you right now" in page


def test_another_holders_invoice_stays_a_404_after_ones_own_is_cached(
    client, signed_in, holder, other_holder, cycle
):
    signed_in.get(invoice_url(holder))
    theirs = holder_with("CAPS")
    invoices_issue(cycle=cycle)
    assert signed_in.get(invoice_url(theirs)).status_code == 404


def test_paying_shows_on_the_cached_invoice_page_at_once(signed_in, holder):
    url = invoice_url(holder)
    assert "by card" in signed_in.get(url).text
    RenewalInvoice.objects.filter(holder=holder).update(status=RenewalInvoice.Status.PAID)
    page = signed_in.get(url).text
    assert "by card" not in page
    assert "Your payments and receipts" in page


def csrf_tokens(page):
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)


def test_a_form_on_a_cached_page_carries_this_responses_own_token(holder, cycle):
    """The cached part holds a placeholder; each response gets its own masked token, which
    the form's POST passes Django's CSRF check with."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(holder.user)
    draft = ReportingFormFactory(holder=holder, status="draft", submitted_at=None)
    browser.get(FORMS)
    cached = browser.get(FORMS).text
    again = browser.get(FORMS).text
    assert CSRF_PLACEHOLDER not in cached
    # The sign-out button's token and the draft's Submit button's: fresh in every response.
    assert len(csrf_tokens(cached)) == 2
    assert set(csrf_tokens(cached)).isdisjoint(csrf_tokens(again))
    submit = reverse("cecs:form_submit", args=[draft.pk])
    response = browser.post(submit, {"csrfmiddlewaretoken": csrf_tokens(cached)[1]})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "submitted"


CLASSES = reverse("cecs:classes")


@pytest.fixture
def offered(time_machine):
    time_machine.move_to(NOW, tick=False)
    return AascClassFactory(
        title="Leasing Law Update",
        held_on=datetime.date(2026, 12, 15),
        starts_at=datetime.datetime(2026, 12, 15, 15, 0, tzinfo=datetime.UTC),
        seats=2,
        location="AASC office",
        published=True,
    )


def test_the_classes_page_is_cached_with_the_class_calendar(signed_in, offered):
    first, first_queries = queries(signed_in, CLASSES)
    second, second_queries = queries(signed_in, CLASSES)
    assert without_csrf(second.text) == without_csrf(first.text)
    assert second_queries < first_queries


def test_another_holders_reservation_shows_in_the_seats_at_once(signed_in, offered):
    assert "2 of 2 seats left" in signed_in.get(CLASSES).text
    reservation_create(aasc_class=offered, holder=HolderProfileFactory())
    assert "1 of 2 seats left" in signed_in.get(CLASSES).text


def test_a_class_leaves_the_cached_list_when_it_starts(signed_in, offered, time_machine):
    assert "Leasing Law Update" in signed_in.get(CLASSES).text
    time_machine.move_to(offered.starts_at + datetime.timedelta(minutes=1), tick=False)
    assert "Leasing Law Update" not in signed_in.get(CLASSES).text


def test_a_new_calendar_address_shows_at_once(signed_in, holder, offered):
    from cecs.classes.reservations import calendar_feed_reset
    from cecs.models import CalendarFeed

    signed_in.get(CLASSES)
    old = CalendarFeed.objects.get(holder=holder).token
    calendar_feed_reset(holder=holder)
    page = signed_in.get(CLASSES).text
    assert old not in page
    assert CalendarFeed.objects.get(holder=holder).token in page


def test_without_the_calendar_version_row_the_classes_page_is_rendered_each_time(
    signed_in, offered
):
    """A flushed database, or one whose classes predate the triggers: no version, no cache."""
    from cecs.models import ClassCalendarVersion

    ClassCalendarVersion.objects.all().delete()
    signed_in.get(CLASSES)  # creates the calendar feed
    _, first_queries = queries(signed_in, CLASSES)
    second, second_queries = queries(signed_in, CLASSES)
    assert second_queries == first_queries
    assert "Leasing Law Update" in second.text


def test_a_suggested_class_leaves_the_cec_status_page_when_it_starts(
    signed_in, offered, time_machine
):
    assert "Leasing Law Update" in signed_in.get(STATUS).text
    assert "Leasing Law Update" in signed_in.get(STATUS).text  # cached
    time_machine.move_to(offered.starts_at + datetime.timedelta(minutes=1), tick=False)
    assert "Leasing Law Update" not in signed_in.get(STATUS).text


def test_reserving_from_the_cached_suggestions_comes_back_to_cec_status(signed_in, offered):
    signed_in.get(STATUS)
    page = signed_in.get(STATUS).text
    assert f'name="next" value="{STATUS}"' in page
    response = signed_in.post(
        reverse("cecs:class_reserve", args=[offered.pk]), {"next": STATUS}, follow=True
    )
    assert response.redirect_chain[-1][0] == STATUS
    assert "Reserved" in response.text
