"""Alerts by SMS through the providers' webhooks, and delivery reports."""

import json
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from monquartier.alerts.models import Alert, InboundSMS
from monquartier.outbox.models import Delivery, DeliveryStatus
from tests import factories

SECRET = "dev-webhook-secret"


def inbound_url(provider="africastalking", secret=SECRET):
    return reverse("sms_inbound", args=[provider, secret])


FORM = "application/x-www-form-urlencoded"  # how Africa's Talking posts


def form_post(client, url, data):
    return client.post(url, urlencode(data), content_type=FORM)


def at_sms(client, sender, text, message_id="ATXid_1"):
    return form_post(
        client,
        inbound_url(),
        {
            "from": sender,
            "to": "12345",
            "text": text,
            "date": "2026-11-23 10:00:00",
            "id": message_id,
            "linkId": "x",
        },
    )


@pytest.fixture
def yao_number(yao):
    return str(yao.mobile)


def test_an_sms_from_a_member_becomes_an_alert_and_gets_a_reply(
    client, riviera, awa, yao, yao_number, sms_outbox
):
    response = at_sms(client, yao_number, "VOL on vient de prendre la moto devant chez Awa")
    assert response.status_code == 200
    alert = Alert.objects.get()
    assert (alert.sender, alert.community, alert.category, alert.source) == (
        yao,
        riviera,
        "theft",
        "sms",
    )
    assert alert.text == "on vient de prendre la moto devant chez Awa"
    assert sms_outbox[-1].to == yao_number and "alerte envoyee" in sms_outbox[-1].text
    assert sms_outbox[-1].text.isascii()


def test_the_same_webhook_twice_creates_one_alert(client, riviera, yao, yao_number):
    at_sms(client, yao_number, "ALERTE feu chez le voisin", message_id="ATXid_7")
    at_sms(client, yao_number, "ALERTE feu chez le voisin", message_id="ATXid_7")
    assert Alert.objects.count() == 1
    assert InboundSMS.objects.count() == 1


@pytest.mark.parametrize("secret", ["mauvais", "", "dev-webhook-secreT"])
def test_a_call_without_the_secret_is_refused_and_logged(
    client, riviera, yao, yao_number, secret, caplog
):
    response = client.post(
        inbound_url(secret=secret) if secret else "/webhooks/sms/africastalking//entrant/",
        {"from": yao_number, "text": "ALERTE", "id": "1"},
    )
    assert response.status_code in (403, 404)
    assert not Alert.objects.exists() and not InboundSMS.objects.exists()
    if secret:
        assert "wrong secret" in caplog.text


def test_an_unknown_provider_is_not_found(client):
    assert client.post(inbound_url(provider="inconnu"), {"x": "1"}).status_code == 404


@pytest.mark.parametrize(
    ("setup", "reply"),
    [
        ("unknown", "n'est lie a aucun membre"),
        ("pending", "pas encore validee"),
        ("empty", "message vide"),
        ("unverified", "n'est lie a aucun membre"),
    ],
)
def test_refusals_get_a_clear_reply_and_create_nothing(
    client, riviera, salif, yao, sms_outbox, setup, reply
):
    sender, text = str(yao.mobile), "ALERTE quelqu'un rode"
    if setup == "unknown":
        sender = "+2250505999999"
    elif setup == "pending":
        sender = str(salif.mobile)
    elif setup == "empty":
        text = "ALERTE   "
    elif setup == "unverified":
        yao.mobile_verified = False
        yao.save()
    at_sms(client, sender, text)
    assert not Alert.objects.exists()
    assert sms_outbox[-1].to == sender
    assert reply in sms_outbox[-1].text.lower()


def test_a_flood_from_one_number_is_cut_and_answered_once(
    client, riviera, yao, yao_number, sms_outbox
):
    for index in range(12):
        at_sms(client, yao_number, f"ALERTE message {index}", message_id=f"flood-{index}")
    # Five alerts pass (the alerts' own limit), then the number is ignored for a while.
    assert Alert.objects.count() == 5
    flood_replies = [sms for sms in sms_outbox if "trop de messages" in sms.text]
    assert len(flood_replies) == 1
    assert InboundSMS.objects.count() == 12


def test_stop_and_start(client, riviera, yao, yao_number, sms_outbox):
    at_sms(client, yao_number, "STOP", message_id="s1")
    yao.refresh_from_db()
    assert yao.alert_sms is False and "START" in sms_outbox[-1].text
    at_sms(client, yao_number, "start", message_id="s2")
    yao.refresh_from_db()
    assert yao.alert_sms is True
    assert not Alert.objects.exists()


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", "{pas du json"),
        ("application/json", json.dumps({"inboundSMSMessageNotification": {}})),
        ("text/plain", "bonjour"),
    ],
)
def test_a_malformed_body_is_answered_400_and_changes_nothing(client, riviera, content_type, body):
    response = client.post(inbound_url("orange"), body, content_type=content_type)
    assert response.status_code == 400
    assert "error" in response.json()
    assert not InboundSMS.objects.exists()


def test_orange_inbound_format(client, riviera, yao, yao_number):
    body = {
        "inboundSMSMessageNotification": {
            "inboundSMSMessage": {
                "senderAddress": f"tel:{yao_number}",
                "destinationAddress": "tel:+2250000",
                "message": "INCENDIE au marché",
                "messageId": "orange-1",
                "dateTime": "2026-11-23T10:00:00Z",
            }
        }
    }
    assert (
        client.post(
            inbound_url("orange"), json.dumps(body), content_type="application/json"
        ).status_code
        == 200
    )
    assert Alert.objects.get().category == "fire"


def test_delivery_reports_update_the_outbox(client, riviera, awa, yao):
    from monquartier.alerts import services

    alert = services.send_alert(awa, category="other", text="Coupure d'eau annoncée")
    delivery = Delivery.objects.get(alert=alert, channel="sms")
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT, provider_id="ATXid_99"
    )
    url = reverse("sms_reports", args=["africastalking", SECRET])
    response = form_post(
        client,
        url,
        {
            "id": "ATXid_99",
            "status": "Success",
            "phoneNumber": str(yao.mobile),
            "networkCode": "62002",
        },
    )
    assert response.status_code == 200 and response.json()["updated"] == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.delivered_at
    # Replayed or late reports do not move it back.
    form_post(
        client,
        url,
        {
            "id": "ATXid_99",
            "status": "Failed",
            "phoneNumber": str(yao.mobile),
            "failureReason": "x",
        },
    )
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED


def test_orange_delivery_reports_use_our_reference(client, riviera, awa, yao):
    from monquartier.alerts import services

    alert = services.send_alert(awa, category="other", text="Coupure d'eau annoncée")
    delivery = Delivery.objects.get(alert=alert, channel="sms")
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENT)
    body = {
        "deliveryInfoNotification": {
            "callbackData": str(delivery.pk),
            "deliveryInfo": {
                "address": f"tel:{yao.mobile}",
                "deliveryStatus": "DeliveryImpossible",
            },
        }
    }
    client.post(
        reverse("sms_reports", args=["orange", SECRET]),
        json.dumps(body),
        content_type="application/json",
    )
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED


def test_delivery_reports_need_the_secret_and_a_valid_body(client, db):
    assert (
        form_post(
            client, reverse("sms_reports", args=["africastalking", "faux"]), {"id": "1"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("sms_reports", args=["orange", SECRET]), "x", content_type="application/json"
        ).status_code
        == 400
    )


def test_a_member_sharing_a_number_between_two_active_accounts_is_asked_to_use_the_site(
    client, riviera, riviera3, yao, sms_outbox
):
    other = factories.add_member(
        riviera3, first_name="Yao", last_name="Kouassi", mobile=str(yao.mobile)
    )
    assert other.mobile == yao.mobile
    at_sms(client, str(yao.mobile), "ALERTE bruit suspect")
    assert not Alert.objects.exists()
    assert "plusieurs comptes" in sms_outbox[-1].text


def orange_body(*messages):
    """An Orange notification carrying several SMS: (sender, text, message id) each."""
    return json.dumps(
        {
            "inboundSMSMessageNotification": {
                "inboundSMSMessage": [
                    {
                        "senderAddress": f"tel:{sender}",
                        "destinationAddress": "tel:+2250000",
                        "message": text,
                        "messageId": message_id,
                    }
                    for sender, text, message_id in messages
                ]
            }
        }
    )


def orange_post(client, *messages):
    return client.post(
        inbound_url("orange"), orange_body(*messages), content_type="application/json"
    )


def test_a_stranger_gets_at_most_one_reply_a_day(client, riviera, sms_outbox, time_machine):
    stranger = "+2250505999999"
    time_machine.move_to("2026-11-23 10:00:00+00:00", tick=False)
    at_sms(client, stranger, "Bonjour", message_id="u1")
    at_sms(client, stranger, "Allo ?", message_id="u2")
    assert [sms.to for sms in sms_outbox] == [stranger]
    time_machine.shift(24 * 3600 + 1)
    at_sms(client, stranger, "Allo ?", message_id="u3")
    assert [sms.to for sms in sms_outbox] == [stranger, stranger]
    assert InboundSMS.objects.count() == 3


def test_a_foreign_stranger_never_gets_a_reply(client, riviera, sms_outbox):
    at_sms(client, "+33612345678", "STOP", message_id="f1")
    at_sms(client, "+33612345678", "ALERTE", message_id="f2")
    assert sms_outbox == []
    assert InboundSMS.objects.count() == 2


def test_one_body_with_many_messages_gets_one_reply_per_number(
    client, riviera, yao, yao_number, sms_outbox
):
    messages = [(yao_number, f"ALERTE message {index}", f"batch-{index}") for index in range(8)]
    messages += [("+2250505999999", "Bonjour", f"stranger-{index}") for index in range(8)]
    assert orange_post(client, *messages).status_code == 200
    assert sorted(sms.to for sms in sms_outbox) == sorted([yao_number, "+2250505999999"])
    assert InboundSMS.objects.count() == 16


def test_a_member_gets_a_few_replies_a_day_whatever_they_send(
    client, riviera, yao, yao_number, sms_outbox, settings
):
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "sms_reply": (2, 24 * 3600)}
    for index in range(4):
        at_sms(client, yao_number, "ALERTE", message_id=f"vide-{index}")
    assert len(sms_outbox) == 2
    assert InboundSMS.objects.count() == 4


def test_every_reply_is_counted(client, riviera, yao, yao_number):
    from monquartier.outbox.models import TextMessage

    at_sms(client, yao_number, "ALERTE feu au marché", message_id="c1")
    at_sms(client, "+2250505999999", "Bonjour", message_id="c2")
    assert sorted(TextMessage.objects.values_list("to", "purpose")) == sorted(
        [(yao_number, "reply"), ("+2250505999999", "reply")]
    )


@pytest.fixture
def amenan(riviera, awa):
    """A neighbour Awa registered without internet, who has not answered yet."""
    return factories.register_neighbour(awa, riviera)


def sms_deliveries_to(user):
    return Delivery.objects.filter(user=user, channel="sms")


def test_a_registered_neighbour_gets_alert_sms_only_after_answering_oui(
    client, riviera, awa, amenan, sms_outbox
):
    from monquartier.alerts import services

    services.send_alert(awa, category="other", text="Coupure d'eau annoncée")
    assert not sms_deliveries_to(amenan).exists()
    at_sms(client, "+2250707998877", "Oui.", message_id="consent-1")
    amenan.refresh_from_db()
    assert amenan.mobile_verified and amenan.alert_sms
    assert "merci" in sms_outbox[-1].text.lower()
    assert not Alert.objects.filter(sender=amenan).exists()  # OUI is not an alert
    services.send_alert(awa, category="other", text="Coupure d'électricité ce soir")
    assert sms_deliveries_to(amenan).count() == 1


def test_a_registered_neighbour_who_answers_stop_gets_no_alert(
    client, riviera, awa, amenan, sms_outbox
):
    from monquartier.alerts import services

    at_sms(client, "+2250707998877", "STOP", message_id="refuse-1")
    amenan.refresh_from_db()
    assert not amenan.mobile_verified and not amenan.alert_sms
    services.send_alert(awa, category="other", text="Coupure d'eau annoncée")
    assert not sms_deliveries_to(amenan).exists()


# The webhooks never lose an alert to a byte the database refuses (run these on
# PostgreSQL too: DATABASE_URL=postgres://… — NUL is what PostgreSQL refuses).


ODD_TEXTS = [
    ("ALERTE feu\x00 au marché", "feu au marché"),
    ("ALERTE feu\x07\x1b au\r\nmarché", "feu au marché"),
]


@pytest.mark.parametrize(
    ("provider", "sent", "kept"),
    [
        *[("orange", sent, kept) for sent, kept in ODD_TEXTS],
        *[("africastalking", sent, kept) for sent, kept in ODD_TEXTS],
        # JSON can carry a lone surrogate; a form body is UTF-8 and cannot.
        ("orange", "ALERTE feu \ud800au marché", "feu au marché"),
    ],
)
def test_an_sms_with_bytes_the_database_refuses_still_makes_its_alert(
    client, riviera, yao, yao_number, provider, sent, kept
):
    if provider == "orange":
        response = orange_post(client, (yao_number, sent, "odd-1"))
    else:
        response = at_sms(client, yao_number, sent, message_id="odd-1")
    assert response.status_code == 200
    assert Alert.objects.get().text == kept
    assert "\x00" not in InboundSMS.objects.get().text


@pytest.mark.parametrize(
    "message_id",
    ["ATXid_" + "7" * 500, "ATXid_7\x00", "ATXid_\ud8007"],
    ids=["long", "nul", "surrogate"],
)
def test_an_odd_provider_id_is_kept_bounded_and_still_deduplicates(
    client, riviera, yao, yao_number, message_id
):
    for _copy in range(2):
        response = orange_post(client, (yao_number, "ALERTE feu au marché", message_id))
        assert response.status_code == 200
    record = InboundSMS.objects.get()
    assert len(record.provider_message_id) <= 128
    assert Alert.objects.count() == 1


def test_the_same_id_with_spaces_around_it_is_the_same_message(client, riviera, yao, yao_number):
    at_sms(client, yao_number, "ALERTE feu au marché", message_id="ATXid_8")
    at_sms(client, yao_number, "ALERTE feu au marché", message_id=" ATXid_8 \n")
    assert Alert.objects.count() == 1 and InboundSMS.objects.count() == 1


def test_the_providers_ids_are_independent(client, riviera, yao, yao_number):
    """The same id from two providers is two messages: each provider numbers its own,
    and a member's SMS reaches us through one provider only (docs/decisions.md)."""
    at_sms(client, yao_number, "ALERTE feu au marché", message_id="42")
    orange_post(client, (yao_number, "ALERTE voleur au marché", "42"))
    assert InboundSMS.objects.count() == 2 and Alert.objects.count() == 2


def test_a_delivery_report_with_odd_bytes_is_read(client, riviera, awa, yao):
    from monquartier.alerts import services

    alert = services.send_alert(awa, category="other", text="Coupure d'eau annoncée")
    delivery = Delivery.objects.get(alert=alert, channel="sms")
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENT, provider_id="AT9")
    response = form_post(
        client,
        reverse("sms_reports", args=["africastalking", SECRET]),
        {
            "id": "AT9\x00 ",
            "status": "Failed",
            "failureReason": "Rejected\x00\x1b",
            "phoneNumber": str(yao.mobile),
        },
    )
    assert response.status_code == 200 and response.json()["updated"] == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and "\x00" not in delivery.last_error


def test_a_refused_sms_alert_records_why(client, riviera, yao, yao_number):
    at_sms(client, yao_number, "VOL x", message_id="ATXid_short")

    assert InboundSMS.objects.get().detail == "text_short"
