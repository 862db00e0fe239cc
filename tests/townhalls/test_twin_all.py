"""Twin all: the town hall twins every pair of its communities near enough, or ends them
all; a preview first, then a confirmation that runs once."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from monquartier.communities import services
from monquartier.communities.models import Twinning, TwinningStatus
from monquartier.notifications.models import Notification
from monquartier.townhalls import console, twinning
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_client(client, aicha):
    factories.log_in(client, aicha)
    return client


@pytest.fixture
def far(db):
    """A Cocody community more than 3 km from the Rivieras."""
    founder = factories.make_user("Bintou", "Cissé")
    return factories.make_community(founder, name="Angré Château", centre=(5.4000, -3.9900))


@pytest.fixture
def niangon(issa):
    return factories.make_community(
        issa, name="Niangon Sud", centre=(5.3265, -4.1060), commune_slug="yopougon"
    )


def test_the_preview_shows_the_near_pairs_and_who_would_receive_whose_alerts(
    agent_client, riviera, riviera3, aya, far, niangon
):
    response = agent_client.get(reverse("townhalls:twin_all"))
    assert response.status_code == 200
    (pair,) = response.context["pairs"]
    assert {pair.first.name, pair.second.name} == {"Riviera 2", "Riviera 3"}
    assert 0 < pair.distance_m < 3000
    # Awa and Yao receive Riviera 3's alerts, Koffi and Aya Riviera 2's.
    assert pair.recipients == 4 and response.context["pairs_recipients"] == 4
    html = response.content.decode()
    assert "Angré Château" not in html and "Niangon Sud" not in html
    assert not Twinning.objects.exists()


def test_twin_all_makes_real_active_twinnings_once(
    agent_client, riviera, riviera3, far, awa, koffi, aicha
):
    assert agent_client.get(reverse("townhalls:twin_all_confirm")).status_code == 405
    response = agent_client.post(reverse("townhalls:twin_all_confirm"))
    assert response.status_code == 302
    (made,) = Twinning.objects.all()
    assert made.status == TwinningStatus.ACTIVE and made.decided_by == aicha
    told = Notification.objects.filter(event="twinning_by_commune")
    assert {n.recipient for n in told} == {awa, koffi}
    assert all(n.data["by"] == "Mairie de Cocody" for n in told)
    # The twinning is the communities' own: alerts follow it.
    assert riviera3.__class__.objects.twinned_with(riviera.pk).get() == riviera3
    # Running it twice makes nothing new.
    agent_client.post(reverse("townhalls:twin_all_confirm"))
    assert Twinning.objects.count() == 1 and told.count() == 2
    assert agent_client.get(reverse("townhalls:twin_all")).context["pairs"] == []


def test_a_pending_request_between_two_neighbours_becomes_the_active_twinning(
    riviera, riviera3, awa, aicha, cocody_town_hall
):
    request = services.request_twinning(awa, riviera, riviera3)
    assert twinning.twin_all(aicha, cocody_town_hall) == 1
    request.refresh_from_db()
    assert request.status == TwinningStatus.ACTIVE and Twinning.objects.count() == 1


def test_end_all_ends_the_communes_twinnings_once(
    agent_client, riviera, riviera3, twinned, awa, koffi, niangon, issa
):
    preview = agent_client.get(reverse("townhalls:twin_all"))
    (listed,) = preview.context["to_end"]
    assert listed.twinning == twinned and listed.recipients == 4
    assert agent_client.get(reverse("townhalls:end_all_confirm")).status_code == 405
    assert agent_client.post(reverse("townhalls:end_all_confirm")).status_code == 302
    twinned.refresh_from_db()
    assert twinned.status == TwinningStatus.ENDED
    told = Notification.objects.filter(event="twinning_ended_by_commune")
    assert {n.recipient for n in told} == {awa, koffi}
    agent_client.post(reverse("townhalls:end_all_confirm"))
    assert told.count() == 2


def test_only_the_communes_town_hall_twins_its_communities(riviera, riviera3, awa, issa, niangon):
    yopougon = factories.make_town_hall("yopougon")
    bakary = factories.make_agent(yopougon, "Bakary", "Sanogo")
    for actor in (awa, bakary):
        with pytest.raises(PermissionDenied):
            services.twin_for_commune(actor, riviera, riviera3, by="Mairie de Yopougon")
    assert not Twinning.objects.exists()
    assert twinning.twin_all(bakary, yopougon) == 0


def test_the_preview_costs_no_query_per_community(
    agent_client, aicha, django_assert_max_num_queries, monkeypatch
):
    monkeypatch.setattr(console, "PAIRS_SHOWN", 10)
    for index in range(12):
        founder = factories.make_user(f"Ref{index}", "Test")
        factories.make_community(
            founder,
            name=f"Quartier {index:02d}",
            centre=(5.3700 + (index // 4) * 0.004, -3.9900 + (index % 4) * 0.004),
            side_m=300,
        )
    with django_assert_max_num_queries(12):
        response = agent_client.get(reverse("townhalls:twin_all"))
    # Every pair of the 3 × 4 grid is within 3 km.
    assert len(response.context["pairs"]) == 66
    assert "les 10 paires les plus proches sur 66" in response.content.decode()
