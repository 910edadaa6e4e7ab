import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from cecs.classes.services import attendance_record, attendance_withdraw
from cecs.ledger.services import entry_create
from cecs.models import Source
from credentials.services import invoices_issue
from renewal_portal.dashboard import StepState
from tests.factories import AascClassFactory, holder_with, staff_user
from tests.pdf import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder(cycle):
    holder = holder_with("CAM", "NALP", first_name="Robin", last_name="Okafor")
    invoices_issue(cycle=cycle)
    return holder


@pytest.fixture
def attended(holder):
    aasc_class = AascClassFactory(title="Fair Housing Essentials", instructor="Lee Grant")
    attendance, _ = attendance_record(aasc_class=aasc_class, holder=holder, actor=staff_user())
    return attendance.cec_entry


def test_status_page_shows_totals_and_what_is_missing(client, holder, attended):
    entry_create(
        holder=holder,
        title="Board service",
        provider="AASC",
        earned_on=attended.earned_on,
        hours=Decimal(3),
        source=Source.COMMITTEE,
    )
    client.force_login(holder.user)
    page = client.get(reverse("cecs:status"))
    assert page.status_code == 200
    status = page.context["status"]
    assert (status.in_network, status.participation, status.total) == (3, 2, 5)
    assert "3 more CECs needed" in page.text
    assert "At least 2 of them must be in-network" in page.text
    assert "Fair Housing Essentials" in page.text
    assert "1 over the 2-CEC participation cap" in page.text


def test_certificate_pdf_names_holder_class_date_hours_and_code(client, holder, attended, tmp_path):
    client.force_login(holder.user)
    response = client.get(reverse("cecs:certificate", args=[attended.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    for expected in (
        "Robin Okafor",
        "Fair Housing Essentials",
        "March 12, 2026",
        "3 CECs",
        "Lee Grant",
        attended.verification_code,
    ):
        assert expected in text


def test_another_holder_cannot_fetch_the_certificate(client, attended):
    client.force_login(holder_with("CAM").user)
    response = client.get(reverse("cecs:certificate", args=[attended.pk]))
    assert response.status_code == 404


def test_no_certificate_for_a_withdrawn_attendance(client, holder, attended):
    attendance_withdraw(attendance=attended.attendance, actor=staff_user(), reason="wrong class")
    client.force_login(holder.user)
    assert client.get(reverse("cecs:certificate", args=[attended.pk])).status_code == 404


def test_transcript_csv_lists_the_years_entries(client, holder, attended):
    client.force_login(holder.user)
    response = client.get(reverse("cecs:transcript_csv", args=[2026]))
    assert response["Content-Disposition"] == 'attachment; filename="cec-transcript-2026.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["date earned", "title", "provider"]
    assert rows[1][0] == "2026-03-12"
    assert rows[1][5] == "3.00"
    assert len(rows) == 2
    assert (
        len(
            list(
                csv.reader(
                    io.StringIO(
                        client.get(reverse("cecs:transcript_csv", args=[2025])).content.decode()
                    )
                )
            )
        )
        == 1
    )


def test_transcript_pdf_has_the_entries_and_total(client, holder, attended, tmp_path):
    client.force_login(holder.user)
    response = client.get(reverse("cecs:transcript_pdf", args=[2026]))
    text = pdf_text(response.content, tmp_path)
    assert "CEC transcript 2026" in text
    assert "Fair Housing Essentials" in text
    assert "Total counted 3" in text


def test_history_lists_every_year(client, holder, attended):
    entry_create(
        holder=holder,
        title="Old class",
        provider="AASC",
        earned_on=attended.earned_on.replace(year=2024),
        hours=Decimal(2),
        source=Source.AASC_CLASS,
    )
    client.force_login(holder.user)
    page = client.get(reverse("cecs:history"))
    assert "Earned in 2026" in page.text
    assert "Earned in 2024" in page.text


@pytest.mark.parametrize("name", ["cecs:status", "cecs:history"])
def test_anonymous_is_sent_to_log_in(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_dashboard_step_3_follows_the_ledger(client, holder, attended):
    client.force_login(holder.user)
    response = client.get(reverse("dashboard"))
    step = response.context["steps"][2]
    assert step.state == StepState.TODO
    assert step.detail == "5 more CECs needed, earned in 2026 (3 of 8 so far)."
    entry_create(
        holder=holder,
        title="NAA class",
        provider="NAA",
        earned_on=attended.earned_on,
        hours=Decimal(5),
        source=Source.AASC_CLASS,
    )
    step = client.get(reverse("dashboard")).context["steps"][2]
    assert step.state == StepState.DONE


def test_progress_bar_shows_in_network_and_capped_participation(client, holder, attended):
    entry_create(
        holder=holder,
        title="Board service",
        provider="AASC",
        earned_on=attended.earned_on,
        hours=Decimal(3),
        source=Source.COMMITTEE,
    )
    client.force_login(holder.user)
    for url in (reverse("cecs:status"), reverse("dashboard")):
        page = client.get(url)
        progress = page.context["progress"]
        assert [(p["kind"], p["width"]) for p in progress["parts"]] == [
            ("in_network", Decimal("37.5")),
            ("participation", Decimal("25.0")),
            ("other", Decimal("0.0")),
        ]
        text = " ".join(page.text.split())
        assert "5 of 8 CECs" in text
        assert "3 in-network (at least 5 needed)" in text
        assert "2 association participation (counts up to 2)" in text
