"""Demo accounts for `make run`. Idempotent: running it again resets them."""

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction

from .models import HolderProfile, User
from .roles import AASC_STAFF, HOLDERS, NAAEI_REVIEWERS

DEMO_PASSWORD = "renew-demo-2026"  # noqa: S105 - published demo password, DEBUG only

DEMO_HOLDER = {
    "first_name": "Dana",
    "last_name": "Holder",
    "phone": "+17195550134",
    "street": "102 S Tejon St",
    "city": "Colorado Springs",
    "state": "CO",
    "zip_code": "80903",
    "employer": "Pikes Peak Residential",
    "job_title": "Community Manager",
    "member_number": "D0000001",
}


def demo_account(email, *, group, is_staff):
    user = User.objects.filter(email=email).first() or User(email=email)
    user.is_staff = is_staff
    user.is_active = True
    user.set_password(DEMO_PASSWORD)
    user.save()
    user.groups.set([Group.objects.get(name=group)])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


@transaction.atomic
def seed_demo_accounts():
    holder_user = demo_account("holder@demo.test", group=HOLDERS, is_staff=False)
    HolderProfile.objects.update_or_create(
        email="holder@demo.test", defaults={"user": holder_user, **DEMO_HOLDER}
    )
    demo_account("staff@demo.test", group=AASC_STAFF, is_staff=True)
    demo_account("reviewer@demo.test", group=NAAEI_REVIEWERS, is_staff=True)
    return [
        ("Holder", "holder@demo.test"),
        ("AASC staff", "staff@demo.test"),
        ("NAAEI reviewer", "reviewer@demo.test"),
    ]
