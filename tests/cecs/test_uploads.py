import datetime
import re
import struct
import zlib
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cecs.models import ReportingForm
from cecs.reporting import ReportingFormInvalid, reporting_form_save
from cecs.uploads import display_name, size_in_mb, validate_upload
from tests.factories import HolderProfileFactory, ReportingFormFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=ZoneInfo("America/Denver"))
MB = 1024 * 1024
LIMIT = 10 * MB

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
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
    form = reporting_form_save(
        holder=holder,
        form_data={
            "activity_type": "volunteering",
            "title": "Food drive",
            "organisation": "AASC",
            "description": "Sorting donations.",
            "date_from": datetime.date(2026, 5, 2),
            "gross_hours": 3,
        },
        upload=upload,
        actor=holder.user,
    )
    assert form.upload_name == "passwd.pdf"
    assert "passwd" not in form.upload.name
    assert stored_files(private_media) == [form.upload.name]


def test_the_service_refuses_a_bad_file_too(holder, private_media):
    with pytest.raises(ReportingFormInvalid) as refused:
        reporting_form_save(
            holder=holder,
            form_data={
                "activity_type": "volunteering",
                "title": "Food drive",
                "organisation": "AASC",
                "description": "Sorting donations.",
                "date_from": datetime.date(2026, 5, 2),
                "gross_hours": 3,
            },
            upload=SimpleUploadedFile("scan.pdf", EXE),
            actor=holder.user,
        )
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
