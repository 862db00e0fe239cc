"""The town hall's console and dashboard share the member pages' cache (core/pagecache.py)
under their commune's scope: a repeat visit costs the agent's check and a few cache reads,
and whatever they show changes them at once."""

import pytest
from django.urls import reverse

from monquartier.alerts import services as alert_services
from monquartier.alerts.access import get_alert_for_reader
from tests import factories

pytestmark = pytest.mark.django_db

PAGES = ["townhalls:console", "townhalls:dashboard"]


def _rendered(response) -> bool:
    return response.context is not None


@pytest.fixture
def agent_client(client, riviera, aicha):
    factories.log_in(client, aicha)
    client.get(reverse("townhalls:console"))  # the CSRF cookie, as a browser has it
    return client


@pytest.mark.parametrize("page", PAGES)
def test_a_repeat_visit_is_answered_without_rendering(
    agent_client, page, django_assert_max_num_queries
):
    url = reverse(page)
    first = agent_client.get(url)
    assert first.status_code == 200
    # The session and the user: the agent and their partnership come from the cache.
    with django_assert_max_num_queries(2):
        again = agent_client.get(url)
    assert not _rendered(again)
    assert again.content == first.content


@pytest.mark.parametrize("page", PAGES)
def test_an_alert_of_the_commune_shows_at_once(agent_client, page, awa):
    url = reverse(page)
    agent_client.get(url)
    alert_services.send_alert(awa, category="other", text="Chien perdu rue des Jardins")
    assert _rendered(agent_client.get(url))


@pytest.mark.parametrize("page", PAGES)
def test_a_new_member_of_the_commune_shows_at_once(agent_client, page, riviera):
    url = reverse(page)
    agent_client.get(url)
    assert not _rendered(agent_client.get(url))
    factories.add_member(riviera, first_name="Bintou", last_name="Sangaré")
    assert _rendered(agent_client.get(url))


def test_a_referents_read_changes_the_dashboard(agent_client, riviera, awa, yao):
    alert = alert_services.send_alert(yao, category="other", text="Voiture suspecte")
    url = reverse("townhalls:dashboard")
    agent_client.get(url)
    assert not _rendered(agent_client.get(url))
    read, _own = get_alert_for_reader(awa, alert.pk)
    alert_services.mark_read(read, awa)
    assert _rendered(agent_client.get(url))


def test_another_communes_alert_leaves_the_console_cached(agent_client, issa):
    factories.make_community(
        issa, name="Yopougon Niangon", commune_slug="yopougon", centre=(5.3265, -4.1060)
    )
    url = reverse("townhalls:console")
    agent_client.get(url)
    alert_services.send_alert(issa, category="other", text="Coupure de courant à Niangon")
    assert not _rendered(agent_client.get(url))


def test_an_ended_partnership_is_not_hidden_by_the_cache(agent_client, cocody_town_hall):
    import datetime

    url = reverse("townhalls:console")
    agent_client.get(url)
    cocody_town_hall.ends_on = datetime.date.today() - datetime.timedelta(days=1)
    cocody_town_hall.save()
    assert agent_client.get(url).status_code == 403


def test_an_ending_partnership_ends_the_cached_console_at_midnight(
    agent_client, cocody_town_hall, monkeypatch
):
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    cocody_town_hall.ends_on = today
    cocody_town_hall.save()
    url = reverse("townhalls:console")
    agent_client.get(url)
    assert not _rendered(agent_client.get(url))
    monkeypatch.setattr(timezone, "localdate", lambda: today + datetime.timedelta(days=1))
    assert agent_client.get(url).status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_an_agent_removed_no_longer_gets_the_cached_page(agent_client, page, aicha):
    url = reverse(page)
    agent_client.get(url)
    assert not _rendered(agent_client.get(url))
    aicha.town_hall_agent.delete()
    assert agent_client.get(url).status_code == 404


def test_an_agent_moved_to_another_town_hall_gets_its_console(agent_client, aicha, issa):
    factories.make_community(
        issa, name="Yopougon Niangon", commune_slug="yopougon", centre=(5.3265, -4.1060)
    )
    url = reverse("townhalls:console")
    assert "Niangon" not in agent_client.get(url).content.decode()
    agent = aicha.town_hall_agent
    agent.town_hall = factories.make_town_hall("yopougon")
    agent.save()
    assert "Niangon" in agent_client.get(url).content.decode()
