import datetime

import pytest

from holders.selectors import current_renewal_year


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
    assert current_renewal_year(today=today) == year
