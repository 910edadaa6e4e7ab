from django.db import migrations

from holders.roles import AASC_STAFF, HOLDERS, NAAEI_REVIEWERS, grant

HOLDER_RECORDS = [
    "holders.view_holderprofile",
    "holders.view_contactconfirmation",
    "holders.view_historicalholderprofile",
    "holders.view_historicalcontactconfirmation",
]


def create_roles(apps, schema_editor):
    grant(apps, HOLDERS, [])
    grant(
        apps,
        AASC_STAFF,
        [
            *HOLDER_RECORDS,
            "holders.add_holderprofile",
            "holders.change_holderprofile",
            "holders.view_user",
        ],
    )
    grant(apps, NAAEI_REVIEWERS, HOLDER_RECORDS)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=[HOLDERS, AASC_STAFF, NAAEI_REVIEWERS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("holders", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
