"""schemathesis against the checked-in schema, as a member with a token: no 500, every
answer matches the schema, and nothing of another community leaks (tests/api/fuzzing.py).
A bounded number of examples per operation keeps `make test` short."""

import pytest

from monquartier.alerts.services import send_alert
from monquartier.messaging import services as messaging
from tests import factories
from tests.api.fuzzing import OTHER_SECRET_TEXT, call_as, examples, far_community, schema_for

schema = schema_for()


@pytest.fixture
def neighbourhoods(riviera, awa, yao):
    send_alert(yao, category="theft", text="Un vol au marché de Riviera")
    far, community = far_community()
    # The gazette and messages of both: Yao's to read, the other community's never.
    factories.make_post(yao, title="Vends vélo", text="Bon état")
    factories.make_post(far, title="Clés", text=OTHER_SECRET_TEXT)
    neighbour = factories.add_member(community, first_name="Adjoua", last_name="Niangon")
    messaging.start_conversation(far, [neighbour.pk], OTHER_SECRET_TEXT)
    messaging.start_conversation(awa, [yao.pk], "Bonjour voisin")
    return community


@pytest.mark.django_db
@schema.parametrize()
@examples(25)
def test_the_api_keeps_its_schema_and_its_secrets(
    case, test_database_kept_open, neighbourhoods, yao
):
    call_as(case, yao)
