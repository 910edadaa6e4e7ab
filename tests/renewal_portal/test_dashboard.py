import pytest
from django.urls import reverse
from django.utils import timezone

from credentials.models import RenewalInvoice
from credentials.services import invoices_issue, waiver_grant
from holders.services import contact_confirm
from tests.factories import HolderProfileFactory, ReportingFormFactory, holder_with, staff_user

pytestmark = pytest.mark.django_db

URL = reverse("dashboard")


@pytest.fixture
def holder(cycle):
    holder = holder_with("CAM", "NALP")
    invoices_issue(cycle=cycle)
    return holder


def next_step(client, holder):
    client.force_login(holder.user)
    response = client.get(URL)
    assert response.status_code == 200
    step = response.context["next_step"]
    return step.number if step else None, response


def test_first_step_is_confirming_contact_details(client, holder):
    number, response = next_step(client, holder)
    assert number == 1
    assert "Next: Update your contact information" in response.text
    assert "?year=2027" in response.context["next_step"].action_url
    steps = response.context["steps"]
    assert [s.state for s in steps] == ["todo", "todo", "todo", "waiting"]


def test_after_confirming_the_next_step_is_paying(client, holder):
    contact_confirm(holder=holder, cycle_year=2027, actor=holder.user)
    number, response = next_step(client, holder)
    assert number == 2
    invoice = RenewalInvoice.objects.get(holder=holder)
    assert response.context["next_step"].action_url == reverse(
        "payments:invoice", args=[invoice.number]
    )
    assert "8 more CECs needed, earned in 2026 (0 of 8 so far)." in response.text


def test_submission_waits_until_the_cecs_are_earned(client, holder):
    contact_confirm(holder=holder, cycle_year=2027, actor=holder.user)
    invoice = RenewalInvoice.objects.get(holder=holder)
    invoice.status = RenewalInvoice.Status.PAID
    invoice.save()
    number, response = next_step(client, holder)
    assert number == 3
    assert [s.state for s in response.context["steps"]] == [
        "done",
        "done",
        "todo",
        "waiting",
    ]
    assert "Earn the missing CECs first" in response.text


def test_fully_waived_renewal_shows_complete(client, holder, cycle):
    contact_confirm(holder=holder, cycle_year=2027, actor=holder.user)
    waiver_grant(
        holder=holder,
        cycle=cycle,
        waive_fee=True,
        waive_cecs=True,
        reason="Deployment",
        actor=staff_user(),
    )
    _, response = next_step(client, holder)
    assert "Your 2027 renewal is complete." in response.text
    assert [s.state for s in response.context["steps"]] == [
        "done",
        "done",
        "not_needed",
        "not_needed",
    ]


def test_holder_with_nothing_to_renew_is_told_plainly(client, cycle):
    camt = holder_with("CAMT")
    invoices_issue(cycle=cycle)
    client.force_login(camt.user)
    response = client.get(URL)
    assert "You have nothing to renew for 2027." in response.text
    assert "CAMT" in response.text
    assert "lifetime credential" in response.text


def test_holder_without_credentials_is_told_to_contact_aasc(client, cycle):
    holder = HolderProfileFactory()
    client.force_login(holder.user)
    response = client.get(URL)
    assert "No credentials are on file for you" in response.text


def test_dashboard_lists_credentials_with_expiry_and_status(client, holder):
    client.force_login(holder.user)
    response = client.get(URL)
    assert "Dec 31, 2026" in response.text
    for credential in holder.credentials.all():
        assert credential.number in response.text


def test_holders_land_on_the_dashboard(client, holder):
    client.force_login(holder.user)
    assert client.get(reverse("home")).url == URL


def test_no_open_cycle_is_said_plainly(client, db):
    holder = holder_with("CAM")
    client.force_login(holder.user)
    response = client.get(URL)
    assert "No renewal season is open right now." in response.text
    assert timezone.now()  # the page renders without a cycle


def test_confirmation_date_is_shown_in_colorado_time(client, holder):
    import datetime
    from zoneinfo import ZoneInfo

    evening = datetime.datetime(2026, 11, 26, 20, 30, tzinfo=ZoneInfo("America/Denver"))
    contact_confirm(holder=holder, cycle_year=2027, actor=holder.user, now=evening)
    _, response = next_step(client, holder)
    assert response.context["steps"][0].detail == "Confirmed on November 26, 2026."


def test_forms_aasc_has_not_counted_yet_are_named_on_the_cec_step(client, holder):
    ReportingFormFactory(holder=holder)
    ReportingFormFactory(holder=holder, status="returned", returned_reason="Attach the sheet.")
    ReportingFormFactory(holder=holder, status="draft", submitted_at=None)
    _, response = next_step(client, holder)
    cec_step = response.context["steps"][2]
    assert cec_step.detail.endswith(
        "Correct it and submit it again to count its CECs. 1 form waiting for AASC to verify."
    )
    assert "AASC returned your form “" in cec_step.detail
    assert "”: Attach the sheet. Correct it" in cec_step.detail
