"""The safeguards' starting word lists, from alerts/data/safeguards.txt (reviewable in
the repository; staff edit them in the admin afterwards)."""

from django.db import migrations

from monquartier.alerts.safeguards import load_terms


def load(apps, schema_editor):
    load_terms(apps.get_model("alerts", "SafeguardTerm"))


class Migration(migrations.Migration):
    dependencies = [("alerts", "0004_safeguards")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
