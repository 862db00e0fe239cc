"""schemathesis against the town hall's endpoints, as an agent of Cocody with a token: no
500, every answer matches the schema, and nothing of another commune leaks (the member's
run in test_fuzz.py meets these endpoints' 403 only)."""

import pytest

from monquartier.alerts.services import send_alert
from tests.api.fuzzing import call_as, examples, far_community, schema_for

schema = schema_for("townhall")


@pytest.fixture
def communes_apart(riviera, yao, cocody_town_hall, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    send_alert(yao, category="theft", text="Un vol au marché de Riviera")
    far_community()


@pytest.mark.django_db
@schema.parametrize()
@examples(15)
def test_the_town_hall_endpoints_keep_their_schema_and_the_other_communes_secrets(
    case, test_database_kept_open, communes_apart, aicha
):
    call_as(case, aicha)
