import datetime

from django.core.management.base import BaseCommand, CommandError

from cecs.reporting.uploads import ORPHAN_MIN_AGE, orphan_uploads_remove, size_in_mb


class Command(BaseCommand):
    help = (
        "Delete files under the private media root that no current row names (scans that "
        "were replaced, or whose save failed). Files younger than --min-age-minutes are "
        "kept, so an upload whose row is not committed yet is never removed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be removed; delete nothing."
        )
        parser.add_argument(
            "--min-age-minutes",
            type=int,
            default=int(ORPHAN_MIN_AGE.total_seconds() // 60),
            help=(
                "Keep files modified less than this many minutes ago (default and minimum: "
                "%(default)s)."
            ),
        )

    def handle(self, *args, dry_run, min_age_minutes, **options):
        shortest = int(ORPHAN_MIN_AGE.total_seconds() // 60)
        if min_age_minutes < shortest:
            # A younger file may belong to an upload whose transaction has not committed.
            raise CommandError(f"--min-age-minutes must be at least {shortest}.")
        verb = "Would remove" if dry_run else "Removed"
        self.stdout.write("Looking for uploads that no form names…")

        def removed(name, size):
            self.stdout.write(f"  {verb} {name} ({size_in_mb(size)} MB)")

        def progress(report):
            self.stdout.write(f"  … {report.checked} file(s) checked, {report.removed} orphan(s)")

        report = orphan_uploads_remove(
            dry_run=dry_run,
            min_age=datetime.timedelta(minutes=min_age_minutes),
            report_file=removed,
            report_progress=progress,
        )
        summary = (
            f"{report.checked} file(s) checked; {verb.lower()} {report.removed} "
            f"({size_in_mb(report.bytes_freed)} MB, {report.bytes_freed} bytes "
            f"{'to free' if dry_run else 'freed'}); {report.kept_recent} unnamed file(s) "
            f"younger than {min_age_minutes} min kept."
        )
        if report.failed:
            self.stderr.write(f"{report.failed} file(s) could not be removed; see the log.")
        self.stdout.write(self.style.SUCCESS(summary))
