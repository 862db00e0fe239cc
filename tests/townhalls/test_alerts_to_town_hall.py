"""The partner town hall's agents and its police contacts receive the commune's alerts."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from monquartier.alerts import audiences, fanout, services
from monquartier.alerts.audiences import POLICE, TOWN_HALL
from monquartier.alerts.outbox import alert_sms_text
from monquartier.outbox.models import Delivery, PushSubscription
from monquartier.townhalls.audience import console_alert_path
from monquartier.townhalls.models import PoliceContact, TownHallContact
from tests import factories


@pytest.fixture
def quiet_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def send(sender, **fields):
    fields.setdefault("category", "burglary")
    fields.setdefault("text", "Deux hommes escaladent le mur du lot 12")
    return services.send_alert(sender, **fields)


def rows(alert):
    return {
        (
            delivery.user_id or delivery.police_id or delivery.contact_id,
            delivery.channel,
            delivery.audience,
        )
        for delivery in Delivery.objects.filter(alert=alert)
    }


def police(town_hall, **fields):
    fields.setdefault("station", "Commissariat du 8e arrondissement")
    fields.setdefault("email", "commissariat8@police.ci")
    fields.setdefault("mobile", "+2250102030405")
    return PoliceContact.objects.create(town_hall=town_hall, **fields)


def test_agents_get_email_push_and_sms_only_if_they_chose_it(
    quiet_tasks, riviera, awa, cocody_town_hall, aicha
):
    PushSubscription.objects.create(
        user=aicha, endpoint="https://push.example/aicha", p256dh="k", auth="a"
    )
    texter = factories.make_agent(cocody_town_hall, "Koné", "Ibrahim", receives_alert_sms=True)
    unverified = factories.make_agent(
        cocody_town_hall, "Bamba", "Sita", receives_alert_sms=True, mobile_verified=False
    )
    alert = send(awa)
    fanout.fan_out_alert(alert)
    town_hall = {row for row in rows(alert) if row[2] == audiences.TOWN_HALL}
    assert town_hall == {
        (aicha.pk, "email", "townhall"),
        (aicha.pk, "push", "townhall"),
        (texter.pk, "email", "townhall"),
        (texter.pk, "sms", "townhall"),
        (unverified.pk, "email", "townhall"),
    }
    sms = Delivery.objects.get(alert=alert, user=texter, channel="sms")
    assert sms.address == str(texter.mobile)
    assert sms.due_at <= timezone.now()


def test_agents_of_another_commune_receive_nothing(quiet_tasks, riviera, awa):
    yopougon = factories.make_town_hall("yopougon")
    other = factories.make_agent(yopougon, "Gnaoré", "Paul", receives_alert_sms=True)
    police(yopougon)
    alert = send(awa)
    fanout.fan_out_alert(alert)
    assert not Delivery.objects.filter(alert=alert, user=other).exists()
    assert not Delivery.objects.filter(alert=alert, police__isnull=False).exists()


def test_police_get_email_and_sms_at_once_for_the_communities_they_cover(
    quiet_tasks, riviera, riviera3, awa, cocody_town_hall
):
    everywhere = police(cocody_town_hall)
    elsewhere = police(cocody_town_hall, station="Brigade de Riviera 3", email="b3@gendarmerie.ci")
    elsewhere.communities.set([riviera3])
    here = police(cocody_town_hall, station="Poste de Riviera 2", email="", mobile="+2250102030499")
    here.communities.set([riviera, riviera3])
    police(cocody_town_hall, station="Fermé", email="ferme@police.ci", active=False)
    alert = send(awa)
    fanout.fan_out_alert(alert)
    assert {row for row in rows(alert) if row[2] == audiences.POLICE} == {
        (everywhere.pk, "email", "police"),
        (everywhere.pk, "sms", "police"),
        (here.pk, "sms", "police"),
    }
    assert Delivery.objects.get(alert=alert, police=here).address == "+2250102030499"
    assert all(
        row.due_at <= timezone.now() for row in Delivery.objects.filter(police__isnull=False)
    )


def test_a_muted_category_does_not_reach_the_police(quiet_tasks, riviera, awa, cocody_town_hall):
    station = police(cocody_town_hall, muted_categories=["missing", "utility"])
    lost = send(awa, category="missing", text="Notre chien Max a disparu")
    fanout.fan_out_alert(lost)
    assert not Delivery.objects.filter(alert=lost, police=station).exists()
    theft = send(awa, category="theft", text="Moto volée devant la pharmacie")
    fanout.fan_out_alert(theft)
    assert Delivery.objects.filter(alert=theft, police=station).count() == 2


def test_an_ended_partnership_stops_agents_and_police_but_not_the_old_contacts(
    quiet_tasks, riviera, awa, cocody_town_hall, aicha
):
    station = police(cocody_town_hall)
    TownHallContact.objects.create(
        commune=riviera.commune, name="Standard", email="standard@mairie-cocody.ci"
    )
    cocody_town_hall.ends_on = timezone.localdate() - timedelta(days=1)
    cocody_town_hall.save()
    alert = send(awa)
    fanout.fan_out_alert(alert)
    assert not Delivery.objects.filter(alert=alert, user=aicha).exists()
    assert not Delivery.objects.filter(alert=alert, police=station).exists()
    assert Delivery.objects.filter(alert=alert, contact__isnull=False).count() == 1


def test_a_second_fan_out_writes_nothing_new(quiet_tasks, riviera, awa, cocody_town_hall, aicha):
    police(cocody_town_hall)
    alert = send(awa)
    first = fanout.fan_out_alert(alert)
    assert first == Delivery.objects.filter(alert=alert).count()
    assert fanout.fan_out_alert(alert) == 0


def test_the_alert_form_says_the_town_hall_receives_it_only_while_it_does(
    riviera, cocody_town_hall
):
    assert audiences.TOWN_HALL in audiences.reaching(riviera)
    cocody_town_hall.ends_on = timezone.localdate() - timedelta(days=1)
    cocody_town_hall.save()
    assert audiences.TOWN_HALL not in audiences.reaching(riviera)
    TownHallContact.objects.create(commune=riviera.commune, name="Standard", email="s@mairie.ci")
    assert audiences.TOWN_HALL in audiences.reaching(riviera)


def test_an_agent_and_a_police_contact_receive_the_alert(
    riviera, awa, yao, cocody_town_hall, aicha, run_tasks, sms_outbox, settings
):
    """From the alert to the transports, with the real tasks."""
    factories.make_agent(
        cocody_town_hall, "Koné", "Ibrahim", mobile="+2250707111111", receives_alert_sms=True
    )
    police(cocody_town_hall)
    alert = send(awa)
    run_tasks()
    to_aicha = [message for message in mail.outbox if message.to == [aicha.email]]
    assert len(to_aicha) == 1
    body = to_aicha[0].body
    assert settings.SITE_URL + console_alert_path(alert.pk) in body
    assert "Awa Koné" in body
    # The sender's real name, nothing else of any member.
    for private in (awa.email, str(awa.mobile), yao.email, yao.full_name, str(yao.mobile)):
        assert private not in body
    to_police = [message for message in mail.outbox if message.to == ["commissariat8@police.ci"]]
    assert len(to_police) == 1
    assert "a relié votre service à ce quartier" in to_police[0].body
    numbers = {message.to for message in sms_outbox}
    assert {"+2250707111111", "+2250102030405"} <= numbers
    # The members' SMS says "Répondez VU"; agents and the police are no members and
    # cannot answer it: theirs ends with the reminder.
    assert alert_sms_text(alert).endswith("Répondez VU")
    text = alert_sms_text(alert, POLICE)
    assert text == alert_sms_text(alert, TOWN_HALL)
    assert text.endswith("N'intervenez pas: 110/111/170")
    assert {message.text for message in sms_outbox if message.to == "+2250102030405"} == {text}
    assert {message.text for message in sms_outbox if message.to == "+2250707111111"} == {text}


def test_an_ended_partnership_sends_nothing_to_agents_and_police(
    riviera, awa, cocody_town_hall, aicha, run_tasks, sms_outbox
):
    police(cocody_town_hall)
    cocody_town_hall.ends_on = timezone.localdate() - timedelta(days=1)
    cocody_town_hall.save()
    send(awa)
    run_tasks()
    addresses = {address for message in mail.outbox for address in message.to}
    assert aicha.email not in addresses and "commissariat8@police.ci" not in addresses
    assert "+2250102030405" not in {message.to for message in sms_outbox}
