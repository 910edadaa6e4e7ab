from django.db import migrations

from holders.roles import AASC_STAFF, NAAEI_REVIEWERS, grant

VIEW = [
    "cecs.view_submission",
    "cecs.view_submissionentry",
    "cecs.view_historicalsubmission",
]


def create_roles(apps, schema_editor):
    grant(apps, AASC_STAFF, VIEW)
    grant(apps, NAAEI_REVIEWERS, [*VIEW, "cecs.review_submission"])


class Migration(migrations.Migration):
    dependencies = [("cecs", "0003_submissions")]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
