from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cecs.demo import seed_demo_classes
from core.demo import seed_demo_faq
from credentials.demo import seed_demo_renewals
from holders.demo import DEMO_PASSWORD, seed_demo_accounts
from holders.models import User

from ...demo import seed_demo_midseason
from ...demo_season import seed_demo_season


class Command(BaseCommand):
    help = "Load demo accounts and data for the embedded `make run` portal (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates accounts with a published password; it only runs with "
                "DJANGO_DEBUG=true."
            )
        accounts = seed_demo_accounts()
        cycle, issued = seed_demo_renewals()
        seed_demo_classes()
        seed_demo_faq()
        accounts.insert(1, ("Holder", seed_demo_midseason(cycle=cycle)))
        season = seed_demo_season(
            cycle=cycle,
            staff=User.objects.get(email="staff@demo.test"),
            reviewer=User.objects.get(email="reviewer@demo.test"),
        )
        if season:
            self.stdout.write(f"A season in progress: {season} more holders in every state.")
        self.stdout.write(
            f"Renewal cycle {cycle.year}: CECs earned in {cycle.cec_window_end.year}, "
            f"due {cycle.due_on:%B %-d, %Y}; {issued} new invoice(s) issued."
        )
        self.stdout.write(
            self.style.SUCCESS("Demo data loaded. Sign in at http://127.0.0.1:8000 with:")
        )
        for role, email in accounts:
            self.stdout.write(f"  {role:<15} {email:<22} password: {DEMO_PASSWORD}")
        self.stdout.write(
            "holder@demo.test starts the renewal fresh; midseason@demo.test has confirmed, "
            "paid and earned some CECs."
        )
