import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "communes.json"


def load_communes(apps, schema_editor):
    """Add the communes of data/communes.json that are not there yet (by slug), so the
    list can grow in later migrations without touching what staff edited."""
    Commune = apps.get_model("communities", "Commune")
    existing = set(Commune.objects.values_list("slug", flat=True))
    rows = json.loads(DATA.read_text(encoding="utf-8"))
    Commune.objects.bulk_create(Commune(**row) for row in rows if row["slug"] not in existing)


class Migration(migrations.Migration):
    dependencies = [("communities", "0001_initial")]

    operations = [migrations.RunPython(load_communes, migrations.RunPython.noop)]
