import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from cecs.models import CecEntry, ReportingForm
from cecs.reporting.checks import ReportingFormInvalid, reporting_form_check
from cecs.reporting.forms import ReportingFormForm
from cecs.reporting.services import (
    reporting_form_return,
    reporting_form_save,
    reporting_form_verify,
)
from core.errors import ApplicationError
from tests.factories import ReportingFormFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=ZoneInfo("America/Denver"))
D = datetime.date
T = datetime.time


def use_private_media(monkeypatch, directory):
    """Point the reporting-form upload storage at `directory` for one test.

    The storage reads settings.PRIVATE_MEDIA_ROOT once, when the model is imported, and
    caches the location in cached_properties, so patch the object itself; monkeypatch
    puts the original values back afterwards."""
    storage = ReportingForm._meta.get_field("upload").storage
    monkeypatch.setattr(storage, "_location", str(directory))
    monkeypatch.setitem(storage.__dict__, "base_location", str(directory))
    monkeypatch.setitem(storage.__dict__, "location", str(directory.resolve()))
    return storage


@pytest.fixture(autouse=True)
def _private_media(monkeypatch, tmp_path):
    use_private_media(monkeypatch, tmp_path)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def form_data(**overrides):
    data = {
        "activity_type": "expo_class",
        "title": "Expo: Leasing in a Soft Market",
        "organisation": "AASC Expo 2026",
        "date_from": "2026-04-22",
        "date_to": "",
        "start_time": "09:00",
        "end_time": "11:30",
        "gross_hours": "",
        "break_minutes": "30",
        "time_zone": "America/Denver",
        "description": "Expo education session on pricing and concessions.",
        "action": "save",
    }
    data.update(overrides)
    return data


def new_form(client, **overrides):
    return client.post(reverse("cecs:form_new"), form_data(**overrides))


def edit_url(form):
    return reverse("cecs:form_edit", args=[form.pk])


# --- The page --------------------------------------------------------------------------


def test_the_new_form_page_uses_date_and_time_inputs(holder_client):
    page = holder_client.get(reverse("cecs:form_new"))
    assert page.status_code == 200
    assert 'type="date" name="date_from"' in page.text
    assert 'type="date" name="date_to"' in page.text
    assert 'type="time" name="start_time"' in page.text
    assert 'type="time" name="end_time"' in page.text
    assert 'enctype="multipart/form-data"' in page.text
    assert ">Save draft</button>" in page.text
    assert ">Submit</button>" in page.text
    assert '<option value="America/Denver" selected>' in page.text
    assert "<h1" in page.text
    assert "<script>" not in page.text.split("<main")[1]


def test_the_time_zones_are_the_us_ones():
    zones = [value for value, _ in ReportingFormForm().fields["time_zone"].choices]
    assert zones == [
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Chicago",
        "America/New_York",
        "America/Anchorage",
        "Pacific/Honolulu",
    ]


# --- Saving and submitting --------------------------------------------------------------


def test_a_draft_is_saved_with_its_cecs_net_of_breaks(holder_client, holder):
    response = new_form(holder_client)
    form = ReportingForm.objects.get(holder=holder)
    assert response.status_code == 302
    assert response.url == edit_url(form)
    assert form.status == ReportingForm.Status.DRAFT
    assert form.hours == Decimal("2.00")
    assert (form.start_time, form.end_time, form.break_minutes) == (T(9), T(11, 30), 30)
    assert form.gross_hours is None
    assert form.submitted_at is None
    assert form.history.get().history_user == holder.user
    assert mail.outbox == []

    page = holder_client.get(edit_url(form))
    assert "Draft saved: 2 CECs claimed." in page.text
    assert "<strong>2</strong> (hours without meals and breaks)" in page.text


def test_submitting_sends_the_form_to_aasc_and_emails_the_holder(
    holder_client, holder, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = new_form(holder_client, action="submit")
    form = ReportingForm.objects.get(holder=holder)
    assert response.status_code == 302
    assert form.status == ReportingForm.Status.SUBMITTED
    assert form.submitted_at == NOW
    assert form.hours == Decimal("2.00")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [holder.email]
    assert form.title in mail.outbox[0].subject


def test_a_draft_is_submitted_from_the_list(
    holder_client, holder, django_capture_on_commit_callbacks
):
    new_form(holder_client)
    form = ReportingForm.objects.get(holder=holder)
    assert (
        reverse("cecs:form_submit", args=[form.pk]) in holder_client.get(reverse("cecs:forms")).text
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = holder_client.post(reverse("cecs:form_submit", args=[form.pk]))
    assert response.url == edit_url(form)
    form.refresh_from_db()
    assert form.status == ReportingForm.Status.SUBMITTED
    assert len(mail.outbox) == 1


def test_submit_is_post_only(holder_client, holder):
    form = ReportingFormFactory(holder=holder, status="draft", submitted_at=None)
    assert holder_client.get(reverse("cecs:form_submit", args=[form.pk])).status_code == 405
    form.refresh_from_db()
    assert form.status == ReportingForm.Status.DRAFT


def test_submitting_twice_changes_nothing(
    holder_client, holder, django_capture_on_commit_callbacks
):
    form = ReportingFormFactory(holder=holder)
    with django_capture_on_commit_callbacks(execute=True):
        response = holder_client.post(reverse("cecs:form_submit", args=[form.pk]), follow=True)
    assert "submitted to aasc already" in response.text
    assert ReportingForm.objects.get(pk=form.pk).submitted_at == form.submitted_at
    assert mail.outbox == []


def test_several_days_use_gross_hours(holder_client, holder):
    new_form(
        holder_client,
        date_from="2026-04-20",
        date_to="2026-04-22",
        start_time="",
        end_time="",
        gross_hours="18",
        break_minutes="90",
        activity_type="volunteering",
    )
    form = ReportingForm.objects.get(holder=holder)
    assert form.hours == Decimal("16.50")
    assert form.date_to == D(2026, 4, 22)
    assert form.start_time is None


def test_a_last_day_equal_to_the_first_is_a_single_day(holder_client, holder):
    new_form(holder_client, date_to="2026-04-22")
    assert ReportingForm.objects.get(holder=holder).date_to is None


def test_changing_from_times_to_hours_clears_the_times(holder_client, holder):
    new_form(holder_client)
    form = ReportingForm.objects.get(holder=holder)
    holder_client.post(edit_url(form), form_data(start_time="", end_time="", gross_hours="3"))
    form.refresh_from_db()
    assert (form.start_time, form.end_time, form.gross_hours) == (None, None, Decimal("3.00"))
    assert form.hours == Decimal("2.50")


def test_empty_breaks_mean_none(holder_client, holder):
    new_form(holder_client, break_minutes="")
    assert ReportingForm.objects.get(holder=holder).hours == Decimal("2.50")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"start_time": "11:00", "end_time": "09:00"},
            "end_time",
            "The end time must be after the start time.",
        ),
        (
            {"start_time": "09:00", "end_time": "10:00", "break_minutes": "90"},
            "break_minutes",
            "Meals and breaks cannot take up the whole activity.",
        ),
        (
            {"start_time": "", "end_time": "", "gross_hours": "-3"},
            "gross_hours",
            "Hours must be more than zero.",
        ),
        (
            {"start_time": "", "end_time": "", "gross_hours": "500"},
            "gross_hours",
            "499.50 hours is more than 12 for 1 day(s)",
        ),
        (
            {"start_time": "06:00", "end_time": "20:00", "break_minutes": "0"},
            "end_time",
            "14.00 hours is more than 12 for 1 day(s)",
        ),
        (
            {
                "date_from": "2026-03-01",
                "date_to": "2026-03-10",
                "start_time": "",
                "end_time": "",
                "gross_hours": "110",
            },
            "gross_hours",
            "A form can claim at most 100 CECs",
        ),
        ({"date_from": "2026-06-16"}, "date_from", "The date is in the future"),
        (
            {
                "date_from": "2026-06-10",
                "date_to": "2026-06-20",
                "start_time": "",
                "end_time": "",
                "gross_hours": "30",
            },
            "date_to",
            "The last day is in the future",
        ),
        ({"date_from": "1926-04-22"}, "date_from", "Check the year"),
        (
            {"date_from": "2026-04-22", "date_to": "2026-04-20"},
            "date_to",
            "The last day cannot be before the first.",
        ),
        (
            {
                "date_from": "2025-12-30",
                "date_to": "2026-01-02",
                "start_time": "",
                "end_time": "",
                "gross_hours": "30",
            },
            "date_to",
            "A form covers one calendar year",
        ),
        (
            {"date_from": "2026-04-20", "date_to": "2026-04-22"},
            "start_time",
            "Times can be given for a single day only.",
        ),
        ({"end_time": ""}, "end_time", "Give both the start and end times, or neither."),
        ({"start_time": ""}, "start_time", "Give both the start and end times, or neither."),
        ({"gross_hours": "2"}, "gross_hours", "not both"),
        (
            {"start_time": "", "end_time": ""},
            "gross_hours",
            "Give the start and end times, or the total hours.",
        ),
        ({"time_zone": "Europe/London"}, "time_zone", "Select a valid choice."),
        ({"activity_type": "aasc_class"}, "activity_type", "Select a valid choice."),
        ({"title": "   "}, "title", "This field is required."),
        ({"start_time": "9 o'clock"}, "start_time", "Enter a valid time."),
    ],
)
def test_nonsense_is_refused_beside_the_field_and_nothing_is_stored(
    holder_client, overrides, field, message
):
    response = new_form(holder_client, action="submit", **overrides)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert any(message in error for error in errors[field])
    assert f'id="error_1_id_{field}"' in response.text
    assert "Nothing was saved" in response.text
    assert not ReportingForm.objects.exists()
    assert mail.outbox == []


def test_a_date_is_today_where_the_activity_took_place(time_machine):
    # 00:30 on 16 June in New York is still 15 June in Denver.
    time_machine.move_to(datetime.datetime(2026, 6, 16, 0, 30, tzinfo=ZoneInfo("America/New_York")))
    checked = reporting_form_check(
        date_from=D(2026, 6, 16), gross_hours=Decimal(1), time_zone="America/New_York"
    )
    assert checked["hours"] == Decimal("1.00")
    with pytest.raises(ReportingFormInvalid) as refused:
        reporting_form_check(date_from=D(2026, 6, 16), gross_hours=Decimal(1))
    assert list(refused.value.errors) == ["date_from"]


def test_the_service_checks_the_rules_itself(holder):
    with pytest.raises(ReportingFormInvalid) as refused:
        reporting_form_save(
            holder=holder,
            form_data={
                "activity_type": "committee",
                "title": "Board",
                "organisation": "AASC",
                "description": "Board meeting.",
                "date_from": D(2026, 5, 1),
                "gross_hours": Decimal(500),
                "hours": Decimal(2),  # never trusted
            },
            actor=holder.user,
        )
    assert list(refused.value.errors) == ["gross_hours"]
    assert not ReportingForm.objects.exists()


def test_the_service_saves_only_the_holders_own_form(holder, other_holder):
    form = ReportingFormFactory(holder=other_holder, status="draft", submitted_at=None)
    with pytest.raises(ApplicationError, match="another holder"):
        reporting_form_save(
            holder=holder,
            form=form,
            form_data={
                "activity_type": "committee",
                "title": "Taken over",
                "organisation": "AASC",
                "description": "x",
                "date_from": D(2026, 5, 1),
                "gross_hours": Decimal(1),
            },
            actor=holder.user,
        )
    form.refresh_from_db()
    assert form.title != "Taken over"


# --- Returned, submitted and verified forms ----------------------------------------------


@pytest.fixture
def returned_form(holder, staff):
    form = ReportingFormFactory(holder=holder)
    return reporting_form_return(
        form=form, actor=staff, reason="The signature is missing from page 2."
    )


def test_a_returned_form_shows_the_reason_and_can_be_corrected_and_resubmitted(
    holder_client, returned_form, django_capture_on_commit_callbacks
):
    listing = holder_client.get(reverse("cecs:forms"))
    assert "Returned for correction" in listing.text
    assert "The signature is missing from page 2." in listing.text

    page = holder_client.get(edit_url(returned_form))
    assert page.status_code == 200
    assert "AASC returned this form for correction" in page.text
    assert "The signature is missing from page 2." in page.text
    assert ">Submit</button>" in page.text

    with django_capture_on_commit_callbacks(execute=True):
        response = holder_client.post(
            edit_url(returned_form),
            form_data(action="submit", title="Expo: Leasing in a Soft Market (corrected)"),
        )
    assert response.status_code == 302
    form = ReportingForm.objects.get(pk=returned_form.pk)
    assert form.status == ReportingForm.Status.SUBMITTED
    assert form.title.endswith("(corrected)")
    assert form.submitted_at == NOW
    assert len(mail.outbox) == 1
    assert "received" in mail.outbox[0].subject.lower()


def test_saving_a_returned_form_keeps_it_returned_until_submitted(holder_client, returned_form):
    holder_client.post(edit_url(returned_form), form_data(break_minutes="0"))
    form = ReportingForm.objects.get(pk=returned_form.pk)
    assert form.status == ReportingForm.Status.RETURNED
    assert form.hours == Decimal("2.50")


@pytest.fixture
def verified_form(holder, staff):
    form = ReportingFormFactory(holder=holder)
    return reporting_form_verify(form=form, actor=staff, signer_name="Dana Staff")


@pytest.mark.parametrize("state", ["submitted", "verified"])
def test_a_submitted_or_verified_form_is_read_only(holder_client, holder, staff, state):
    form = ReportingFormFactory(holder=holder)
    if state == "verified":
        form = reporting_form_verify(form=form, actor=staff, signer_name="Dana Staff")
    before = ReportingForm.objects.values().get(pk=form.pk)

    page = holder_client.get(edit_url(form))
    assert page.status_code == 200
    assert "can no longer be changed" in page.text
    assert "Save draft" not in page.text
    assert "<form" not in page.text.split("<main")[1].split("</main>")[0]

    response = holder_client.post(
        edit_url(form), form_data(title="Changed", gross_hours="9", start_time="", end_time="")
    )
    assert response.status_code == 302
    assert ReportingForm.objects.values().get(pk=form.pk) == before
    assert "Nothing was saved" in holder_client.get(response.url).text


def test_a_verified_form_counts_once(holder_client, verified_form):
    holder_client.post(reverse("cecs:form_submit", args=[verified_form.pk]))
    assert ReportingForm.objects.get(pk=verified_form.pk).status == ReportingForm.Status.VERIFIED
    assert CecEntry.objects.filter(reporting_form=verified_form).count() == 1


def test_the_service_refuses_changes_to_a_submitted_form(holder):
    form = ReportingFormFactory(holder=holder)
    with pytest.raises(ApplicationError, match="can no longer be changed"):
        reporting_form_save(
            holder=holder,
            form=form,
            form_data={
                "activity_type": "committee",
                "title": "Changed",
                "organisation": "AASC",
                "description": "x",
                "date_from": D(2026, 5, 1),
                "gross_hours": Decimal(1),
            },
            actor=holder.user,
        )
    assert ReportingForm.objects.get(pk=form.pk).title == form.title


# --- The list ---------------------------------------------------------------------------


def test_the_list_shows_only_the_holders_own_forms_with_their_status(
    holder_client, holder, other_holder
):
    ReportingFormFactory(holder=holder, title="Mine, submitted")
    ReportingFormFactory(holder=holder, title="Mine, draft", status="draft", submitted_at=None)
    ReportingFormFactory(holder=other_holder, title="Someone else's")
    page = holder_client.get(reverse("cecs:forms"))
    assert page.status_code == 200
    assert "Mine, submitted" in page.text
    assert "Mine, draft" in page.text
    assert "Submitted to AASC</span>" in page.text
    assert "Draft</span>" in page.text
    assert "Someone else" not in page.text
    assert reverse("cecs:form_new") in page.text


# --- Who may see what ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "view"),
    [
        ("get", "cecs:form_edit"),
        ("post", "cecs:form_edit"),
        ("post", "cecs:form_submit"),
        ("get", "cecs:form_upload"),
    ],
)
def test_another_holders_form_is_not_found(client, other_holder, holder, method, view):
    form = ReportingFormFactory(holder=holder, status="draft", submitted_at=None)
    client.force_login(other_holder.user)
    response = getattr(client, method)(reverse(view, args=[form.pk]), form_data(title="Mine now"))
    assert response.status_code == 404
    assert form.title not in response.text
    stored = ReportingForm.objects.get(pk=form.pk)
    assert (stored.title, stored.status) == (form.title, "draft")


@pytest.mark.parametrize(
    ("method", "view", "args"),
    [
        ("get", "cecs:forms", []),
        ("get", "cecs:form_new", []),
        ("post", "cecs:form_new", []),
        ("get", "cecs:form_edit", [1]),
        ("post", "cecs:form_submit", [1]),
        ("get", "cecs:form_upload", [1]),
    ],
)
def test_anonymous_is_sent_to_log_in(client, method, view, args):
    response = getattr(client, method)(reverse(view, args=args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_user_without_a_holder_record_is_sent_to_contact_details(client):
    client.force_login(UserFactory())
    response = client.get(reverse("cecs:form_new"))
    assert response.status_code == 302
    assert response.url == reverse("holders:profile")
    assert client.get(reverse("cecs:forms")).url == reverse("holders:profile")
