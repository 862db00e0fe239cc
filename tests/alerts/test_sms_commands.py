"""Commands by SMS to the platform's number: AIDE, STOP/ARRET, REPRENDRE, INFO, VU."""

import pytest

from monquartier.alerts import services
from monquartier.alerts.models import Alert, AlertAcknowledgement, InboundSMS
from monquartier.outbox.models import Delivery, DeliveryStatus, SMSOptOut
from monquartier.outbox.sms.gsm7 import gsm7_length, is_gsm7
from tests import factories
from tests.alerts.test_sms_intake import at_sms

_ids = iter(range(1, 10_000))


def send(client, number, text):
    return at_sms(client, number, text, message_id=f"cmd-{next(_ids)}")


def one_segment(sms) -> bool:
    return is_gsm7(sms.text) and gsm7_length(sms.text) <= 160


@pytest.fixture
def number(yao):
    return str(yao.mobile)


@pytest.mark.parametrize("word", ["AIDE", "aide", "Aide !", "HELP", "help"])
def test_help_in_french_or_english(client, riviera, number, sms_outbox, word):
    send(client, number, word)
    assert not Alert.objects.exists()
    reply = sms_outbox[-1]
    assert reply.to == number and "VU" in reply.text and "INFO" in reply.text
    assert "110" in reply.text and one_segment(reply)
    assert InboundSMS.objects.get().status == "command"


@pytest.mark.parametrize("word", ["STOP", "arret", "Arrêt", "ARRÊT.", "stop"])
def test_stop_and_its_aliases_are_honoured_at_once_and_confirmed_once(
    client, riviera, awa, yao, number, sms_outbox, word
):
    # An alert whose SMS waits for the delay: STOP cancels it too.
    alert = services.send_alert(awa, category="theft", text="On a volé une moto devant le lot 4")
    waiting = Delivery.objects.get(alert=alert, user=yao, channel="sms")
    assert waiting.status == DeliveryStatus.QUEUED
    before = len(sms_outbox)
    send(client, number, word)
    yao.refresh_from_db()
    assert yao.alert_sms is False and SMSOptOut.objects.covers(number)
    waiting.refresh_from_db()
    assert waiting.status == DeliveryStatus.CANCELLED
    assert len(sms_outbox) == before + 1 and "REPRENDRE" in sms_outbox[-1].text
    assert one_segment(sms_outbox[-1])
    send(client, number, "STOP")  # a second STOP: no second confirmation
    assert len(sms_outbox) == before + 1
    assert Alert.objects.count() == 1


@pytest.mark.parametrize("word", ["REPRENDRE", "reprendre", "START"])
def test_resume(client, riviera, yao, number, sms_outbox, word):
    send(client, number, "STOP")
    send(client, number, word)
    yao.refresh_from_db()
    assert yao.alert_sms is True and not SMSOptOut.objects.covers(number)
    assert "de nouveau" in sms_outbox[-1].text


def test_info_names_the_community_and_referents_numbers_only_if_shown(
    client, riviera, awa, yao, number, sms_outbox
):
    ange = factories.add_member(
        riviera, referent=True, first_name="Ange", last_name="Ehui", hide_mobile=True
    )
    send(client, number, "info")
    reply = sms_outbox[-1].text
    assert "Riviera 2" in reply and "Awa Koné" in reply and awa.mobile_display in reply
    assert "Ange Ehui" in reply and ange.mobile_display not in reply
    assert one_segment(sms_outbox[-1])


def test_info_stays_one_sms_with_many_referents(client, riviera, number, sms_outbox):
    for index in range(12):
        factories.add_member(
            riviera, referent=True, first_name=f"Referentissime{index}", last_name="Longnom"
        )
    send(client, number, "INFO")
    assert one_segment(sms_outbox[-1]) and "Riviera 2" in sms_outbox[-1].text


def test_seen_acknowledges_the_last_alert_received(client, riviera, awa, yao, number, sms_outbox):
    services.send_alert(awa, category="fire", text="Fumée derrière le marché")
    last = services.send_alert(awa, category="theft", text="Vol de moto devant le lot 4")
    send(client, number, "VU")
    ack = AlertAcknowledgement.objects.get()
    assert (ack.alert, ack.user, ack.channel) == (last, yao, "sms")
    assert "merci" in sms_outbox[-1].text and one_segment(sms_outbox[-1])
    send(client, number, "seen")  # again, in English: nothing new
    assert AlertAcknowledgement.objects.count() == 1
    assert "deja" in sms_outbox[-1].text
    assert Alert.objects.count() == 2


def test_seen_without_a_recent_alert_says_so(client, riviera, awa, yao, number, sms_outbox):
    services.send_alert(yao, category="fire", text="Fumée derrière le marché")  # his own
    send(client, number, "VU")
    assert not AlertAcknowledgement.objects.exists()
    assert "aucune alerte" in sms_outbox[-1].text
    assert InboundSMS.objects.last().status == "refused"


def test_commands_from_a_number_of_two_accounts_ask_to_use_the_site(
    client, riviera, riviera3, yao, number, sms_outbox
):
    factories.add_member(riviera3, first_name="Yao", last_name="Frère", mobile=number)
    send(client, number, "VU")
    assert "plusieurs comptes" in sms_outbox[-1].text
    assert not AlertAcknowledgement.objects.exists()


def test_anything_else_is_still_an_alert(client, riviera, yao, number):
    send(client, number, "vu un homme escalader le mur du lot 12")
    assert Alert.objects.get().text == "vu un homme escalader le mur du lot 12"


def test_every_fixed_reply_is_one_gsm7_segment():
    from monquartier.alerts.sms_intake import REPLIES

    for key, text in REPLIES.items():
        filled = text % {"what": "Personne ou vehicule suspect de 23:59"} if "%(" in text else text
        assert is_gsm7(filled) and gsm7_length(filled) <= 160, key
