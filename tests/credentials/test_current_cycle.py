"""The current cycle is cached for the day; editing any cycle is seen at once."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from credentials.models import RenewalCycle
from credentials.selectors import current_cycle
from credentials.services import cycle_get_or_create

pytestmark = pytest.mark.django_db

DENVER_NOON = datetime.datetime(
    2026, 11, 26, 12, tzinfo=datetime.timezone(datetime.timedelta(hours=-7))
)


@pytest.fixture
def on_a_day_in_the_2027_season():
    with time_machine.travel(DENVER_NOON, tick=False) as clock:
        yield clock


def test_a_second_ask_costs_no_query(on_a_day_in_the_2027_season, cycle, django_assert_num_queries):
    assert current_cycle() == cycle
    with django_assert_num_queries(0):
        assert current_cycle() == cycle


def test_a_cycle_saved_by_staff_is_seen_at_once(on_a_day_in_the_2027_season, cycle):
    assert current_cycle() == cycle
    cycle.invoices_go_out_on = timezone.localdate() + datetime.timedelta(days=3)
    cycle.save()
    assert current_cycle() is None
    cycle.invoices_go_out_on = timezone.localdate()
    cycle.save()
    assert current_cycle().invoices_go_out_on == timezone.localdate()


def test_a_new_or_deleted_cycle_is_seen_at_once(on_a_day_in_the_2027_season, cycle):
    assert current_cycle() == cycle
    later = RenewalCycle.objects.create(
        **{
            field.name: getattr(cycle, field.name)
            for field in RenewalCycle._meta.concrete_fields
            if field.name not in ("id", "year")
        },
        year=2028,
    )
    assert current_cycle() == later
    later.delete()
    assert current_cycle() == cycle


def test_the_next_day_is_asked_afresh(on_a_day_in_the_2027_season, cycle):
    upcoming = cycle_get_or_create(year=2028)
    upcoming.invoices_go_out_on = timezone.localdate() + datetime.timedelta(days=1)
    upcoming.save()
    assert current_cycle() == cycle
    on_a_day_in_the_2027_season.shift(datetime.timedelta(days=1))
    assert current_cycle() == upcoming
