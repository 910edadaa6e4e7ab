from django.db import migrations

from holders.roles import AASC_STAFF, grant


def create_roles(apps, schema_editor):
    grant(
        apps,
        AASC_STAFF,
        [
            "payments.view_payment",
            "payments.view_historicalpayment",
            "payments.view_checkoutattempt",
            "payments.view_stripeevent",
        ],
    )


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial"), ("holders", "0002_roles")]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
