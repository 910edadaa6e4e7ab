"""The hostile upload set of reliability.md row 20, against the one upload check (with a
real clamd from tests/conftest.py) and the per-holder quota."""

import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cecs.models import ReportingForm
from cecs.reporting.checks import ReportingFormInvalid
from cecs.reporting.uploads import validate_upload
from tests.conftest import EICAR
from tests.factories import reporting_form_with_upload

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _chunk(kind, data):
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _png(width, height, *extra_chunks):
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
        + b"".join(extra_chunks)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )


REFUSED = {
    "svg-with-script": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "scan.svg",
    ),
    "html-renamed-pdf": (b"<html><body><script>alert(1)</script></body></html>", "scan.pdf"),
    "exe-renamed-pdf": (b"MZ\x90\x00" + b"\x00" * 60, "scan.pdf"),
    "eicar": (EICAR, "scan.pdf"),
    "zip": (b"PK\x03\x04" + b"\x00" * 40, "scan.pdf"),
    "php": (b"<?php system($_GET['c']); ?>", "scan.php.pdf"),
    "empty": (b"", "scan.pdf"),
    "pdf-html-polyglot": (
        PDF.replace(b"%%EOF", b"<html><body><script>alert(document.domain)</script>%%EOF"),
        "scan.pdf",
    ),
    "png-html-polyglot": (
        _png(1, 1, _chunk(b"tEXt", b"Comment\x00<html><script>alert(1)</script>")),
        "photo.png",
    ),
    "png-pixel-bomb-20000x20000": (_png(20000, 20000), "photo.png"),
    "eicar-after-pdf-header": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + EICAR + b"\n%%EOF\n", "scan.pdf"),
}


@pytest.mark.parametrize("name", REFUSED, ids=list(REFUSED))
def test_hostile_files_are_refused(name, clamav):
    content, filename = REFUSED[name]
    with pytest.raises(ValidationError):
        validate_upload(SimpleUploadedFile(filename, content))


def test_one_byte_over_ten_megabytes_is_refused(settings):
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (settings.CEC_UPLOAD_MAX_BYTES - 8))
    with pytest.raises(ValidationError, match="the limit is 10 MB"):
        validate_upload(big)


def _save(holder, content):
    return reporting_form_with_upload(holder=holder, upload=SimpleUploadedFile("scan.pdf", content))


@pytest.mark.django_db
def test_figure_refused_count(clamav, settings, holder, private_media):
    refused = 0
    for content, filename in REFUSED.values():
        try:
            validate_upload(SimpleUploadedFile(filename, content))
        except ValidationError:
            refused += 1
    # quota + 1: the holder fills the file quota, then one more upload.
    settings.CEC_UPLOAD_QUOTA_FILES = 5
    for _ in range(5):
        _save(holder, PDF)
    try:
        _save(holder, PDF)
    except ReportingFormInvalid:
        refused += 1
    total = len(REFUSED) + 1
    stored = sum(1 for path in private_media.rglob("*") if path.is_file())
    print(f"\n{refused}/{total} hostile uploads refused; {stored} files stored (the 5 allowed)")
    assert refused == total
    assert stored == 5 == ReportingForm.objects.filter(holder=holder).count()


@pytest.mark.django_db
def test_figure_twenty_uploads_of_nine_and_a_half_megabytes(settings, holder, private_media):
    """The finding: 20 uploads of 9.5 MB were all accepted. With the default quota of
    100 MB per holder, 10 are stored (95 MB) and the other 10 are refused."""
    assert settings.CEC_UPLOAD_QUOTA_BYTES == 100 * 1024 * 1024
    scan = PDF + b"0" * (int(9.5 * 1024 * 1024) - len(PDF))
    stored = refused = 0
    for _ in range(20):
        try:
            _save(holder, scan)
        except ReportingFormInvalid as error:
            assert "each holder can keep at most 100 MB" in error.errors["upload"][0]
            refused += 1
        else:
            stored += 1
    on_disk = sum(path.stat().st_size for path in private_media.rglob("*") if path.is_file())
    megabytes = on_disk / 1024 / 1024
    print(f"\n20 uploads of 9.5 MB: {stored} stored ({megabytes:.1f} MB), {refused} refused")
    assert (stored, refused) == (10, 10)
    assert on_disk == 10 * len(scan)
