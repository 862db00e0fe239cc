from django.db import migrations

from monquartier.places.communes import load_communes


def forwards(apps, schema_editor):
    load_communes(apps.get_model("places", "Commune"))


class Migration(migrations.Migration):
    dependencies = [("places", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
