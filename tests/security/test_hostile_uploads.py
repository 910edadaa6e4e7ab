"""The hostile upload set of reliability.md row 20, against the one upload check."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cecs.uploads import validate_upload

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
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
}


@pytest.mark.parametrize("name", REFUSED, ids=list(REFUSED))
def test_hostile_files_are_refused(name):
    content, filename = REFUSED[name]
    with pytest.raises(ValidationError):
        validate_upload(SimpleUploadedFile(filename, content))


def test_one_byte_over_ten_megabytes_is_refused(settings):
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (settings.CEC_UPLOAD_MAX_BYTES - 8))
    with pytest.raises(ValidationError, match="the limit is 10 MB"):
        validate_upload(big)


def test_figure_refused_count():
    refused = 0
    for content, filename in REFUSED.values():
        try:
            validate_upload(SimpleUploadedFile(filename, content))
        except ValidationError:
            refused += 1
    print(f"\n{refused}/{len(REFUSED)} hostile uploads refused")
    assert refused == len(REFUSED)
