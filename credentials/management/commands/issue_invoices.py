import time

from django.core.management.base import BaseCommand

from credentials.services import cycle_get_or_create, invoices_issue


class Command(BaseCommand):
    help = (
        "Issue the renewal invoices of cycle YEAR to every holder with a credential it "
        "renews. Safe to run again: holders already invoiced are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, year, batch_size, **options):
        cycle = cycle_get_or_create(year=year)
        started = time.monotonic()
        self.stdout.write(f"Issuing {year} renewal invoices (due {cycle.due_on:%B %-d, %Y})…")

        def progress(result):
            self.stdout.write(f"  {result.created} issued so far…")

        result = invoices_issue(cycle=cycle, batch_size=batch_size, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"{year}: {result.created} invoice(s) issued, {result.skipped} holder(s) "
                f"already invoiced, in {time.monotonic() - started:.1f} s."
            )
        )
