"""Adds the question on alerts refused or held by the safeguards (alerts/safeguards.py):
loading again only adds what is missing."""

from django.db import migrations

from monquartier.helpcentre.initial_content import load_initial_content


def forwards(apps, schema_editor):
    load_initial_content(apps.get_model("helpcentre", "Topic"), apps.get_model("helpcentre", "Question"))


class Migration(migrations.Migration):
    dependencies = [("helpcentre", "0003_initial_content")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
