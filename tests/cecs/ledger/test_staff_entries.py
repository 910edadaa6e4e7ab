"""AASC staff add an entry for a holder (another provider's roster, say) or withdraw one, in
the admin, each with a reason the holder is emailed and the history keeps."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from cecs.ledger.services import entry_add, entry_withdraw
from cecs.models import ActivityKind, CecEntry, Source
from core.errors import ApplicationError
from tests.factories import holder_with, staff_user

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 2)


@pytest.fixture
def holder():
    return holder_with("CAM")


@pytest.fixture
def staff():
    return staff_user()


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


def add(holder, staff, **overrides):
    values = {
        "holder": holder,
        "kind": ActivityKind.objects.get(code=Source.OTHER_PROVIDER),
        "title": "Colorado Springs REALTORS: Fair Housing",
        "provider": "Pikes Peak Association of REALTORS",
        "earned_on": datetime.date(2026, 9, 9),
        "hours": Decimal(2),
        "reason": "On the provider's roster of September 9.",
        "actor": staff,
        "today": TODAY,
    }
    return entry_add(**values | overrides)


def test_an_entry_staff_add_counts_and_the_holder_is_told_why(
    holder, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        entry = add(holder, staff)
    assert (entry.status, entry.category) == (CecEntry.Status.COUNTED, "other")
    assert entry.correction_note == "On the provider's roster of September 9."
    created = entry.history.get()
    assert created.history_user == staff
    assert created.history_change_reason.startswith("Added by AASC: On the provider's roster")
    (email,) = mail.outbox
    assert "AASC added a CEC entry" in email.subject
    assert "Why: On the provider's roster of September 9." in email.body


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"reason": "  "}, "Say why AASC adds this entry"),
        ({"earned_on": datetime.date(2026, 12, 3)}, "The date is in the future"),
        ({"hours": Decimal(30)}, "more than"),
    ],
)
def test_an_entry_without_a_reason_or_with_a_future_date_is_refused(
    holder, staff, overrides, message
):
    with pytest.raises(ApplicationError, match=message):
        add(holder, staff, **overrides)
    assert not CecEntry.objects.exists()


def test_an_inactive_kind_cannot_be_added(holder, staff):
    kind = ActivityKind.objects.get(code=Source.COLLEGE_COURSE)
    kind.active = False
    kind.save()
    with pytest.raises(ApplicationError, match="no longer offered"):
        add(holder, staff, kind=kind)


def test_a_withdrawn_entry_stops_counting_with_its_reason(
    holder, staff, django_capture_on_commit_callbacks
):
    entry = add(holder, staff)
    with django_capture_on_commit_callbacks(execute=True):
        entry_withdraw(entry=entry, reason="Entered for the wrong holder.", actor=staff)
    entry.refresh_from_db()
    assert (entry.status, entry.correction_note) == (
        CecEntry.Status.WITHDRAWN,
        "Entered for the wrong holder.",
    )
    assert entry.history.first().history_user == staff
    assert "no longer counts" in mail.outbox[-1].body
    with pytest.raises(ApplicationError, match="withdrawn already"):
        entry_withdraw(entry=entry, reason="Again.", actor=staff)


def test_staff_add_an_entry_in_the_admin(staff_client, holder):
    url = reverse("admin:cecs_cecentry_add")
    page = staff_client.get(url)
    assert page.status_code == 200
    assert "Why AASC adds it" in page.text
    data = {
        "holder": holder.pk,
        "source": Source.OTHER_PROVIDER,
        "title": "Roster course",
        "provider": "Another provider",
        "earned_on": "2026-09-09",
        "hours": "2",
        "correction_note": "",
    }
    refused = staff_client.post(url, data)
    assert refused.status_code == 200
    assert not CecEntry.objects.exists()
    response = staff_client.post(url, data | {"correction_note": "From their roster."})
    assert response.status_code == 302
    entry = CecEntry.objects.get()
    assert (entry.title, entry.correction_note) == ("Roster course", "From their roster.")


def test_staff_withdraw_an_entry_in_the_admin(staff_client, holder, staff):
    entry = add(holder, staff)
    url = reverse("admin:cecs_cecentry_change", args=[entry.pk])
    form = staff_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {key: "" if value is None else value for key, value in data.items()}
    both = staff_client.post(url, data | {"withdraw": "on", "hours": "1", "correction_note": "x"})
    assert "Withdraw the entry or correct it, not both" in both.text
    response = staff_client.post(
        url, data | {"withdraw": "on", "correction_note": "Duplicate of the class record."}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == CecEntry.Status.WITHDRAWN
