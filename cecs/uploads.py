"""Scans of signed paper forms: what is accepted, how it is named, how it is served.

The client's file name and Content-Type are never trusted: the type comes from the
file's first bytes, the stored name is random, and downloads are attachments that a
browser will not render or sniff.
"""

import math
import posixpath
import unicodedata
import uuid
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404

SNIFF_BYTES = 8192  # what filetype reads at most
MB = 1024 * 1024
UPLOAD_DIR = "forms"
MAX_NAME_LENGTH = 200  # ReportingForm.upload_name


@dataclass(frozen=True)
class UploadType:
    mime: str
    extension: str
    label: str


ACCEPTED = {
    kind.mime: kind
    for kind in (
        UploadType("application/pdf", "pdf", "PDF"),
        UploadType("image/jpeg", "jpg", "JPEG image"),
        UploadType("image/png", "png", "PNG image"),
    )
}
EXTENSIONS_OF = {"application/pdf": {"pdf"}, "image/jpeg": {"jpg", "jpeg"}, "image/png": {"png"}}
# How a refused file is described to the person who sent it.
DESCRIBED = {
    "application/x-msdownload": "a Windows program",
    "application/x-executable": "a program",
    "application/x-sh": "a shell script",
    "application/zip": "a ZIP archive",
    "application/gzip": "a compressed archive",
    "image/gif": "a GIF image",
    "image/webp": "a WebP image",
    "image/heic": "a HEIC photo (on an iPhone, choose JPEG or “Most Compatible”)",
    "image/heif": "a HEIF photo (on an iPhone, choose JPEG or “Most Compatible”)",
    "image/tiff": "a TIFF image",
    "image/bmp": "a BMP image",
}
ACCEPT_ATTRIBUTE = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def size_in_mb(size):
    """Bytes as megabytes, rounded up to one decimal: 10 MB + 1 byte is 10.1 MB."""
    return f"{math.ceil(size * 10 / MB) / 10:.1f}"


def _head(file):
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    return head


def sniff(head):
    """The accepted type whose signature starts `head`, or None."""
    kind = filetype.guess(bytes(head)) if head else None
    return ACCEPTED.get(kind.mime) if kind else None


def validate_upload(file):
    """Accept a PDF, JPEG or PNG of at most settings.CEC_UPLOAD_MAX_BYTES.

    Returns the UploadType found in the file's first bytes; raises ValidationError."""
    limit = settings.CEC_UPLOAD_MAX_BYTES
    if not file.size:
        raise ValidationError("The file is empty; choose the scan again.", code="empty")
    if file.size > limit:
        raise ValidationError(
            f"The file is {size_in_mb(file.size)} MB; the limit is {limit / MB:g} MB.",
            code="too_big",
        )
    head = _head(file)
    accepted = sniff(head)
    if accepted is None:
        kind = filetype.guess(bytes(head))
        if kind is None:
            what = "not one of these (its contents are not a recognised file type)"
        else:
            what = DESCRIBED.get(kind.mime, f"a {kind.extension.upper()} file ({kind.mime})")
        raise ValidationError(f"Upload a PDF, JPEG or PNG file; this file is {what}.", code="type")
    return accepted


def display_name(client_name, *, extension):
    """The client's file name made harmless for display and Content-Disposition: the
    base name only, no control characters, at most 200 characters, extension kept."""
    name = unicodedata.normalize("NFC", str(client_name or ""))
    name = posixpath.basename(name.replace("\\", "/"))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split()).lstrip(".").strip()
    if not name:
        name = f"signed-form.{extension}"
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = f"{stem[: MAX_NAME_LENGTH - len(ext) - 1]}.{ext}"
        else:
            name = name[:MAX_NAME_LENGTH]
    return name


def stored_name(kind):
    """A random name under forms/: nothing from the client reaches the file system."""
    return f"{uuid.uuid4().hex}.{kind.extension}"


def download_name(form, kind):
    """The original name, with an extension that matches what the file really is."""
    name = form.upload_name or f"signed-form.{kind.extension}"
    stem, dot, ext = name.rpartition(".")
    if dot and stem and ext.lower() in EXTENSIONS_OF[kind.mime]:
        return name
    return f"{name}.{kind.extension}"


def upload_response(form):
    """Serve the form's scan as an attachment that browsers neither render nor sniff."""
    if not form.upload:
        raise Http404
    try:
        file = form.upload.storage.open(form.upload.name, "rb")
    except FileNotFoundError as error:
        raise Http404 from error
    kind = sniff(_head(file))
    if kind is None:  # stored before validation existed, or tampered with on disk
        file.close()
        raise Http404
    response = FileResponse(
        file, as_attachment=True, filename=download_name(form, kind), content_type=kind.mime
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
