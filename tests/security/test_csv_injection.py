"""CSV formula injection: no file the portal hands out has a cell a spreadsheet would run.

Holders type their names and CEC titles, reviewers their reasons, staff the credential
codes; all of it reaches CSV files that staff open in Excel. Every CSV endpoint is listed in
ENDPOINTS (add a new one there) and fed the same hostile values; each must come back with
every text cell neutralised (OWASP: a leading = + - @ tab or carriage return).
"""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from import_export.admin import ExportMixin

from cecs.ledger.services import entry_create
from cecs.models import Source, Submission
from cecs.submissions.services import submission_approve, submission_create, submission_reject
from core import safe_csv
from credentials.models import CredentialType, HeldCredential
from credentials.resources import HeldCredentialImportResource
from credentials.services import cycle_get_or_create, invoices_issue
from holders.models import HolderProfile
from holders.resources import HolderImportResource
from tests.factories import HeldCredentialFactory, UserFactory, holder_with

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("http://x","click")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")  # a negative number is data, not a formula


def dangerous_cells(text):
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return [
        cell
        for row in rows
        for cell in row
        if cell.startswith(safe_csv.DANGEROUS_FIRST_CHARACTERS) and not NUMBER.fullmatch(cell)
    ]


@pytest.fixture
def world(client, staff, reviewer):
    """Six holders named after the hostile values, each with a decision for 2027; the first
    also has CEC entries titled with them; six credential types carry them as codes."""
    cycle = cycle_get_or_create(year=2027)
    holders = [holder_with("CAM", "NALP", first_name=value) for value in HOSTILE]
    for index, value in enumerate(HOSTILE):
        kind = CredentialType.objects.create(
            code=value[:10], name=f"Hostile {index}", annual_fee_cents=100, display_order=90
        )
        HeldCredentialFactory(holder=holders[index], credential_type=kind)
    invoices_issue(cycle=cycle)
    for holder in holders:
        entry_create(
            holder=holder,
            title="Leadership",
            provider="AASC",
            earned_on=datetime.date(2026, 5, 5),
            hours=Decimal(8),
            source=Source.AASC_CLASS,
        )
    for value in HOSTILE:
        entry_create(
            holder=holders[0],
            title=value,
            provider=value,
            earned_on=datetime.date(2026, 6, 1),
            hours=Decimal(1),
            source=Source.OTHER_PROVIDER,
        )
    for index, (holder, value) in enumerate(zip(holders, HOSTILE, strict=True)):
        submission = submission_create(holder=holder, cycle=cycle, actor=holder.user)
        if index % 2:
            submission_reject(submission=submission, reviewer=reviewer, reason=value)
        else:
            submission_approve(submission=submission, reviewer=reviewer)
    return {"holders": holders, "staff": staff, "reviewer": reviewer}


def decisions_csv(client, world):
    client.force_login(world["reviewer"])
    return client.get(reverse("cecs:decisions_csv", args=[2027])).content.decode()


def admin_decisions_export(client, world):
    client.force_login(world["staff"])
    response = client.post(
        reverse("admin:cecs_submission_changelist"),
        {
            "action": "export_decisions",
            "_selected_action": list(Submission.objects.values_list("pk", flat=True)),
        },
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return response.content.decode()


def season_overview_csv(client, world):
    client.force_login(world["staff"])
    return client.get(reverse("cycle_overview_csv"), {"year": 2027}).content.decode()


def transcript_csv(client, world):
    client.force_login(world["holders"][0].user)
    return client.get(reverse("cecs:transcript_csv", args=[2026])).content.decode()


# name -> function(client, world) returning the CSV text; a new CSV view gets a line here.
ENDPOINTS = {
    "decisions CSV (review pages)": decisions_csv,
    "decisions export (admin action)": admin_decisions_export,
    "season overview CSV": season_overview_csv,
    "transcript CSV": transcript_csv,
}


def export_admins():
    """Every admin with a django-import-export download, found in the registry."""
    return [ma for ma in admin.site._registry.values() if isinstance(ma, ExportMixin)]


class ProbeExportAdmin(ExportMixin, admin.ModelAdmin):
    """The recipe core/safe_csv.py gives for an export, applied to the holder resource."""

    resource_classes = [HolderImportResource]
    export_formats = [safe_csv.ImportExportCSV]


@pytest.mark.parametrize("name", ENDPOINTS)
def test_no_csv_cell_can_start_a_formula(client, world, name):
    text = ENDPOINTS[name](client, world)
    assert dangerous_cells(text) == []
    # The hostile text did reach the file, neutralised (so the endpoint was exercised).
    assert "'=HYPERLINK" in text


def test_every_import_export_download_is_neutralised(world):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    request = RequestFactory().get("/admin/")
    request.user = superuser
    admins = [*export_admins(), ProbeExportAdmin(HolderProfile, admin.site)]
    for model_admin in admins:
        formats = model_admin.get_export_formats()
        assert all(issubclass(f, safe_csv.ImportExportCSV) for f in formats), (
            f"{type(model_admin).__name__}: export_formats = [core.safe_csv.ImportExportCSV]"
        )
        for file_format in formats:
            text = model_admin.get_export_data(
                file_format(), request, model_admin.get_queryset(request)
            )
            assert dangerous_cells(text) == [], type(model_admin).__name__
    print(f"\n{len(admins) - 1} registered import-export admins with a download, plus the probe")


@pytest.mark.parametrize(
    ("resource", "queryset"),
    [
        (HolderImportResource, HolderProfile.objects.all),
        (HeldCredentialImportResource, HeldCredential.objects.all),
    ],
)
def test_the_import_resources_export_safely_through_the_safe_format(world, resource, queryset):
    dataset = resource().export(queryset=queryset())
    text = safe_csv.ImportExportCSV().export_data(dataset)
    assert dangerous_cells(text) == []
    assert "'" in text


def test_the_writer_neutralises_owasps_characters_and_keeps_numbers():
    out = io.StringIO()
    safe_csv.writer(out).writerows(
        [[value, -5, Decimal("-12.50"), "-7", 3] for value in HOSTILE] + [["plain", "a=b", "", 0]]
    )
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert [row[0] for row in rows[:6]] == ["'" + value for value in HOSTILE]
    assert rows[0][1:] == ["-5", "-12.50", "-7", "3"]
    assert rows[6] == ["plain", "a=b", "", "0"]
    assert dangerous_cells(out.getvalue()) == []


def test_csv_response_is_an_attachment():
    response = safe_csv.csv_response("cec-decisions-2027.csv", ["a"], [["=1"]])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="cec-decisions-2027.csv"'
    assert response.content.decode() == "a\r\n'=1\r\n"
