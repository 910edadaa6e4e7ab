"""The pages `make bench` loads run a fixed number of SQL queries, at most 12, however much
data there is: a holder with one credential and an empty ledger costs what a holder with
three credentials, two years of CECs, reporting forms, a payment and submissions costs,
and a queue or changelist of one row what one of many rows costs. Timings stay in the
benchmark (bench/README.md); these counts fail CI when an N+1 query creeps in."""

import datetime
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cecs.classes.services import attendance_record, attendance_withdraw
from cecs.ledger.services import entry_create
from cecs.models import Source
from cecs.reporting.services import (
    reporting_form_return,
    reporting_form_submit,
    reporting_form_verify,
)
from cecs.submissions.services import submission_approve, submission_create, submission_reject
from credentials.models import RenewalInvoice
from credentials.services import invoices_issue
from holders.services import contact_confirm
from payments.services import payment_fulfil
from tests.factories import (
    AascClassFactory,
    ReportingFormFactory,
    UserFactory,
    holder_with,
    reviewer_user,
    staff_user,
)

pytestmark = pytest.mark.django_db

MAX_QUERIES = 12
TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def with_second_factor(user):
    """Production requires staff and reviewers to have a TOTP authenticator."""
    TOTP.activate(user, generate_totp_secret())
    return user


def page_queries(client, url, *, page_cache=False):
    """The SQL queries of one GET, after a first GET has warmed per-process caches.

    The cached holder pages (core.page_cache) are measured rendering, unless `page_cache`:
    what they cost when the holder's renewal has just changed.

    SAVEPOINT and RELEASE are left out: a test runs inside a transaction, so an atomic
    block in the request (saving the session) adds them here, where production runs a
    BEGIN and COMMIT that CaptureQueriesContext does not see either."""
    assert client.get(url).status_code == 200
    with (
        override_settings(PAGE_CACHE_ENABLED=page_cache),
        CaptureQueriesContext(connection) as captured,
    ):
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in captured if not q["sql"].startswith(TRANSACTION_CONTROL)]


def assert_fixed_and_few(page, few, many):
    """At most MAX_QUERIES, and as many with more data as with less."""
    listing = "\n".join(many)
    assert len(many) <= MAX_QUERIES, f"{page}: {len(many)} queries:\n{listing}"
    before = "\n".join(few)
    assert len(few) == len(many), (
        f"{page}: {len(few)} queries, then {len(many)} with more data.\n"
        f"Before:\n{before}\nAfter:\n{listing}"
    )


def invoice_of(holder, cycle):
    return RenewalInvoice.objects.get(holder=holder, cycle=cycle)


# --- Data: a little, and a lot more --------------------------------------------------------


def earns(holder, *, staff, year, classes=3):
    """AASC classes attended in `year` (entries through attendance) and other providers."""
    for k in range(classes):
        aasc_class = AascClassFactory(held_on=datetime.date(year, 3 + k, 10))
        attendance_record(aasc_class=aasc_class, holder=holder, actor=staff)
    entry_create(
        holder=holder,
        title="Online course",
        provider="NAA Education Institute",
        earned_on=datetime.date(year, 8, 1),
        hours=Decimal("1.5"),
        source=Source.OTHER_PROVIDER,
    )


def busy_holder(cycle, staff, reviewer):
    """Three credentials (one lifetime), two years of CECs, forms in every state, a
    withdrawn attendance, contact details confirmed, the invoice paid, a rejected and a
    pending submission."""
    holder = holder_with("CAM", "NALP", "CAMT")
    invoices_issue(cycle=cycle)
    contact_confirm(holder=holder, cycle_year=cycle.year, actor=holder.user)
    earns(holder, staff=staff, year=2025)
    earns(holder, staff=staff, year=2026, classes=5)
    mistake = attendance_record(
        aasc_class=AascClassFactory(held_on=datetime.date(2026, 9, 9)), holder=holder, actor=staff
    )[0]
    attendance_withdraw(attendance=mistake, actor=staff, reason="Not on the sign-in sheet")
    for k in range(4):
        form = ReportingFormFactory(holder=holder, title=f"Expo session {k}")
        if k < 2:
            reporting_form_verify(form=form, actor=staff, signer_name="A. Signer")
    reporting_form_return(
        form=ReportingFormFactory(holder=holder), actor=staff, reason="Attach the sheet."
    )
    reporting_form_submit(
        form=ReportingFormFactory(holder=holder, status="draft", submitted_at=None),
        actor=holder.user,
    )
    ReportingFormFactory(holder=holder, status="draft", submitted_at=None)
    invoice = invoice_of(holder, cycle)
    payment_fulfil(
        invoice_id=invoice.pk,
        amount_cents=invoice.total_cents,
        currency="usd",
        provider="stripe",
        session_id=f"cs_{invoice.pk}",
        payment_intent_id=f"pi_{invoice.pk}",
    )
    first = submission_create(holder=holder, cycle=cycle, actor=holder.user)
    submission_reject(submission=first, reviewer=reviewer, reason="Hours missing.")
    submission_create(holder=holder, cycle=cycle, actor=holder.user)
    return holder


def submitted(cycle, *codes):
    holder = holder_with(*(codes or ("CAM",)))
    invoices_issue(cycle=cycle)
    entry_create(
        holder=holder,
        title="Leadership",
        provider="AASC",
        earned_on=datetime.date(2026, 5, 5),
        hours=Decimal(8),
        source=Source.AASC_CLASS,
    )
    return submission_create(holder=holder, cycle=cycle, actor=holder.user)


def many_submissions(cycle, reviewer, count=24):
    """Pending, approved and rejected submissions of holders with one to three credentials."""
    codes = [("CAM",), ("CAM", "NALP"), ("CAPS", "CAS", "AIME")]
    for k in range(count):
        submission = submitted(cycle, *codes[k % 3])
        if k % 4 == 1:
            submission_approve(submission=submission, reviewer=reviewer)
        elif k % 4 == 2:
            submission_reject(submission=submission, reviewer=reviewer, reason="Hours missing.")


@pytest.fixture
def staff_and_reviewer(db):
    return staff_user(), with_second_factor(reviewer_user())


@pytest.fixture
def superuser(db):
    return with_second_factor(UserFactory(is_staff=True, is_superuser=True))


# --- Holder pages ------------------------------------------------------------------------------

HOLDER_PAGES = {
    "dashboard": lambda invoice: reverse("dashboard"),
    "cec status": lambda invoice: reverse("cecs:status"),
    "invoice": lambda invoice: reverse("payments:invoice", args=[invoice.number]),
    "reporting forms": lambda invoice: reverse("cecs:forms"),
    "classes": lambda invoice: reverse("cecs:classes"),
}


def more_history(holder, staff):
    """Data that changes nothing about the holder's renewal: CECs of an earlier year, a
    withdrawn attendance and drafts. (A returned form does: the dashboard names it, with
    one more query; test_returned_forms_cost_one_query_however_many checks that.)"""
    earns(holder, staff=staff, year=2024, classes=6)
    mistake = attendance_record(
        aasc_class=AascClassFactory(held_on=datetime.date(2025, 9, 9)), holder=holder, actor=staff
    )[0]
    attendance_withdraw(attendance=mistake, actor=staff, reason="Not on the sign-in sheet")
    for k in range(5):
        ReportingFormFactory(holder=holder, title=f"Draft {k}", status="draft", submitted_at=None)


@pytest.mark.parametrize("page", HOLDER_PAGES)
def test_holder_page_queries_do_not_grow_with_the_holders_data(
    client, cycle, staff_and_reviewer, page
):
    """Two holders in different states (just invoiced; paid, CECs earned and submitted),
    each before and after much more data that leaves that state as it is."""
    staff, reviewer = staff_and_reviewer
    newcomer = holder_with("CAM")
    invoices_issue(cycle=cycle)
    busy = busy_holder(cycle, staff, reviewer)
    for holder in (newcomer, busy):
        client.force_login(holder.user)
        url = HOLDER_PAGES[page](invoice_of(holder, cycle))
        few = page_queries(client, url)
        more_history(holder, staff)
        assert_fixed_and_few(page, few, page_queries(client, url))


def test_returned_forms_cost_one_query_however_many(client, cycle, staff_and_reviewer):
    staff, _ = staff_and_reviewer
    holder = holder_with("CAM")
    invoices_issue(cycle=cycle)
    client.force_login(holder.user)
    url = reverse("dashboard")
    none = page_queries(client, url)
    counts = []
    for _ in range(3):
        reporting_form_return(
            form=ReportingFormFactory(holder=holder), actor=staff, reason="Attach the sheet."
        )
        counts.append(len(page_queries(client, url)))
    assert counts == [len(none) + 1] * 3


def test_the_dashboard_reads_the_renewal_in_five_queries(client, cycle, staff_and_reviewer):
    """Account and holder, credentials, the invoice with its contact confirmation and form
    counts (renewal_portal.progress), the ledger, the latest submission."""
    staff, reviewer = staff_and_reviewer
    busy = busy_holder(cycle, staff, reviewer)
    client.force_login(busy.user)
    queries = page_queries(client, reverse("dashboard"))
    assert len(queries) == 5, "\n".join(queries)


@pytest.mark.parametrize("page", ["dashboard", "cec status", "invoice", "reporting forms"])
def test_a_cached_holder_page_runs_only_the_signed_in_users_query(
    client, cycle, staff_and_reviewer, page
):
    """Until the holder's renewal changes, these pages come from the cache: the user's query
    (with the holder record and its renewal version) is the only one. (The CEC status page
    adds the live class suggestions' two for a holder still short; this one is not.)"""
    staff, reviewer = staff_and_reviewer
    busy = busy_holder(cycle, staff, reviewer)
    client.force_login(busy.user)
    url = HOLDER_PAGES[page](invoice_of(busy, cycle))
    queries = page_queries(client, url, page_cache=True)
    assert len(queries) == 1, "\n".join(queries)
    assert 'FROM "holders_user" LEFT OUTER JOIN "holders_holderprofile"' in queries[0]


# --- Reviewer queue and admin changelists ------------------------------------------------------


def test_review_queue_queries_do_not_grow_with_the_queue(client, cycle, staff_and_reviewer):
    _, reviewer = staff_and_reviewer
    submitted(cycle)
    client.force_login(reviewer)
    url = reverse("cecs:review_queue")
    few = page_queries(client, url)
    many_submissions(cycle, reviewer)
    assert_fixed_and_few("review queue", few, page_queries(client, url))
    approved = page_queries(client, f"{url}?status=approved")
    assert_fixed_and_few("review queue, approved", few, approved)


@pytest.mark.parametrize("model", ["reportingform", "submission"])
def test_admin_changelist_queries_do_not_grow_with_the_rows(
    client, cycle, staff_and_reviewer, superuser, model
):
    staff, reviewer = staff_and_reviewer
    submitted(cycle)
    ReportingFormFactory()
    client.force_login(superuser)
    url = reverse(f"admin:cecs_{model}_changelist")
    few = page_queries(client, url)
    many_submissions(cycle, reviewer)
    busy_holder(cycle, staff, reviewer)
    for k in range(12):
        form = ReportingFormFactory(title=f"Committee {k}")
        if k % 3 == 0:
            reporting_form_verify(form=form, actor=staff, signer_name="A. Signer")
    assert_fixed_and_few(f"{model} changelist", few, page_queries(client, url))


@pytest.mark.parametrize("page", HOLDER_PAGES)
def test_holder_pages_do_not_query_the_session_cycle_or_holder_record(client, cycle, page):
    """The session is read from the cache (written through to the database), the current
    cycle is cached for the day, and the holder's record comes with the account in one
    query (holders.auth): none of the three costs a query of its own."""
    holder = holder_with("CAM")
    invoices_issue(cycle=cycle)
    client.force_login(holder.user)
    queries = page_queries(client, HOLDER_PAGES[page](invoice_of(holder, cycle)))
    own_queries = [
        q
        for q in queries
        if 'FROM "django_session"' in q
        or 'FROM "credentials_renewalcycle"' in q
        or 'FROM "holders_holderprofile"' in q
    ]
    assert own_queries == []
    assert any('FROM "holders_user" LEFT OUTER JOIN "holders_holderprofile"' in q for q in queries)
