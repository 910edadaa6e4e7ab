import datetime
from decimal import Decimal

import pytest

from cecs.ledger.hours import check_plausible, net_hours
from core.errors import ApplicationError

T = datetime.time


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"start": T(9), "end": T(11, 30), "break_minutes": 30}, "2.00"),
        ({"start": T(8), "end": T(17), "break_minutes": 60}, "8.00"),
        ({"start": T(13), "end": T(13, 50)}, "0.83"),
        ({"gross_hours": Decimal("6.5"), "break_minutes": 45}, "5.75"),
    ],
)
def test_hours_are_net_of_meals_and_breaks(kwargs, expected):
    assert net_hours(**kwargs) == Decimal(expected)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": T(11), "end": T(9)}, "end time must be after the start time"),
        ({"start": T(9), "end": T(9)}, "end time must be after the start time"),
        ({"start": T(9), "end": T(10), "break_minutes": 60}, "cannot take up the whole activity"),
        ({"start": T(9), "end": T(10), "break_minutes": 90}, "cannot take up the whole activity"),
        ({"gross_hours": Decimal(-2)}, "more than zero"),
        ({"gross_hours": Decimal(3), "break_minutes": -5}, "cannot be negative"),
        ({}, "either the start and end times or the number of hours"),
    ],
)
def test_nonsense_is_refused(kwargs, message):
    with pytest.raises(ApplicationError, match=message):
        net_hours(**kwargs)


def test_absurd_hours_are_refused():
    check_plausible(Decimal(12))
    with pytest.raises(ApplicationError, match="more than 12"):
        check_plausible(Decimal("12.5"))
    check_plausible(Decimal(30), days=3)
