"""The console's home (map, list, this month) and a community's page, where the town
hall writes to the référents."""

import json

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from monquartier.communities.models import Community, Membership, MembershipStatus
from monquartier.notifications.models import Notification
from monquartier.townhalls import console
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


def _map_context(client) -> dict:
    """The areas the console's map reads from its URL."""
    response = client.get(reverse("townhalls:console_map"))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return json.loads(response.content)


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
    assert reverse("townhalls:console_map") in html
    areas = _map_context(agent_client)["areas"]
    assert {area["name"] for area in areas} == {"Riviera 2", "Riviera 3"}
    assert all(area["url"].startswith("/mairie/communautes/") for area in areas)
    # This month: both were created now; Riviera 3 grew by Aya (and its founder).
    assert "Ce mois-ci" in html and "nouveaux membres" in html
    assert response.context["created_this_month"] == sorted(
        response.context["communities"], key=lambda community: -community.created_at.timestamp()
    )
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


def test_the_communities_that_grow_come_by_their_newcomers_still_active_this_month(
    agent_client, aicha
):
    _grid_communities(3)
    q0, q1, q2 = (Community.objects.get(name=f"Quartier {index:02d}") for index in range(3))
    # Their founders joined long ago: only the newcomers of this month count.
    Membership.objects.update(joined_at=timezone.now() - timezone.timedelta(days=60))
    for number in range(3):
        factories.add_member(q1, email=f"q1-{number}@exemple.ci")
    gone = factories.add_member(q2, email="q2-gone@exemple.ci")
    factories.add_member(q2, email="q2-stays@exemple.ci")
    Membership.objects.filter(user=gone).update(
        status=MembershipStatus.LEFT, ended_at=timezone.now()
    )
    grown = agent_client.get(reverse("townhalls:console")).context["grown_this_month"]
    assert [(row["name"], row["new_members"]) for row in grown] == [
        ("Quartier 01", 3),
        ("Quartier 02", 1),
    ]
    assert q0.pk not in [row["pk"] for row in grown]


def test_the_home_counts_a_page_of_communities_whatever_their_number(agent_client, aicha):
    """The list's counts are subqueries of its rows: the paginator's count is of the
    communities alone, and the page's members are counted for its rows only."""
    _grid_communities(12)
    with CaptureQueriesContext(connection) as queries:
        agent_client.get(reverse("townhalls:console"))
    counts = [
        query["sql"]
        for query in queries
        if query["sql"].startswith("SELECT COUNT(*)")
        and 'FROM "communities_community"' in query["sql"]
    ]
    assert counts and all("communities_membership" not in sql for sql in counts)


def test_the_list_comes_a_page_at_a_time_and_finds_a_community_by_name(
    agent_client, aicha, monkeypatch
):
    monkeypatch.setattr(console, "COMMUNITIES_PER_PAGE", 10)
    monkeypatch.setattr(console, "NEWS_SHOWN", 5)
    _grid_communities(24)
    first = agent_client.get(reverse("townhalls:console"))
    assert [c.name for c in first.context["communities"]] == [
        f"Quartier {i:02d}" for i in range(10)
    ]
    assert first.context["community_total"] == 24
    assert "Page 1 sur 3" in first.content.decode()
    assert len(first.context["created_this_month"]) == 5 and first.context["more_created"]
    last = agent_client.get(reverse("townhalls:console"), {"page": 3})
    assert [c.name for c in last.context["communities"]] == [
        f"Quartier {i:02d}" for i in range(20, 24)
    ]
    # Its référents still come by pseudonym.
    assert "Référent 23" in last.content.decode()
    found = agent_client.get(reverse("townhalls:console"), {"q": "tier 1"})
    assert {c.name for c in found.context["communities"]} == {
        f"Quartier {i}" for i in range(10, 20)
    }
    none = agent_client.get(reverse("townhalls:console"), {"q": "Bingerville"})
    assert none.context["communities"] == [] and "Bingerville" in none.content.decode()
    # The map has every area, whatever the page.
    assert len(_map_context(agent_client)["areas"]) == 24


def test_the_map_areas_answer_304_until_a_community_changes(agent_client, riviera, aicha):
    first = agent_client.get(reverse("townhalls:console_map"))
    tag = first["ETag"]
    again = agent_client.get(reverse("townhalls:console_map"), HTTP_IF_NONE_MATCH=tag)
    assert again.status_code == 304
    riviera.name = "Riviera 2 Nord"
    riviera.save()
    changed = agent_client.get(reverse("townhalls:console_map"), HTTP_IF_NONE_MATCH=tag)
    assert changed.status_code == 200 and "Riviera 2 Nord" in changed.content.decode()


def test_the_map_areas_are_the_agents_commune_only(client, riviera, niangon, issa):
    bakary = factories.make_agent(factories.make_town_hall("yopougon"), "Bakary", "Sanogo")
    factories.log_in(client, bakary)
    names = {area["name"] for area in _map_context(client)["areas"]}
    assert names == {"Niangon Sud"}


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
