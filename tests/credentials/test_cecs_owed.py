from decimal import Decimal

import pytest

from credentials.models import CecRequirement
from credentials.selectors import cecs_owed_from, requirement_for, requirements_by_type
from tests.factories import credential_type

pytestmark = pytest.mark.django_db

ALL_SIX = ("CAM", "CAPS", "NALP", "CAS", "CAMT", "AIME")


def owed(codes, year):
    in_force = requirements_by_type(year=year)
    return cecs_owed_from(in_force.get(credential_type(code).pk) for code in codes)


@pytest.mark.parametrize(
    ("codes", "year", "total", "in_network", "cap"),
    [
        (("CAMT",), 2027, 0, 0, None),
        ((), 2027, 0, 0, None),
        (("CAM", "NALP"), 2020, 6, 0, 3),  # the seed's example: 6, not 9
        (("CAM", "NALP"), 2027, 8, 5, 2),
        (("AIME",), 2027, 5, 3, 2),
        (("CAMT", "AIME"), 2027, 5, 3, 2),
        (ALL_SIX, 2027, 8, 5, 2),
        (("NALP", "CAS"), 2027, 5, 3, 2),
        (("NALP",), 2021, 3, 2, 2),
        (("CAPS", "CAS"), 2021, 6, 3, 2),
        (("CAM",), 2015, 6, 0, 3),
        (("CAS",), 2022, 5, 3, 2),
    ],
)
def test_holders_owe_the_largest_requirement_never_the_sum(codes, year, total, in_network, cap):
    result = owed(codes, year)
    assert result.total == Decimal(total)
    assert result.in_network_minimum == Decimal(in_network)
    assert result.participation_cap == (None if cap is None else Decimal(cap))


def test_the_minimum_comes_from_the_credential_that_sets_the_total():
    assert owed(("CAM", "NALP"), 2027).set_by == "CAM"


def test_staff_edited_requirement_applies_from_its_year_on():
    CecRequirement.objects.create(
        credential_type=credential_type("NALP"),
        from_year=2028,
        total_cecs=Decimal(10),
        in_network_minimum=Decimal(4),
        participation_cap=Decimal(2),
    )
    assert owed(("CAM", "NALP"), 2028).total == Decimal(10)
    assert owed(("CAM", "NALP"), 2028).in_network_minimum == Decimal(4)
    assert owed(("CAM", "NALP"), 2030).total == Decimal(10)
    assert owed(("CAM", "NALP"), 2027).total == Decimal(8)


def test_requirement_lookup_takes_the_latest_row_at_or_before_the_year():
    cam = credential_type("CAM")
    assert requirement_for(credential_type=cam, year=2021).total_cecs == 6
    assert requirement_for(credential_type=cam, year=2022).total_cecs == 8
    assert requirement_for(credential_type=cam, year=2040).total_cecs == 8
    assert requirement_for(credential_type=cam, year=1999) is None
