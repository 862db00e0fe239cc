import json

from monquartier.api.schema import SCHEMA_FILES, schema_text


def test_the_checked_in_schema_is_the_apis():
    # A change to the API changes docs/openapi-v1.json in the same commit: run
    # `make api-schema`. A change that breaks apps goes to /api/v2/ instead.
    assert SCHEMA_FILES["v1"].read_text(encoding="utf-8") == schema_text("v1")


def test_every_operation_but_sign_in_and_public_ones_needs_the_token():
    schema = json.loads(schema_text("v1"))
    open_operations = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if not operation.get("security")
    }
    assert open_operations == {
        ("POST", "/api/v1/auth/token"),
        ("GET", "/api/v1/communes"),
        ("GET", "/api/v1/public/communities"),
        ("GET", "/api/v1/public/communities/{community_id}"),
        ("GET", "/api/v1/help"),
        ("GET", "/api/v1/help/search"),
        ("GET", "/api/v1/help/{topic_slug}/{question_slug}"),
    }


def test_the_schema_does_not_depend_on_the_language(settings):
    from django.utils import translation

    with translation.override("fr"):
        french = schema_text("v1")
    assert french == schema_text("v1")


def test_no_two_schemas_of_the_api_share_a_name():
    """OpenAPI names a component by its class: a second class of the same name would
    silently stand for the first in the schema (the town hall's "seen" once did for an
    alert's), and the apps would read the wrong shape."""
    import inspect
    import pkgutil
    from importlib import import_module

    from pydantic import BaseModel

    import monquartier.api.v1 as v1

    owners: dict[str, set[str]] = {}
    for module_info in pkgutil.iter_modules(v1.__path__):
        module = import_module(f"{v1.__name__}.{module_info.name}")
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, BaseModel):
                owners.setdefault(name, set()).add(f"{value.__module__}.{value.__qualname__}")
    assert {name: where for name, where in owners.items() if len(where) > 1} == {}
