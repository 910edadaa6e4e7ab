"""The one CSV writer for every file the portal hands out: safe to open in a spreadsheet.

Excel, LibreOffice and Google Sheets run a cell that begins with = + - or @ as a formula, so a
holder who types `=HYPERLINK("http://x","click")` as their first name would put a live link
(or a DDE command) into the file a reviewer opens (OWASP "CSV Injection"). OWASP's rule also
lists a leading tab or carriage return, which spreadsheets skip before reading the formula.

defusedcsv (a drop-in for the csv module) prefixes such cells with a `'`, which spreadsheets
show as text; it does not cover the tab and carriage return, so `_neutralise` adds those.
django-import-export's own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only strips a leading "=",
so an admin that offers an export lists `ImportExportCSV` below as its only format.

Numbers (int, Decimal, float) and numeric strings such as "-5" or "-12.50" pass unchanged, so
write counts and money as numbers and a column of negatives stays a column of numbers.
"""

import io

from defusedcsv import csv as defused_csv
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from import_export.formats.base_formats import CSV

# Characters a spreadsheet skips before it looks for a formula sign; defusedcsv handles
# = + - @ (and | %) itself.
SKIPPED_BEFORE_FORMULA = ("\t", "\r")

# Every character OWASP lists as dangerous at the start of a cell; the tests use it too.
DANGEROUS_FIRST_CHARACTERS = ("=", "+", "-", "@", "\t", "\r")


def _neutralise(value):
    if isinstance(value, str) and value.startswith(SKIPPED_BEFORE_FORMULA):
        return "'" + value
    return value


class _SafeWriter:
    """csv.writer's writerow/writerows, with every cell neutralised."""

    def __init__(self, file, **fmtparams):
        self._writer = defused_csv.writer(file, **fmtparams)

    def writerow(self, row):
        return self._writer.writerow([_neutralise(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(file, **fmtparams):
    """A csv.writer for FILE (anything with .write) whose cells cannot start a formula."""
    return _SafeWriter(file, **fmtparams)


def csv_response(filename, header, rows):
    """An HttpResponse offering HEADER then ROWS as the download FILENAME (UTF-8 CSV)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    out = writer(response)
    out.writerow(header)
    out.writerows(rows)
    return response


class ImportExportCSV(CSV):
    """django-import-export's CSV format, written by the writer above. On an admin with
    ExportMixin: `export_formats = [ImportExportCSV]` (tests/security/test_csv_injection.py
    exports through every such admin and fails on a cell that could start a formula)."""

    def export_data(self, dataset, **kwargs):
        out = io.StringIO()
        csv_out = writer(out)
        if dataset.headers:
            csv_out.writerow(dataset.headers)
        csv_out.writerows(dataset)
        return out.getvalue()
