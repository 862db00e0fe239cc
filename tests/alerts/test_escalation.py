"""Escalation of an alert nobody acknowledged: référents at +N minutes (a call or an SMS),
the town hall and the police at +2N, never twice, never after a "J'ai vu"."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from monquartier.alerts import acknowledgements, escalation, fanout, services
from monquartier.alerts.jobs import escalate_alerts
from monquartier.alerts.models import Alert, AlertStatus
from monquartier.communities.services.areas import update_community_settings
from monquartier.outbox.models import Delivery, TextMessage, VoiceCall
from monquartier.townhalls.models import PoliceContact, TownHallContact
from tests import factories


@pytest.fixture
def quiet_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def adjoua(riviera):
    """A second référent of Riviera 2, who takes SMS (Awa, the other, sends the alerts)."""
    return factories.add_member(
        riviera, first_name="Adjoua", last_name="Yapi", mobile="+2250707000001", referent=True
    )


@pytest.fixture
def bakary(riviera):
    """A référent who chose voice calls."""
    return factories.add_member(
        riviera,
        first_name="Bakary",
        last_name="Traoré",
        mobile="+2250707000002",
        referent=True,
        alert_voice=True,
    )


@pytest.fixture
def authorities(riviera, cocody_town_hall, aicha):
    aicha.mobile, aicha.mobile_verified = "+2250707000003", True
    aicha.save()
    TownHallContact.objects.create(
        commune=riviera.commune, name="Standard", email="s@mairie.ci", mobile="+2250707000004"
    )
    PoliceContact.objects.create(
        town_hall=cocody_town_hall,
        station="Commissariat du 8e arrondissement",
        email="commissariat8@police.ci",
        mobile="+2250707000005",
    )


def send(sender, **fields):
    fields.setdefault("category", "burglary")
    fields.setdefault("text", "Deux hommes escaladent le mur du lot 12")
    alert = services.send_alert(sender, **fields)
    fanout.fan_out_alert(alert)
    alert.refresh_from_db()
    return alert


def escalation_sms():
    return sorted(
        str(number)
        for number in TextMessage.objects.filter(purpose="escalation").values_list("to", flat=True)
    )


def run_at(alert, minutes):
    with time_machine.travel(alert.created_at + timedelta(minutes=minutes), tick=False):
        escalate_alerts("test")
    alert.refresh_from_db()
    return alert


def test_nobody_acknowledges_referents_then_town_hall_and_police(
    quiet_tasks, riviera, awa, yao, adjoua, bakary, authorities
):
    alert = send(awa)
    assert run_at(alert, 9).escalation_level == 0
    assert escalation_sms() == []

    assert run_at(alert, 10).escalation_level == escalation.REFERENTS
    # Adjoua by SMS; Bakary chose calls: his call, waiting for the SMS delay, is due now.
    assert escalation_sms() == ["+2250707000001"]
    call = Delivery.objects.get(alert=alert, user=bakary, channel="voice")
    assert call.due_at <= alert.created_at + timedelta(minutes=10)
    # Neither the sender nor the plain member is told.
    assert not TextMessage.objects.filter(account__in=[awa, yao], purpose="escalation").exists()
    message = TextMessage.objects.get(purpose="escalation")
    assert message.community == riviera and message.account == adjoua

    assert run_at(alert, 19).escalation_level == escalation.REFERENTS
    assert run_at(alert, 20).escalation_level == escalation.AUTHORITIES
    assert escalation_sms() == [
        "+2250707000001",
        "+2250707000003",
        "+2250707000004",
        "+2250707000005",
    ]
    assert alert.escalated_at == alert.created_at + timedelta(minutes=20)


def test_idempotent_reruns_send_nothing_twice(quiet_tasks, riviera, awa, adjoua, authorities):
    alert = send(awa)
    for minute in (10, 10, 11, 12):
        run_at(alert, minute)
    assert TextMessage.objects.filter(purpose="escalation").count() == 1
    for minute in (20, 20, 25, 60):
        run_at(alert, minute)
    assert TextMessage.objects.filter(purpose="escalation").count() == 4
    # Calling the step directly again, as a second worker would, does nothing either.
    assert escalation.escalate(alert.pk, alert.created_at + timedelta(minutes=30)) == 0


def test_an_acknowledgement_at_five_minutes_stops_everything(
    quiet_tasks, riviera, awa, yao, adjoua, bakary, authorities
):
    alert = send(awa)
    with time_machine.travel(alert.created_at + timedelta(minutes=5), tick=False):
        acknowledgements.acknowledge(yao, alert, channel="sms")
    for minute in (10, 20, 40):
        assert run_at(alert, minute).escalation_level == 0
    assert escalation_sms() == []
    assert not Delivery.objects.filter(alert=alert, audience=escalation.ESCALATION).exists()


def test_an_acknowledgement_after_the_first_step_stops_the_second(
    quiet_tasks, riviera, awa, yao, adjoua, authorities
):
    alert = send(awa)
    run_at(alert, 10)
    with time_machine.travel(alert.created_at + timedelta(minutes=12), tick=False):
        acknowledgements.acknowledge(adjoua, alert, channel="web")
    assert run_at(alert, 20).escalation_level == escalation.REFERENTS
    assert escalation_sms() == ["+2250707000001"]


def test_the_communitys_own_delay(quiet_tasks, riviera, awa, adjoua, authorities):
    update_community_settings(
        awa,
        riviera,
        validation_mode=riviera.validation_mode,
        public_page=False,
        presentation="",
        acknowledgement_minutes=3,
    )
    alert = send(awa)
    assert run_at(alert, 2).escalation_level == 0
    assert run_at(alert, 3).escalation_level == escalation.REFERENTS
    assert run_at(alert, 6).escalation_level == escalation.AUTHORITIES


def test_the_referents_set_the_delay_on_the_settings_page(client, riviera, awa):
    factories.log_in(client, awa)
    url = reverse("communities:settings", args=[riviera.pk])
    page = client.get(url).content.decode()
    assert 'name="acknowledgement_minutes"' in page and 'value="10"' in page
    data = {"validation_mode": riviera.validation_mode, "presentation": ""}
    assert client.post(url, {**data, "acknowledgement_minutes": "500"}).status_code == 400
    assert client.post(url, {**data, "acknowledgement_minutes": "abc"}).status_code == 400
    riviera.refresh_from_db()
    assert riviera.acknowledgement_minutes == 10
    assert client.post(url, {**data, "acknowledgement_minutes": "15"}).status_code == 302
    riviera.refresh_from_db()
    assert riviera.acknowledgement_minutes == 15


def test_hidden_held_and_corrections_are_never_escalated(
    quiet_tasks, riviera, awa, mariam, adjoua, authorities
):
    hidden = send(awa)
    Alert.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now(), hidden_by=mariam)
    held = send(awa, text="Un voleur au marché")
    Alert.objects.filter(pk=held.pk).update(status=AlertStatus.HELD)
    correction = send(awa, text="Ce sont des ouvriers", corrects=send(awa))
    original = correction.corrects
    acknowledgements.acknowledge(adjoua, original, channel="web")
    for alert in (hidden, held, correction):
        assert run_at(alert, 30).escalation_level == 0
    assert escalation_sms() == []


def test_the_sms_cap_of_a_community(quiet_tasks, settings, riviera, awa, adjoua, authorities):
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "escalation_sms_community": (2, 24 * 3600)}
    alert = send(awa)
    run_at(alert, 30)
    assert alert.escalation_level == escalation.AUTHORITIES
    assert TextMessage.objects.filter(purpose="escalation").count() == 2


def test_the_sender_and_referents_see_it_was_escalated(
    client, quiet_tasks, riviera, awa, yao, adjoua
):
    alert = send(awa)
    run_at(alert, 10)
    factories.log_in(client, awa)
    page = client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert 'id="alert-escalated"' in page and "après 10 minutes" in page
    client.logout()
    factories.log_in(client, yao)
    page = client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert 'id="alert-escalated"' not in page


def test_the_demo_shows_one_escalated_alert_and_sends_nothing(quiet_tasks, riviera, awa, adjoua):
    from monquartier.alerts.demo import create_demo_escalation
    from monquartier.alerts.models import EscalationStep

    alert = send(awa)
    assert create_demo_escalation() == 1
    assert create_demo_escalation() == 0
    alert.refresh_from_db()
    assert alert.escalation_level == 1
    assert alert.escalated_at == alert.created_at + timedelta(minutes=10)
    assert not TextMessage.objects.exists()
    (step,) = EscalationStep.objects.filter(alert=alert)
    assert (step.user, step.outcome, step.level) == (adjoua, "sms", 1)


def test_a_settings_post_without_the_delay_keeps_it(client, riviera, awa):
    riviera.acknowledgement_minutes = 7
    riviera.save()
    factories.log_in(client, awa)
    url = reverse("communities:settings", args=[riviera.pk])
    data = {"validation_mode": riviera.validation_mode, "presentation": "Bienvenue"}
    assert client.post(url, data).status_code == 302
    riviera.refresh_from_db()
    assert (riviera.acknowledgement_minutes, riviera.presentation) == (7, "Bienvenue")


def test_the_sms_go_out_through_the_sms_backend(run_tasks, riviera, awa, adjoua, sms_outbox):
    alert = services.send_alert(awa, category="theft", text="Vol de moto devant la pharmacie")
    run_tasks()
    sms_outbox.clear()
    run_at(alert, 10)
    run_tasks()
    texts = [message.text for message in sms_outbox if message.to == "+2250707000001"]
    assert len(texts) == 1
    assert "personne n'a dit VU" in texts[0] and f"/a/{alert.pk}" in texts[0]
    assert "N'intervenez pas" in texts[0]


def test_the_job_costs_few_queries(
    quiet_tasks, riviera, awa, adjoua, authorities, django_assert_max_num_queries
):
    alerts = [send(awa, text=f"Cambriolage au lot {number}") for number in range(5)]
    with (
        time_machine.travel(alerts[-1].created_at + timedelta(minutes=5), tick=False),
        django_assert_max_num_queries(2),
    ):
        escalate_alerts("test")  # nothing due: one query
    with (
        time_machine.travel(alerts[-1].created_at + timedelta(minutes=10), tick=False),
        # Per alert: its lock, the acknowledgement check, the référents and their reads,
        # the savepoint, the update and who was told; per SMS: STOP, the two caps, the
        # row and its task.
        django_assert_max_num_queries(1 + 5 * 12),
    ):
        escalate_alerts("test")
    assert Alert.objects.filter(escalation_level=1).count() == 5


def test_a_referent_who_chose_calls_is_called_now(quiet_tasks, settings, riviera, awa, bakary):
    from monquartier.outbox import sender

    settings.ALERT_SMS_DELAY_SECONDS = 3600  # their usual call would wait an hour
    alert = send(awa)
    with time_machine.travel(alert.created_at + timedelta(minutes=10), tick=False):
        sender.deliver("voice")
        assert Delivery.objects.get(alert=alert, user=bakary, channel="voice").status == "queued"
        escalate_alerts("test")
        sender.deliver("voice")
    call = Delivery.objects.get(alert=alert, user=bakary, channel="voice")
    assert call.status == "sent"
    assert escalation_sms() == []


def test_a_referent_who_answered_without_pressing_2_is_called_again(
    quiet_tasks, settings, riviera, awa, bakary
):
    from monquartier.outbox import sender

    settings.ALERT_SMS_DELAY_SECONDS = 0
    alert = send(awa)
    sender.deliver("voice")
    Delivery.objects.filter(alert=alert, user=bakary).update(status="delivered")
    run_at(alert, 10)
    call = Delivery.objects.get(alert=alert, user=bakary, channel="voice")
    assert (call.status, call.last_error) == ("queued", "escalation")
    assert escalation_sms() == []
    with time_machine.travel(alert.created_at + timedelta(minutes=10), tick=False):
        sender.deliver("voice")
    assert VoiceCall.objects.filter(delivery=call).count() == 2


def test_a_referent_whose_calls_are_capped_gets_the_sms(
    quiet_tasks, settings, riviera, awa, bakary
):
    alert = send(awa)
    Delivery.objects.filter(alert=alert, user=bakary, channel="voice").update(
        status="failed", last_error="daily voice call cap of the member"
    )
    run_at(alert, 10)
    assert escalation_sms() == ["+2250707000002"]


def test_staff_set_the_delay_in_the_admin_and_it_is_audited(client, riviera, mariam):
    from django.contrib.auth.models import Permission

    from monquartier.audit.models import AuditEntry

    mariam.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_community", "change_community"])
    )
    factories.log_in(client, mariam)
    url = reverse("admin:communities_community_change", args=[riviera.pk])
    assert 'name="acknowledgement_minutes"' in client.get(url).content.decode()
    data = {
        "name": riviera.name,
        "commune": riviera.commune_id,
        "validation_mode": riviera.validation_mode,
        "presentation": "",
        "acknowledgement_minutes": "1000",
    }
    assert client.post(url, data).status_code == 200  # the form again, with its error
    riviera.refresh_from_db()
    assert riviera.acknowledgement_minutes == 10
    assert client.post(url, {**data, "acknowledgement_minutes": "20"}).status_code == 302
    riviera.refresh_from_db()
    assert riviera.acknowledgement_minutes == 20
    entry = AuditEntry.objects.get(action="community.change")
    assert entry.actor == mariam and entry.details == {"fields": ["acknowledgement_minutes"]}


def test_a_number_that_answered_stop_gets_no_escalation_sms(
    quiet_tasks, riviera, awa, adjoua, authorities
):
    from monquartier.outbox.models import SMSOptOut

    SMSOptOut.record("+2250707000001")
    SMSOptOut.record("+2250707000005")
    alert = send(awa)
    run_at(alert, 20)
    assert escalation_sms() == ["+2250707000003", "+2250707000004"]


def test_each_level_records_who_was_told_and_how(
    quiet_tasks, settings, riviera, awa, adjoua, bakary, authorities
):
    from monquartier.alerts.models import EscalationStep

    no_number = factories.add_member(
        riviera, first_name="Sery", last_name="Gnagne", referent=True, mobile_verified=False
    )
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "escalation_sms_number": (0, 24 * 3600)}
    alert = send(awa)
    run_at(alert, 10)
    steps = {
        step.user_id: step.outcome for step in EscalationStep.objects.filter(alert=alert, level=1)
    }
    # The daily cap of 0 refuses Adjoua's SMS; Bakary is called; Sery has no verified mobile.
    assert steps == {adjoua.pk: "refused", bakary.pk: "called", no_number.pk: "no_number"}
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "escalation_sms_number": (5, 24 * 3600)}
    run_at(alert, 20)
    level_2 = list(EscalationStep.objects.filter(alert=alert, level=2))
    assert [step.outcome for step in level_2] == ["sms"] * 3
    assert sum(1 for step in level_2 if step.user_id) == 1  # Aïcha, the agent
    assert {step.at for step in level_2} == {alert.created_at + timedelta(minutes=20)}


def test_the_alert_page_and_the_console_show_the_escalation_steps(
    client,
    quiet_tasks,
    riviera,
    awa,
    adjoua,
    bakary,
    authorities,
    aicha,
    yao,
    django_assert_max_num_queries,
):
    alert = send(awa)
    run_at(alert, 10)
    run_at(alert, 20)
    factories.log_in(client, awa)
    url = reverse("alerts:detail", args=[alert.pk])
    page = client.get(url).content.decode()
    assert 'id="alert-escalation-steps"' in page
    assert "Après 10 min" in page and "Adjoua Yapi (SMS envoyé)" in page
    assert "Bakary Traoré (appelé)" in page
    assert "Après 20 min" in page and "SMS à 1 agent(s) de la mairie et à 2 autre(s)" in page
    # The steps cost the page a fixed number of queries, whoever was told.
    with django_assert_max_num_queries(40) as captured:
        client.get(url)
    before = len(captured)
    for number in range(5):
        factories.add_member(
            riviera,
            first_name="Réf",
            last_name=f"N{number}",
            referent=True,
            mobile=f"+225070700010{number}",
        )
    again = send(awa, text="Deuxième cambriolage au lot 14")
    run_at(again, 10)
    with django_assert_max_num_queries(before):
        client.get(reverse("alerts:detail", args=[again.pk]))
    client.logout()
    # A plain member sees none of it.
    factories.log_in(client, yao)
    assert 'id="alert-escalation-steps"' not in client.get(url).content.decode()
    client.logout()
    # The town hall's agent, in the console: référents by their public name, the voice row.
    factories.log_in(client, aicha)
    console = client.get(reverse("townhalls:alert", args=[alert.pk])).content.decode()
    assert 'id="alert-escalation"' in console and "Appel vocal" in console
    assert "Adjoua Y." in console and "Adjoua Yapi" not in console
    assert "SMS à 1 agent(s) de la mairie" in console
