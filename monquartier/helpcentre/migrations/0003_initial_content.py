from django.db import migrations

from monquartier.helpcentre.initial_content import load_initial_content


def forwards(apps, schema_editor):
    load_initial_content(apps.get_model("helpcentre", "Topic"), apps.get_model("helpcentre", "Question"))


class Migration(migrations.Migration):
    dependencies = [("helpcentre", "0002_postgresql_search")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
