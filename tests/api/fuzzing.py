"""What the schemathesis runs share (test_fuzz*.py): the schema, the other community whose
secrets no answer may carry, and one call checked as the issue asks (no 500, the answer
matches the schema, nothing of the other community)."""

import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from monquartier.alerts.services import send_alert
from monquartier.api.schema import SCHEMA_FILES
from tests import factories
from tests.api.conftest import token_for

# What only the members of the other community may see: in no answer of these runs.
OTHER_SECRET_TEXT = "Zorro-de-Yopougon cache ses clés sous le pot"
OTHER_NAME = "Zoumanakoffi"
OTHER_EMAIL = "zouma@exemple.ci"


def schema_for(tag: str | None = None):
    """The checked-in schema (all of it, or one tag's operations), called through WSGI."""
    schema = schemathesis.openapi.from_path(SCHEMA_FILES["v1"])
    if tag:
        schema = schema.include(tag=tag)
    schema.app = WSGIHandler()
    return schema


def examples(count: int):
    """A bounded number of examples per operation, so that `make test` stays short."""
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def far_community():
    """A member of Yopougon with a community and an alert of their own; returns both."""
    far = factories.make_user(OTHER_NAME, "Secretkouadio", email=OTHER_EMAIL)
    factories.make_home(far, commune_slug="yopougon", latitude=5.3265, longitude=-4.1060)
    community = factories.make_community(
        far, name="Niangon Sud", centre=(5.3265, -4.1060), commune_slug="yopougon"
    )
    send_alert(far, category="fire", text=OTHER_SECRET_TEXT)
    return far, community


def call_as(case, user):
    """Call `case` with `user`'s token and check the answer."""
    # A made-up Host is refused by Django before the API (DisallowedHost, an HTML 400):
    # the site's rule, not the API's.
    case.headers = {
        name: value for name, value in (case.headers or {}).items() if name.lower() != "host"
    }
    # Uncompressed: the WSGI transport does not inflate gzip (tests/api/test_http.py does).
    headers = {"Authorization": f"Bearer {token_for(user)}", "Accept-Encoding": "identity"}
    # Not "every schema-valid request succeeds": the services' rules refuse some with a
    # documented 422 (an alert of spaces only, a cursor we never gave).
    response = case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
    assert response.status_code < 500
    for secret in (OTHER_SECRET_TEXT, OTHER_NAME, OTHER_EMAIL):
        assert secret not in response.text
    return response
