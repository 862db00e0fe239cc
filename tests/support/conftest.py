import pytest

from monquartier.support import services
from monquartier.support.models import TicketKind
from tests import factories


@pytest.fixture
def staff_client(client, mariam):
    factories.log_in(client, mariam)
    return client


@pytest.fixture
def visitor_ticket(db):
    return services.open_ticket(
        None,
        kind=TicketKind.QUESTION,
        body="Comment créer une communauté dans mon village ?",
        visitor_name="Brigitte Yao",
        visitor_email="brigitte@exemple.ci",
    )


@pytest.fixture
def awa_ticket(awa):
    return services.open_ticket(
        awa, kind=TicketKind.QUESTION, body="Comment changer de référent dans ma communauté ?"
    )
