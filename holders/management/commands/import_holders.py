import csv
import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from holders.importing import COLUMNS, holders_import

MAX_ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Import holders from a CSV with the columns member_number, first_name, last_name, "
        "email. The whole file is checked first; nothing is written if any row is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument("csv_file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check the file only.")

    def handle(self, *args, csv_file, dry_run, **options):
        try:
            text = csv_file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(
                f"Cannot read {csv_file}: {error}. Save the file as CSV in UTF-8."
            ) from error
        reader = csv.DictReader(io.StringIO(text))
        missing = set(COLUMNS) - set(reader.fieldnames or [])
        if missing:
            raise CommandError(f"Missing column(s): {', '.join(sorted(missing))}")
        self.stdout.write(f"Checking {csv_file}…")
        report = holders_import(reader, dry_run=dry_run)
        if not report.ok:
            for line, message in report.errors[:MAX_ERRORS_SHOWN]:
                self.stderr.write(f"Row {line}: {message}")
            more = len(report.errors) - MAX_ERRORS_SHOWN
            if more > 0:
                self.stderr.write(f"… and {more} more problem(s).")
            raise CommandError(
                f"Nothing was imported: {len(report.errors)} problem(s) in "
                f"{report.rows} row(s). Fix them and run again."
            )
        if dry_run:
            self.stdout.write(self.style.SUCCESS(f"All {report.rows} row(s) are fine."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported: {report.created} new, {report.updated} updated, "
                f"{report.unchanged} unchanged."
            )
        )
