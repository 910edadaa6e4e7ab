import datetime

from django.core.management.base import BaseCommand, CommandError

from renewal_portal.reminders import reminders_sweep


class Command(BaseCommand):
    help = "Run the renewal reminder sweep now (it also runs daily under Celery beat)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count, claim nothing.")
        parser.add_argument("--date", help="Sweep as of this day (YYYY-MM-DD), for catching up.")

    def handle(self, *args, dry_run, date, **options):
        today = None
        if date:
            try:
                today = datetime.date.fromisoformat(date)
            except ValueError as error:
                raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}") from error
        result = reminders_sweep(today=today, dry_run=dry_run)
        verb = "Would send" if dry_run else "Queued"
        for code, count in result.claimed.items():
            self.stdout.write(f"  {code:<12} {count}")
        summary = f"{verb} {result.total} reminder(s)"
        if result.requeued:
            summary += f"; {result.requeued} stalled one(s) queued again"
        self.stdout.write(self.style.SUCCESS(summary + "."))
