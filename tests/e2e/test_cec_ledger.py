"""The CEC ledger in a real browser: the demo holder files a CEC Reporting Form for an
Expo class (with a scan of the signed paper form), AASC staff (a second person, in a
second browser context) download the scan and verify and sign the form, record the
holder's attendance at an AASC class from a roster CSV, and the holder sees both count
on their CEC status page and downloads the class certificate."""

import datetime
import re
import subprocess
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import expect

from cecs.classes.services import attendance_record
from cecs.models import Attendance, CecEntry, ReportingForm
from cecs.reporting.services import reporting_form_save, reporting_form_verify
from holders.models import User
from tests.factories import AascClassFactory, ReportingFormFactory

from .a11y import PHONE_VIEWPORT, assert_no_blocking_axe_violations, assert_no_horizontal_scroll

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

HOLDER_EMAIL = "holder@demo.test"
STAFF_EMAIL = "staff@demo.test"
HOLDER_NAME = "Dana Holder"
SIGNER_NAME = "Morgan Signer"

DASHBOARD_PATH = reverse("dashboard")
STATUS_PATH = reverse("cecs:status")
FORMS_PATH = reverse("cecs:forms")
NEW_FORM_PATH = reverse("cecs:form_new")
ADMIN_INDEX_PATH = reverse("admin:index")
ADMIN_FORMS_PATH = reverse("admin:cecs_reportingform_changelist")

EXPO_TITLE = "Expo: Leasing in a Soft Market"
EXPO_ORGANISATION = "AASC Expo 2026"
EXPO_DESCRIPTION = "Education session on concessions and renewals in a soft leasing market."
EXPO_WHEN = "April 22, 2026, 9:00 AM \u2013 11:30 AM"
SCAN_NAME = "expo-signed-form.pdf"

CLASS_TITLE = "Fair Housing Essentials"
CLASS_DAY = datetime.date(2026, 3, 12)
AASC = "AASC (Apartment Association of Southern Colorado)"

UPLOAD_LABEL = "Signed form or certificate (scan, photo or PDF)"
PROGRAM_REFUSED = "Upload a PDF, JPEG or PNG file; this file is a Windows program."
NOTHING_SAVED = "Nothing was saved: please correct the fields marked below."
# The messages format the CECs with Python's str(Decimal) ("2.00", not "2" as on the page):
# accept both until cecs/reporting/views.py formats them with core.formatting.format_hours.
TWO_CECS = r"2 CECs claimed"
DRAFT_SAVED = re.compile(rf"^Draft saved: {TWO_CECS}\. Submit it to AASC when it is complete\.$")
FORM_SUBMITTED = re.compile(
    rf"^Your form is submitted to AASC \({TWO_CECS}\)\. We have emailed you a confirmation, "
    r"and will email you again once AASC staff have checked it\.$"
)
SUBMITTED_NOTE = "This form was submitted to AASC on November 26, 2026"
VERIFIED_MESSAGE = (
    f"Verified and signed: the CECs are in {HOLDER_NAME}'s ledger and {HOLDER_NAME} is told."
)
# cecs/admin/roster.py, RosterImportMixin.roster_view.
ROSTER_IMPORTED = "1 attendance recorded, 0 already recorded, 0 duplicate rows ignored."


def subject(text):
    return f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{text}"


RECEIVED_SUBJECT = subject(f'We received your CEC Reporting Form "{EXPO_TITLE}"')
VERIFIED_SUBJECT = subject(f'Your CEC Reporting Form "{EXPO_TITLE}" is verified')


def exact(text):
    """A regex that matches `text` exactly (Playwright's name= is a substring otherwise)."""
    return re.compile(rf"^{re.escape(text)}$")


def squashed(text):
    return " ".join(text.split())


def description_list(locator):
    """{term: definition} of a <dl>, whitespace collapsed."""
    return locator.evaluate(
        """(dl) => Object.fromEntries(
            Array.from(dl.querySelectorAll('dt')).map((dt) => [
                dt.textContent.trim().replace(/\\s+/g, ' '),
                dt.nextElementSibling.textContent.trim().replace(/\\s+/g, ' '),
            ]))"""
    )


def pdf_text(path):
    """The PDF's text as poppler's pdftotext reads it, whitespace collapsed."""
    result = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True, timeout=30
    )
    return " ".join(result.stdout.split())


def minimal_pdf():
    """A small but well-formed one-page PDF (header, objects, xref table, trailer)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        None,  # the content stream, below
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    content = b"BT /F1 18 Tf 72 700 Td (CEC Reporting Form signed by AASC) Tj ET"
    objects[3] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content)
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        pdf += b"%010d 00000 n \n" % offset
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(pdf)


# A Windows program (the "MZ" header) renamed to look like a scan.
RENAMED_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


# --- Set-up ------------------------------------------------------------------------------


@pytest.fixture
def private_media(monkeypatch, tmp_path):
    """Store uploaded scans under tmp_path. The live server runs in this process, so
    patching the storage object here is what it uses too (see tests/cecs/reporting/test_uploads.py:
    the storage caches its location, so patch the object, not the setting)."""
    directory = tmp_path / "private"
    directory.mkdir()
    storage = ReportingForm._meta.get_field("upload").storage
    monkeypatch.setattr(storage, "_location", str(directory))
    monkeypatch.setitem(storage.__dict__, "base_location", str(directory))
    monkeypatch.setitem(storage.__dict__, "location", str(directory.resolve()))
    return directory


def stored_files(directory):
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())


@pytest.fixture
def signed_scan(tmp_path):
    """The holder's scan of the signed paper form: a real PDF that poppler reads."""
    path = tmp_path / "holder" / SCAN_NAME
    path.parent.mkdir()
    path.write_bytes(minimal_pdf())
    text = pdf_text(path)  # raises if poppler cannot read it
    assert "CEC Reporting Form signed by AASC" in text, text
    return path


@pytest.fixture
def renamed_program(tmp_path):
    path = tmp_path / "renamed" / "scan.pdf"
    path.parent.mkdir()
    path.write_bytes(RENAMED_PROGRAM)
    return path


@pytest.fixture
def holder_page(page, live_server, log_in, demo_invoice, private_media):
    """The demo holder, signed in, on their 2027 renewal dashboard."""
    log_in(HOLDER_EMAIL)
    expect(page).to_have_url(f"{live_server.url}{DASHBOARD_PATH}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your 2027 renewal")
    return page


@pytest.fixture
def fair_housing(demo_cycle):
    return AascClassFactory(title=CLASS_TITLE, held_on=CLASS_DAY, hours=Decimal(3))


@pytest.fixture
def attended_fair_housing(fair_housing, demo_holder):
    """Set-up for the page checks: attendance recorded as the roster import would."""
    attendance, created = attendance_record(
        aasc_class=fair_housing, holder=demo_holder, actor=User.objects.get(email=STAFF_EMAIL)
    )
    assert created
    return attendance


# --- Holder page helpers ---------------------------------------------------------------


def field(page, label):
    """A form control by its label; crispy adds "*" to a required field's label."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def upload_field(page):
    return field(page, UPLOAD_LABEL)


def upload_group(page):
    """The upload field's own block: its label, input, help and error."""
    return page.locator("#div_id_upload")


def status_message(page, text):
    """A role="status" message (text: a substring, or a regex of the whole message)."""
    return page.get_by_role("status").filter(has_text=text)


def error_message(page, text):
    return page.get_by_role("alert").filter(has_text=text)


def open_new_form(page, live_server):
    """From anywhere in the portal: navbar "Reporting forms", then "Report an activity"."""
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Reporting forms", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{FORMS_PATH}")
    expect(page.get_by_role("heading", level=1)).to_have_text("CEC Reporting Forms")
    expect(nav.get_by_role("link", name="Reporting forms", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    page.get_by_role("link", name="Report an activity", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{NEW_FORM_PATH}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Report an activity")


def fill_expo_form(page, *, date="2026-04-22"):
    field(page, "Kind of activity").select_option(label="Expo class")
    field(page, "Course, class, committee or event").fill(EXPO_TITLE)
    field(page, "Organised by").fill(EXPO_ORGANISATION)
    field(page, "What you did or learned").fill(EXPO_DESCRIPTION)
    field(page, "Date").fill(date)
    expect(field(page, "Time zone")).to_have_value("America/Denver")
    field(page, "Start time").fill("09:00")
    field(page, "End time").fill("11:30")
    field(page, "Meals and breaks (minutes)").fill("30")


def save_draft_button(page):
    return page.get_by_role("button", name="Save draft", exact=True)


def submit_button(page):
    return page.get_by_role("button", name="Submit", exact=True)


def expect_upload_refused(page, message):
    """The error sits in the upload field's block, tied to the input, which is invalid."""
    expect(error_message(page, NOTHING_SAVED)).to_be_visible()
    expect(upload_group(page)).to_contain_text(message)
    expect(upload_field(page)).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(upload_field(page)).to_have_accessible_description(re.compile(re.escape(message)))


def form_cards(page):
    heading = page.get_by_role("heading", name="Your forms", level=2, exact=True)
    return heading.locator("xpath=following-sibling::ul[1]").locator(":scope > li")


def counting_lines(page):
    heading = page.get_by_role("heading", name="CECs that count for 2027", level=2, exact=True)
    return heading.locator("xpath=following-sibling::ul[1]").get_by_role("listitem")


def step_3(page):
    heading = page.get_by_role("heading", name="Renewal steps", level=2, exact=True)
    items = heading.locator("xpath=following-sibling::ol[1]").get_by_role("listitem")
    return items.filter(has=page.locator(".fw-semibold", has_text="3. Check your CEC status"))


# --- Staff (admin) page helpers -------------------------------------------------------


def admin_message(page, text):
    return page.locator("ul.messagelist li").filter(has_text=text)


def admin_rows(page):
    return page.locator("#result_list tbody tr")


# --- Set-up for the staff's and the holder's later steps --------------------------------
# Each journey below starts where the one before it ends; these fixtures put the database
# there through the same services the pages call.

EXPO_FORM_DATA = {
    "activity_type": "expo_class",
    "title": EXPO_TITLE,
    "organisation": EXPO_ORGANISATION,
    "description": EXPO_DESCRIPTION,
    "date_from": datetime.date(2026, 4, 22),
    "start_time": datetime.time(9, 0),
    "end_time": datetime.time(11, 30),
    "break_minutes": 30,
    "time_zone": "America/Denver",
}


@pytest.fixture
def submitted_expo_form(renewal_season, demo_invoice, demo_holder, signed_scan, private_media):
    """Journey 1's end: the holder's Expo form with the signed scan, submitted to AASC
    (which emails the holder that it was received)."""
    scan = SimpleUploadedFile(SCAN_NAME, signed_scan.read_bytes(), content_type="application/pdf")
    return reporting_form_save(
        holder=demo_holder,
        form_data=EXPO_FORM_DATA,
        actor=demo_holder.user,
        upload=scan,
        submit=True,
    )


@pytest.fixture
def verified_expo_form(submitted_expo_form):
    """Journey 2's end: staff verified and signed the form."""
    return reporting_form_verify(
        form=submitted_expo_form,
        actor=User.objects.get(email=STAFF_EMAIL),
        signer_name=SIGNER_NAME,
    )


# --- 1. The holder reports an Expo class and submits it ---------------------------------


def test_holder_reports_an_expo_class_with_its_scan_and_submits_it(
    holder_page, live_server, signed_scan, renamed_program, private_media, mailoutbox
):
    holder = holder_page

    # The holder starts with none of the 8 CECs.
    expect(step_3(holder).locator(".small")).to_have_text(
        "8 more CECs needed, earned in 2026 (0 of 8 so far)."
    )

    # A program renamed scan.pdf is refused first.
    open_new_form(holder, live_server)
    fill_expo_form(holder)
    upload_field(holder).set_input_files(renamed_program)
    with holder.expect_response(exact(f"{live_server.url}{NEW_FORM_PATH}")) as answer:
        save_draft_button(holder).click()
    assert answer.value.request.method == "POST"
    expect(holder).to_have_url(f"{live_server.url}{NEW_FORM_PATH}")
    expect_upload_refused(holder, PROGRAM_REFUSED)
    # What was typed stays; nothing was stored.
    expect(field(holder, "Course, class, committee or event")).to_have_value(EXPO_TITLE)
    expect(field(holder, "Date")).to_have_value("2026-04-22")
    assert not ReportingForm.objects.exists()
    assert stored_files(private_media) == []

    # The real scan is accepted; the draft shows the CECs computed: 2.5 hours - 30 minutes.
    upload_field(holder).set_input_files(signed_scan)
    save_draft_button(holder).click()
    expect(holder).to_have_url(re.compile(rf"^{re.escape(live_server.url)}/cecs/forms/\d+/$"))
    report = ReportingForm.objects.get()
    expect(holder).to_have_url(f"{live_server.url}{reverse('cecs:form_edit', args=[report.pk])}")
    expect(status_message(holder, DRAFT_SAVED)).to_be_visible()
    expect(holder.get_by_role("heading", level=1)).to_have_text(EXPO_TITLE)
    claim = description_list(holder.locator("main dl.row"))
    assert claim == {
        "Status": "Draft not yet sent to AASC",
        "CECs claimed": "2 (hours without meals and breaks)",
        "Evidence": SCAN_NAME,
    }, claim
    report.refresh_from_db()
    assert report.status == ReportingForm.Status.DRAFT
    assert report.activity_type_id == "expo_class"
    assert report.hours == Decimal(2)
    assert report.upload_name == SCAN_NAME
    stored = stored_files(private_media)
    assert len(stored) == 1 and re.fullmatch(r"forms/[0-9a-f]{32}\.pdf", stored[0]), stored
    assert (private_media / stored[0]).read_bytes() == signed_scan.read_bytes()

    # Submitting from the draft's page sends it to AASC; it can no longer change.
    submit_button(holder).click()
    expect(status_message(holder, FORM_SUBMITTED)).to_be_visible()
    expect(holder.get_by_role("heading", level=1)).to_have_text(EXPO_TITLE)
    expect(status_message(holder, SUBMITTED_NOTE)).to_be_visible()
    expect(submit_button(holder)).to_have_count(0)
    report.refresh_from_db()
    assert report.status == ReportingForm.Status.SUBMITTED

    # It is listed as submitted.
    holder.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Reporting forms", exact=True
    ).click()
    expect(holder).to_have_url(f"{live_server.url}{FORMS_PATH}")
    cards = form_cards(holder)
    expect(cards).to_have_count(1)
    card = cards.first
    expect(card.get_by_role("heading", level=3)).to_have_text(EXPO_TITLE)
    expect(card.locator(".badge")).to_have_text("Submitted to AASC")
    expect(card).to_contain_text(f"Expo class · {EXPO_ORGANISATION}")
    expect(card).to_contain_text(f"{EXPO_WHEN} · 2 CECs claimed")
    expect(card).to_contain_text("Submitted November 26, 2026; AASC staff are checking it.")
    expect(card.get_by_role("link", name=exact(f"View {EXPO_TITLE}"))).to_be_visible()
    expect(card.get_by_role("button")).to_have_count(0)

    # The holder was emailed that AASC received it (Celery runs eagerly, on commit, in the
    # live server's thread; the outbox is shared).
    assert [(message.to, message.subject) for message in mailoutbox] == [
        ([HOLDER_EMAIL], RECEIVED_SUBJECT),
    ]
    assert EXPO_TITLE in mailoutbox[0].body


# --- 2. Staff download the scan, verify and sign the form --------------------------------


def test_staff_download_the_scan_and_verify_and_sign_the_form(
    staff_page, live_server, submitted_expo_form, signed_scan, mailoutbox, tmp_path
):
    staff = staff_page
    report = submitted_expo_form

    # Staff open the admin's reporting forms, download the scan, verify and sign.
    staff.locator("#content-main").get_by_role("link", name="Reporting forms", exact=True).click()
    expect(staff).to_have_url(f"{live_server.url}{ADMIN_FORMS_PATH}")
    rows = admin_rows(staff)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(EXPO_TITLE)
    expect(rows.first).to_contain_text("Submitted to AASC")
    rows.first.get_by_role("link", name=HOLDER_NAME, exact=True).click()
    change_url = f"{live_server.url}{reverse('admin:cecs_reportingform_change', args=[report.pk])}"
    expect(staff).to_have_url(change_url)

    with staff.expect_download() as download_info:
        staff.get_by_role("link", name=f"Download {SCAN_NAME}", exact=True).click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename == SCAN_NAME
    downloaded = tmp_path / "staff" / download.suggested_filename
    download.save_as(downloaded)
    assert downloaded.read_bytes() == signed_scan.read_bytes()
    expect(staff).to_have_url(change_url)

    staff.locator(".object-tools").get_by_role("link", name="Verify and sign", exact=True).click()
    expect(staff).to_have_url(
        f"{live_server.url}{reverse('admin:cecs_reportingform_verify', args=[report.pk])}"
    )
    expect(staff.locator("#content-main")).to_contain_text(
        re.compile(
            r"Verifying adds 2(\.00)? CEC\(s\) to the holder's ledger and emails the holder\."
        )
    )
    staff.get_by_label("Signed for AASC by").fill(SIGNER_NAME)
    staff.get_by_role("button", name="Verify and sign", exact=True).click()
    expect(staff).to_have_url(f"{live_server.url}{ADMIN_FORMS_PATH}")
    expect(admin_message(staff, VERIFIED_MESSAGE)).to_be_visible()
    expect(admin_rows(staff)).to_have_count(0)  # it left the list, which opens on those waiting

    report.refresh_from_db()
    assert report.status == ReportingForm.Status.VERIFIED
    assert report.signer_name == SIGNER_NAME
    assert report.signed_on == datetime.date(2026, 11, 26)
    assert report.verified_by.email == STAFF_EMAIL
    expo_entry = CecEntry.objects.get(reporting_form=report)
    assert (expo_entry.hours, expo_entry.source_id, expo_entry.category, expo_entry.status) == (
        Decimal(2),
        "expo_class",
        "in_network",
        CecEntry.Status.COUNTED,
    )

    # The holder was emailed on submission and on verification.
    assert [(message.to, message.subject) for message in mailoutbox] == [
        ([HOLDER_EMAIL], RECEIVED_SUBJECT),
        ([HOLDER_EMAIL], VERIFIED_SUBJECT),
    ]
    assert EXPO_TITLE in mailoutbox[0].body
    assert f"signed by {SIGNER_NAME} on November 26, 2026" in mailoutbox[1].body


# --- 3. Staff record attendance at an AASC class from a roster CSV -----------------------


def test_staff_record_attendance_at_an_aasc_class_from_a_roster_csv(
    staff_page, live_server, demo_invoice, fair_housing, tmp_path
):
    staff = staff_page

    roster = tmp_path / "roster" / "fair-housing-roster.csv"
    roster.parent.mkdir()
    roster.write_text(f"email,name\n{HOLDER_EMAIL},{HOLDER_NAME}\n", encoding="utf-8")
    staff.goto(f"{live_server.url}{reverse('admin:cecs_aascclass_changelist')}")
    staff.get_by_role("link", name=CLASS_TITLE, exact=True).click()
    class_url = f"{live_server.url}{reverse('admin:cecs_aascclass_change', args=[fair_housing.pk])}"
    expect(staff).to_have_url(class_url)
    staff.locator(".object-tools").get_by_role("link", name="Import roster", exact=True).click()
    expect(staff).to_have_url(
        f"{live_server.url}{reverse('admin:cecs_aascclass_roster', args=[fair_housing.pk])}"
    )
    expect(staff.locator("#content-main")).to_contain_text(
        re.compile(
            rf"{CLASS_TITLE} on March 12, 2026: each attendee gets 3(\.00)? in-network CEC\(s\)"
        )
    )
    staff.get_by_label("Roster CSV").set_input_files(roster)
    staff.get_by_role("button", name="Preview", exact=True).click()
    expect(staff.get_by_role("heading", name="Attendees found (1)")).to_be_visible()
    found = staff.locator("table").filter(has=staff.get_by_role("columnheader", name="Holder"))
    expect(found.locator("tbody tr")).to_have_count(1)
    expect(found.locator("tbody tr td")).to_have_text(
        ["2", HOLDER_NAME, HOLDER_EMAIL, "D0000001", "will be recorded"]
    )
    expect(staff.locator("#content-main")).to_contain_text(
        "1 attendance(s) will be recorded, 0 are already recorded, "
        "0 duplicate row(s) will be ignored."
    )
    assert not Attendance.objects.exists()  # a preview records nothing
    staff.get_by_role("button", name="Import and record attendance", exact=True).click()
    expect(staff).to_have_url(class_url)
    expect(admin_message(staff, ROSTER_IMPORTED)).to_be_visible()
    attendance = Attendance.objects.get()
    assert (attendance.aasc_class, attendance.holder.email, attendance.recorded_by.email) == (
        fair_housing,
        HOLDER_EMAIL,
        STAFF_EMAIL,
    )
    class_entry = attendance.cec_entry
    assert (class_entry.hours, class_entry.category, class_entry.earned_on) == (
        Decimal(3),
        "in_network",
        CLASS_DAY,
    )


# --- 4. The holder sees both count and downloads the class certificate -----------------


def test_holder_sees_the_form_and_the_class_count_and_downloads_the_certificate(
    holder_page, live_server, verified_expo_form, attended_fair_housing, tmp_path
):
    holder = holder_page
    class_entry = attended_fair_housing.cec_entry

    # The holder's CEC status counts both: 5 of the 8, all in-network.
    holder.get_by_role("navigation", name="Main").get_by_role(
        "link", name="CEC status", exact=True
    ).click()
    expect(holder).to_have_url(f"{live_server.url}{STATUS_PATH}")
    expect(holder.get_by_role("heading", level=1)).to_have_text(
        "Your CEC status for the 2027 renewal"
    )
    shortfall = status_message(holder, "3 more CECs needed")
    expect(shortfall).to_be_visible()
    expect(shortfall.locator("strong")).to_have_text("3 more CECs needed")
    expect(shortfall).not_to_contain_text("must be in-network")
    figures = description_list(holder.locator("main dl"))
    assert figures == {
        "CECs owed (from your invoice)": "8",
        "CECs that count": "5",
        "In-network": "5 (minimum 5: met)",
        "Association participation": "0 (counts up to 2)",
        "Other education": "0",
    }, figures
    lines = counting_lines(holder)
    expect(lines).to_have_count(2)
    aasc_line, expo_line = lines.nth(0), lines.nth(1)
    expect(aasc_line.locator(".fw-semibold").first).to_have_text(CLASS_TITLE)
    expect(aasc_line).to_contain_text(f"Mar 12, 2026 · {AASC} · AASC class · In-network education")
    expect(aasc_line.locator(".text-end")).to_have_text(re.compile(r"^3 CECs?$"))
    expect(expo_line.locator(".fw-semibold").first).to_have_text(EXPO_TITLE)
    expect(expo_line).to_contain_text(
        f"Apr 22, 2026 · {EXPO_ORGANISATION} · Expo class · In-network education"
    )
    expect(expo_line.locator(".text-end")).to_have_text(re.compile(r"^2 CECs?$"))
    expect(expo_line.get_by_role("link", name=re.compile("certificate"))).to_have_count(0)
    # A verified form is no longer "not yet verified".
    expect(holder.get_by_role("heading", name="Reporting forms not yet verified")).to_have_count(0)

    # The certificate of the AASC class, as a PDF.
    with holder.expect_download() as download_info:
        aasc_line.get_by_role(
            "link", name=f"Download certificate for {CLASS_TITLE}", exact=True
        ).click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename == f"certificate-{class_entry.verification_code}.pdf"
    certificate = tmp_path / "holder" / download.suggested_filename
    download.save_as(certificate)
    assert certificate.read_bytes().startswith(b"%PDF-"), f"{certificate} is not a PDF"
    text = pdf_text(certificate)
    for expected in (HOLDER_NAME, CLASS_TITLE, "3 CECs", "March 12, 2026"):
        assert expected in text, f"{expected!r} is not in the certificate's text: {text!r}"
    expect(holder).to_have_url(f"{live_server.url}{STATUS_PATH}")

    # The dashboard's step 3 agrees: 5 of 8.
    holder.get_by_role("navigation", name="Main").get_by_role(
        "link", name="My renewal", exact=True
    ).click()
    expect(step_3(holder).locator(".small")).to_have_text(
        "3 more CECs needed, earned in 2026 (5 of 8 so far)."
    )


# --- 5. Accessibility and phone width --------------------------------------------------


@pytest.fixture
def submitted_form(demo_holder, demo_cycle):
    return ReportingFormFactory(holder=demo_holder, title=EXPO_TITLE)


def test_form_list_has_no_serious_axe_violations(holder_page, live_server, submitted_form):
    holder_page.goto(f"{live_server.url}{FORMS_PATH}")
    expect(form_cards(holder_page)).to_have_count(1)
    expect(form_cards(holder_page).first.locator(".badge")).to_have_text("Submitted to AASC")
    assert_no_blocking_axe_violations(holder_page)


def test_new_form_page_has_no_serious_axe_violations_with_or_without_errors(
    holder_page, live_server, renamed_program, private_media
):
    open_new_form(holder_page, live_server)
    expect(save_draft_button(holder_page)).to_be_visible()
    assert_no_blocking_axe_violations(holder_page)

    # A date in the future and a program for a scan: two fields in error.
    fill_expo_form(holder_page, date="2026-12-01")
    upload_field(holder_page).set_input_files(renamed_program)
    save_draft_button(holder_page).click()
    expect_upload_refused(holder_page, PROGRAM_REFUSED)
    expect(field(holder_page, "Date")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(holder_page.locator("#div_id_date_from")).to_contain_text(
        "The date is in the future: report an activity once it has happened."
    )
    assert not ReportingForm.objects.exists()
    assert stored_files(private_media) == []
    assert_no_blocking_axe_violations(holder_page)


def test_status_page_has_no_serious_axe_violations(
    holder_page, live_server, attended_fair_housing, submitted_form
):
    holder_page.goto(f"{live_server.url}{STATUS_PATH}")
    expect(counting_lines(holder_page)).to_have_count(1)
    expect(
        holder_page.get_by_role("link", name=f"Download certificate for {CLASS_TITLE}")
    ).to_be_visible()
    expect(
        holder_page.get_by_role("heading", name="Reporting forms not yet verified")
    ).to_be_visible()
    assert_no_blocking_axe_violations(holder_page)


def test_new_form_page_fits_a_phone_screen(holder_page, live_server):
    holder_page.set_viewport_size(PHONE_VIEWPORT)
    holder_page.goto(f"{live_server.url}{NEW_FORM_PATH}")
    expect(submit_button(holder_page)).to_be_visible()
    expect(upload_field(holder_page)).to_be_visible()
    assert_no_horizontal_scroll(holder_page)


def test_status_page_fits_a_phone_screen(
    holder_page, live_server, attended_fair_housing, submitted_form
):
    holder_page.set_viewport_size(PHONE_VIEWPORT)
    holder_page.goto(f"{live_server.url}{STATUS_PATH}")
    expect(counting_lines(holder_page)).to_have_count(1)
    expect(status_message(holder_page, "5 more CECs needed")).to_be_visible()
    assert_no_horizontal_scroll(holder_page)
