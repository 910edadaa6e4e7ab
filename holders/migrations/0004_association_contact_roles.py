"""AASC staff keep the association's contact details and the FAQ (core); NAAEI reviewers
read them. The groups are holders' (holders.roles), so the grant is made here."""

from django.db import migrations

from holders.roles import AASC_STAFF, NAAEI_REVIEWERS, grant

VIEW = [
    "core.view_associationcontact",
    "core.view_historicalassociationcontact",
    "core.view_faqentry",
    "core.view_historicalfaqentry",
]


def grant_roles(apps, schema_editor):
    # Contact details: one row, changed, never added or deleted. FAQ entries: added and
    # changed; never deleted (unpublish one instead), as with every other record.
    grant(
        apps,
        AASC_STAFF,
        [
            *VIEW,
            "core.change_associationcontact",
            "core.add_faqentry",
            "core.change_faqentry",
        ],
    )
    grant(apps, NAAEI_REVIEWERS, VIEW)


class Migration(migrations.Migration):
    dependencies = [
        ("holders", "0003_contact_email_verification"),
        ("core", "0002_association_contact_row"),
    ]

    operations = [migrations.RunPython(grant_roles, migrations.RunPython.noop)]
