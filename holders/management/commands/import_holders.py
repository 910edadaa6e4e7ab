from pathlib import Path

import tablib
from django.core.management.base import BaseCommand, CommandError

from holders.resources import HolderImportResource


class Command(BaseCommand):
    help = (
        "Import holders from a CSV with the columns member_number, first_name, last_name, "
        "email. All rows are checked first; nothing is written if any row has an error."
    )

    def add_arguments(self, parser):
        parser.add_argument("csv_file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check the file only.")

    def handle(self, *args, csv_file, dry_run, **options):
        try:
            text = csv_file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {csv_file}: {error}") from error
        dataset = tablib.Dataset().load(text, format="csv")
        missing = {"member_number", "first_name", "last_name", "email"} - set(dataset.headers or [])
        if missing:
            raise CommandError(f"Missing column(s): {', '.join(sorted(missing))}")

        self.stdout.write(f"Checking {len(dataset)} row(s) from {csv_file}…")
        resource = HolderImportResource()
        result = resource.import_data(dataset, dry_run=True, raise_errors=False)
        if result.has_errors() or result.has_validation_errors():
            for line in import_error_lines(result):
                self.stderr.write(line)
            raise CommandError("Nothing was imported: fix the rows above and run again.")
        if not dry_run:
            result = resource.import_data(dataset, dry_run=False, raise_errors=True)
        totals = result.totals
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb}: {totals['new']} new, {totals['update']} updated, "
                f"{totals['skip']} unchanged."
            )
        )


def import_error_lines(result):
    for line_number, errors in result.row_errors():
        for error in errors:
            yield f"Row {line_number}: {error.error}"
    for invalid in result.invalid_rows:
        for field, messages in invalid.field_specific_errors.items():
            yield f"Row {invalid.number}: {field}: {' '.join(messages)}"
        for message in invalid.non_field_specific_errors:
            yield f"Row {invalid.number}: {message}"
