"""Activity kinds are data staff keep (design.md: CEC sources): where each counts, who checks
it, the evidence it needs; the reporting form offers the ones AASC verifies."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from cecs.ledger.services import entry_create
from cecs.models import ActivityKind, ReportingForm
from tests.factories import HolderProfileFactory

pytestmark = pytest.mark.django_db

FORM = {
    "title": "Apartment Association Day at the Capitol",
    "organisation": "AASC",
    "date_from": "2026-02-10",
    "gross_hours": "3",
    "break_minutes": "0",
    "time_zone": "America/Denver",
    "description": "Met our representatives about housing bills.",
    "action": "save",
}


def test_the_portal_loads_every_kind_of_design_md():
    kinds = {
        kind.code: (kind.category, kind.checked_by, kind.evidence)
        for kind in ActivityKind.objects.all()
    }
    assert kinds == {
        "aasc_class": ("in_network", "attendance", "none"),
        "expo_class": ("in_network", "aasc", "signed_form"),
        "naa_course": ("in_network", "naaei", "certificate"),
        "committee": ("participation", "aasc", "signed_form"),
        "volunteering": ("participation", "aasc", "signed_form"),
        "legislative_event": ("participation", "aasc", "signed_form"),
        "other_provider": ("other", "naaei", "certificate"),
        "college_course": ("other", "naaei", "certificate"),
    }
    other = ActivityKind.objects.get(code="other_provider")
    assert "Corporate in-house training" in other.help_text
    assert "is not accepted" in other.help_text


def kind_options(client):
    page = client.get(reverse("cecs:form_new"))
    field = page.context["form"].fields["activity_type"]
    return [kind.code for kind in field.queryset]


def test_the_reporting_form_offers_the_kinds_holders_report(holder_client):
    offered = kind_options(holder_client)
    assert offered == list(
        ActivityKind.objects.exclude(checked_by=ActivityKind.CheckedBy.ATTENDANCE)
        .filter(active=True)
        .values_list("code", flat=True)
    )
    assert set(offered) == {
        "expo_class",
        "committee",
        "volunteering",
        "legislative_event",
        "naa_course",
        "other_provider",
        "college_course",
    }


def test_a_legislative_event_is_reported_and_counts_as_participation(holder_client, holder):
    response = holder_client.post(
        reverse("cecs:form_new"), {**FORM, "activity_type": "legislative_event"}
    )
    assert response.status_code == 302
    form = ReportingForm.objects.get(holder=holder)
    assert form.activity_type.name == "Legislative event"


def test_a_kind_staff_stop_offering_is_refused_and_nothing_is_stored(holder_client, holder):
    ActivityKind.objects.filter(code="volunteering").update(active=False)
    assert "volunteering" not in kind_options(holder_client)
    response = holder_client.post(
        reverse("cecs:form_new"), {**FORM, "activity_type": "volunteering"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["form"].errors["activity_type"])
    assert not ReportingForm.objects.filter(holder=holder).exists()


def test_a_kind_staff_add_in_the_admin_is_offered(client, staff, holder):
    client.force_login(staff)
    response = client.post(
        reverse("admin:cecs_activitykind_add"),
        {
            "name": "Teaching without pay",
            "code": "teaching",
            "category": "participation",
            "checked_by": "aasc",
            "evidence": "signed_form",
            "help_text": "Teaching an NAA, NAAEI or AASC course without pay.",
            "active": "on",
            "display_order": "70",
        },
    )
    assert response.status_code == 302
    kind = ActivityKind.objects.get(code="teaching")
    assert kind.history.first().history_user == staff
    client.force_login(holder.user)
    assert "teaching" in kind_options(client)


def test_a_kinds_code_is_fixed_and_it_cannot_be_deleted(client, staff):
    client.force_login(staff)
    kind = ActivityKind.objects.get(code="committee")
    page = client.get(reverse("admin:cecs_activitykind_change", args=[kind.pk]))
    assert "code" not in page.context["adminform"].form.fields
    assert client.get(reverse("admin:cecs_activitykind_delete", args=[kind.pk])).status_code == 403


def test_an_entry_keeps_the_category_it_was_recorded_with():
    holder = HolderProfileFactory()
    entry = entry_create(
        holder=holder,
        title="Budget committee",
        provider="AASC",
        earned_on=datetime.date(2026, 3, 1),
        hours=Decimal(2),
        source="committee",
    )
    ActivityKind.objects.filter(code="committee").update(category="other")
    entry.refresh_from_db()
    assert (entry.source_id, entry.category) == ("committee", "participation")
