from django.core.management.base import BaseCommand

from credentials.selectors import current_cycle
from credentials.services import credential_statuses_refresh


class Command(BaseCommand):
    help = "Move credentials to due, in grace or lapsed by the current cycle's dates (daily)."

    def handle(self, *args, **options):
        cycle = current_cycle()
        if cycle is None:
            self.stdout.write("No renewal cycle has started; nothing to do.")
            return
        changed = credential_statuses_refresh(cycle=cycle)
        summary = ", ".join(f"{count} now {status}" for status, count in changed.items())
        self.stdout.write(self.style.SUCCESS(f"{cycle.year} cycle: {summary or 'no changes'}."))
