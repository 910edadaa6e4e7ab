"""Demo renewals for `make run`: the current cycle, the demo holder's credentials, invoices."""

import datetime

from django.db import transaction

from holders.models import HolderProfile

from .models import CredentialType, HeldCredential
from .selectors import current_renewal_year
from .services import credential_statuses_refresh, cycle_get_or_create, invoices_issue

DEMO_CREDENTIALS = [
    # code, number, earned on
    ("CAM", "CAM-104233", datetime.date(2019, 6, 14)),
    ("NALP", "NALP-220871", datetime.date(2017, 9, 22)),
]


@transaction.atomic
def seed_demo_renewals():
    year = current_renewal_year()
    cycle = cycle_get_or_create(year=year)
    holder = HolderProfile.objects.get(email="holder@demo.test")
    for code, number, earned_on in DEMO_CREDENTIALS:
        HeldCredential.objects.get_or_create(
            holder=holder,
            credential_type=CredentialType.objects.get(code=code),
            defaults={
                "number": number,
                "earned_on": earned_on,
                "expires_on": datetime.date(year - 1, 12, 31),
            },
        )
    result = invoices_issue(cycle=cycle)
    credential_statuses_refresh(cycle=cycle)
    return cycle, result.created
