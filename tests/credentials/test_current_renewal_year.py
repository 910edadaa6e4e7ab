"""The renewal year every page works on: the current cycle's, the calendar's before any."""

import datetime

import pytest

from credentials.selectors import current_renewal_year
from credentials.services import cycle_get_or_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("today", "year"),
    [
        (datetime.date(2026, 10, 31), 2026),
        (datetime.date(2026, 11, 1), 2027),
        (datetime.date(2027, 1, 15), 2027),
        (datetime.date(2027, 3, 31), 2027),
    ],
)
def test_renewal_season_starts_when_invoices_go_out_in_november(today, year):
    """No cycle set up yet: the season follows the calendar, so the pages still work."""
    assert current_renewal_year(today=today) == year


@pytest.mark.parametrize(
    ("today", "year"),
    [
        (datetime.date(2026, 10, 31), 2026),
        (datetime.date(2026, 11, 1), 2027),
        (datetime.date(2027, 1, 15), 2027),
        (datetime.date(2027, 3, 31), 2027),
    ],
)
def test_with_design_default_cycles_the_year_is_the_same(today, year):
    cycle_get_or_create(year=2026)
    cycle_get_or_create(year=2027)
    assert current_renewal_year(today=today) == year


def test_the_current_cycle_decides_when_it_differs_from_the_calendar():
    """Staff send the 2027 invoices early (15 October): the calendar still says 2026."""
    cycle_get_or_create(year=2026)
    early = cycle_get_or_create(year=2027)
    early.invoices_go_out_on = datetime.date(2026, 10, 15)
    early.save()
    assert current_renewal_year(today=datetime.date(2026, 10, 20)) == 2027


def test_a_season_whose_cycle_is_not_set_up_stays_on_the_last_cycle():
    """November, but the 2028 cycle does not exist yet: holders stay on 2027's."""
    cycle_get_or_create(year=2027)
    assert current_renewal_year(today=datetime.date(2027, 11, 20)) == 2027
