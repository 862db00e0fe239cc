"""The pages benchmark's partner town hall (bench/pages_agents.py): made once and found
again, and the sessions it writes for its agents are what a log-in with the password and
the app's code leaves, so they open the console and the dashboard."""

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from bench import pages_agents
from bench.scale import PASSWORD
from monquartier.townhalls.models import Agent, TownHall
from tests import factories


@pytest.fixture
def town(db):
    factories.make_community(factories.make_user("Koffi", "Yao"), name="Riviera 2")
    return pages_agents.prepare(settings.SECRET_KEY)


def _cookies(header: str) -> dict[str, str]:
    """The Cookie header the benchmark sends: the session's and the CSRF cookie."""
    return dict(item.split("=", 1) for item in header.split("; "))


def _shape(records: list[dict]) -> list[tuple[str, list[str]]]:
    return [(record["method"], sorted(record)) for record in records]


def test_the_busiest_commune_gets_a_partner_town_hall_and_its_agents_once(town):
    again = pages_agents.prepare(settings.SECRET_KEY)
    assert TownHall.objects.get() == town.town_hall == again.town_hall
    assert town.town_hall.commune.slug == "cocody" and town.town_hall.is_partner
    assert again.agents == town.agents
    assert Agent.objects.filter(town_hall=town.town_hall).count() == pages_agents.AGENTS
    assert (
        Authenticator.objects.filter(user__in=town.agents, type=Authenticator.Type.TOTP).count()
        == pages_agents.AGENTS
    )


def test_an_agents_written_session_opens_the_console_and_the_dashboard(client, town):
    agent = town.agents[1]
    for name, value in _cookies(town.cookies[agent.pk]).items():
        client.cookies[name] = value
    for url in town.urls().values():
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.wsgi_request.user == agent


def test_the_written_session_holds_what_a_log_in_with_the_code_leaves(client, town):
    agent = town.agents[0]
    client.post(reverse("account_login"), {"login": agent.email, "password": PASSWORD})
    secret = get_adapter().decrypt(Authenticator.objects.get(user=agent).data["secret"])
    response = client.post(reverse("mfa_authenticate"), {"code": factories.totp_code(secret)})
    assert response.wsgi_request.user == agent
    real = client.session

    written = SessionStore(_cookies(town.cookies[agent.pk])[settings.SESSION_COOKIE_NAME])
    assert set(written.keys()) <= set(real.keys())
    assert _shape(written[AUTHENTICATION_METHODS_SESSION_KEY]) == _shape(
        real[AUTHENTICATION_METHODS_SESSION_KEY]
    )
    for key in set(written.keys()) - {AUTHENTICATION_METHODS_SESSION_KEY}:
        assert written[key] == real[key], key
