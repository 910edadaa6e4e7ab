"""Holders claim courses NAAEI reviews; NAAEI names the entries it does not accept; AASC
staff add entries for holders."""

import django.db.models.deletion
from django.db import migrations, models

from holders.roles import AASC_STAFF, grant


def grant_roles(apps, schema_editor):
    grant(apps, AASC_STAFF, ["cecs.add_cecentry"])


class Migration(migrations.Migration):
    dependencies = [
        ("cecs", "0007_activity_kinds"),
    ]

    operations = [
        migrations.AddField(
            model_name="submissionentry",
            name="not_accepted_reason",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name="cecentry",
            name="status",
            field=models.CharField(
                choices=[
                    ("counted", "Counted"),
                    ("claimed", "Claimed: NAAEI reviews it with your submission"),
                    ("not_accepted", "Not accepted by NAAEI"),
                    ("withdrawn", "Withdrawn"),
                ],
                default="counted",
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="historicalcecentry",
            name="status",
            field=models.CharField(
                choices=[
                    ("counted", "Counted"),
                    ("claimed", "Claimed: NAAEI reviews it with your submission"),
                    ("not_accepted", "Not accepted by NAAEI"),
                    ("withdrawn", "Withdrawn"),
                ],
                default="counted",
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="historicalreportingform",
            name="activity_type",
            field=models.ForeignKey(
                blank=True,
                db_column="activity_type",
                db_constraint=False,
                limit_choices_to={"checked_by__in": ["aasc", "naaei"]},
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="cecs.activitykind",
                to_field="code",
                verbose_name="kind of activity",
            ),
        ),
        migrations.AlterField(
            model_name="historicalreportingform",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("submitted", "Submitted to AASC"),
                    ("verified", "Verified and signed"),
                    ("returned", "Returned for correction"),
                    ("claimed", "Claimed: NAAEI reviews it with your submission"),
                ],
                default="draft",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="reportingform",
            name="activity_type",
            field=models.ForeignKey(
                db_column="activity_type",
                limit_choices_to={"checked_by__in": ["aasc", "naaei"]},
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="cecs.activitykind",
                to_field="code",
                verbose_name="kind of activity",
            ),
        ),
        migrations.AlterField(
            model_name="reportingform",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("submitted", "Submitted to AASC"),
                    ("verified", "Verified and signed"),
                    ("returned", "Returned for correction"),
                    ("claimed", "Claimed: NAAEI reviews it with your submission"),
                ],
                default="draft",
                max_length=10,
            ),
        ),
        migrations.RunPython(grant_roles, migrations.RunPython.noop),
    ]
