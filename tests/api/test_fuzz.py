"""schemathesis against the checked-in schema, as a member with a token: no 500, every
answer matches the schema, and nothing of another community leaks. A bounded number of
examples per operation keeps `make test` short."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from monquartier.alerts.services import send_alert
from monquartier.api.schema import SCHEMA_FILES
from monquartier.messaging import services as messaging
from tests import factories
from tests.api.conftest import token_for

schema = schemathesis.openapi.from_path(SCHEMA_FILES["v1"])
schema.app = WSGIHandler()

# What only the members of the other community may see: in no answer to Yao.
OTHER_SECRET_TEXT = "Zorro-de-Yopougon cache ses clés sous le pot"
OTHER_NAME = "Zoumanakoffi"


@pytest.fixture
def test_database_kept_open():
    # The WSGI handler closes the connection after each request; the test's transaction
    # must live on (Django's test client does the same).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def neighbourhoods(riviera, awa, yao):
    send_alert(yao, category="theft", text="Un vol au marché de Riviera")
    far = factories.make_user(OTHER_NAME, "Secretkouadio", email="zouma@exemple.ci")
    factories.make_home(far, commune_slug="yopougon", latitude=5.3265, longitude=-4.1060)
    community = factories.make_community(far, name="Niangon Sud", centre=(5.3265, -4.1060))
    send_alert(far, category="fire", text=OTHER_SECRET_TEXT)
    # The gazette and messages of both: Yao's to read, the other community's never.
    factories.make_post(yao, title="Vends vélo", text="Bon état")
    factories.make_post(far, title="Clés", text=OTHER_SECRET_TEXT)
    neighbour = factories.add_member(community, first_name="Adjoua", last_name="Niangon")
    messaging.start_conversation(far, [neighbour.pk], OTHER_SECRET_TEXT)
    messaging.start_conversation(awa, [yao.pk], "Bonjour voisin")
    return community


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_its_schema_and_its_secrets(
    case, test_database_kept_open, neighbourhoods, yao
):
    # Uncompressed: the WSGI transport does not inflate gzip (tests/api/test_http.py does).
    headers = {"Authorization": f"Bearer {token_for(yao)}", "Accept-Encoding": "identity"}
    # Not "every schema-valid request succeeds": the services' rules refuse some with a
    # documented 422 (an alert of spaces only, a cursor we never gave).
    response = case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
    assert response.status_code < 500
    assert OTHER_SECRET_TEXT not in response.text
    assert OTHER_NAME not in response.text
    assert "zouma@exemple.ci" not in response.text
