import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from credentials.models import HeldCredential, RenewalInvoice
from tests.factories import HolderProfileFactory, holder_with

pytestmark = pytest.mark.django_db


def test_staff_issue_a_cycles_invoices_with_the_admin_action(client, staff, cycle):
    holder_with("CAM")
    holder_with("NALP")
    client.force_login(staff)
    changelist = reverse("admin:credentials_renewalcycle_changelist")
    response = client.post(
        changelist, {"action": "issue_invoices", "_selected_action": [cycle.pk]}, follow=True
    )
    assert "2027: 2 invoice(s) issued, 0 holder(s) already invoiced." in response.text
    assert RenewalInvoice.objects.count() == 2
    # The invoices' history names the staff member who ran the action.
    assert [row.history_user for row in RenewalInvoice.history.all()] == [staff, staff]


def test_reviewers_cannot_issue_invoices(client, reviewer, cycle):
    holder_with("CAM")
    client.force_login(reviewer)
    changelist = reverse("admin:credentials_renewalcycle_changelist")
    client.post(changelist, {"action": "issue_invoices", "_selected_action": [cycle.pk]})
    assert not RenewalInvoice.objects.exists()


def test_new_cycle_form_is_prefilled_with_the_defaults(client, staff):
    client.force_login(staff)
    page = client.get(reverse("admin:credentials_renewalcycle_add"))
    assert page.context["adminform"].form.initial["late_fee_cents"] == 5000


def test_staff_import_held_credentials_all_or_nothing(client, staff):
    HolderProfileFactory(member_number="N0000001")
    client.force_login(staff)
    csv = (
        "member_number,credential_code,credential_number,earned,expires\n"
        "N0000001,cam,CAM-1,2020-05-01,2026-12-31\n"
        "N0000001,CAMT,CAMT-9,2019-01-10,\n"
    )
    preview = client.post(
        reverse("admin:credentials_heldcredential_import"),
        {
            "import_file": SimpleUploadedFile("c.csv", csv.encode(), "text/csv"),
            "format": "0",
            "resource": "0",
        },
    )
    assert preview.status_code == 200
    assert not preview.context["result"].has_errors()
    assert not preview.context["result"].has_validation_errors()
    confirm_form = preview.context["confirm_form"]
    client.post(
        reverse("admin:credentials_heldcredential_process_import"),
        {name: field.initial for name, field in confirm_form.fields.items()} | confirm_form.initial,
    )
    assert set(HeldCredential.objects.values_list("number", "expires_on")) == {
        ("CAM-1", __import__("datetime").date(2026, 12, 31)),
        ("CAMT-9", None),
    }


def test_import_with_an_unknown_member_number_writes_nothing(client, staff):
    client.force_login(staff)
    csv = (
        "member_number,credential_code,credential_number,earned,expires\n"
        "NOBODY,CAM,CAM-1,2020-05-01,2026-12-31\n"
    )
    preview = client.post(
        reverse("admin:credentials_heldcredential_import"),
        {
            "import_file": SimpleUploadedFile("c.csv", csv.encode(), "text/csv"),
            "format": "0",
            "resource": "0",
        },
    )
    assert (
        preview.context["result"].has_errors() or preview.context["result"].has_validation_errors()
    )
    assert "confirm_form" not in preview.context or preview.context["confirm_form"] is None
    assert not HeldCredential.objects.exists()


def test_staff_changes_to_a_credential_are_kept_with_who(client, staff):
    holder = holder_with("CAM")
    credential = holder.credentials.get()
    client.force_login(staff)
    page = client.get(reverse("admin:credentials_heldcredential_change", args=[credential.pk]))
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields} | {"number": "CAM-NEW"}
    data = {key: ("" if value is None else value) for key, value in data.items()}
    response = client.post(
        reverse("admin:credentials_heldcredential_change", args=[credential.pk]), data
    )
    assert response.status_code == 302
    latest = credential.history.first()
    assert latest.number == "CAM-NEW"
    assert latest.history_user == staff
