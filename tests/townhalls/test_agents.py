"""Town-hall agents: invitation, account, second factor, access to the console."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from monquartier.accounts.models import User
from monquartier.communities import services as community_services
from monquartier.townhalls import agents
from monquartier.townhalls.models import Agent, AgentInvitation
from tests import factories

pytestmark = pytest.mark.django_db


def _invitation_link(message) -> str:
    return re.search(r"https?://\S+/mairie/invitation/\S+/", message.body).group(0)


def test_staff_invite_an_agent_who_creates_the_account_then_sets_a_second_factor(
    client, mariam, cocody_town_hall, run_tasks
):
    agents.invite_agent(mariam, cocody_town_hall, "Kone.Adama@Mairie-Cocody.ci")
    run_tasks()
    (message,) = mail.outbox
    assert message.to == ["kone.adama@mairie-cocody.ci"]
    assert "Mairie de Cocody" in message.subject
    path = _invitation_link(message).split("localhost:8000", 1)[-1]
    page = client.get(path)
    assert page.status_code == 200 and "kone.adama@mairie-cocody.ci" in page.content.decode()
    response = client.post(
        path, {"first_name": "Adama", "last_name": "Koné", "password": "une-mairie-vigilante"}
    )
    assert response.status_code == 302
    user = User.objects.get(email="kone.adama@mairie-cocody.ci")
    assert user.is_town_hall_agent and user.check_password("une-mairie-vigilante")
    assert Agent.objects.get(user=user).town_hall == cocody_town_hall
    # The console first asks for the second factor, like staff.
    console = client.get(reverse("townhalls:console"))
    assert console.status_code == 302 and console.url == reverse("mfa_activate_totp")
    # The link served once.
    client.logout()
    assert client.get(path).status_code == 404


def test_an_invitation_link_serves_once_and_expires(client, mariam, cocody_town_hall):
    invitation = agents.invite_agent(mariam, cocody_town_hall, "agent@mairie-cocody.ci")
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    invitation.save()
    assert agents.open_invitation("not-a-token") is None
    with pytest.raises(ValidationError):
        agents.accept_invitation("x" * 43, first_name="A", last_name="B", password="long-enough-1")
    assert client.get(reverse("townhalls:invitation", args=["x" * 43])).status_code == 404
    assert client.get(reverse("townhalls:invitation", args=["x" * 500])).status_code == 404


def test_a_resident_address_cannot_become_an_agent_account(mariam, awa, cocody_town_hall):
    with pytest.raises(ValidationError) as error:
        agents.invite_agent(mariam, cocody_town_hall, awa.email)
    assert "adresse professionnelle" in str(error.value)
    assert not AgentInvitation.objects.exists()


def test_only_staff_and_managing_agents_invite(awa, aicha, cocody_town_hall):
    plain = factories.make_agent(cocody_town_hall, "Yves", "Gnagne")
    with pytest.raises(PermissionDenied):
        agents.invite_agent(awa, cocody_town_hall, "x@mairie-cocody.ci")
    with pytest.raises(PermissionDenied):
        agents.invite_agent(plain, cocody_town_hall, "x@mairie-cocody.ci")
    assert agents.invite_agent(aicha, cocody_town_hall, "x@mairie-cocody.ci").pk


def test_invitations_are_flood_limited(settings, aicha, cocody_town_hall):
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "agent_invitation": (2, 3600)}
    agents.invite_agent(aicha, cocody_town_hall, "a@mairie-cocody.ci")
    agents.invite_agent(aicha, cocody_town_hall, "b@mairie-cocody.ci")
    with pytest.raises(ValidationError):
        agents.invite_agent(aicha, cocody_town_hall, "c@mairie-cocody.ci")
    assert AgentInvitation.objects.count() == 2


def test_an_agent_never_joins_or_founds_a_community(aicha, riviera):
    factories.make_home(aicha)
    with pytest.raises(PermissionDenied):
        community_services.request_to_join(aicha, riviera)


def test_the_console_exists_only_for_agents(client, awa, mariam, aicha, riviera):
    url = reverse("townhalls:console")
    for person in (awa, mariam):
        factories.log_in(client, person)
        assert client.get(url).status_code == 404
    factories.log_in(client, aicha)
    page = client.get(url)
    assert page.status_code == 200 and riviera.name in page.content.decode()
    # The home page sends an agent to the console.
    assert client.get(reverse("home")).url == url


def test_an_agent_of_an_ended_partnership_gets_a_clear_page(client, aicha, cocody_town_hall):
    cocody_town_hall.ends_on = timezone.localdate() - timedelta(days=1)
    cocody_town_hall.save()
    factories.log_in(client, aicha)
    page = client.get(reverse("townhalls:console"))
    assert page.status_code == 403
    assert "Le partenariat de la mairie a pris fin" in page.content.decode()


def test_an_agent_session_without_the_code_is_sent_back_to_the_log_in(client, aicha):
    client.force_login(aicha)  # a session in which no code was typed
    response = client.get(reverse("townhalls:console"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_managing_agents_reach_only_their_own_town_hall(client, aicha, cocody_town_hall):
    yopougon = factories.make_town_hall("yopougon")
    other = factories.make_agent(yopougon, "Marc", "Yapi")
    colleague = factories.make_agent(cocody_town_hall, "Yves", "Gnagne")
    factories.log_in(client, aicha)
    remove = "townhalls:remove_agent"
    assert client.post(reverse(remove, args=[other.town_hall_agent.pk])).status_code == 404
    assert User.objects.get(pk=other.pk).is_active
    client.post(reverse(remove, args=[colleague.town_hall_agent.pk]))
    assert not User.objects.get(pk=colleague.pk).is_active
    assert not Agent.objects.filter(user=colleague).exists()


def test_the_agents_page_invites_and_says_what_went_wrong(client, aicha, awa):
    factories.log_in(client, aicha)
    url = reverse("townhalls:agents")
    assert client.post(url, {"email": "not an address"}).status_code == 400
    response = client.post(url, {"email": awa.email})
    assert response.status_code == 400 and "adresse professionnelle" in response.content.decode()
    assert client.post(url, {"email": "nouvel.agent@mairie-cocody.ci"}).status_code == 302
    assert AgentInvitation.objects.filter(email="nouvel.agent@mairie-cocody.ci").exists()


def test_an_agent_who_does_not_manage_agents_gets_no_agents_page(client, cocody_town_hall):
    plain = factories.make_agent(cocody_town_hall, "Yves", "Gnagne")
    factories.log_in(client, plain)
    assert client.get(reverse("townhalls:agents")).status_code == 404
