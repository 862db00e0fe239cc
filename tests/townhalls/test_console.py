"""The console's home (map, list, this month) and a community's page, where the town
hall writes to the référents."""

import json

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from monquartier.communities.models import Membership
from monquartier.notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_client(client, aicha):
    factories.log_in(client, aicha)
    return client


@pytest.fixture
def niangon(issa):
    return factories.make_community(
        issa, name="Niangon Sud", centre=(5.3265, -4.1060), commune_slug="yopougon"
    )


def _grid_communities(count: int, *, start: int = 0) -> None:
    """`count` communities of Cocody side by side, each with its référent."""
    for index in range(start, start + count):
        row, column = divmod(index, 6)
        referent = factories.make_user(f"Ref{index}", "Test", pseudonym=f"Référent {index}")
        factories.make_community(
            referent,
            name=f"Quartier {index:02d}",
            centre=(5.3700 + row * 0.004, -3.9900 + column * 0.004),
            side_m=300,
        )


def _map_context(response) -> dict:
    html = response.content.decode()
    start = html.index('id="console-map-context"')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    return json.loads(body)


def test_the_home_shows_every_community_on_a_map_with_its_facts_and_referents_by_pseudonym(
    agent_client, riviera, riviera3, aya, niangon
):
    Membership.objects.filter(user__first_name="Awa").update(
        joined_at=timezone.now() - timezone.timedelta(days=60)
    )
    response = agent_client.get(reverse("townhalls:console"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Riviera 2" in html and "Riviera 3" in html and "Niangon Sud" not in html
    # Référents by pseudonym (or first name and initial), never the real name or e-mail.
    assert "Awa K." in html and "Koné" not in html and "awa.kone@" not in html
    assert "Koffi B." in html and "Brou" not in html
    areas = _map_context(response)["areas"]
    assert {area["name"] for area in areas} == {"Riviera 2", "Riviera 3"}
    assert all(area["url"].startswith("/mairie/communautes/") for area in areas)
    # This month: both were created now; Riviera 3 grew by Aya (and its founder).
    assert "Ce mois-ci" in html and "nouveaux membres" in html
    assert response.context["created_this_month"] == response.context["communities"]
    counts = {c.name: (c.member_count, c.new_members) for c in response.context["communities"]}
    assert counts == {"Riviera 2": (2, 1), "Riviera 3": (2, 2)}


def test_the_home_costs_the_same_queries_for_3_and_for_30_communities(agent_client, aicha):
    _grid_communities(3)
    agent_client.get(reverse("townhalls:console"))
    with CaptureQueriesContext(connection) as few:
        assert agent_client.get(reverse("townhalls:console")).status_code == 200
    _grid_communities(27, start=3)
    with CaptureQueriesContext(connection) as many:
        response = agent_client.get(reverse("townhalls:console"))
    assert len(response.context["communities"]) == 30
    assert len(many) == len(few) <= 12


def test_a_community_page_shows_its_facts_and_area(agent_client, riviera, aicha):
    response = agent_client.get(reverse("townhalls:community", args=[riviera.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Riviera 2" in html and "Awa K." in html and "Koné" not in html
    assert "community-map-context" in html and riviera.area["type"] in html


def test_an_agent_of_cocody_gets_404_for_a_yopougon_community_and_members_for_the_console(
    client, agent_client, niangon, riviera, awa
):
    assert agent_client.get(reverse("townhalls:community", args=[niangon.pk])).status_code == 404
    assert (
        agent_client.post(
            reverse("townhalls:community", args=[niangon.pk]), {"text": "Bonjour"}
        ).status_code
        == 404
    )
    assert not Notification.objects.filter(event="town_hall_message").exists()
    other = factories.make_user("Awa", "Bis")
    factories.log_in(client, other)
    assert client.get(reverse("townhalls:console")).status_code == 404


def test_the_town_hall_writes_to_the_referents_through_the_platform(
    agent_client, riviera, awa, yao, aicha, run_tasks
):
    mail.outbox.clear()
    response = agent_client.post(
        reverse("townhalls:community", args=[riviera.pk]),
        {"text": "La collecte des déchets change de jour."},
    )
    assert response.status_code == 302
    (notification,) = Notification.objects.filter(event="town_hall_message")
    assert notification.recipient == awa and notification.community == riviera
    assert notification.data["town_hall"] == "Mairie de Cocody"
    run_tasks()
    (message,) = [m for m in mail.outbox if m.to == ["awa.kone@exemple.ci"]]
    assert "Mairie de Cocody" in message.subject
    assert "La collecte des déchets change de jour." in message.body
    # The référent never sees the agent's address, nor the agent the référent's.
    assert "aicha.diomande@" not in message.body and "aicha.diomande@" not in str(message.reply_to)
    assert not [m for m in mail.outbox if m.to == ["yao.kouassi@exemple.ci"]]
    page = agent_client.get(reverse("townhalls:community", args=[riviera.pk]))
    assert "awa.kone@" not in page.content.decode()


@pytest.mark.parametrize(
    "text, error",
    [("", "Écrivez votre message."), ("   ", "Écrivez votre message."), ("x" * 1001, "1000")],
)
def test_bad_messages_are_refused_with_a_message_and_nothing_is_sent(
    agent_client, riviera, text, error
):
    response = agent_client.post(reverse("townhalls:community", args=[riviera.pk]), {"text": text})
    assert response.status_code == 400
    (shown,) = response.context["form"].errors["text"]
    assert error in shown.replace("\u202f", "").replace(" ", "") or error in shown
    assert shown in response.content.decode()
    assert not Notification.objects.filter(event="town_hall_message").exists()


def test_a_flood_of_messages_is_refused(agent_client, riviera, settings):
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "town_hall_message": (2, 3600)}
    url = reverse("townhalls:community", args=[riviera.pk])
    factories.add_member(riviera, referent=True, first_name="Bintou", last_name="Cissé")
    for number in range(2):
        assert agent_client.post(url, {"text": f"Message {number}"}).status_code == 302
    # Two messages, four notifications (two référents): the limit counts messages.
    assert Notification.objects.filter(event="town_hall_message").count() == 4
    response = agent_client.post(url, {"text": "Un de trop"})
    assert response.status_code == 400 and "24 heures" in response.content.decode()
    assert not Notification.objects.filter(data__text="Un de trop").exists()
