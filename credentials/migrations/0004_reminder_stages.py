"""The default reminder policy (issue 8): when the invoice is issued, 30 and 7 days
before the due date, on the due date, and a final notice a week before grace ends."""

from django.db import migrations

from holders.roles import AASC_STAFF, NAAEI_REVIEWERS, grant

STAGES = [
    ("issued", "Invoice issued", "issued", 0, "invoice_issued"),
    ("due-30", "30 days before the due date", "due", -30, "due_soon"),
    ("due-7", "7 days before the due date", "due", -7, "due_soon"),
    ("due-day", "On the due date", "due", 0, "due_today"),
    ("grace-final", "Final notice before the grace period ends", "grace_end", -7, "final_notice"),
]


def load(apps, schema_editor):
    ReminderStage = apps.get_model("credentials", "ReminderStage")
    for code, name, anchor, offset, template in STAGES:
        ReminderStage.objects.get_or_create(
            code=code,
            defaults={"name": name, "anchor": anchor, "offset_days": offset, "template": template},
        )
    grant(
        apps,
        AASC_STAFF,
        [
            "credentials.view_reminderstage",
            "credentials.change_reminderstage",
            "credentials.add_reminderstage",
            "credentials.view_reminderlog",
            "credentials.change_reminderlog",
            "credentials.view_historicalreminderstage",
            "credentials.view_historicalreminderlog",
        ],
    )
    grant(apps, NAAEI_REVIEWERS, [])


class Migration(migrations.Migration):
    dependencies = [("credentials", "0003_reminders"), ("holders", "0002_roles")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
