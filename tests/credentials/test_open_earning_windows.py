"""The renewals a CEC can still go to: the current one until its grace period ends, and
the next year's, from its row or, before staff create it, from the design defaults."""

import datetime

import pytest

from credentials.models import RenewalCycle
from credentials.selectors import EarningWindow, open_earning_windows
from credentials.services import cycle_get_or_create

pytestmark = pytest.mark.django_db

D = datetime.date
CEC_2026 = EarningWindow(year=2027, start=D(2026, 1, 1), end=D(2026, 12, 31))
CEC_2027 = EarningWindow(year=2028, start=D(2027, 1, 1), end=D(2027, 12, 31))


@pytest.mark.parametrize(
    ("today", "windows"),
    [
        (D(2026, 12, 2), [CEC_2026, CEC_2027]),  # the 2027 renewal's season has begun
        (D(2027, 2, 15), [CEC_2026, CEC_2027]),  # in the 2027 grace period
        (D(2027, 3, 31), [CEC_2026, CEC_2027]),  # its last day
        (D(2027, 4, 2), [CEC_2027]),  # after it: only the 2028 renewal is open
    ],
)
def test_the_current_renewal_is_open_until_its_grace_period_ends(today, windows):
    cycle_get_or_create(year=2026)
    cycle_get_or_create(year=2027)
    assert open_earning_windows(today=today) == windows
    assert not RenewalCycle.objects.filter(year=2028).exists()  # read, never created


@pytest.mark.parametrize(
    ("today", "windows"),
    [
        (D(2026, 6, 15), [CEC_2026]),  # the 2026 renewal's grace period is over
        (D(2026, 12, 2), [CEC_2026, CEC_2027]),
    ],
)
def test_before_any_cycle_exists_the_year_follows_the_calendar(today, windows):
    assert open_earning_windows(today=today) == windows
    assert not RenewalCycle.objects.exists()


def test_the_next_renewals_row_is_used_once_staff_create_it():
    """An association on anniversary renewals: staff set the 2028 window to July-June."""
    cycle_get_or_create(year=2027)
    upcoming = cycle_get_or_create(year=2028)
    upcoming.cec_window_start = D(2026, 7, 1)
    upcoming.cec_window_end = D(2027, 6, 30)
    upcoming.save()
    assert open_earning_windows(today=D(2027, 2, 15)) == [
        CEC_2026,
        EarningWindow(year=2028, start=D(2026, 7, 1), end=D(2027, 6, 30)),
    ]


def test_windows_are_small_frozen_values():
    window = open_earning_windows(today=D(2026, 12, 2))[0]
    with pytest.raises(AttributeError):
        window.year = 2030
