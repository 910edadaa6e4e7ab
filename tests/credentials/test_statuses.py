import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from credentials.models import HeldCredential, RenewalInvoice
from credentials.selectors import new_credential_status
from credentials.services import (
    credential_reinstate,
    credential_statuses_refresh,
    invoice_record_cecs_approved,
    invoices_issue,
)
from tests.factories import HolderProfileFactory, credential_type, holder_with

pytestmark = pytest.mark.django_db


def status_of(holder):
    return holder.credentials.get().status


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (datetime.date(2026, 10, 31), HeldCredential.Status.ACTIVE),  # season not started
        (datetime.date(2026, 11, 26), HeldCredential.Status.DUE),
        (datetime.date(2027, 1, 1), HeldCredential.Status.GRACE),
        (datetime.date(2027, 3, 31), HeldCredential.Status.GRACE),
        (datetime.date(2027, 4, 1), HeldCredential.Status.LAPSED),
    ],
)
def test_statuses_follow_the_cycle_calendar(cycle, today, status):
    holder = holder_with("CAM")
    credential_statuses_refresh(cycle=cycle, today=today)
    assert status_of(holder) == status


def test_credentials_renewed_in_time_never_lapse(cycle):
    holder = holder_with("CAM")
    invoices_issue(cycle=cycle)
    invoice = RenewalInvoice.objects.get(holder=holder)
    invoice.status = RenewalInvoice.Status.PAID
    invoice.save()
    invoice_record_cecs_approved(invoice=invoice)
    credential_statuses_refresh(cycle=cycle, today=datetime.date(2027, 4, 1))
    assert status_of(holder) == HeldCredential.Status.ACTIVE


def test_lapsing_is_kept_in_history(cycle):
    holder = holder_with("CAM")
    credential_statuses_refresh(cycle=cycle, today=datetime.date(2027, 4, 1))
    latest = holder.credentials.get().history.first()
    assert latest.status == HeldCredential.Status.LAPSED
    assert latest.history_change_reason == "lapsed on 2027-04-01 (2027 cycle)"


def test_staff_reinstate_a_lapsed_credential_and_it_stays_reinstated(cycle, staff, client):
    holder = holder_with("CAM")
    credential_statuses_refresh(cycle=cycle, today=datetime.date(2027, 4, 1))
    credential = holder.credentials.get()

    client.force_login(staff)
    client.post(
        reverse("admin:credentials_heldcredential_changelist"),
        {"action": "reinstate", "_selected_action": [credential.pk]},
    )
    credential.refresh_from_db()
    assert credential.status == HeldCredential.Status.GRACE
    assert credential.history.first().history_user == staff

    credential_statuses_refresh(cycle=cycle, today=datetime.date(2027, 4, 2))
    credential.refresh_from_db()
    assert credential.status == HeldCredential.Status.GRACE


def test_only_lapsed_credentials_can_be_reinstated(cycle, staff):
    holder = holder_with("CAM")
    from core.errors import ApplicationError

    with pytest.raises(ApplicationError, match="not lapsed"):
        credential_reinstate(credential=holder.credentials.get(), actor=staff, reason="x")


def test_daily_command_reports_what_changed(cycle, capsys):
    holder_with("CAM")
    call_command("refresh_credential_statuses")
    assert "2027 cycle: 1 now due." in capsys.readouterr().out


# --- A credential staff add or import gets the calendar's status at once ------------------

SEASON = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("America/Denver"))
ADD_URL = reverse("admin:credentials_heldcredential_add")


def add_in_admin(client, holder, *, expires="2026-12-31", code="CAM"):
    return client.post(
        ADD_URL,
        {
            "holder": holder.pk,
            "credential_type": credential_type(code).pk,
            "number": f"{code}-777",
            "earned_on": "2020-05-01",
            "expires_on": expires,
            "reinstated_for_year": "",
        },
    )


def test_a_credential_staff_add_for_a_holder_who_is_due_is_due(client, staff, cycle, time_machine):
    time_machine.move_to(SEASON, tick=False)
    holder = HolderProfileFactory()
    client.force_login(staff)
    assert "status" not in client.get(ADD_URL).context["adminform"].form.fields
    response = add_in_admin(client, holder)
    assert response.status_code == 302, response.context["adminform"].form.errors
    credential = holder.credentials.get()
    assert credential.status == HeldCredential.Status.DUE
    created = credential.history.get()
    assert (created.history_type, created.status, created.history_user) == (
        "+",
        HeldCredential.Status.DUE,
        staff,
    )


def test_a_credential_staff_add_that_the_cycle_does_not_renew_is_active(
    client, staff, cycle, time_machine
):
    time_machine.move_to(SEASON, tick=False)
    holder = HolderProfileFactory()
    client.force_login(staff)
    add_in_admin(client, holder, expires="2027-12-31")
    assert holder.credentials.get().status == HeldCredential.Status.ACTIVE


def test_a_credential_added_in_the_grace_period_is_in_grace(client, staff, cycle, time_machine):
    time_machine.move_to(datetime.datetime(2027, 2, 10, 10, tzinfo=ZoneInfo("America/Denver")))
    holder = HolderProfileFactory()
    client.force_login(staff)
    add_in_admin(client, holder)
    assert holder.credentials.get().status == HeldCredential.Status.GRACE


def import_credentials(client, csv):
    preview = client.post(
        reverse("admin:credentials_heldcredential_import"),
        {
            "import_file": SimpleUploadedFile("c.csv", csv.encode(), "text/csv"),
            "format": "0",
            "resource": "0",
        },
    )
    confirm_form = preview.context["confirm_form"]
    client.post(
        reverse("admin:credentials_heldcredential_process_import"),
        {name: field.initial for name, field in confirm_form.fields.items()} | confirm_form.initial,
    )


def test_imported_credentials_get_the_calendars_status(client, staff, cycle, time_machine):
    time_machine.move_to(SEASON, tick=False)
    HolderProfileFactory(member_number="N0000001")
    client.force_login(staff)
    import_credentials(
        client,
        "member_number,credential_code,credential_number,earned,expires\n"
        "N0000001,CAM,CAM-1,2020-05-01,2026-12-31\n"
        "N0000001,NALP,NALP-1,2020-05-01,2027-12-31\n"
        "N0000001,CAMT,CAMT-9,2019-01-10,\n",
    )
    assert dict(HeldCredential.objects.values_list("number", "status")) == {
        "CAM-1": HeldCredential.Status.DUE,
        "NALP-1": HeldCredential.Status.ACTIVE,
        "CAMT-9": HeldCredential.Status.ACTIVE,
    }


def test_an_import_that_updates_a_credential_keeps_its_status(client, staff, cycle, time_machine):
    time_machine.move_to(SEASON, tick=False)
    holder = holder_with("CAM", member_number="N0000002")
    credential = holder.credentials.get()
    credential.status = HeldCredential.Status.GRACE  # e.g. reinstated by staff
    credential.save()
    client.force_login(staff)
    import_credentials(
        client,
        "member_number,credential_code,credential_number,earned,expires\n"
        f"N0000002,CAM,{credential.number},2020-05-02,2026-12-31\n",
    )
    credential.refresh_from_db()
    assert credential.earned_on == datetime.date(2020, 5, 2)
    assert credential.status == HeldCredential.Status.GRACE


@pytest.mark.parametrize(
    "today",
    [
        datetime.date(2026, 10, 31),
        datetime.date(2026, 11, 26),
        datetime.date(2027, 1, 1),
        datetime.date(2027, 3, 31),
        datetime.date(2027, 4, 1),
    ],
)
@pytest.mark.parametrize(
    ("code", "expires_on", "reinstated_for_year"),
    [
        ("CAM", datetime.date(2026, 12, 31), None),
        ("CAM", datetime.date(2027, 12, 31), None),
        ("CAM", datetime.date(2026, 12, 31), 2027),
        ("CAMT", None, None),
    ],
)
def test_a_new_credential_gets_what_the_daily_refresh_would_give_it(
    cycle, today, code, expires_on, reinstated_for_year
):
    """new_credential_status (one unsaved credential) and credential_statuses_refresh (the
    queries) agree: one rule, read two ways."""
    holder = HolderProfileFactory()
    fields = {
        "holder": holder,
        "credential_type": credential_type(code),
        "number": "X-1",
        "earned_on": datetime.date(2020, 5, 1),
        "expires_on": expires_on,
        "reinstated_for_year": reinstated_for_year,
    }
    decided = new_credential_status(credential=HeldCredential(**fields), today=today)
    saved = HeldCredential.objects.create(**fields, status=HeldCredential.Status.ACTIVE)
    credential_statuses_refresh(cycle=cycle, today=today)
    saved.refresh_from_db()
    assert decided == saved.status
