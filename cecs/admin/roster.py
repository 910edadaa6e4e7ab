"""Importing an AASC class's roster: staff upload a CSV of attendees, check the preview,
then confirm; the import records each attendance through services.roster_import."""

import csv
import io

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import path

from ..classes import services
from ..models import Attendance
from .base import counted

ROSTER_COLUMNS = ("email", "member_number")
ROSTER_MAX_BYTES = 1024 * 1024
ROSTER_SALT = "cecs.admin.roster"
ROSTER_MAX_AGE = 60 * 60


def read_roster(data):
    """The (line number, value) rows of a roster CSV with an `email` or `member_number`
    column; raises ValidationError with a message for staff."""
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ValidationError("The file is empty: it needs a header line and one row per attendee.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            f"The file is not UTF-8 text (byte {error.start + 1} cannot be read). In Excel, "
            "save it as “CSV UTF-8 (Comma delimited)” and upload it again."
        ) from error
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
        names = [cell.strip().lower().replace(" ", "_") for cell in header]
        found = [name for name in ROSTER_COLUMNS if name in names]
        if not found:
            shown = ",".join(header)[:60]
            raise ValidationError(
                "The first line must be the header naming the column: email or "
                f"member_number. It reads “{shown}”."
            )
        if len(found) > 1:
            raise ValidationError("Give one column, email or member_number, not both.")
        column = names.index(found[0])
        rows = []
        for row in reader:
            value = row[column].strip() if len(row) > column else ""
            if value:
                rows.append((reader.line_num, value))
    except csv.Error as error:
        raise ValidationError(f"Line {reader.line_num} is not readable CSV ({error}).") from error
    if not rows:
        raise ValidationError(f"The file has the {found[0]} header but no rows under it.")
    return rows


class RosterUploadForm(forms.Form):
    roster = forms.FileField(
        label="Roster CSV",
        help_text="A header line, email or member_number, then one attendee per line. "
        "Other columns are ignored.",
    )

    def clean_roster(self):
        upload = self.cleaned_data["roster"]
        if upload.size > ROSTER_MAX_BYTES:
            raise ValidationError("The file is larger than 1 MB; is it really a roster?")
        return read_roster(upload.read())


def recorded_holder_ids(*, aasc_class, holders):
    """The ids of those `holders` whose attendance at the class is recorded and not
    withdrawn: the preview marks them, since importing them again changes nothing."""
    return set(
        Attendance.objects.filter(
            aasc_class=aasc_class, withdrawn_at__isnull=True, holder__in=holders
        ).values_list("holder_id", flat=True)
    )


def roster_token(*, aasc_class, rows):
    """The preview's rows, signed for this class, so the confirm step imports exactly
    what staff saw (RosterImportMixin._roster_rows reads it back)."""
    return signing.dumps({"class": aasc_class.pk, "rows": rows}, salt=ROSTER_SALT, compress=True)


def roster_import_summary(*, result):
    return (
        f"{counted(len(result.created), 'attendance')} recorded, "
        f"{len(result.already_recorded)} already recorded, "
        f"{counted(len(result.duplicates_in_file), 'duplicate row')} ignored."
    )


class RosterImportMixin:
    """The class admin's "Import roster" page (URL name admin:cecs_aascclass_roster)."""

    def has_roster_permission(self, request):
        return request.user.has_perm("cecs.add_attendance")

    def get_urls(self):
        return [
            path(
                "<path:object_id>/roster/",
                self.admin_site.admin_view(self.roster_view),
                name="cecs_aascclass_roster",
            ),
            *super().get_urls(),
        ]

    def roster_view(self, request, object_id):
        """Upload shows a preview; the preview's confirm button imports its rows."""
        if not self.has_roster_permission(request):
            raise PermissionDenied
        aasc_class = self.get_object(request, unquote(object_id))
        if aasc_class is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if request.method == "POST" and "confirm" in request.POST:
            return self._roster_confirm(request, aasc_class=aasc_class)
        form = RosterUploadForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
        )
        if not form.is_valid():
            return self._roster_render(request, aasc_class=aasc_class, form=form)
        return self._roster_preview(
            request, aasc_class=aasc_class, rows=form.cleaned_data["roster"]
        )

    def _roster_render(self, request, *, aasc_class, **context):
        return self.render_workbench(
            request,
            "admin/cecs/aascclass/roster.html",
            f"Import roster: {aasc_class}",
            original=aasc_class,
            change_url=self.admin_url("change", aasc_class.pk),
            **context,
        )

    def _roster_preview(self, request, *, aasc_class, rows):
        """Show how the uploaded rows match holders; only a file whose every row matches
        gets a token to confirm, because the import is all or nothing."""
        matched, duplicates, unknown = services.roster_match(identifiers=rows)
        recorded = recorded_holder_ids(
            aasc_class=aasc_class, holders=[holder for _, holder in matched]
        )
        if unknown:
            self.message_user(
                request,
                f"{len(unknown)} row(s) match no holder, so nothing can be imported. "
                "Correct them (or add the holders) and upload the file again.",
                messages.ERROR,
            )
        return self._roster_render(
            request,
            aasc_class=aasc_class,
            form=RosterUploadForm(),
            preview=True,
            matched=[(line, holder, holder.pk in recorded) for line, holder in matched],
            new_count=sum(1 for _, holder in matched if holder.pk not in recorded),
            recorded_count=len(recorded),
            duplicates=duplicates,
            unknown=unknown,
            token=None if unknown else roster_token(aasc_class=aasc_class, rows=rows),
        )

    def _roster_confirm(self, request, *, aasc_class):
        """Import the rows the signed preview carries; holders may have changed since the
        preview, so a row that no longer matches stops the whole import."""
        try:
            rows = self._roster_rows(request.POST.get("rows", ""), aasc_class)
        except signing.BadSignature:
            self.message_user(
                request,
                "The preview has expired or was altered; upload the file again.",
                messages.ERROR,
            )
            return HttpResponseRedirect(request.path)
        result = services.roster_import(aasc_class=aasc_class, identifiers=rows, actor=request.user)
        if not result.ok:
            self.message_user(
                request,
                "Nothing was imported: some rows no longer match a holder.",
                messages.ERROR,
            )
            return self._roster_render(
                request, aasc_class=aasc_class, form=RosterUploadForm(), unknown=result.unknown
            )
        self.message_user(request, roster_import_summary(result=result), messages.SUCCESS)
        return HttpResponseRedirect(self.admin_url("change", aasc_class.pk))

    @staticmethod
    def _roster_rows(token, aasc_class):
        """The rows the preview showed; the import matches them to holders again."""
        data = signing.loads(token, salt=ROSTER_SALT, max_age=ROSTER_MAX_AGE)
        if data.get("class") != aasc_class.pk:
            raise signing.BadSignature("roster preview for another class")
        return [(int(line), str(value)) for line, value in data["rows"]]
