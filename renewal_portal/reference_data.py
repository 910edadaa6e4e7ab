"""Rows the data migrations create (roles and their permissions, credential types, the CEC
schedule, reminder stages, AASC's contact details).

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
    ("credentials.migrations.0004_reminder_stages", "load"),
    ("cecs.migrations.0005_class_calendar", "create_roles"),
    ("cecs.migrations.0007_activity_kinds", "load_kinds"),
    ("cecs.migrations.0007_activity_kinds", "grant_roles"),
    ("cecs.migrations.0008_claims_and_entry_review", "grant_roles"),
    ("payments.migrations.0004_offline_payments", "grant_roles"),
    ("core.migrations.0002_association_contact_row", "load"),
    ("holders.migrations.0004_association_contact_roles", "grant_roles"),
    ("holders.migrations.0005_record_link_request", "grant_roles"),
]


def ensure_reference_data():
    from credentials.models import ReminderStage

    # A flush empties every table at once, so one table of the last data migration tells.
    if ReminderStage.objects.exists():
        return
    for module, function in DATA_MIGRATIONS:
        getattr(import_module(module), function)(apps, None)
