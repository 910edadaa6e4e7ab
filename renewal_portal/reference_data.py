"""Rows the data migrations create (roles, credential types, the CEC schedule).

Tests that flush the database (transactional tests, the live server) call
`ensure_reference_data` to put them back. Add each new data migration here.
"""

from importlib import import_module

from django.apps import apps

DATA_MIGRATIONS = [
    ("holders.migrations.0002_roles", "create_roles"),
    ("credentials.migrations.0002_schedule_and_roles", "load"),
    ("cecs.migrations.0002_roles", "create_roles"),
    ("cecs.migrations.0004_submission_roles", "create_roles"),
    ("payments.migrations.0002_roles", "create_roles"),
]


def ensure_reference_data():
    from django.contrib.auth.models import Group, Permission

    from credentials.models import CecRequirement

    reviewers = Group.objects.filter(name="NAAEI reviewers").first()
    if (
        reviewers is not None
        and reviewers.permissions.filter(codename="review_submission").exists()
        and Permission.objects.filter(
            group__name="AASC staff", codename="view_stripeevent"
        ).exists()
        and CecRequirement.objects.exists()
    ):
        return
    for module, function in DATA_MIGRATIONS:
        getattr(import_module(module), function)(apps, None)
