"""The public "NAAEI CEC requirements" page: every number from the requirement rows, for each
renewal holders can still earn CECs for, with the several-credentials rule worked out."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from credentials.models import CecRequirement
from credentials.selectors import requirement_years
from tests.factories import credential_type

pytestmark = pytest.mark.django_db

URL = reverse("help_requirements")
TODAY = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("America/Denver"))


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(TODAY, tick=False)


def row_of(page, code):
    start = page.index(f'<th scope="row">{code} ')
    return page[start : page.index("</tr>", start)]


def test_open_and_upcoming_years_with_the_schedule(client):
    # December 2026: the 2027 renewal is open, and CECs earned now go to 2028.
    assert [item.year for item in requirement_years()] == [2027, 2028]
    page = client.get(URL).content.decode()
    assert "The 2027 renewal" in page and "The 2028 renewal" in page
    assert "January 1, 2026 to December 31, 2026" in page
    cam = row_of(page, "CAM")
    assert "<td>8</td>" in cam and "<td>5</td>" in cam and "<td>2</td>" in cam
    nalp = row_of(page, "NALP")
    assert "<td>5</td>" in nalp and "<td>3</td>" in nalp
    assert "None owed" in row_of(page, "CAMT")


def test_the_example_owes_the_larger_not_the_sum(client):
    page = client.get(URL).content.decode()
    assert "both CAM (8 CECs) and NALP (5 CECs) for 2027 owes 8 CECs, the larger, not 13" in page
    assert "at least 5 of them must be in-network, the CAM minimum" in page


def test_a_changed_requirement_changes_the_page(client):
    CecRequirement.objects.create(
        credential_type=credential_type("CAM"),
        from_year=2028,
        total_cecs=Decimal("10.5"),
        in_network_minimum=Decimal(6),
        participation_cap=None,
    )
    page = client.get(URL).content.decode()
    years = page.split("The 2028 renewal")
    assert "<td>8</td>" in row_of(years[0], "CAM")  # 2027 keeps its row
    cam_2028 = row_of(years[1], "CAM")
    assert "<td>10.5</td>" in cam_2028 and "<td>6</td>" in cam_2028
    assert "No limit" in cam_2028
    assert "for 2028 owes 10.5 CECs, the larger, not 15.5" in years[1]


def test_after_the_grace_period_only_the_next_year_is_listed(time_machine):
    time_machine.move_to(datetime.datetime(2027, 4, 2, tzinfo=ZoneInfo("America/Denver")))
    assert [item.year for item in requirement_years()] == [2028]


def test_the_page_is_public_and_linked_from_the_cec_status_page(client, holder_client, cycle):
    assert client.get(URL).status_code == 200
    status = holder_client.get(reverse("cecs:status")).content.decode()
    assert f'href="{URL}"' in status
    assert f'href="{reverse("help_what_counts")}"' in status
