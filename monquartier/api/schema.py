"""The API's OpenAPI schema as text, the same every time: what docs/openapi-v1.json
holds and what tests/api/test_schema.py compares (`manage.py api_schema` writes it)."""

import json
from pathlib import Path

from django.conf import settings
from django.utils import translation
from ninja.responses import NinjaJSONEncoder

from monquartier.api.v1 import api as api_v1

SCHEMA_FILES = {"v1": Path(settings.BASE_DIR) / "docs" / "openapi-v1.json"}


def schema_text(version: str = "v1") -> str:
    api = {"v1": api_v1}[version]
    with translation.override("en"):  # labels the schema could carry, in one language
        schema = api.get_openapi_schema()
    return json.dumps(schema, cls=NinjaJSONEncoder, indent=2, ensure_ascii=False) + "\n"
