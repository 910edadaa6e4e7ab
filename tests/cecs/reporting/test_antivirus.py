"""Virus scanning of uploads against a real clamd (the session fixture in tests/conftest.py)."""

import io
import logging

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cecs.models import ReportingForm
from cecs.reporting.checks import ReportingFormInvalid
from cecs.reporting.uploads import SCANNER_DOWN, validate_upload
from core import antivirus
from tests.conftest import EICAR
from tests.factories import reporting_form_with_upload

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
# Looks like a PDF to every other check: only ClamAV can tell.
EICAR_PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + EICAR + b"\n%%EOF\n"
VIRUS_MESSAGE = "Our virus scanner found a threat in this file, so it was refused."


def stored_files(directory):
    return sorted(p.name for p in directory.rglob("*") if p.is_file())


def form_data(**overrides):
    data = {
        "activity_type": "committee",
        "title": "Membership Committee",
        "organisation": "AASC",
        "date_from": "2026-05-12",
        "gross_hours": "2",
        "time_zone": "America/Denver",
        "description": "Monthly committee meeting.",
        "action": "save",
    }
    data.update(overrides)
    return data


# --- core.antivirus against the daemon -------------------------------------------------


def test_the_daemon_finds_eicar(clamav):
    assert antivirus.scan(io.BytesIO(EICAR)).startswith("Eicar-Test-Signature")


def test_the_daemon_finds_eicar_after_a_pdf_header(clamav):
    assert antivirus.scan(io.BytesIO(EICAR_PDF)).startswith("Eicar-Test-Signature")


def test_a_daemon_in_another_container_is_reached_over_tcp(settings, clamd_daemon):
    settings.CLAMAV_SOCKET = clamd_daemon["tcp"]  # as docker-compose's tcp://clamav:3310
    assert antivirus.scan(io.BytesIO(EICAR_PDF)).startswith("Eicar-Test-Signature")
    assert antivirus.scan(io.BytesIO(PDF)) is None


def test_a_tcp_daemon_that_does_not_answer_fails_closed(settings):
    settings.CLAMAV_SOCKET = "tcp://127.0.0.1:9"  # discard port: nothing listens
    with pytest.raises(antivirus.ScannerUnavailable):
        antivirus.scan(io.BytesIO(PDF))


def test_a_clean_pdf_is_clean_and_the_file_is_rewound(clamav):
    file = io.BytesIO(PDF)
    assert antivirus.scan(file) is None
    assert file.tell() == 0


def test_nothing_is_scanned_without_a_socket(settings):
    settings.CLAMAV_SOCKET = ""
    assert antivirus.scan(io.BytesIO(EICAR)) is None


def test_a_missing_socket_is_unavailable_and_logged(settings, tmp_path, caplog):
    settings.CLAMAV_SOCKET = str(tmp_path / "no-such.sock")
    with (
        caplog.at_level(logging.ERROR, logger="core.antivirus"),
        pytest.raises(antivirus.ScannerUnavailable),
    ):
        antivirus.scan(io.BytesIO(PDF))
    assert "gave no verdict" in caplog.text


def test_a_file_that_is_not_a_socket_is_unavailable(settings, tmp_path):
    not_a_socket = tmp_path / "clamd.sock"
    not_a_socket.write_text("")
    settings.CLAMAV_SOCKET = str(not_a_socket)
    with pytest.raises(antivirus.ScannerUnavailable):
        antivirus.scan(io.BytesIO(PDF))


# --- validate_upload --------------------------------------------------------------------


def test_eicar_in_a_pdf_is_refused(clamav):
    with pytest.raises(ValidationError) as refused:
        validate_upload(SimpleUploadedFile("scan.pdf", EICAR_PDF))
    assert refused.value.messages[0].startswith(VIRUS_MESSAGE)


def test_without_a_scanner_the_same_file_passes_the_other_checks(settings):
    """Why the daemon is needed: the file is a PDF by every other rule."""
    settings.CLAMAV_SOCKET = ""
    assert validate_upload(SimpleUploadedFile("scan.pdf", EICAR_PDF)).mime == "application/pdf"


def test_the_page_check_does_not_scan(settings, tmp_path):
    settings.CLAMAV_SOCKET = str(tmp_path / "no-such.sock")
    assert validate_upload(SimpleUploadedFile("a.pdf", PDF), scan=False).mime == "application/pdf"


def test_a_configured_but_missing_scanner_refuses(settings, tmp_path):
    settings.CLAMAV_SOCKET = str(tmp_path / "no-such.sock")
    with pytest.raises(ValidationError) as refused:
        validate_upload(SimpleUploadedFile("a.pdf", PDF))
    assert refused.value.messages == [SCANNER_DOWN]
    assert SCANNER_DOWN == (
        "We could not check your file for viruses right now; please try again later."
    )


# --- Through the portal -----------------------------------------------------------------


@pytest.mark.django_db
def test_eicar_uploaded_through_the_page_is_refused_and_not_stored(
    clamav, holder_client, private_media
):
    response = holder_client.post(
        reverse("cecs:form_new"),
        form_data(upload=SimpleUploadedFile("Signed form.pdf", EICAR_PDF)),
    )
    assert response.status_code == 200
    assert any(VIRUS_MESSAGE in error for error in response.context["form"].errors["upload"])
    assert not ReportingForm.objects.exists()
    assert stored_files(private_media) == []


@pytest.mark.django_db
def test_a_clean_pdf_uploaded_through_the_page_is_scanned_and_stored(
    clamav, holder_client, holder, private_media
):
    response = holder_client.post(
        reverse("cecs:form_new"), form_data(upload=SimpleUploadedFile("Signed form.pdf", PDF))
    )
    assert response.status_code == 302
    form = ReportingForm.objects.get(holder=holder)
    assert (private_media / form.upload.name).read_bytes() == PDF


@pytest.mark.django_db
def test_a_scanner_that_is_down_refuses_the_page_upload(
    settings, tmp_path, holder_client, private_media, caplog
):
    settings.CLAMAV_SOCKET = str(tmp_path / "clamd-is-down.sock")
    with caplog.at_level(logging.ERROR, logger="core.antivirus"):
        response = holder_client.post(
            reverse("cecs:form_new"), form_data(upload=SimpleUploadedFile("a.pdf", PDF))
        )
    assert response.status_code == 200
    assert response.context["form"].errors["upload"] == [SCANNER_DOWN]
    assert "could not check your file for viruses right now" in response.text
    assert "gave no verdict" in caplog.text
    assert not ReportingForm.objects.exists()
    assert stored_files(private_media) == []


@pytest.mark.django_db
def test_the_service_scans_a_replacement_and_keeps_the_old_file(clamav, holder, private_media):
    form = reporting_form_with_upload(holder=holder, upload=SimpleUploadedFile("a.pdf", PDF))
    with pytest.raises(ReportingFormInvalid) as refused:
        reporting_form_with_upload(
            holder=holder,
            form=form,
            title="Changed",
            upload=SimpleUploadedFile("b.pdf", EICAR_PDF),
        )
    assert refused.value.errors["upload"][0].startswith(VIRUS_MESSAGE)
    form.refresh_from_db()
    assert form.title == "Food drive"
    assert stored_files(private_media) == [form.upload.name.rsplit("/", 1)[1]]
