"""The renewal season overview for AASC staff, in a real browser: the charts and the
figures, the links to the filtered invoice list, a reminder sent by hand to the holders
who paid but have not submitted their CECs, the CSV, axe, and who may not see it."""

import csv
import re
from dataclasses import dataclass

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from cecs.models import Submission
from credentials.models import RenewalInvoice
from credentials.services import invoices_issue, waiver_grant
from holders.models import HolderProfile, User
from holders.services import contact_confirm
from payments.services import payment_fulfil
from renewal_portal.overview import OTHER_FIGURES, STAGES, cycle_overview
from tests.factories import holder_with

from .a11y import blocking_axe_violations, describe_violations

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

STAFF_EMAIL = "staff@demo.test"
REVIEWER_EMAIL = "reviewer@demo.test"
HOLDER_EMAIL = "holder@demo.test"

ADMIN_INDEX_PATH = reverse("admin:index")
OVERVIEW_PATH = reverse("cycle_overview")
CSV_PATH = reverse("cycle_overview_csv")
INVOICES_PATH = reverse("admin:credentials_renewalinvoice_changelist")

OVERVIEW_LINK = "Renewal season overview"
PAID_NOT_SUBMITTED_LINK = "Holders who paid but have not submitted their CECs"
REMINDER_ACTION = "Send a reminder now to the selected holders"
REMINDER_SUBJECT = "[AASC renewals] Your 2027 credential renewal: what is left to do"

# Every figure's row label in the "Holders by step" table, in page order.
LABELS = dict(STAGES + OTHER_FIGURES)


def exact(text):
    """A regex that matches `text` exactly (Playwright's name= is a substring otherwise)."""
    return re.compile(rf"^{re.escape(text)}$")


# --- The season --------------------------------------------------------------------


@dataclass
class Season:
    cycle: object
    invoices: dict  # name -> RenewalInvoice
    paid_not_submitted: list  # the invoices the hand reminder is for

    def numbers(self, *names):
        return sorted(self.invoices[name].number for name in names)


@pytest.fixture
def season(demo_cycle, demo_holder):
    """Seven invoices in the 2027 cycle (six new holders and the demo holder):

    - paid_confirmed (CAM): paid by card, contact details confirmed;
    - paid_submitted (NALP): paid, CECs submitted and waiting for NAAEI;
    - paid_two (CAM + NALP): paid;
    - fee_waived (CAS): the fee waived by staff (counts as "Paid or fee waived");
    - open_aime, open_caps and the demo holder's CAM + NALP invoice: open.
    """
    staff = User.objects.get(email=STAFF_EMAIL)
    holders = {
        "paid_confirmed": holder_with("CAM"),
        "paid_submitted": holder_with("NALP"),
        "paid_two": holder_with("CAM", "NALP"),
        "fee_waived": holder_with("CAS"),
        "open_aime": holder_with("AIME"),
        "open_caps": holder_with("CAPS"),
    }
    invoices_issue(cycle=demo_cycle)
    invoices = {
        name: RenewalInvoice.objects.get(holder=holder, cycle=demo_cycle)
        for name, holder in holders.items()
    }
    invoices["demo"] = RenewalInvoice.objects.get(holder=demo_holder, cycle=demo_cycle)

    for name in ("paid_confirmed", "paid_submitted", "paid_two"):
        invoice = invoices[name]
        result = payment_fulfil(
            invoice_id=invoice.pk,
            amount_cents=invoice.total_cents,
            currency="usd",
            provider="stripe",
            payment_intent_id=f"pi_e2e_{invoice.pk}",
        )
        assert result.payment is not None, result
    paid_confirmed = holders["paid_confirmed"]
    contact_confirm(holder=paid_confirmed, cycle_year=demo_cycle.year, actor=paid_confirmed.user)
    waiver_grant(
        holder=holders["fee_waived"],
        cycle=demo_cycle,
        waive_fee=True,
        waive_cecs=False,
        reason="Hardship: fee waived by the board",
        actor=staff,
    )
    submitted = invoices["paid_submitted"]
    Submission.objects.create(
        holder=submitted.holder,
        cycle=demo_cycle,
        invoice=submitted,
        cecs_owed=8,
        in_network_minimum=5,
        total_hours=8,
        in_network_hours=8,
        participation_hours=0,
        submitted_at=submitted.issued_at,
        submitted_by=submitted.holder.user,
    )
    for invoice in invoices.values():
        invoice.refresh_from_db()
    assert [invoices[name].status for name in ("fee_waived", "paid_two", "demo")] == [
        RenewalInvoice.Status.WAIVED,
        RenewalInvoice.Status.PAID,
        RenewalInvoice.Status.OPEN,
    ]
    # Receipts and invoice emails from building the season are not what is tested.
    mail.outbox.clear()
    return Season(
        cycle=demo_cycle,
        invoices=invoices,
        paid_not_submitted=[invoices[n] for n in ("paid_confirmed", "paid_two", "fee_waived")],
    )


@pytest.fixture
def figures(season):
    """The figures the overview page must show, as the aggregate queries count them."""
    figures = cycle_overview(season.cycle).figures
    # The season was built to give these; the rest (CECs, renewals) follow from it.
    assert {key: figures[key] for key in ("invoiced", "contact_confirmed", "paid")} == {
        "invoiced": 7,
        "contact_confirmed": 1,
        "paid": 4,
    }
    assert {key: figures[key] for key in ("submitted", "approved", "renewed", "waiver")} == {
        "submitted": 1,
        "approved": 0,
        "renewed": 0,
        "waiver": 1,
    }
    return figures


# --- Page helpers ------------------------------------------------------------------


def overview_url(live_server, query=""):
    return f"{live_server.url}{OVERVIEW_PATH}{query}"


def staff_open_overview(page, live_server, log_in):
    """Sign in as AASC staff and follow the link on the admin home to the overview."""
    log_in(STAFF_EMAIL)
    expect(page).to_have_url(f"{live_server.url}{ADMIN_INDEX_PATH}")
    page.get_by_role("link", name=OVERVIEW_LINK, exact=True).click()
    expect(page).to_have_url(overview_url(live_server))
    expect(page.get_by_role("heading", level=1)).to_have_text(OVERVIEW_LINK)
    expect(
        page.get_by_role("heading", level=2, name="2027 renewal: where the season stands")
    ).to_be_visible()
    return page


def steps_table(page):
    return page.get_by_role("table", name=re.compile(r"^Holders by step"))


def table_figures(table):
    """{row header: cell text} of a table's body rows, whitespace collapsed."""
    return table.evaluate(
        """(table) => Object.fromEntries(
            Array.from(table.tBodies[0].rows).map((row) => [
                row.querySelector('th').textContent.trim().replace(/\\s+/g, ' '),
                row.querySelector('td').textContent.trim().replace(/\\s+/g, ' '),
            ]))"""
    )


def figure_link(page, label):
    row = (
        steps_table(page)
        .get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name=label, exact=True))
    )
    expect(row).to_have_count(1)
    return row.get_by_role("link")


def changelist_numbers(page):
    """The invoice numbers listed on the admin changelist page, sorted."""
    rows = page.locator("#result_list tbody tr")
    return sorted(rows.locator("th a").all_inner_texts())


def chart_name(label, parts):
    return " ".join([label, *parts])


# --- 1. From the admin home to the overview, its figures, and acting on them -------


def test_staff_follow_the_overview_to_filtered_invoices_and_send_reminders(
    page, live_server, log_in, season, figures
):
    staff_open_overview(page, live_server, log_in)

    # The charts: SVG images whose accessible name says what the bars show.
    funnel_chart = page.get_by_role(
        "img",
        name=chart_name("Holders by step", [f"{label}: {figures[key]}." for key, label in STAGES]),
        exact=True,
    )
    expect(funnel_chart).to_have_count(1)
    expect(funnel_chart).to_be_visible()
    assert funnel_chart.evaluate("(el) => el.tagName.toLowerCase()") == "svg"
    expect(funnel_chart.locator("rect")).to_have_count(len(STAGES))
    # The longest bar is "Invoiced" (all 7); "Paid or fee waived" is 4 of 7 of its length.
    widths = funnel_chart.locator("rect").evaluate_all(
        "(rects) => rects.map((r) => Number(r.getAttribute('width')))"
    )
    paid = [key for key, _ in STAGES].index("paid")
    assert widths[paid] / widths[0] == pytest.approx(4 / 7, abs=0.01)
    # Every bar names its step and says its number, in the chart itself.
    texts = funnel_chart.locator("text").evaluate_all("(els) => els.map((e) => e.textContent)")
    for key, label in STAGES:
        assert label in texts and str(figures[key]) in texts, (label, texts)

    types_chart = page.get_by_role("img", name=re.compile(r"^By credential "))
    expect(types_chart).to_have_count(1)
    expect(types_chart).to_be_visible()
    # CAM: paid_confirmed, paid_two and the demo holder; 2 of them paid.
    expect(types_chart).to_have_accessible_name(re.compile(r"CAM: 0 renewed, 2 paid, 3 invoiced\."))
    expect(types_chart).to_have_accessible_name(
        re.compile(r"NALP: 0 renewed, 2 paid, 3 invoiced\.")
    )
    expect(types_chart).to_have_accessible_name(re.compile(r"CAS: 0 renewed, 1 paid, 1 invoiced\."))

    # The table: every figure, each a number equal to the overview's.
    table = steps_table(page)
    expect(table).to_have_accessible_name("Holders by step (7 invoiced)")
    assert table_figures(table) == {LABELS[key]: str(figures[key]) for key in LABELS}

    # "Paid or fee waived" -> the invoice changelist filtered to exactly those invoices.
    paid_link = figure_link(page, "Paid or fee waived")
    expect(paid_link).to_have_text("4")
    paid_link.click()
    expect(page).to_have_url(
        f"{live_server.url}{INVOICES_PATH}?cycle__id__exact={season.cycle.pk}&progress=paid"
    )
    expect(page.locator("#result_list tbody tr")).to_have_count(figures["paid"])
    assert changelist_numbers(page) == season.numbers(
        "paid_confirmed", "paid_submitted", "paid_two", "fee_waived"
    )
    expect(page.locator(".paginator")).to_have_text(
        re.compile(rf"^\s*{figures['paid']} renewal invoices\s*$")
    )
    # The filter the link chose is shown as chosen in the sidebar.
    progress_filter = page.locator("#changelist-filter")
    expect(
        progress_filter.locator("li.selected").filter(has_text="Paid or fee waived")
    ).to_have_count(1)

    # Back to the overview; on to the holders who paid but have not submitted.
    page.go_back()
    expect(page).to_have_url(overview_url(live_server))
    page.get_by_role("link", name=PAID_NOT_SUBMITTED_LINK, exact=True).click()
    expect(page).to_have_url(
        f"{live_server.url}{INVOICES_PATH}"
        f"?cycle__id__exact={season.cycle.pk}&progress=paid_not_submitted"
    )
    expect(page.locator("#result_list tbody tr")).to_have_count(len(season.paid_not_submitted))
    assert changelist_numbers(page) == season.numbers("paid_confirmed", "paid_two", "fee_waived")

    assert mail.outbox == []
    page.locator("#action-toggle").check()
    expect(page.locator("#result_list tbody input.action-select:checked")).to_have_count(3)
    page.get_by_label("Action:").select_option(label=REMINDER_ACTION)
    page.get_by_role("button", name="Go", exact=True).click()

    expect(page.locator("ul.messagelist li.success")).to_have_text(
        "A reminder is on its way to 3 holder(s)."
    )
    # The list stays filtered after the action.
    expect(page).to_have_url(re.compile(r"progress=paid_not_submitted"))

    # Sent from the live server's thread (on commit, Celery eager); the outbox is shared.
    reminders = [m for m in mail.outbox if m.subject == REMINDER_SUBJECT]
    assert sorted(address for m in reminders for address in m.to) == sorted(
        invoice.holder.email for invoice in season.paid_not_submitted
    ), [(m.to, m.subject) for m in mail.outbox]
    assert len(mail.outbox) == len(reminders), [(m.to, m.subject) for m in mail.outbox]
    # Nobody else was reminded: not the submitted one, not the open ones.
    for name in ("paid_submitted", "open_aime", "open_caps", "demo"):
        assert all(season.invoices[name].holder.email not in m.to for m in mail.outbox)


# --- 2. The CSV --------------------------------------------------------------------


def test_csv_download_matches_the_figures(page, live_server, log_in, season, figures, tmp_path):
    staff_open_overview(page, live_server, log_in)

    link = page.get_by_role("link", name="Download CSV", exact=True)
    expect(link).to_have_attribute("href", f"{CSV_PATH}?year=2027")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename == "renewal-overview-2027.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)

    with saved.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["cycle", "figure", "holders"]
    by_figure = {figure: count for year, figure, count in rows[1:] if year == "2027"}
    assert len(by_figure) == len(rows) - 1, rows
    assert by_figure["Paid or fee waived"] == str(figures["paid"]) == "4"
    for key, label in LABELS.items():
        assert by_figure[label] == str(figures[key]), (label, rows)
    # Downloading is not navigating: the overview stays.
    expect(page).to_have_url(overview_url(live_server))


# --- 3. Accessibility --------------------------------------------------------------


def test_overview_page_has_no_serious_axe_violations(page, live_server, log_in, season, figures):
    staff_open_overview(page, live_server, log_in)
    expect(steps_table(page)).to_be_visible()

    # templates/admin/base_site.html underlines the admin's breadcrumb links, which
    # Django's stylesheet tells apart by colour alone (axe: link-in-text-block).
    violations = blocking_axe_violations(page)
    assert not violations, describe_violations(page, violations)


# --- 4. Nobody else sees it ---------------------------------------------------------


def test_reviewer_gets_no_overview(page, live_server, log_in, season):
    log_in(REVIEWER_EMAIL)
    # A reviewer may use the admin, but its home offers no overview link...
    page.goto(f"{live_server.url}{ADMIN_INDEX_PATH}")
    expect(page.locator("#content-main")).to_be_visible()
    expect(page.get_by_role("link", name=OVERVIEW_LINK, exact=True)).to_have_count(0)

    # ...and typing the address is refused.
    response = page.goto(overview_url(live_server))
    assert response.status == 403, (response.status, page.url)
    expect(page.get_by_role("heading", name="Holders by step")).to_have_count(0)
    expect(page.get_by_role("img")).to_have_count(0)

    csv_response = page.request.get(f"{live_server.url}{CSV_PATH}?year=2027", max_redirects=0)
    assert csv_response.status == 403, csv_response.status
    assert "Paid or fee waived" not in csv_response.text()


def test_holder_gets_no_overview(page, live_server, log_in, season):
    holder = HolderProfile.objects.get(email=HOLDER_EMAIL)
    assert season.invoices["demo"].holder == holder
    log_in(HOLDER_EMAIL)
    expect(page).to_have_url(f"{live_server.url}{reverse('dashboard')}")

    response = page.goto(overview_url(live_server))
    # Not staff: sent to the admin's sign-in, which (allauth's secure_admin_login) refuses
    # a signed-in holder with 403 rather than offering another sign-in.
    expect(page).to_have_url(f"{live_server.url}{reverse('admin:login')}?next={OVERVIEW_PATH}")
    assert response.status == 403, (response.status, page.url)
    expect(page.get_by_role("heading", name="Holders by step")).to_have_count(0)
    expect(page.get_by_role("table", name=re.compile(r"^Holders by step"))).to_have_count(0)
    assert "Paid or fee waived" not in page.content()

    csv_response = page.request.get(f"{live_server.url}{CSV_PATH}?year=2027", max_redirects=0)
    assert csv_response.status in (302, 403), csv_response.status
    assert "Paid or fee waived" not in csv_response.text()
