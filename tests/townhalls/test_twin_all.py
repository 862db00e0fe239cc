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
    assert pair.recipients == 4
    assert (response.context["pairs_members"], response.context["pairs_communities"]) == (4, 2)
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
    assert preview.context["to_end_members"] == 4
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


def _grid(count: int, *, columns: int = 4, step: float = 0.004):
    """Communities of Cocody on a grid, each a few hundred metres from the next, each with
    its founder as référent: every pair of a small grid is within 3 km."""
    founders = []
    for index in range(count):
        founder = factories.make_user(f"Ref{index}", "Test")
        factories.make_community(
            founder,
            name=f"Quartier {index:02d}",
            centre=(5.3700 + (index // columns) * step, -3.9900 + (index % columns) * step),
            side_m=300,
        )
        founders.append(founder)
    return founders


def test_each_referent_hears_once_of_all_the_twinnings_of_their_community(
    agent_client, aicha, cocody_town_hall
):
    founders = _grid(4)
    agent_client.post(reverse("townhalls:twin_all_confirm"))
    assert Twinning.objects.filter(status=TwinningStatus.ACTIVE).count() == 6
    told = Notification.objects.filter(event="twinnings_by_commune")
    # One notification per référent, naming the three neighbours.
    assert sorted(n.recipient_id for n in told) == sorted(f.pk for f in founders)
    first = told.get(recipient=founders[0])
    assert first.data["count"] == 3
    assert first.data["others"] == "« Quartier 01 », « Quartier 02 », « Quartier 03 »"
    assert not Notification.objects.filter(event="twinning_by_commune").exists()

    agent_client.post(reverse("townhalls:end_all_confirm"))
    ended = Notification.objects.filter(event="twinnings_ended_by_commune")
    assert ended.count() == 4 and ended.get(recipient=founders[3]).data["count"] == 3
    assert not Twinning.objects.filter(status=TwinningStatus.ACTIVE).exists()


def test_confirming_runs_one_background_task_at_a_time(
    agent_client, aicha, cocody_town_hall, riviera, riviera3, run_tasks
):
    from django_tasks_db.models import DBTaskResult

    response = agent_client.post(reverse("townhalls:twin_all_confirm"), follow=True)
    assert "Revenez sur cette page" in response.content.decode()
    # Queued, not done: the page says it runs and offers no button meanwhile.
    assert not Twinning.objects.exists()
    cocody_town_hall.refresh_from_db()
    assert cocody_town_hall.bulk_twinning_since is not None
    page = agent_client.get(reverse("townhalls:twin_all")).content.decode()
    assert "est en cours depuis" in page
    assert reverse("townhalls:twin_all_confirm") not in page
    # A second confirmation (another agent, a double tap) starts nothing more.
    again = agent_client.post(reverse("townhalls:end_all_confirm"), follow=True)
    assert "est déjà en cours" in again.content.decode()
    assert DBTaskResult.objects.count() == 1

    run_tasks()  # the task, then the e-mails it queued for the référents
    assert Twinning.objects.filter(status=TwinningStatus.ACTIVE).count() == 1
    cocody_town_hall.refresh_from_db()
    assert cocody_town_hall.bulk_twinning_since is None
    assert (
        reverse("townhalls:end_all_confirm")
        in agent_client.get(reverse("townhalls:twin_all")).content.decode()
    )


def test_a_task_that_died_with_its_worker_blocks_for_two_hours_at_most(aicha, cocody_town_hall):
    from datetime import timedelta

    from django.utils import timezone

    from monquartier.townhalls import bulk_twinning

    cocody_town_hall.bulk_twinning_since = timezone.now() - timedelta(minutes=30)
    cocody_town_hall.save()
    assert bulk_twinning.running_since(cocody_town_hall) is not None
    cocody_town_hall.bulk_twinning_since = timezone.now() - timedelta(hours=3)
    assert bulk_twinning.running_since(cocody_town_hall) is None
