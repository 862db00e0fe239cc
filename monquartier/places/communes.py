"""The communes of Côte d'Ivoire that ship with the platform (data/communes.json)."""

import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "communes.json"


def load_communes(commune_model) -> int:
    """Add the communes that are not there yet (by slug) and return how many were added.

    Takes the model class so that the data migration can pass its historical model."""
    existing = set(commune_model.objects.values_list("slug", flat=True))
    rows = json.loads(DATA.read_text(encoding="utf-8"))
    new = [commune_model(**row) for row in rows if row["slug"] not in existing]
    commune_model.objects.bulk_create(new)
    return len(new)
