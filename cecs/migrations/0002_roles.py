from django.db import migrations

from holders.roles import AASC_STAFF, NAAEI_REVIEWERS, grant

MODELS = ["aascclass", "attendance", "reportingform", "cecentry"]


def create_roles(apps, schema_editor):
    view = [f"cecs.view_{m}" for m in MODELS] + [f"cecs.view_historical{m}" for m in MODELS]
    staff = [
        "cecs.add_aascclass",
        "cecs.change_aascclass",
        "cecs.add_attendance",
        "cecs.change_attendance",
        "cecs.change_reportingform",
        "cecs.change_cecentry",
    ]
    grant(apps, AASC_STAFF, [*view, *staff])
    grant(apps, NAAEI_REVIEWERS, view)


class Migration(migrations.Migration):
    dependencies = [
        ("cecs", "0001_initial"),
        ("holders", "0002_roles"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
