from django.db import migrations

from monquartier.communities.communes import load_communes


def forwards(apps, schema_editor):
    load_communes(apps.get_model("communities", "Commune"))


class Migration(migrations.Migration):
    dependencies = [("communities", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
