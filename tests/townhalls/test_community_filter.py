"""The console's community filter (alerts and dashboard): a list for a commune of a few
communities, a name to type for a large one, where two thousand options would weigh
100 KB and cost a third of a second to render."""

import pytest
from django.urls import reverse

from monquartier.alerts.models import Alert
from monquartier.townhalls import forms
from tests import factories

pytestmark = pytest.mark.django_db

ALERTS = reverse("townhalls:alerts")
DASHBOARD = reverse("townhalls:dashboard")


@pytest.fixture
def agent_client(client, aicha):
    factories.log_in(client, aicha)
    return client


@pytest.fixture
def large(monkeypatch, riviera, riviera3, awa, koffi):
    """Cocody counts as a large commune: Riviera 2, Riviera 3 and Riviera Golf."""
    monkeypatch.setattr(forms, "LIST_UP_TO", 2)
    golf = factories.make_community(
        factories.make_user("Bintou", "Cissé"), name="Riviera Golf", centre=(5.3390, -3.9700)
    )
    Alert.objects.create(community=riviera, sender=awa, category="theft", text="Vol de moto")
    Alert.objects.create(community=riviera3, sender=koffi, category="theft", text="Cambriolage")
    return golf


def test_a_small_commune_gets_a_list(agent_client, riviera, riviera3):
    html = agent_client.get(ALERTS).content.decode()
    assert '<select name="communaute"' in html and ">Riviera 3</option>" in html


def test_a_large_commune_gets_a_name_to_type_that_finds_the_community(
    agent_client, large, riviera3
):
    html = agent_client.get(ALERTS).content.decode()
    assert '<select name="communaute"' not in html and 'name="communaute"' in html
    page = agent_client.get(ALERTS, {"communaute": "riviera 3"})
    assert [alert.text for alert in page.context["page"]] == ["Cambriolage"]
    # Part of a name is enough when only one community has it.
    assert [a.text for a in agent_client.get(ALERTS, {"communaute": "ra 3"}).context["page"]] == [
        "Cambriolage"
    ]


def test_an_id_from_a_link_works_and_shows_the_name(agent_client, large, riviera3):
    page = agent_client.get(ALERTS, {"communaute": riviera3.pk})
    assert [alert.text for alert in page.context["page"]] == ["Cambriolage"]
    assert 'value="Riviera 3"' in page.content.decode()


def test_a_name_that_matches_several_or_none_says_so_and_filters_nothing(agent_client, large):
    several = agent_client.get(ALERTS, {"communaute": "Riviera"}, follow=True)
    form = several.context["form"]
    assert "Plusieurs communautés correspondent" in str(form.errors["communaute"])
    assert "Riviera 2, Riviera 3, Riviera Golf" in str(form.errors["communaute"])
    assert len(several.context["page"].object_list) == 2
    none = agent_client.get(ALERTS, {"communaute": "Bingerville"})
    assert "ne porte ce nom" in str(none.context["form"].errors["communaute"])
    huge = agent_client.get(ALERTS, {"communaute": "x" * 10_000})
    assert huge.status_code == 200


def test_the_dashboard_takes_a_name_too_and_404s_a_community_of_another_commune(
    agent_client, large, riviera3, issa
):
    page = agent_client.get(DASHBOARD, {"period": "12", "community": "Riviera 3"})
    assert page.status_code == 200 and page.context["filters"].community == riviera3
    niangon = factories.make_community(
        issa, name="Niangon Sud", centre=(5.3265, -4.1060), commune_slug="yopougon"
    )
    assert agent_client.get(DASHBOARD, {"community": niangon.pk}).status_code == 404
    # By name, another commune's community is simply not found.
    by_name = agent_client.get(DASHBOARD, {"community": "Niangon Sud"})
    assert by_name.status_code == 200 and by_name.context["filters"].community is None
