"""The console's alerts: the commune's list, live, its filters and map; one alert's page
and the "vu par la mairie" acknowledgement; the agent's SMS setting."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from monquartier.alerts.models import Alert
from monquartier.townhalls.models import Agent
from tests import factories

pytestmark = pytest.mark.django_db

NIANGON = (5.3265, -4.1060)


def alert(community, sender, **fields):
    fields.setdefault("category", "burglary")
    fields.setdefault("text", "Deux hommes escaladent le mur du lot 12")
    return Alert.objects.create(community=community, sender=sender, **fields)


@pytest.fixture
def niangon(issa):
    return factories.make_community(
        issa, name="Niangon Sud", centre=NIANGON, commune_slug="yopougon"
    )


@pytest.fixture
def agent_client(client, aicha):
    factories.log_in(client, aicha)
    return client


def test_the_commune_s_alerts_newest_first_and_never_another_commune_s(
    agent_client, riviera, riviera3, awa, niangon, issa
):
    older = alert(riviera, awa, text="Une moto rôde depuis une heure")
    older.created_at = timezone.now() - timedelta(hours=2)
    older.save()
    newer = alert(riviera3, riviera3.memberships.get().user, category="fire", text="Feu de brousse")
    alert(niangon, issa, text="Vol à Yopougon")
    page = agent_client.get(reverse("townhalls:alerts"))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(newer.text) < html.index(older.text)
    assert "Vol à Yopougon" not in html
    # The sender's real name, nothing else of them.
    assert "Awa Koné" in html and awa.email not in html and str(awa.mobile) not in html
    assert 'hx-trigger="every 25s"' in html


def test_members_visitors_and_staff_find_no_console_alerts(client, riviera, awa, yao, mariam):
    target = reverse("townhalls:alerts")
    assert client.get(target).status_code in (302, 404)
    for user in (awa, mariam):
        factories.log_in(client, user)
        assert client.get(target).status_code == 404


def test_an_ended_partnership_closes_the_alerts(agent_client, cocody_town_hall, riviera, awa):
    cocody_town_hall.ends_on = timezone.localdate() - timedelta(days=1)
    cocody_town_hall.save()
    assert agent_client.get(reverse("townhalls:alerts")).status_code == 403


def test_filters_by_community_category_and_period(agent_client, riviera, riviera3, awa):
    koffi = riviera3.memberships.get().user
    alert(riviera, awa, text="Cambriolage à Riviera 2")
    alert(riviera3, koffi, category="fire", text="Incendie à Riviera 3")
    old = alert(riviera3, koffi, category="fire", text="Vieil incendie")
    old.created_at = timezone.now() - timedelta(days=40)
    old.save()
    target = reverse("townhalls:alerts")

    html = agent_client.get(target, {"communaute": riviera3.pk}).content.decode()
    assert "Incendie à Riviera 3" in html and "Cambriolage à Riviera 2" not in html
    html = agent_client.get(target, {"categorie": "burglary"}).content.decode()
    assert "Cambriolage à Riviera 2" in html and "Incendie à Riviera 3" not in html
    since = (timezone.localdate() - timedelta(days=7)).isoformat()
    html = agent_client.get(target, {"du": since}).content.decode()
    assert "Incendie à Riviera 3" in html and "Vieil incendie" not in html
    until = (timezone.localdate() - timedelta(days=30)).isoformat()
    html = agent_client.get(target, {"au": until}).content.decode()
    assert "Vieil incendie" in html and "Incendie à Riviera 3" not in html


def test_filters_by_the_town_halls_acknowledgement(agent_client, riviera, awa):
    seen = alert(riviera, awa, text="Cambriolage déjà vu")
    alert(riviera, awa, text="Cambriolage pas encore vu")
    Alert.objects.filter(pk=seen.pk).update(town_hall_seen_at=timezone.now())
    target = reverse("townhalls:alerts")
    html = agent_client.get(target, {"etat": "seen"}).content.decode()
    assert "Cambriolage déjà vu" in html and "Cambriolage pas encore vu" not in html
    html = agent_client.get(target, {"etat": "unseen"}).content.decode()
    assert "Cambriolage pas encore vu" in html and "Cambriolage déjà vu" not in html
    html = agent_client.get(target, {"etat": "lu"}).content.decode()
    assert "Filtre ignoré" in html and "Cambriolage déjà vu" in html


def test_bad_filters_are_ignored_with_a_message(agent_client, riviera, awa, niangon):
    alert(riviera, awa, text="Cambriolage à Riviera 2")
    for bad in (
        {"communaute": "abc"},
        {"communaute": niangon.pk},
        {"communaute": "9" * 30},
        {"categorie": "dragons"},
        {"du": "2026-13-45"},
        {"du": "2026-06-10", "au": "2026-06-01"},
        {"page": "x"},
    ):
        response = agent_client.get(reverse("townhalls:alerts"), bad)
        assert response.status_code == 200, bad
        html = response.content.decode()
        assert "Cambriolage à Riviera 2" in html, bad
        if "page" not in bad:
            assert "Filtre ignoré" in html, bad


def test_the_list_refreshes_itself_with_its_filters(agent_client, riviera, riviera3, awa):
    alert(riviera, awa, text="Cambriolage à Riviera 2")
    fragment = agent_client.get(
        reverse("townhalls:alerts_fragment"), {"communaute": riviera.pk, "categorie": "dragons"}
    )
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert "<html" not in html and "Cambriolage à Riviera 2" in html
    assert f"communaute={riviera.pk}" in html and "Filtre ignoré" not in html


def test_the_map_shows_the_alerts_that_have_a_place(agent_client, riviera, awa):
    alert(riviera, awa, text="Sans lieu")
    page = agent_client.get(reverse("townhalls:alerts"))
    assert 'id="alerts-map"' not in page.content.decode()
    alert(riviera, awa, text="Au carrefour", latitude=5.36, longitude=-3.96)
    page = agent_client.get(reverse("townhalls:alerts"))
    html = page.content.decode()
    assert 'id="alerts-map"' in html and "leaflet.js" in html
    assert '"lat": 5.36' in html and '"lng": -3.96' in html


def test_the_list_costs_the_same_queries_whatever_the_number_of_alerts(
    agent_client, riviera, awa, django_assert_max_num_queries
):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert agent_client.get(reverse("townhalls:alerts")).status_code == 200
        return len(queries)

    alert(riviera, awa, latitude=5.36, longitude=-3.96)
    few = count()
    for index in range(6):
        koffi = factories.make_user("Koffi", f"N{index}")
        community = factories.make_community(
            koffi, name=f"Quartier {index}", centre=(5.34 + index * 0.01, -3.99)
        )
        for _ in range(4):
            alert(community, koffi, latitude=5.34, longitude=-3.99)
    with django_assert_max_num_queries(few):
        assert agent_client.get(reverse("townhalls:alerts")).status_code == 200
    with django_assert_max_num_queries(few):
        assert agent_client.get(reverse("townhalls:alerts_fragment")).status_code == 200


def test_an_alert_s_page_and_its_acknowledgement(
    agent_client, riviera, awa, yao, cocody_town_hall, aicha
):
    sent = alert(riviera, awa, text="Au carrefour", latitude=5.36, longitude=-3.96)
    page = agent_client.get(reverse("townhalls:alert", args=[sent.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Au carrefour" in html and "Awa Koné" in html and "Riviera 2" in html
    assert "Cambriolage" in html and 'id="alert-map"' in html
    assert awa.email not in html
    acknowledge = reverse("townhalls:acknowledge", args=[sent.pk])
    assert agent_client.get(acknowledge).status_code == 405
    response = agent_client.post(acknowledge)
    assert response.status_code == 302
    sent.refresh_from_db()
    first = sent.town_hall_seen_at
    assert first is not None and sent.town_hall_seen_by == aicha
    # A colleague's second click changes nothing.
    colleague = factories.make_agent(cocody_town_hall, "Koné", "Ibrahim")
    client = Client()
    factories.log_in(client, colleague)
    client.post(acknowledge)
    sent.refresh_from_db()
    assert (sent.town_hall_seen_at, sent.town_hall_seen_by) == (first, aicha)
    html = client.get(reverse("townhalls:alert", args=[sent.pk])).content.decode()
    assert "Vu par la mairie le" in html and "Aïcha Diomandé" in html


def test_the_sender_and_the_referents_see_the_acknowledgement(agent_client, riviera, awa, yao):
    sent = alert(riviera, yao, text="Une moto rôde depuis une heure")
    page = reverse("alerts:detail", args=[sent.pk])
    client = Client()
    factories.log_in(client, yao)
    assert "Vu par la mairie" not in client.get(page).content.decode()
    agent_client.post(reverse("townhalls:acknowledge", args=[sent.pk]))
    assert "Vu par la mairie le" in client.get(page).content.decode()
    factories.log_in(client, awa)  # the référent
    assert "Vu par la mairie le" in client.get(page).content.decode()


def test_another_commune_s_alert_is_404(agent_client, niangon, issa):
    other = alert(niangon, issa, text="Vol à Yopougon")
    assert agent_client.get(reverse("townhalls:alert", args=[other.pk])).status_code == 404
    assert agent_client.post(reverse("townhalls:acknowledge", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.town_hall_seen_at is None
    assert agent_client.get("/mairie/alertes/99999999999999999999/").status_code == 404


def test_an_agent_chooses_alert_sms_only_with_a_verified_mobile(client, cocody_town_hall):
    agent = factories.make_agent(cocody_town_hall, "Bamba", "Sita", mobile_verified=False)
    factories.log_in(client, agent)
    target = reverse("townhalls:settings")
    page = client.get(target)
    assert page.status_code == 200 and "vérifiez d'abord votre numéro" in page.content.decode()
    refused = client.post(target, {"receives_alert_sms": "on"})
    assert refused.status_code == 400
    assert not Agent.objects.get(user=agent).receives_alert_sms
    agent.mobile_verified = True
    agent.save()
    assert client.post(target, {"receives_alert_sms": "on"}).status_code == 302
    assert Agent.objects.get(user=agent).receives_alert_sms
    assert client.post(target, {}).status_code == 302
    assert not Agent.objects.get(user=agent).receives_alert_sms


def test_an_agent_following_an_alert_s_push_or_sms_link_lands_in_the_console(
    agent_client, riviera, awa
):
    sent = alert(riviera, awa)
    console = reverse("townhalls:alert", args=[sent.pk])
    response = agent_client.get(reverse("alerts:detail", args=[sent.pk]), follow=True)
    assert response.redirect_chain[-1][0] == console and response.status_code == 200
    response = agent_client.get(f"/a/{sent.pk}", follow=True)
    assert response.redirect_chain[-1][0] == console
