import datetime
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.utils import timezone

from holders.models import HolderProfile, User
from holders.roles import AASC_STAFF, HOLDERS, NAAEI_REVIEWERS

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


class HolderProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HolderProfile

    user = factory.SubFactory(UserFactory, role=HOLDERS)
    email = factory.SelfAttribute("user.email")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    phone = "+17195550100"
    street = "10 N Cascade Ave"
    city = "Colorado Springs"
    state = "CO"
    zip_code = "80903"
    employer = "Front Range Apartments"
    job_title = "Leasing Professional"
    member_number = factory.Sequence(lambda n: f"M{n:07d}")


def staff_user(**kwargs):
    return UserFactory(is_staff=True, role=AASC_STAFF, **kwargs)


def reviewer_user(**kwargs):
    return UserFactory(is_staff=True, role=NAAEI_REVIEWERS, **kwargs)


def credential_type(code):
    from credentials.models import CredentialType

    return CredentialType.objects.get(code=code)


class HeldCredentialFactory(factory.django.DjangoModelFactory):
    """A credential that the 2027 cycle renews (it expires on 31 December 2026)."""

    class Meta:
        model = "credentials.HeldCredential"

    holder = factory.SubFactory(HolderProfileFactory)
    credential_type = factory.LazyFunction(lambda: credential_type("CAM"))
    number = factory.Sequence(lambda n: f"C{n:06d}")
    earned_on = datetime.date(2020, 5, 1)
    expires_on = datetime.date(2026, 12, 31)


def holder_with(*codes, expires_on=datetime.date(2026, 12, 31), **holder_fields):
    holder = HolderProfileFactory(**holder_fields)
    for code in codes:
        HeldCredentialFactory(
            holder=holder,
            credential_type=credential_type(code),
            expires_on=None if code == "CAMT" else expires_on,
        )
    return holder


class AascClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "cecs.AascClass"

    title = factory.Sequence(lambda n: f"Fair Housing Essentials {n}")
    held_on = datetime.date(2026, 3, 12)
    instructor = "Pat Instructor"
    hours = Decimal("3.00")


class ReportingFormFactory(factory.django.DjangoModelFactory):
    """A submitted Expo-class form for 2026, ready for staff to verify."""

    class Meta:
        model = "cecs.ReportingForm"

    holder = factory.SubFactory(HolderProfileFactory)
    activity_type_id = "expo_class"
    title = "Expo: Leasing in a Soft Market"
    organisation = "AASC Expo 2026"
    date_from = datetime.date(2026, 4, 22)
    start_time = datetime.time(9, 0)
    end_time = datetime.time(11, 30)
    break_minutes = 30
    hours = Decimal("2.00")
    description = "Expo education session."
    status = "submitted"
    submitted_at = factory.LazyFunction(timezone.now)


# A volunteering activity as a holder reports it: the fields the upload tests don't vary.
VOLUNTEERING_FORM = {
    "activity_type": "volunteering",
    "title": "Food drive",
    "organisation": "AASC",
    "description": "Sorting donations.",
    "date_from": datetime.date(2026, 5, 2),
    "gross_hours": 3,
}


def reporting_form_with_upload(*, holder, upload, form=None, **fields):
    """Save a reporting form with its scan through the service, as the form page does."""
    from cecs.reporting.services import reporting_form_save

    return reporting_form_save(
        holder=holder,
        form=form,
        form_data={**VOLUNTEERING_FORM, **fields},
        upload=upload,
        actor=holder.user,
    )


def contact_details_post(holder, **overrides):
    """The contact-details page's form as a holder saves it (the "Save changes" button),
    their record unchanged."""
    return {
        "first_name": holder.first_name,
        "last_name": holder.last_name,
        "email": holder.email,
        "phone": "719-555-0199",
        "street": "31 N Tejon St",
        "city": "Colorado Springs",
        "state": "CO",
        "zip_code": "80903",
        "employer": "Peak Living",
        "job_title": "Regional Manager",
        "action": "Save changes",
        **overrides,
    }


def kind_category(code):
    """Where CECs of the activity kind coded `code` count (kinds are data, as staff keep them)."""
    from cecs.models import ActivityKind

    return ActivityKind.objects.get(code=code).category
