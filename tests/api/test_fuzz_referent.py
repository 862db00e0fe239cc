"""schemathesis against the référents' endpoints (api/v1/referent.py: the référents, the
community's settings, registering neighbours without internet, the twinnings), as the
référente of Riviera 2 with a token: no 500, every answer matches the schema, and
nothing of a community that is not hers leaks (the member's run in test_fuzz.py meets
these endpoints' 403 only)."""

import pytest

from monquartier.alerts.services import send_alert
from tests import factories
from tests.api.fuzzing import call_as, examples, far_community, schema_for

schema = schema_for("référents")


@pytest.fixture
def communities_apart(riviera, riviera3, yao, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    factories.age_community(riviera, days=30)  # it may register neighbours
    send_alert(yao, category="theft", text="Un vol au marché de Riviera")
    far_community()


@pytest.mark.django_db
@schema.parametrize()
@examples(15)
def test_the_referents_endpoints_keep_their_schema_and_the_other_communities_secrets(
    case, test_database_kept_open, communities_apart, awa
):
    call_as(case, awa)
