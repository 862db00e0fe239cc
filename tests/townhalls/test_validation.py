"""The town hall decides how join requests are validated in all its communities, and
may validate them itself."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from monquartier.communities import services
from monquartier.communities.models import (
    Community,
    Membership,
    MembershipStatus,
    ValidationMode,
)
from monquartier.notifications.models import Notification
from monquartier.townhalls import validation
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


def test_the_mode_applies_to_every_community_of_the_commune_present_and_future(
    agent_client, riviera, riviera3, niangon
):
    response = agent_client.post(reverse("townhalls:validation"), {"validation": "staff"})
    assert response.status_code == 302
    modes = dict(Community.objects.values_list("name", "validation_mode"))
    assert modes == {"Riviera 2": "staff", "Riviera 3": "staff", "Niangon Sud": "referents"}
    founder = factories.make_user("Bintou", "Cissé")
    later = factories.make_community(founder, name="Angré", centre=(5.3950, -3.9900))
    assert later.validation_mode == ValidationMode.STAFF


def test_a_bad_mode_is_refused_with_a_message(agent_client, riviera, cocody_town_hall):
    response = agent_client.post(reverse("townhalls:validation"), {"validation": "everyone"})
    assert response.status_code == 400 and "errorlist" in response.content.decode()
    cocody_town_hall.refresh_from_db()
    assert cocody_town_hall.validation == "referents"


def test_referents_see_the_mode_set_by_the_town_hall_and_cannot_change_it(
    client, agent_client, riviera, awa
):
    agent_client.post(reverse("townhalls:validation"), {"validation": "townhall"})
    factories.log_in(client, awa)
    url = reverse("communities:settings", args=[riviera.pk])
    page = client.get(url)
    assert "La mairie partenaire de la commune a choisi" in page.content.decode()
    response = client.post(
        url, {"validation_mode": "referents", "public_page": "on", "presentation": ""}
    )
    assert response.status_code == 400
    assert "vous ne pouvez pas la changer" in response.content.decode()
    riviera.refresh_from_db()
    assert riviera.validation_mode == "townhall" and not riviera.public_page
    # The other settings still save with the town hall's mode.
    response = client.post(
        url, {"validation_mode": "townhall", "public_page": "on", "presentation": ""}
    )
    assert response.status_code == 302
    riviera.refresh_from_db()
    assert riviera.public_page


def test_without_a_partner_town_hall_referents_choose_but_not_the_town_hall_mode(awa, riviera):
    services.update_community_settings(
        awa, riviera, validation_mode="staff", public_page=False, presentation=""
    )
    with pytest.raises(Exception, match="Seule une mairie partenaire"):
        services.update_community_settings(
            awa, riviera, validation_mode="townhall", public_page=False, presentation=""
        )


def test_the_town_hall_validating_itself_sees_the_applicants_as_referents_do_and_accepts(
    agent_client, riviera, awa, aicha
):
    agent_client.post(reverse("townhalls:validation"), {"validation": "townhall"})
    riviera.refresh_from_db()
    salif = factories.make_user("Salif", "Touré", email="salif.toure@exemple.ci")
    factories.add_pending(riviera, salif)
    # The référents are not asked: the town hall's agents are, named as they see them.
    (asked,) = Notification.objects.filter(event="join_requested")
    assert asked.recipient == aicha and asked.url == reverse("townhalls:requests")
    assert asked.data["applicant"] == "Salif T."
    page = agent_client.get(reverse("townhalls:requests"))
    html = page.content.decode()
    home = salif.home
    assert "Salif Touré" in html and home.landmark in html and str(home.latitude)[:5] in html
    assert salif.mobile_display in html and "salif.toure@" not in html
    home_page = agent_client.get(reverse("townhalls:console"))
    assert home_page.context["pending_count"] == 1
    assert "attend votre réponse" in home_page.content.decode()
    # A référent may no longer decide.
    membership = Membership.objects.get(user=salif)
    with pytest.raises(PermissionDenied):
        services.accept_join_request(awa, membership)
    response = agent_client.post(reverse("townhalls:accept_request", args=[membership.pk]))
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE and membership.decided_by == aicha
    assert Notification.objects.filter(recipient=salif, event="join_accepted").exists()
    assert "Salif Touré" not in agent_client.get(reverse("townhalls:requests")).content.decode()


def test_the_town_hall_refuses_with_a_reason_and_an_empty_one_is_refused(agent_client, riviera):
    agent_client.post(reverse("townhalls:validation"), {"validation": "townhall"})
    membership = factories.add_pending(riviera, first_name="Salif", last_name="Touré")
    url = reverse("townhalls:refuse_request", args=[membership.pk])
    response = agent_client.post(url, {"reason": "  "})
    assert response.status_code == 400 and "Indiquez le motif" in response.content.decode()
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PENDING
    assert agent_client.post(url, {"reason": "Domicile hors du quartier"}).status_code == 302
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.REFUSED
    assert Notification.objects.filter(recipient=membership.user, event="join_refused").exists()


def test_requests_of_another_commune_or_of_other_modes_are_404(
    client, agent_client, riviera, niangon, issa
):
    agent_client.post(reverse("townhalls:validation"), {"validation": "townhall"})
    yopougon = factories.make_town_hall("yopougon", validation="townhall")
    outsider = factories.make_user("Koné", "Bakary")
    factories.make_home(outsider, commune_slug="yopougon", latitude=5.3265, longitude=-4.1060)
    pending = services.request_to_join(outsider, niangon)
    assert niangon.__class__.objects.get(pk=niangon.pk).validation_mode == "townhall"
    assert (
        agent_client.post(reverse("townhalls:accept_request", args=[pending.pk])).status_code == 404
    )
    assert (
        agent_client.post(
            reverse("townhalls:refuse_request", args=[pending.pk]), {"reason": "Non"}
        ).status_code
        == 404
    )
    pending.refresh_from_db()
    assert pending.status == MembershipStatus.PENDING
    # Yopougon's own agent decides it.
    bakary = factories.make_agent(yopougon, "Bakary", "Sanogo")
    factories.log_in(client, bakary)
    assert client.post(reverse("townhalls:accept_request", args=[pending.pk])).status_code == 302


def test_once_the_partnership_ends_the_referents_validate_again(riviera, awa, cocody_town_hall):
    validation.set_validation(cocody_town_hall, "townhall")
    membership = factories.add_pending(riviera, first_name="Salif", last_name="Touré")
    cocody_town_hall.ends_on = timezone.localdate() - timezone.timedelta(days=1)
    cocody_town_hall.save()
    services.accept_join_request(awa, membership)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


def test_referents_see_requests_the_town_hall_validates_for_information_only(
    client, riviera, awa, cocody_town_hall
):
    validation.set_validation(cocody_town_hall, "townhall")
    riviera.refresh_from_db()
    membership = factories.add_pending(riviera, first_name="Salif", last_name="Touré")
    factories.log_in(client, awa)
    html = client.get(reverse("communities:requests", args=[riviera.pk])).content.decode()
    assert "la mairie partenaire valide les demandes" in html and "Salif Touré" in html
    assert reverse("communities:accept", args=[riviera.pk, membership.pk]) not in html


def test_the_town_hall_validating_itself_is_reminded_daily_of_the_communes_requests(
    agent_client, riviera, riviera3, awa, aicha
):
    from datetime import timedelta

    from monquartier.communities import jobs

    agent_client.post(reverse("townhalls:validation"), {"validation": "townhall"})
    for community, name in ((riviera, "Salif"), (riviera3, "Bintou")):
        membership = factories.add_pending(community, factories.make_user(name, "Touré"))
        Membership.objects.filter(pk=membership.pk).update(
            requested_at=timezone.now() - timedelta(days=2)
        )
    Notification.objects.all().delete()
    assert jobs.join_reminders("2026-11-23") == "0 communities reminded, 1 communes reminded"
    # One reminder for the commune, to the agent; none to the référents, who do not decide.
    (reminder,) = Notification.objects.filter(event="join_reminder_commune")
    assert reminder.recipient == aicha and reminder.data["count"] == 2
    assert reminder.url == reverse("townhalls:requests")
    assert not Notification.objects.filter(recipient=awa).exists()
