import pytest

from monquartier.accounts.services import issue_device_token


def token_for(user, device: str = "Téléphone de test") -> str:
    return issue_device_token(user, device)[1]


class ApiClient:
    """Django's test client, speaking JSON with a device's token."""

    def __init__(self, client, token: str | None = None):
        self.client, self.token = client, token

    def _headers(self, headers):
        auth = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**auth, **(headers or {})}

    def get(self, path, headers=None, **params):
        return self.client.get(f"/api/v1{path}", params, headers=self._headers(headers))

    def post(self, path, data=None, headers=None):
        return self.client.post(
            f"/api/v1{path}",
            data or {},
            content_type="application/json",
            headers=self._headers(headers),
        )

    def patch(self, path, data=None, headers=None):
        return self.client.patch(
            f"/api/v1{path}",
            data or {},
            content_type="application/json",
            headers=self._headers(headers),
        )

    def delete(self, path, headers=None):
        return self.client.delete(f"/api/v1{path}", headers=self._headers(headers))


@pytest.fixture
def api(client):
    """Anonymous."""
    return ApiClient(client)


@pytest.fixture
def api_as(client):
    """api_as(user): a client with a fresh token of the user's."""
    return lambda user: ApiClient(client, token_for(user))


@pytest.fixture
def test_database_kept_open():
    """For calls through the WSGI handler (the fuzz tests): it closes the connection after
    each request, and the test's transaction must live on (as Django's test client does)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
