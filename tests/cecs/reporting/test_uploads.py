import datetime
import io
import os
import re
import struct
import subprocess
import sys
import zlib
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from PIL import Image

from cecs.models import ReportingForm
from cecs.reporting.checks import ReportingFormInvalid
from cecs.reporting.uploads import display_name, size_in_mb, validate_upload
from tests.concurrency import run_together
from tests.factories import (
    HolderProfileFactory,
    ReportingFormFactory,
    UserFactory,
    reporting_form_with_upload,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=ZoneInfo("America/Denver"))
MB = 1024 * 1024
LIMIT = 10 * MB

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def _chunk(kind, data):
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


# A real 1x1 greyscale PNG.
PNG = (
    b"\x89PNG\r\n\x1a\n"
    + _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    + _chunk(b"IDAT", zlib.compress(b"\x00\x00"))
    + _chunk(b"IEND", b"")
)


def _jpeg():
    """A real 8x8 white JPEG: uploads are opened with Pillow, so a bare header is refused."""
    buffer = io.BytesIO()
    Image.new("L", (8, 8), 255).save(buffer, "JPEG")
    return buffer.getvalue()


JPEG = _jpeg()


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
def private_media(monkeypatch, tmp_path):
    directory = tmp_path / "private"
    directory.mkdir()
    use_private_media(monkeypatch, directory)
    return directory


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def stored_files(directory):
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())


def form_data(**overrides):
    data = {
        "activity_type": "committee",
        "title": "Membership Committee",
        "organisation": "AASC",
        "date_from": "2026-05-12",
        "start_time": "09:00",
        "end_time": "11:30",
        "break_minutes": "30",
        "time_zone": "America/Denver",
        "description": "Monthly committee meeting.",
        "action": "save",
    }
    data.update(overrides)
    return data


def post_with(client, upload, **overrides):
    return client.post(reverse("cecs:form_new"), form_data(upload=upload, **overrides))


# --- validate_upload --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("signed.pdf", PDF, "application/pdf"),
        ("photo.png", PNG, "image/png"),
        ("photo.jpg", JPEG, "image/jpeg"),
        ("no extension", PDF, "application/pdf"),
    ],
)
def test_pdf_png_and_jpeg_are_accepted_by_their_contents(name, content, mime):
    assert validate_upload(SimpleUploadedFile(name, content)).mime == mime


@pytest.mark.parametrize(
    ("content", "described"),
    [
        (EXE, "a Windows program"),
        (HTML, "not one of these"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "a GIF image"),
    ],
)
def test_other_contents_are_refused_whatever_the_name(content, described):
    upload = SimpleUploadedFile("scan.pdf", content, content_type="application/pdf")
    with pytest.raises(ValidationError) as refused:
        validate_upload(upload)
    assert len(refused.value.messages) == 1
    assert refused.value.messages[0].startswith("Upload a PDF, JPEG or PNG file; this file is ")
    assert described in refused.value.messages[0]


def test_a_file_over_the_limit_is_refused_with_its_size():
    upload = SimpleUploadedFile("big.pdf", PDF + b"\x00" * (LIMIT + 1 - len(PDF)))
    assert upload.size == LIMIT + 1
    with pytest.raises(ValidationError) as refused:
        validate_upload(upload)
    assert refused.value.messages == ["The file is 10.1 MB; the limit is 10 MB."]


def test_a_file_at_the_limit_is_accepted():
    upload = SimpleUploadedFile("big.pdf", PDF + b"\x00" * (LIMIT - len(PDF)))
    assert validate_upload(upload).mime == "application/pdf"


def test_the_limit_comes_from_settings(settings):
    settings.CEC_UPLOAD_MAX_BYTES = 2 * MB
    with pytest.raises(ValidationError) as refused:
        validate_upload(SimpleUploadedFile("a.pdf", PDF + b"\x00" * (3 * MB - len(PDF))))
    assert refused.value.messages == ["The file is 3.0 MB; the limit is 2 MB."]


def test_sizes_are_shown_in_megabytes():
    assert size_in_mb(int(12.3 * MB)) == "12.3"
    assert size_in_mb(LIMIT + 1) == "10.1"


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError, match="empty"):
        validate_upload(SimpleUploadedFile("empty.pdf", b""))


@pytest.mark.parametrize(
    ("client_name", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\pat\\Scans\\signed form.pdf", "signed form.pdf"),
        ("bad\x00name\r\n.pdf", "badname.pdf"),
        ("..", "signed-form.pdf"),
        ("", "signed-form.pdf"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_the_client_name_is_reduced_to_a_harmless_display_name(client_name, shown):
    assert display_name(client_name, extension="pdf") == shown


# --- Through the portal -----------------------------------------------------------------


def test_a_pdf_is_stored_under_a_random_name(holder_client, holder, private_media):
    response = post_with(holder_client, SimpleUploadedFile("Signed form.pdf", PDF))
    assert response.status_code == 302
    form = ReportingForm.objects.get(holder=holder)
    assert form.upload_name == "Signed form.pdf"
    assert re.fullmatch(r"forms/[0-9a-f]{32}\.pdf", form.upload.name)
    assert stored_files(private_media) == [form.upload.name]
    assert (private_media / form.upload.name).read_bytes() == PDF


@pytest.mark.parametrize(
    ("name", "content", "extension"), [("a.png", PNG, "png"), ("b.jpg", JPEG, "jpg")]
)
def test_images_are_accepted(holder_client, holder, private_media, name, content, extension):
    assert post_with(holder_client, SimpleUploadedFile(name, content)).status_code == 302
    form = ReportingForm.objects.get(holder=holder)
    assert form.upload.name.endswith(f".{extension}")
    assert (private_media / form.upload.name).read_bytes() == content


def test_the_extension_follows_the_contents_not_the_name(holder_client, holder):
    post_with(holder_client, SimpleUploadedFile("scan.pdf", PNG))
    form = ReportingForm.objects.get(holder=holder)
    assert form.upload.name.endswith(".png")
    assert form.upload_name == "scan.pdf"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("scan.pdf", EXE, "Upload a PDF, JPEG or PNG file; this file is a Windows program."),
        ("scan.pdf", HTML, "Upload a PDF, JPEG or PNG file; this file is not one of these"),
        (
            "big.pdf",
            PDF + b"\x00" * (LIMIT + 1 - len(PDF)),
            "The file is 10.1 MB; the limit is 10 MB.",
        ),
    ],
)
def test_refused_files_leave_nothing_behind(holder_client, private_media, name, content, message):
    response = post_with(holder_client, SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors["upload"])
    assert 'id="error_1_id_upload"' in response.text
    assert not ReportingForm.objects.exists()
    assert stored_files(private_media) == []


def test_a_path_in_the_sent_file_name_is_harmless(holder_client, holder, private_media):
    """Sent as raw multipart, so the name reaches the server exactly as a client chose it."""
    boundary = "BoUnDaRy"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in form_data().items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="upload"; '
        f'filename="../../etc/passwd.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
        + PDF
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    response = holder_client.post(
        reverse("cecs:form_new"), body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 302
    form = ReportingForm.objects.get(holder=holder)
    assert form.upload_name == "passwd.pdf"
    assert re.fullmatch(r"forms/[0-9a-f]{32}\.pdf", form.upload.name)
    assert stored_files(private_media) == [form.upload.name]


def test_the_service_never_uses_the_client_name_for_storage(holder, private_media):
    upload = SimpleUploadedFile("x.pdf", PDF)
    upload._name = "../../etc/passwd.pdf"  # bypass Django's own basename, as a direct caller might
    form = reporting_form_with_upload(holder=holder, upload=upload)
    assert form.upload_name == "passwd.pdf"
    assert "passwd" not in form.upload.name
    assert stored_files(private_media) == [form.upload.name]


def test_the_service_refuses_a_bad_file_too(holder, private_media):
    with pytest.raises(ReportingFormInvalid) as refused:
        reporting_form_with_upload(holder=holder, upload=SimpleUploadedFile("scan.pdf", EXE))
    assert "upload" in refused.value.errors
    assert not ReportingForm.objects.exists()
    assert stored_files(private_media) == []


def test_a_new_file_replaces_the_shown_one(holder_client, holder, private_media):
    post_with(holder_client, SimpleUploadedFile("first.pdf", PDF))
    form = ReportingForm.objects.get(holder=holder)
    first = form.upload.name
    response = holder_client.post(
        reverse("cecs:form_edit", args=[form.pk]),
        form_data(upload=SimpleUploadedFile("second.png", PNG)),
    )
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.upload_name == "second.png"
    assert form.upload.name != first
    assert (private_media / form.upload.name).read_bytes() == PNG


def test_saving_without_a_file_keeps_the_one_uploaded(holder_client, holder):
    post_with(holder_client, SimpleUploadedFile("first.pdf", PDF))
    form = ReportingForm.objects.get(holder=holder)
    holder_client.post(reverse("cecs:form_edit", args=[form.pk]), form_data(title="Renamed"))
    stored = ReportingForm.objects.get(pk=form.pk)
    assert stored.title == "Renamed"
    assert stored.upload.name == form.upload.name
    assert stored.upload_name == "first.pdf"


# --- Downloads --------------------------------------------------------------------------


@pytest.fixture
def form_with_scan(holder_client, holder):
    post_with(holder_client, SimpleUploadedFile("Signed form.pdf", PDF))
    return ReportingForm.objects.get(holder=holder)


def read(response):
    return b"".join(response.streaming_content)


def test_the_owner_downloads_the_scan_as_an_attachment(holder_client, form_with_scan):
    response = holder_client.get(reverse("cecs:form_upload", args=[form_with_scan.pk]))
    assert response.status_code == 200
    assert read(response) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Signed form.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert "no-store" in response["Cache-Control"]


def test_the_download_name_gets_the_real_extension(holder_client, holder):
    post_with(holder_client, SimpleUploadedFile("scan.pdf", PNG))
    form = ReportingForm.objects.get(holder=holder)
    response = holder_client.get(reverse("cecs:form_upload", args=[form.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="scan.pdf.png"'


def test_aasc_staff_can_download(client, staff, form_with_scan):
    client.force_login(staff)
    response = client.get(reverse("cecs:form_upload", args=[form_with_scan.pk]))
    assert response.status_code == 200
    assert read(response) == PDF


def test_staff_see_an_image_scan_beside_the_form_they_verify(client, staff, holder_client, holder):
    post_with(holder_client, SimpleUploadedFile("scan.png", PNG), action="submit")
    form = ReportingForm.objects.get(holder=holder)
    assert form.upload_is_image
    client.force_login(staff)
    page = client.get(reverse("admin:cecs_reportingform_verify", args=[form.pk]))
    preview = f"{reverse('cecs:form_upload', args=[form.pk])}?view=inline"
    assert f'<img src="{preview}"' in page.text
    shown = client.get(preview)
    assert read(shown) == PNG
    assert shown["Content-Disposition"] == 'inline; filename="scan.png"'
    assert shown["Content-Security-Policy"] == "sandbox"
    assert shown["X-Content-Type-Options"] == "nosniff"


def test_a_pdf_is_never_shown_inline(client, staff, holder_client, holder):
    post_with(holder_client, SimpleUploadedFile("Signed form.pdf", PDF), action="submit")
    form = ReportingForm.objects.get(holder=holder)
    client.force_login(staff)
    url = reverse("cecs:form_upload", args=[form.pk])
    response = client.get(f"{url}?view=inline")
    assert response["Content-Disposition"] == 'attachment; filename="Signed form.pdf"'
    page = client.get(reverse("admin:cecs_reportingform_verify", args=[form.pk]))
    assert page.status_code == 200
    assert "Download Signed form.pdf" in page.text
    assert "?view=inline" not in page.text


def test_staff_without_the_permission_cannot(client, form_with_scan):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("cecs:form_upload", args=[form_with_scan.pk])).status_code == 404


def test_another_holder_gets_404(client, other_holder, form_with_scan):
    client.force_login(other_holder.user)
    response = client.get(reverse("cecs:form_upload", args=[form_with_scan.pk]))
    assert response.status_code == 404
    assert PDF not in response.content


def test_anonymous_is_sent_to_log_in(client, form_with_scan):
    client.logout()  # the fixture signed the owner in on this client
    response = client.get(reverse("cecs:form_upload", args=[form_with_scan.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_form_without_a_scan_has_no_download(holder_client, holder):
    form = ReportingFormFactory(holder=holder)
    assert holder_client.get(reverse("cecs:form_upload", args=[form.pk])).status_code == 404


def test_a_missing_file_is_404_not_an_error(holder_client, form_with_scan, private_media):
    (private_media / form_with_scan.upload.name).unlink()
    assert (
        holder_client.get(reverse("cecs:form_upload", args=[form_with_scan.pk])).status_code == 404
    )


def test_the_list_links_to_the_scan(holder_client, form_with_scan):
    page = holder_client.get(reverse("cecs:forms"))
    assert reverse("cecs:form_upload", args=[form_with_scan.pk]) in page.text


def test_a_holder_record_without_forms_sees_no_scans(client, form_with_scan):
    stranger = HolderProfileFactory()
    client.force_login(stranger.user)
    page = client.get(reverse("cecs:forms"))
    assert reverse("cecs:form_upload", args=[form_with_scan.pk]) not in page.text


def test_a_good_file_on_an_invalid_form_is_not_stored(holder_client, private_media):
    response = post_with(
        holder_client, SimpleUploadedFile("Signed form.pdf", PDF), date_from="2026-07-01"
    )
    assert response.status_code == 200
    assert "Choose the signed form&#x27;s file again too." in response.text
    assert not ReportingForm.objects.exists()
    assert stored_files(private_media) == []


# --- Polyglots and image bombs ----------------------------------------------------------


def png_of_size(width, height):
    """A PNG whose header claims width x height pixels, with valid checksums: a few dozen
    bytes that would take gigabytes to decode. Pillow reads only the header."""
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )


def jpeg_of_size(width, height):
    """The small JPEG with its frame header (SOF0) patched to claim width x height."""
    sof = JPEG.index(b"\xff\xc0")
    return JPEG[: sof + 5] + struct.pack(">HH", height, width) + JPEG[sof + 9 :]


PDF_HTML = PDF.replace(b"%%EOF", b"<html><body><script>alert(document.cookie)</script>%%EOF")
PNG_HTML = PNG[:-12] + _chunk(b"tEXt", b"Comment\x00<svg onload=alert(1)>") + PNG[-12:]
JPEG_HTML = JPEG[:-2] + b"<IFRAME src=//evil.test>" + JPEG[-2:]


@pytest.mark.parametrize(
    ("content", "label"),
    [
        (PDF_HTML, "PDF"),
        (PDF + b"<!DOCTYPE html>", "PDF"),
        (PDF + b"<ScRiPt\tsrc=x>", "PDF"),
        (PDF + b"<body onload=alert(1)>", "PDF"),
        (PDF + b'<a href=" javascript:alert(1)">', "PDF"),
        (PNG_HTML, "PNG image"),
        (JPEG_HTML, "JPEG image"),
    ],
    ids=[
        "pdf-html",
        "pdf-doctype",
        "pdf-mixed-case-script",
        "pdf-event-handler",
        "pdf-javascript-url",
        "png-svg",
        "jpeg-iframe",
    ],
)
def test_a_file_that_is_also_a_web_page_is_refused(content, label):
    with pytest.raises(ValidationError) as refused:
        validate_upload(SimpleUploadedFile("scan", content))
    assert refused.value.messages == [
        f"This {label} also contains web-page code (HTML), which a scan never has, so it was "
        "refused. Scan or export the signed form again and upload the new file."
    ]


def test_pdf_syntax_that_merely_looks_like_tags_is_accepted():
    # PDF dictionaries (<< >>), hex strings (<48656C6C6F>), XMP metadata and the XHTML that
    # Acrobat writes for a comment's rich text are not a web page that runs anything.
    pdf = (
        PDF
        + b"<</Length 5>> <48656C6C6F> <?xpacket begin=''?><x:xmpmeta><dc:title>"
        + b'/RC (<?xml version="1.0"?><body xmlns="http://www.w3.org/1999/xhtml" '
        + b'xfa:APIVersion="Acrobat:19.21.0"><p dir="ltr">Signed, see page 2</p></body>)'
    )
    assert validate_upload(SimpleUploadedFile("a.pdf", pdf)).mime == "application/pdf"


@pytest.mark.parametrize(
    "content",
    [png_of_size(20000, 20000), png_of_size(10000, 10000), jpeg_of_size(30000, 30000)],
    ids=["png-400-megapixels", "png-100-megapixels", "jpeg-900-megapixels"],
)
def test_an_image_over_the_pixel_limit_is_refused(content):
    assert len(content) < 1000
    with pytest.raises(ValidationError) as refused:
        validate_upload(SimpleUploadedFile("photo", content))
    assert refused.value.messages[0].startswith(
        "This image is too large in pixels to be handled safely (the limit is 89 million pixels)."
    )


def test_an_image_at_a_normal_scan_size_is_accepted():
    # Letter paper at 600 dpi: 5100 x 6600 = 33.7 million pixels.
    assert validate_upload(SimpleUploadedFile("p.png", png_of_size(5100, 6600))).mime == (
        "image/png"
    )


def test_a_damaged_image_is_refused():
    broken = PNG[:19] + b"\x02" + PNG[20:]  # the width changed, not its checksum
    with pytest.raises(ValidationError) as refused:
        validate_upload(SimpleUploadedFile("p.png", broken))
    assert refused.value.messages == [
        "This PNG image could not be read; it may be damaged. Scan or save it again."
    ]


def test_a_polyglot_through_the_page_leaves_nothing_behind(holder_client, private_media):
    response = post_with(holder_client, SimpleUploadedFile("scan.pdf", PDF_HTML))
    assert response.status_code == 200
    assert "also contains web-page code" in response.context["form"].errors["upload"][0]
    assert not ReportingForm.objects.exists()
    assert stored_files(private_media) == []


# --- Quota per holder -------------------------------------------------------------------


def save_with_upload(holder, content=PDF, form=None, name="scan.pdf"):
    return reporting_form_with_upload(
        holder=holder, form=form, upload=SimpleUploadedFile(name, content)
    )


def test_the_quota_defaults(settings):
    assert settings.CEC_UPLOAD_QUOTA_FILES == 50
    assert settings.CEC_UPLOAD_QUOTA_BYTES == 100 * MB


def test_the_upload_after_the_file_quota_is_refused(settings, holder_client, holder, private_media):
    settings.CEC_UPLOAD_QUOTA_FILES = 3
    for _ in range(3):
        save_with_upload(holder)
    response = post_with(holder_client, SimpleUploadedFile("fourth.pdf", PDF))
    assert response.status_code == 200
    assert response.context["form"].errors["upload"] == [
        "You already have 3 uploaded files, and each holder can keep at most 3. Nothing was "
        "saved. You can replace the file on a draft or returned form, or contact AASC if you "
        "need to send more."
    ]
    assert ReportingForm.objects.filter(holder=holder).count() == 3
    assert len(stored_files(private_media)) == 3


def test_the_upload_over_the_megabyte_quota_is_refused(settings, holder, private_media):
    settings.CEC_UPLOAD_QUOTA_BYTES = 1 * MB
    save_with_upload(holder, PDF + b"\x00" * (600 * 1024))
    with pytest.raises(ReportingFormInvalid) as refused:
        save_with_upload(holder, PDF + b"\x00" * (500 * 1024))
    assert refused.value.errors["upload"] == [
        "This file (0.5 MB) would bring your uploaded files to 1.1 MB, and each holder can "
        "keep at most 1 MB. Nothing was saved. Upload a smaller scan (a lower resolution, or "
        "black and white), or contact AASC."
    ]
    assert ReportingForm.objects.filter(holder=holder).count() == 1
    assert len(stored_files(private_media)) == 1


def test_forms_without_a_file_and_other_holders_files_do_not_count(settings, holder, other_holder):
    settings.CEC_UPLOAD_QUOTA_FILES = 1
    ReportingFormFactory(holder=holder)
    save_with_upload(other_holder)
    save_with_upload(holder)
    assert ReportingForm.objects.filter(holder=holder).exclude(upload="").count() == 1


def test_replacing_a_file_at_the_quota_is_allowed(settings, holder, private_media):
    settings.CEC_UPLOAD_QUOTA_FILES = 1
    settings.CEC_UPLOAD_QUOTA_BYTES = len(PDF) + 10
    form = save_with_upload(holder)
    form = save_with_upload(holder, form=form)  # the old file does not count against it
    assert form.upload.name in stored_files(private_media)


def test_the_quota_and_scanner_come_from_the_environment():
    """Read in a fresh interpreter: settings are read once, from env, at start-up."""
    env = {
        **os.environ,
        "DJANGO_UPLOAD_QUOTA_FILES": "7",
        "DJANGO_UPLOAD_QUOTA_MB": "25",
        "CLAMAV_SOCKET": "/run/clamav/clamd.ctl",
    }
    code = (
        "import renewal_portal.settings as s;"
        "print(s.CEC_UPLOAD_QUOTA_FILES, s.CEC_UPLOAD_QUOTA_BYTES, s.CLAMAV_SOCKET)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["7", str(25 * MB), "/run/clamav/clamd.ctl"], result.stderr


# --- Replaced files are deleted after the commit ----------------------------------------


def test_a_replaced_file_is_deleted_after_commit_and_history_keeps_its_name(
    holder_client, holder, private_media, django_capture_on_commit_callbacks
):
    post_with(holder_client, SimpleUploadedFile("first.pdf", PDF))
    form = ReportingForm.objects.get(holder=holder)
    first = form.upload.name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        holder_client.post(
            reverse("cecs:form_edit", args=[form.pk]),
            form_data(upload=SimpleUploadedFile("second.png", PNG)),
        )
    form.refresh_from_db()
    # Until the commit, both files are there: a rollback would still need the first.
    assert stored_files(private_media) == sorted([first, form.upload.name])
    assert len(callbacks) >= 1
    for callback in callbacks:
        callback()
    assert stored_files(private_media) == [form.upload.name]
    assert first in form.history.values_list("upload", flat=True)


def test_a_refused_replacement_keeps_the_old_file(
    holder, private_media, django_capture_on_commit_callbacks
):
    form = save_with_upload(holder)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ReportingFormInvalid):
        save_with_upload(holder, PDF_HTML, form=form)
    form.refresh_from_db()
    assert stored_files(private_media) == [form.upload.name]


def test_a_rolled_back_replacement_deletes_nothing_old(holder, private_media):
    from django.db import transaction

    form = save_with_upload(holder)
    old = form.upload.name

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        save_with_upload(holder, PNG, form=form, name="new.png")
        raise Abort
    form.refresh_from_db()
    assert form.upload.name == old
    # The new file is an orphan now: remove_orphan_uploads deletes it once an hour old.
    assert old in stored_files(private_media)
    assert len(stored_files(private_media)) == 2


# --- manage.py remove_orphan_uploads ----------------------------------------------------


def age(path, *, minutes):
    when = NOW.timestamp() - minutes * 60
    os.utime(path, (when, when))


def run_command(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("remove_orphan_uploads", *args, stdout=out, stderr=err)
    return out.getvalue()


@pytest.fixture
def orphan_world(holder, private_media):
    form = save_with_upload(holder)
    kept = private_media / form.upload.name
    age(kept, minutes=600)
    old = private_media / "forms" / "0123456789abcdef0123456789abcdef.pdf"
    old.write_bytes(b"x" * 2048)
    age(old, minutes=61)
    fresh = private_media / "forms" / "fedcba9876543210fedcba9876543210.pdf"
    fresh.write_bytes(b"y" * 100)
    age(fresh, minutes=59)
    nested = private_media / "elsewhere" / "stray.bin"
    nested.parent.mkdir()
    nested.write_bytes(b"z" * 1000)
    age(nested, minutes=24 * 60)
    return {"kept": kept, "old": old, "fresh": fresh, "nested": nested}


def test_the_dry_run_lists_orphans_and_deletes_nothing(orphan_world, private_media):
    before = stored_files(private_media)
    output = run_command("--dry-run")
    assert "Would remove forms/0123456789abcdef0123456789abcdef.pdf (0.1 MB)" in output
    assert "Would remove elsewhere/stray.bin" in output
    assert "4 file(s) checked; would remove 2 (0.1 MB, 3048 bytes to free); 1 unnamed" in output
    assert stored_files(private_media) == before


def test_orphans_older_than_an_hour_are_removed(orphan_world, private_media):
    output = run_command()
    assert "Removed forms/0123456789abcdef0123456789abcdef.pdf" in output
    assert (
        "4 file(s) checked; removed 2 (0.1 MB, 3048 bytes freed); 1 unnamed file(s) younger "
        "than 60 min kept."
    ) in output
    assert orphan_world["kept"].exists()
    assert orphan_world["fresh"].exists()
    assert not orphan_world["old"].exists()
    assert not orphan_world["nested"].exists()
    assert "2 file(s) checked; removed 0 (0.0 MB, 0 bytes freed)" in run_command()


def test_progress_is_printed_as_files_are_checked(orphan_world, monkeypatch):
    monkeypatch.setattr("cecs.reporting.uploads.PROGRESS_EVERY", 2)
    output = run_command("--dry-run")
    assert "… 2 file(s) checked" in output
    assert "… 4 file(s) checked" in output


def test_the_minimum_age_cannot_be_lowered(orphan_world):
    with pytest.raises(CommandError, match="at least 60"):
        run_command("--min-age-minutes", "5")
    assert orphan_world["fresh"].exists()


def test_a_longer_minimum_age_keeps_more(orphan_world):
    assert "removed 1 " in run_command("--min-age-minutes", "120")
    assert orphan_world["old"].exists()
    assert not orphan_world["nested"].exists()


def test_the_nightly_task_removes_what_the_command_would(orphan_world, settings):
    from cecs.reporting.tasks import orphan_uploads_remove_task

    assert settings.CELERY_BEAT_SCHEDULE["remove-orphan-uploads"]["task"] == (
        orphan_uploads_remove_task.name
    )
    result = orphan_uploads_remove_task.delay().get()
    assert result == {
        "checked": 4,
        "removed": 2,
        "bytes_freed": 3048,
        "kept_recent": 1,
        "failed": 0,
    }
    assert orphan_world["kept"].exists()
    assert orphan_world["fresh"].exists()
    assert not orphan_world["old"].exists()


@pytest.mark.django_db(transaction=True)
def test_uploads_at_once_cannot_pass_the_quota_together(settings, holder, private_media):
    """8 uploads released together for a holder with room for 3: the holder's row lock
    makes each count the files the others committed."""
    settings.CEC_UPLOAD_QUOTA_FILES = 3
    results, errors = run_together(lambda: save_with_upload(holder), times=8)
    assert len(results) == 3
    assert len(errors) == 5
    assert all(isinstance(error, ReportingFormInvalid) for error in errors), errors
    assert ReportingForm.objects.filter(holder=holder).count() == 3
    assert len(stored_files(private_media)) == 3


# --- Removing a scan --------------------------------------------------------------------


def test_the_new_form_page_offers_no_removal(holder_client):
    assert "remove_upload" not in holder_client.get(reverse("cecs:form_new")).text


def test_the_holder_removes_a_scan_and_the_file_goes_after_commit(
    settings, holder_client, holder, private_media, django_capture_on_commit_callbacks
):
    settings.CEC_UPLOAD_QUOTA_FILES = 1
    post_with(holder_client, SimpleUploadedFile("first.pdf", PDF))
    form = ReportingForm.objects.get(holder=holder)
    name = form.upload.name
    page = holder_client.get(reverse("cecs:form_edit", args=[form.pk]))
    assert "Remove the uploaded file" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = holder_client.post(
            reverse("cecs:form_edit", args=[form.pk]), form_data(remove_upload="on")
        )
    assert response.status_code == 302
    form.refresh_from_db()
    assert not form.upload
    assert form.upload_name == ""
    assert stored_files(private_media) == []
    assert name in form.history.values_list("upload", flat=True)
    # The slot is free again.
    assert post_with(holder_client, SimpleUploadedFile("other.pdf", PDF)).status_code == 302


def test_removing_and_replacing_at_once_is_refused(holder_client, holder, private_media):
    post_with(holder_client, SimpleUploadedFile("first.pdf", PDF))
    form = ReportingForm.objects.get(holder=holder)
    response = holder_client.post(
        reverse("cecs:form_edit", args=[form.pk]),
        form_data(remove_upload="on", upload=SimpleUploadedFile("second.png", PNG)),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["remove_upload"] == [
        "Choose a new file to replace the uploaded one, or remove it; not both."
    ]
    assert stored_files(private_media) == [form.upload.name]
    assert ReportingForm.objects.get(pk=form.pk).upload.name == form.upload.name
