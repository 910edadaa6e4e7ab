from django.db import migrations


def create_row(apps, schema_editor):
    # The triggers create it on the first write to a class; classes written before them
    # need it now, or their pages are never cached.
    apps.get_model("cecs", "ClassCalendarVersion").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("cecs", "0012_class_calendar_version")]

    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
