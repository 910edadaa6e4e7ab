"""Scans of signed paper forms: what is accepted, how it is named, how it is served.

The client's file name and Content-Type are never trusted: the type comes from the
file's first bytes, the stored name is random, and downloads are attachments that a
browser will not render or sniff. On top of that, a file is refused when it could also
be read as a web page (a polyglot), when an image claims more pixels than Pillow's
decompression-bomb limit, and when ClamAV (if configured) flags it or cannot be asked.
"""

import datetime
import logging
import math
import os
import posixpath
import re
import stat
import unicodedata
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

import filetype
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.http import FileResponse, Http404
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from core import antivirus

logger = logging.getLogger(__name__)

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
PILLOW_FORMATS = {"image/jpeg": ["JPEG"], "image/png": ["PNG"]}

# Markup that runs script or loads content once bytes are read as HTML or SVG. Searched in
# the whole file, case-insensitively: the magic bytes already keep browsers' own sniffing
# (the first 512 bytes) away from HTML, so the danger is a copy served one day with the
# wrong type, or embedded with <object>, where any part of the file counts. Left out, so
# genuine files pass: short tags (<a, <b, <p) that compressed data contains by chance, and
# harmless XHTML (<body xmlns=…><p>) that Acrobat writes for comments and rich-text form
# fields; a tag of those refused only with an event handler (onload=) or a javascript: URL.
# Checked: 0 matches in 300 MB of random bytes and in 4,934 PDF, PNG and JPEG files from
# Debian packages; about 0.2 s for a 10 MB file.
HTML_MARKUP = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        rb"<(?:!doctype\s+html|html|script|i?frame(?:set)?|svg|object|embed|applet|meta|img"
        rb"|base|link|style)[\s/>]",
        rb"<[a-z][a-z0-9:-]{0,30}[\s/][^<>]{0,500}?\bon[a-z]{3,30}\s*=",
        rb"<[a-z][a-z0-9:-]{0,30}[\s/][^<>]{0,500}?=\s*[\"']?\s*javascript:",
    )
]
SCANNER_DOWN = "We could not check your file for viruses right now; please try again later."


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


def _read_all(file):
    file.seek(0)
    content = file.read()
    file.seek(0)
    return content


def refuse_html(content, kind):
    """A PDF or image that also reads as a web page could run script if a browser were
    ever talked into rendering it; no genuine scan contains HTML tags."""
    if any(pattern.search(content) for pattern in HTML_MARKUP):
        raise ValidationError(
            f"This {kind.label} also contains web-page code (HTML), which a scan never "
            "has, so it was refused. Scan or export the signed form again and upload "
            "the new file.",
            code="polyglot",
        )


def check_image(file, kind):
    """Open a JPEG or PNG with Pillow without decoding its pixels: refuse one Pillow
    cannot read, and one whose declared size is over Image.MAX_IMAGE_PIXELS (a small
    file that would take gigabytes of memory to show: a decompression bomb)."""
    damaged = ValidationError(
        f"This {kind.label} could not be read; it may be damaged. Scan or save it again.",
        code="damaged",
    )
    file.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between the limit and twice the limit; refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file, formats=PILLOW_FORMATS[kind.mime]) as image:
                width, height = image.size
                if Image.MAX_IMAGE_PIXELS and width * height > Image.MAX_IMAGE_PIXELS:
                    raise Image.DecompressionBombError(f"{width}x{height}")
                image.verify()  # chunk checksums; no pixel decoding
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        logger.warning("Refused an image over the pixel limit: %s", error)
        limit = Image.MAX_IMAGE_PIXELS / 1_000_000
        raise ValidationError(
            f"This image is too large in pixels to be handled safely (the limit is "
            f"{limit:.0f} million pixels). Scan it at a lower resolution, at most 600 dpi, "
            "or upload it as a PDF.",
            code="pixels",
        ) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        # Pillow reports broken files as any of these (SyntaxError for bad PNG chunks).
        raise damaged from error
    finally:
        file.seek(0)


def check_viruses(file):
    """Refuse what ClamAV flags, and refuse everything while a configured ClamAV is down."""
    try:
        found = antivirus.scan(file)
    except antivirus.ScannerUnavailable as error:
        raise ValidationError(SCANNER_DOWN, code="scanner_down") from error
    if found:
        raise ValidationError(
            "Our virus scanner found a threat in this file, so it was refused. Check your "
            "computer with up-to-date antivirus software, then scan the signed form again.",
            code="virus",
        )


def validate_upload(file, *, scan=True):
    """Accept a PDF, JPEG or PNG of at most settings.CEC_UPLOAD_MAX_BYTES that is not also
    a web page, not an image bomb and (with `scan`, when ClamAV is configured) not flagged.

    Returns the UploadType found in the file's first bytes; raises ValidationError. The
    page's form checks with scan=False to show mistakes early; the service that stores
    the file checks everything."""
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
    refuse_html(_read_all(file), accepted)  # at most CEC_UPLOAD_MAX_BYTES in memory
    if accepted.mime in PILLOW_FORMATS:
        check_image(file, accepted)
    if scan:
        check_viruses(file)
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


INLINE_MIMES = ("image/jpeg", "image/png")  # what a page may show as an <img>


def upload_response(form, *, inline=False):
    """Serve the form's scan as an attachment that browsers neither render nor sniff; with
    `inline`, a JPEG or PNG (checked by its content) is shown in the page instead, still
    sandboxed and unsniffed, so staff see the scan beside the form they verify."""
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
        file,
        as_attachment=not (inline and kind.mime in INLINE_MIMES),
        filename=download_name(form, kind),
        content_type=kind.mime,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Files no row names any more -----------------------------------------------------------

ORPHAN_MIN_AGE = datetime.timedelta(hours=1)
PROGRESS_EVERY = 1000


@dataclass
class OrphanReport:
    checked: int = 0
    removed: int = 0
    bytes_freed: int = 0
    kept_recent: int = 0
    failed: int = 0


def _private_storage():
    from ..models import ReportingForm  # models import this module's neighbours, not it

    return ReportingForm._meta.get_field("upload").storage


def referenced_names(location):
    """Every name a current row stores in a file field whose storage lives at `location`
    (history rows are not current: their old names may go)."""
    names = set()
    for model in apps.get_models():
        if getattr(model, "instance_type", None) is not None:
            continue  # a django-simple-history copy: the past, not what is current
        for field in model._meta.get_fields():
            if not isinstance(field, models.FileField) or field.model is not model:
                continue
            if os.path.realpath(field.storage.location) != location:
                continue
            names.update(
                model._default_manager.exclude(**{field.name: ""})
                .exclude(**{f"{field.name}__isnull": True})
                .values_list(field.name, flat=True)
                .iterator()
            )
    return names


def orphan_uploads_remove(
    *, dry_run=False, min_age=ORPHAN_MIN_AGE, now=None, report_file=None, report_progress=None
):
    """Delete files under the private media root that no current row names, except those
    younger than `min_age` (an upload whose row is not committed yet). `report_file(name,
    size)` is called for each file removed (or, with `dry_run`, that would be), and
    `report_progress(report)` after every PROGRESS_EVERY files checked."""
    location = os.path.realpath(_private_storage().location)
    report = OrphanReport()
    if not os.path.isdir(location):
        return report
    # Names first, files second: a file stored after this snapshot is younger than min_age.
    keep = referenced_names(location)
    cutoff = (now or timezone.now()).timestamp() - min_age.total_seconds()
    for directory, _subdirectories, files in os.walk(location):
        for filename in files:
            path = os.path.join(directory, filename)
            status = os.lstat(path)
            if not stat.S_ISREG(status.st_mode):
                continue  # links and sockets are not uploads; leave them to a person
            report.checked += 1
            if report_progress is not None and report.checked % PROGRESS_EVERY == 0:
                report_progress(report)
            name = Path(path).relative_to(location).as_posix()
            if name in keep:
                continue
            if status.st_mtime > cutoff:
                report.kept_recent += 1
                continue
            if not dry_run:
                try:
                    os.unlink(path)
                except OSError:
                    logger.exception("Could not remove the orphan upload %s", name)
                    report.failed += 1
                    continue
            report.removed += 1
            report.bytes_freed += status.st_size
            if report_file is not None:
                report_file(name, status.st_size)
    return report
