"""schemathesis against the référents' endpoints (api/v1/referent.py: the référents, the
community's settings, registering neighbours without internet, the twinnings), as the
référente of Riviera 2 with a token: no 500, every answer matches the schema, and
nothing of a community that is not hers leaks (the member's run in test_fuzz.py meets
these endpoints' 403 only)."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from monquartier.alerts.services import send_alert
from monquartier.api.schema import SCHEMA_FILES
from tests import factories
from tests.api.conftest import token_for
from tests.api.test_fuzz import test_database_kept_open  # noqa: F401  (a fixture)

schema = schemathesis.openapi.from_path(SCHEMA_FILES["v1"]).include(tag="référents")
schema.app = WSGIHandler()

OTHER_SECRET_TEXT = "Zorro-de-Yopougon cache ses clés sous le pot"
OTHER_NAME = "Zoumanakoffi"


@pytest.fixture
def communities_apart(riviera, riviera3, yao, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    factories.age_community(riviera, days=30)  # it may register neighbours
    send_alert(yao, category="theft", text="Un vol au marché de Riviera")
    far = factories.make_user(OTHER_NAME, "Secretkouadio", email="zouma@exemple.ci")
    factories.make_home(far, commune_slug="yopougon", latitude=5.3265, longitude=-4.1060)
    factories.make_community(
        far, name="Niangon Sud", centre=(5.3265, -4.1060), commune_slug="yopougon"
    )
    send_alert(far, category="fire", text=OTHER_SECRET_TEXT)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_referents_endpoints_keep_their_schema_and_the_other_communities_secrets(
    case,
    test_database_kept_open,  # noqa: F811
    communities_apart,
    awa,
):
    case.headers = {
        name: value for name, value in (case.headers or {}).items() if name.lower() != "host"
    }
    headers = {"Authorization": f"Bearer {token_for(awa)}", "Accept-Encoding": "identity"}
    response = case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
    assert response.status_code < 500
    assert OTHER_SECRET_TEXT not in response.text
    assert OTHER_NAME not in response.text
    assert "zouma@exemple.ci" not in response.text
