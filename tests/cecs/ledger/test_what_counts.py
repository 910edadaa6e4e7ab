"""The public "What counts as a CEC" page: the activity kinds staff offer, grouped where
their CECs count, who checks each and what to attach; the earning windows; what never counts."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from cecs.ledger.selectors import active_kinds_by_category
from cecs.models import ActivityKind

pytestmark = pytest.mark.django_db

URL = reverse("help_what_counts")


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("America/Denver")))


def section(page, heading):
    start = page.index(f">{heading}</h2>")
    return page[start : page.index("</section>", start)]


def test_kinds_are_grouped_by_category_with_who_checks_and_evidence(client):
    page = client.get(URL).content.decode()
    in_network = section(page, "In-network education")
    assert "AASC class" in in_network and "appear in your portal at once" in in_network
    assert "NAA or NAAEI course" in in_network
    participation = section(page, "Association participation")
    assert "Committee or board service" in participation
    assert "AASC staff check and sign it" in participation
    assert "Attach the signed AASC form." in participation
    other = section(page, "Other education")
    assert "College course" in other and "NAAEI reviews it" in other
    assert "Attach the certificate of completion." in other


def test_one_cec_one_hour_the_window_and_what_never_counts(client):
    page = client.get(URL).content.decode()
    assert "one hour of continuing education" in page and "Meals and breaks" in page
    assert "the 2027 renewal: CECs earned from January 1, 2026 to December 31, 2026" in page
    assert "the 2028 renewal: CECs earned from January 1, 2027" in page
    assert "Corporate in-house training" in section(page, "What does not count")


def test_only_active_kinds_and_a_staff_edit_shows_at_once(client):
    kind = ActivityKind.objects.get(code="volunteering")
    kind.active = False
    kind.save()
    ActivityKind.objects.create(
        code="podcast",
        name="Industry webinar",
        category="other",
        checked_by="naaei",
        evidence="certificate",
        help_text="A recorded webinar from an approved provider.",
    )
    page = client.get(URL).content.decode()
    assert "Volunteering" not in page
    assert "Industry webinar" in section(page, "Other education")
    assert "A recorded webinar from an approved provider." in page
    groups = {g.category: [k.code for k in g.kinds] for g in active_kinds_by_category()}
    assert "volunteering" not in groups["participation"]


def test_an_empty_category_has_no_heading(client):
    ActivityKind.objects.filter(category="participation").update(active=False)
    page = client.get(URL).content.decode()
    assert "Association participation</h2>" not in page


def test_the_reporting_form_links_here(holder_client):
    page = holder_client.get(reverse("cecs:form_new")).content.decode()
    assert f'href="{URL}"' in page
