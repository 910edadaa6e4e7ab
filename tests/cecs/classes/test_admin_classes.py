"""The AASC staff workbench for classes: attendance, roster import, withdrawal, and
corrections to CEC entries."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cecs.admin.classes import NewAttendanceFormSet
from cecs.classes.services import attendance_record, attendance_withdraw
from cecs.models import Attendance, CecEntry
from tests.factories import AascClassFactory, HolderProfileFactory, ReportingFormFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def aasc_class(db):
    return AascClassFactory(
        title="Fair Housing Essentials",
        held_on=datetime.date(2026, 3, 12),
        hours=Decimal("3.00"),
    )


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def reviewer_client(reviewer):
    client = Client()
    client.force_login(reviewer)
    return client


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def class_page(client, aasc_class):
    return client.get(reverse("admin:cecs_aascclass_change", args=[aasc_class.pk]))


def change_form_data(page):
    """What the admin change page posts back as it stands, inlines included."""
    data = {}
    form = page.context["adminform"].form
    for name in form.fields:
        data[name] = form[name].value()
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for row in formset.initial_forms:
            for name in row.fields:
                data[row.add_prefix(name)] = row[name].value()
    return {key: "" if value is None else value for key, value in data.items()}


def post_attendees(client, aasc_class, holders):
    """Fill the class page's "Record attendance" rows with `holders` and save."""
    page = class_page(client, aasc_class)
    data = change_form_data(page)
    (new,) = [
        inline.formset
        for inline in page.context["inline_admin_formsets"]
        if isinstance(inline.formset, NewAttendanceFormSet)
    ]
    data[f"{new.prefix}-TOTAL_FORMS"] = len(holders)
    for index, holder in enumerate(holders):
        data[f"{new.prefix}-{index}-holder"] = holder.pk
    return client.post(reverse("admin:cecs_aascclass_change", args=[aasc_class.pk]), data)


# --- Attendance from the class page ------------------------------------------------


def test_attendance_added_on_the_class_page_creates_the_cec_entry_at_once(
    staff_client, staff, aasc_class, holder
):
    response = post_attendees(staff_client, aasc_class, [holder])

    assert response.status_code == 302
    attendance = Attendance.objects.get(aasc_class=aasc_class, holder=holder)
    assert attendance.recorded_by == staff
    entry = attendance.cec_entry
    assert (entry.holder, entry.title, entry.hours, entry.earned_on) == (
        holder,
        "Fair Housing Essentials",
        Decimal("3.00"),
        datetime.date(2026, 3, 12),
    )
    assert (entry.source_id, entry.category, entry.status) == (
        "aasc_class",
        "in_network",
        "counted",
    )
    assert any("Attendance recorded for 1 holder(s)" in m for m in messages_of(response))


def test_recording_the_same_holder_twice_gives_one_entry(staff_client, aasc_class, holder):
    post_attendees(staff_client, aasc_class, [holder, holder])  # twice in one save
    response = post_attendees(staff_client, aasc_class, [holder])  # and again later

    assert Attendance.objects.filter(aasc_class=aasc_class, holder=holder).count() == 1
    assert CecEntry.objects.filter(holder=holder).count() == 1
    assert f"Already recorded for this class: {holder}." in messages_of(response)


def test_recorded_attendance_is_shown_read_only_with_a_remove_link(
    staff_client, staff, aasc_class, holder
):
    attendance, _ = attendance_record(aasc_class=aasc_class, holder=holder, actor=staff)

    page = class_page(staff_client, aasc_class)

    (recorded,) = [
        inline
        for inline in page.context["inline_admin_formsets"]
        if not isinstance(inline.formset, NewAttendanceFormSet)
    ]
    assert recorded.formset.can_delete is False
    assert not recorded.has_add_permission
    assert set(recorded.formset.forms[0].fields) <= {"id", "aasc_class"}  # nothing editable
    assert reverse("admin:cecs_attendance_withdraw", args=[attendance.pk]) in page.text


def test_the_holder_autocomplete_finds_holders_for_staff(staff_client, holder):
    response = staff_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "cecs",
            "model_name": "attendance",
            "field_name": "holder",
            "term": holder.last_name,
        },
    )

    assert response.status_code == 200
    assert str(holder.pk) in [result["id"] for result in response.json()["results"]]


def test_reviewers_see_attendance_but_cannot_record_it(reviewer_client, staff, aasc_class, holder):
    attendance_record(aasc_class=aasc_class, holder=holder, actor=staff)

    page = class_page(reviewer_client, aasc_class)

    assert page.status_code == 200
    assert not any(
        isinstance(inline.formset, NewAttendanceFormSet)
        for inline in page.context["inline_admin_formsets"]
    )
    assert "Import roster" not in page.text
    assert "Remove (recorded by mistake)" not in page.text


def test_class_list_counts_attendees_still_counted(staff_client, staff, aasc_class):
    first, second = HolderProfileFactory(), HolderProfileFactory()
    attendance_record(aasc_class=aasc_class, holder=first, actor=staff)
    mistake, _ = attendance_record(aasc_class=aasc_class, holder=second, actor=staff)
    attendance_withdraw(attendance=mistake, actor=staff, reason="wrong class")

    page = staff_client.get(reverse("admin:cecs_aascclass_changelist"))

    (row,) = page.context["cl"].result_list
    assert row._attendees == 1


def test_date_and_hours_are_fixed_once_a_class_has_attendance(
    staff_client, staff, aasc_class, holder
):
    attendance_record(aasc_class=aasc_class, holder=holder, actor=staff)

    page = class_page(staff_client, aasc_class)

    form = page.context["adminform"].form
    assert "hours" not in form.fields
    assert "held_on" not in form.fields
    assert "title" in form.fields


def test_nothing_with_attendance_can_be_deleted_in_the_admin(admin_client, staff, aasc_class):
    attendance, _ = attendance_record(
        aasc_class=aasc_class, holder=HolderProfileFactory(), actor=staff
    )
    urls = [
        reverse("admin:cecs_aascclass_delete", args=[aasc_class.pk]),
        reverse("admin:cecs_attendance_delete", args=[attendance.pk]),
        reverse("admin:cecs_cecentry_delete", args=[attendance.cec_entry.pk]),
    ]
    for url in urls:
        assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert admin_client.get(reverse("admin:cecs_attendance_add")).status_code == 403
    assert Attendance.objects.count() == CecEntry.objects.count() == 1


def test_old_versions_can_be_read_but_not_restored(reviewer_client, staff_client, aasc_class):
    version = aasc_class.history.first()
    url = reverse("admin:cecs_aascclass_simple_history", args=[aasc_class.pk, version.history_id])
    changed = {"title": "Changed", "held_on": "2026-03-12", "instructor": "x", "hours": "5"}

    assert reviewer_client.get(url).status_code == 200
    assert reviewer_client.post(url, changed).status_code == 403
    assert staff_client.post(url, changed).status_code == 403
    aasc_class.refresh_from_db()
    assert (aasc_class.title, aasc_class.hours) == ("Fair Housing Essentials", Decimal("3.00"))


# --- Removing attendance recorded by mistake ---------------------------------------


@pytest.fixture
def attendance(staff, aasc_class, holder):
    attendance, _ = attendance_record(aasc_class=aasc_class, holder=holder, actor=staff)
    return attendance


def test_removing_attendance_needs_a_reason(staff_client, attendance):
    url = reverse("admin:cecs_attendance_withdraw", args=[attendance.pk])
    assert staff_client.get(url).status_code == 200

    response = staff_client.post(url, {"reason": "  "})

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    attendance.refresh_from_db()
    assert attendance.withdrawn_at is None
    assert attendance.cec_entry.status == "counted"


def test_removing_attendance_withdraws_the_entry_with_history_and_deletes_nothing(
    staff_client, staff, attendance, aasc_class
):
    url = reverse("admin:cecs_attendance_withdraw", args=[attendance.pk])

    response = staff_client.post(url, {"reason": "Signed the wrong sheet"})

    assert response.status_code == 302
    assert response.url == reverse("admin:cecs_aascclass_change", args=[aasc_class.pk])
    attendance.refresh_from_db()
    assert attendance.withdrawn_at is not None
    assert attendance.withdrawn_reason == "Signed the wrong sheet"
    entry = attendance.cec_entry
    assert entry.status == "withdrawn"
    assert "Signed the wrong sheet" in entry.correction_note
    latest = entry.history.first()
    assert (latest.status, latest.history_user) == ("withdrawn", staff)
    assert attendance.history.first().history_user == staff
    assert Attendance.objects.count() == CecEntry.objects.count() == 1


def test_removing_attendance_from_the_changelist_action(staff_client, staff, aasc_class):
    holders = HolderProfileFactory.create_batch(2)
    attendances = [
        attendance_record(aasc_class=aasc_class, holder=h, actor=staff)[0] for h in holders
    ]
    changelist = reverse("admin:cecs_attendance_changelist")
    selected = {"action": "withdraw", "_selected_action": [a.pk for a in attendances]}

    asked = staff_client.post(changelist, {**selected, "index": 0})
    assert asked.status_code == 200
    assert "Reason for removing" in asked.text
    refused = staff_client.post(changelist, {**selected, "apply": "1", "reason": ""})
    assert refused.context["form"].errors["reason"]
    assert not CecEntry.objects.filter(status="withdrawn").exists()

    done = staff_client.post(changelist, {**selected, "apply": "1", "reason": "Duplicate class"})

    assert done.status_code == 302
    assert set(CecEntry.objects.values_list("status", flat=True)) == {"withdrawn"}
    assert any("Removed 2 attendance(s)" in m for m in messages_of(done))


def test_reviewers_cannot_remove_attendance(reviewer_client, attendance):
    url = reverse("admin:cecs_attendance_withdraw", args=[attendance.pk])

    assert reviewer_client.get(url).status_code == 403
    assert reviewer_client.post(url, {"reason": "no"}).status_code == 403
    changelist = reverse("admin:cecs_attendance_changelist")
    reviewer_client.post(
        changelist,
        {"action": "withdraw", "_selected_action": [attendance.pk], "apply": "1", "reason": "x"},
    )
    attendance.refresh_from_db()
    assert attendance.withdrawn_at is None


# --- Roster import ----------------------------------------------------------------


def roster_url(aasc_class):
    return reverse("admin:cecs_aascclass_roster", args=[aasc_class.pk])


def upload(client, aasc_class, content, name="roster.csv"):
    if isinstance(content, str):
        content = content.encode()
    return client.post(
        roster_url(aasc_class), {"roster": SimpleUploadedFile(name, content, "text/csv")}
    )


def confirm(client, aasc_class, preview):
    return client.post(roster_url(aasc_class), {"rows": preview.context["token"], "confirm": "1"})


@pytest.fixture
def jane(db):
    return HolderProfileFactory(email="jane@example.org", member_number="N1001")


@pytest.fixture
def omar(db):
    return HolderProfileFactory(email="omar@example.org", member_number="N1002")


def test_the_class_page_offers_the_roster_import_to_staff(staff_client, aasc_class):
    page = class_page(staff_client, aasc_class)

    assert roster_url(aasc_class) in page.text
    assert staff_client.get(roster_url(aasc_class)).status_code == 200


def test_roster_preview_writes_nothing(staff_client, aasc_class, jane, omar):
    preview = upload(staff_client, aasc_class, "email\njane@example.org\nomar@example.org\n")

    assert preview.status_code == 200
    assert [(line, holder) for line, holder, _ in preview.context["matched"]] == [
        (2, jane),
        (3, omar),
    ]
    assert preview.context["token"]
    assert 'name="confirm"' in preview.text
    assert not Attendance.objects.exists()
    assert not CecEntry.objects.exists()


def test_roster_with_an_unknown_row_imports_nothing_and_lists_the_row(
    staff_client, aasc_class, jane, omar
):
    csv = "email\njane@example.org\nnobody@example.org\njane@example.org\nomar@example.org\n"

    preview = upload(staff_client, aasc_class, csv)

    assert preview.context["unknown"] == [(3, "nobody@example.org")]
    assert preview.context["duplicates"] == [(4, "jane@example.org")]
    assert preview.context["token"] is None
    assert 'name="confirm"' not in preview.text
    assert re.search(r"<td>3</td><td>nobody@example.org</td>", preview.text)
    assert any("1 row(s) match no holder" in m for m in messages_of(preview))
    assert not Attendance.objects.exists()


def test_roster_with_good_and_duplicate_rows_records_one_attendance_per_holder(
    staff_client, staff, aasc_class, jane, omar
):
    attendance_record(aasc_class=aasc_class, holder=omar, actor=staff)
    csv = "email\njane@example.org\nomar@example.org\nJANE@example.org\n"

    preview = upload(staff_client, aasc_class, csv)
    assert preview.context["duplicates"] == [(4, "JANE@example.org")]
    assert [recorded for _, _, recorded in preview.context["matched"]] == [False, True]
    done = confirm(staff_client, aasc_class, preview)

    assert done.status_code == 302
    assert done.url == reverse("admin:cecs_aascclass_change", args=[aasc_class.pk])
    assert messages_of(done) == [
        "1 attendance recorded, 1 already recorded, 1 duplicate row ignored."
    ]
    assert Attendance.objects.filter(aasc_class=aasc_class).count() == 2
    assert CecEntry.objects.filter(holder=jane, hours=Decimal("3.00")).count() == 1
    assert Attendance.objects.get(holder=jane).recorded_by == staff


def test_roster_by_email_ignores_case_and_a_byte_order_mark(staff_client, aasc_class, jane, omar):
    csv = "\ufeffEmail,name\r\nJane@Example.ORG,Jane\r\n OMAR@example.org ,Omar\r\n"

    preview = upload(staff_client, aasc_class, csv.encode("utf-8"))
    done = confirm(staff_client, aasc_class, preview)

    assert messages_of(done) == [
        "2 attendances recorded, 0 already recorded, 0 duplicate rows ignored."
    ]
    assert set(Attendance.objects.values_list("holder", flat=True)) == {jane.pk, omar.pk}


def test_roster_by_member_number(staff_client, aasc_class, jane, omar):
    preview = upload(staff_client, aasc_class, "member_number\nN1002\n\nN1001\nN1002\n")
    done = confirm(staff_client, aasc_class, preview)

    assert messages_of(done) == [
        "2 attendances recorded, 0 already recorded, 1 duplicate row ignored."
    ]
    assert set(Attendance.objects.values_list("holder", flat=True)) == {jane.pk, omar.pk}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("email\njosé@example.org\n".encode("latin-1"), "The file is not UTF-8 text"),
        ("jane@example.org\nomar@example.org\n", "The first line must be the header"),
        ("name,phone\nJane,555\n", "The first line must be the header"),
        ("email,member_number\njane@example.org,N1001\n", "not both"),
        ("email\n\n", "no rows under it"),
        ("\ufeff\r\n".encode(), "The file is empty"),
        (b"", "The submitted file is empty"),
    ],
)
def test_roster_files_that_cannot_be_read_get_a_clear_message(
    staff_client, aasc_class, jane, content, message
):
    response = upload(staff_client, aasc_class, content)

    assert response.status_code == 200
    assert message in str(response.context["form"].errors["roster"])
    assert "preview" not in response.context
    assert not Attendance.objects.exists()


def test_a_tampered_roster_confirmation_is_refused(staff_client, aasc_class, jane):
    preview = upload(staff_client, aasc_class, "email\njane@example.org\n")
    forged = preview.context["token"].replace(":", ":x", 1)

    response = staff_client.post(roster_url(aasc_class), {"rows": forged, "confirm": "1"})

    assert response.status_code == 302
    assert messages_of(response) == [
        "The preview has expired or was altered; upload the file again."
    ]
    assert not Attendance.objects.exists()


def test_a_roster_confirmation_only_imports_into_its_own_class(staff_client, aasc_class, jane):
    preview = upload(staff_client, aasc_class, "email\njane@example.org\n")
    other = AascClassFactory()

    staff_client.post(roster_url(other), {"rows": preview.context["token"], "confirm": "1"})

    assert not Attendance.objects.exists()


def test_the_import_matches_again_and_refuses_a_holder_gone_since_the_preview(
    staff_client, aasc_class, jane, omar
):
    preview = upload(staff_client, aasc_class, "email\njane@example.org\nomar@example.org\n")
    omar.email = "omar.new@example.org"
    omar.save()

    response = confirm(staff_client, aasc_class, preview)

    assert response.status_code == 200
    assert response.context["unknown"] == [(3, "omar@example.org")]
    assert not Attendance.objects.exists()


def test_reviewers_get_403_on_roster_import(reviewer_client, aasc_class, jane):
    assert reviewer_client.get(roster_url(aasc_class)).status_code == 403
    response = upload(reviewer_client, aasc_class, "email\njane@example.org\n")
    assert response.status_code == 403
    assert not Attendance.objects.exists()


# --- Correcting a CEC entry ---------------------------------------------------------


def entry_change(client, entry, **changes):
    url = reverse("admin:cecs_cecentry_change", args=[entry.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields} | changes
    return client.post(url, {key: "" if v is None else v for key, v in data.items()})


def test_correcting_an_entry_requires_a_note(staff_client, attendance):
    entry = attendance.cec_entry
    page = staff_client.get(reverse("admin:cecs_cecentry_change", args=[entry.pk]))
    assert set(page.context["adminform"].form.fields) == {
        "title",
        "earned_on",
        "hours",
        "withdraw",
        "correction_note",
    }

    response = entry_change(staff_client, entry, hours="2.50")

    assert response.status_code == 200
    assert "correction_note" in response.context["adminform"].form.errors
    entry.refresh_from_db()
    assert entry.hours == Decimal("3.00")


def test_a_correction_is_recorded_in_history_with_the_staff_user(staff_client, staff, attendance):
    entry = attendance.cec_entry

    response = entry_change(
        staff_client, entry, hours="2.50", correction_note="Left after the break"
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.hours, entry.correction_note) == (Decimal("2.50"), "Left after the break")
    latest = entry.history.first()
    assert latest.history_user == staff
    assert latest.history_change_reason == "Left after the break"
    assert latest.hours == Decimal("2.50")
    assert entry.history.count() == 2


def test_an_implausible_correction_is_refused(staff_client, attendance):
    response = entry_change(staff_client, attendance.cec_entry, hours="30", correction_note="typo")

    assert response.status_code == 200
    assert "hours" in response.context["adminform"].form.errors


def test_a_multi_day_entry_keeps_its_hours_when_the_title_is_corrected(staff_client, holder):
    report = ReportingFormFactory(
        holder=holder,
        activity_type_id="committee",
        date_from=datetime.date(2026, 5, 1),
        date_to=datetime.date(2026, 5, 2),
        hours=Decimal("16.00"),
        status="verified",
        signer_name="Dana Ruiz",
        verified_at=timezone.now(),
    )
    # Made directly: entry_create checks 16 hours against one day (reported).
    entry = CecEntry.objects.create(
        holder=holder,
        title="Committee",
        provider="AASC",
        earned_on=report.date_to,
        hours=report.hours,
        source_id="committee",
        category="participation",
        reporting_form=report,
    )

    response = entry_change(
        staff_client, entry, title="Budget committee", correction_note="Clearer title"
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.title, entry.hours) == ("Budget committee", Decimal("16.00"))
    assert (
        entry_change(staff_client, entry, hours="20", correction_note="2 x 10 h").status_code == 302
    )
    refused = entry_change(staff_client, entry, hours="25", correction_note="too many")
    assert "hours" in refused.context["adminform"].form.errors


def test_reviewers_only_read_entries(reviewer_client, attendance):
    entry = attendance.cec_entry
    url = reverse("admin:cecs_cecentry_change", args=[entry.pk])

    page = reviewer_client.get(url)

    assert page.status_code == 200
    assert not page.context["adminform"].form.fields
    reviewer_client.post(url, {"hours": "1", "correction_note": "x"})
    entry.refresh_from_db()
    assert entry.hours == Decimal("3.00")
    assert reviewer_client.get(reverse("admin:cecs_cecentry_changelist")).status_code == 200


def test_a_correction_emails_the_holder(
    staff_client, attendance, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        entry_change(staff_client, attendance.cec_entry, hours="2.50", correction_note="Left early")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [attendance.holder.email]
    assert "Why: Left early" in mailoutbox[0].body


def test_an_entry_in_a_pending_submission_cannot_be_corrected(staff_client, attendance):
    from cecs.models import Submission, SubmissionEntry
    from credentials.services import cycle_get_or_create, invoices_issue
    from tests.factories import HeldCredentialFactory

    entry = attendance.cec_entry
    cycle = cycle_get_or_create(year=2027)
    HeldCredentialFactory(holder=entry.holder)
    invoices_issue(cycle=cycle)
    submission = Submission.objects.create(
        holder=entry.holder,
        cycle=cycle,
        invoice=entry.holder.invoices.get(),
        cecs_owed=8,
        in_network_minimum=5,
        total_hours=8,
        in_network_hours=8,
        participation_hours=0,
        submitted_at=timezone.now(),
        submitted_by=entry.holder.user,
    )
    SubmissionEntry.objects.create(submission=submission, entry=entry, counted_hours=entry.hours)

    response = entry_change(staff_client, entry, hours="1.00", correction_note="oops")

    assert response.status_code == 200
    assert "part of a pending or approved submission" in response.text
    entry.refresh_from_db()
    assert entry.hours == Decimal("3.00")
