import pytest

from tests.factories import log_in


@pytest.fixture
def staff_client(client, mariam):
    log_in(client, mariam)
    return client
