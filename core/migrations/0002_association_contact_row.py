"""AASC's contact details: one row with the demo values (core.association.DEFAULTS), which
staff replace in the admin ("AASC contact details")."""

from django.db import migrations

from core.association import DEFAULTS


def load(apps, schema_editor):
    AssociationContact = apps.get_model("core", "AssociationContact")
    AssociationContact.objects.get_or_create(pk=1, defaults=DEFAULTS)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_association_contact_and_faq")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
