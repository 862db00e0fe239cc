""" "J'ai vu": who may acknowledge an alert, once, and who sees whom."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from monquartier.alerts import acknowledgements, services
from monquartier.alerts.models import AlertAcknowledgement
from monquartier.outbox.models import Delivery, DeliveryStatus
from tests import factories


@pytest.fixture
def alert(riviera, awa, yao):
    return services.send_alert(
        awa, category="suspicious", text="Une voiture grise tourne dans l'allée depuis une heure"
    )


def page(client, alert):
    return client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()


def test_a_member_says_i_saw_it_once_and_their_waiting_sms_is_cancelled(client, alert, yao):
    factories.log_in(client, yao)
    assert "J&#x27;ai vu" in page(client, alert) or "J'ai vu" in page(client, alert)
    url = reverse("alerts:acknowledge", args=[alert.pk])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    ack = AlertAcknowledgement.objects.get()
    assert (ack.user, ack.channel) == (yao, "web")
    assert (
        Delivery.objects.get(alert=alert, user=yao, channel="sms").status
        == DeliveryStatus.CANCELLED
    )
    shown = page(client, alert)
    assert (
        "Vous avez dit l" in shown
        and 'action="/alertes/' not in shown.split("alert-seen")[1].split("</div>")[0]
    )
    assert "1 voisin a vu cette alerte" in shown


def test_the_service_is_idempotent_and_keeps_the_first_channel(alert, yao):
    assert acknowledgements.acknowledge(yao, alert, channel="sms") is True
    assert acknowledgements.acknowledge(yao, alert, channel="web") is False
    assert AlertAcknowledgement.objects.get().channel == "sms"


def test_only_recipients_acknowledge(alert, awa, aya, twinned, salif, issa, mariam):
    # The twinned community receives the alert: its members may say they saw it.
    assert acknowledgements.acknowledge(aya, alert, channel="web") is True
    for outsider in (salif, issa, mariam):
        with pytest.raises(PermissionDenied):
            acknowledgements.acknowledge(outsider, alert, channel="web")
    with pytest.raises(ValidationError):
        acknowledgements.acknowledge(awa, alert, channel="web")  # the sender
    assert AlertAcknowledgement.objects.count() == 1


def test_an_unknown_channel_or_a_hidden_alert_is_refused(alert, yao, mariam):
    with pytest.raises(ValidationError):
        acknowledgements.acknowledge(yao, alert, channel="pigeon")
    services.hide_alert(mariam, alert, "Doublon")
    with pytest.raises(PermissionDenied):
        acknowledgements.acknowledge(yao, alert, channel="web")
    assert not AlertAcknowledgement.objects.exists()


def test_outsiders_get_a_404_and_the_sender_has_no_button(client, alert, awa, salif, issa):
    url = reverse("alerts:acknowledge", args=[alert.pk])
    for person in (salif, issa):
        factories.log_in(client, person)
        assert client.post(url).status_code == 404
    factories.log_in(client, awa)
    assert f'action="{url}"' not in page(client, alert)
    client.post(url)
    assert not AlertAcknowledgement.objects.exists()


def test_the_sender_and_referents_see_who_by_the_privacy_rules_others_only_how_many(
    client, alert, awa, yao, aya, twinned
):
    acknowledgements.acknowledge(yao, alert, channel="sms")
    acknowledgements.acknowledge(aya, alert, channel="ussd")
    factories.log_in(client, awa)  # the sender, référente of Riviera 2
    shown = page(client, alert)
    assert "2 voisins ont vu cette alerte" in shown
    assert "Yao Kouassi" in shown  # a neighbour: the real name
    assert "Aya la couturière" in shown and "Kacou" not in shown  # twinned: the pseudonym
    factories.log_in(client, yao)
    shown = page(client, alert)
    assert "2 voisins ont vu cette alerte" in shown
    assert "Aya" not in shown and "Vue par" not in shown


def test_the_alert_page_costs_the_same_queries_with_many_acknowledgements(
    client, alert, awa, django_assert_max_num_queries
):
    for index in range(8):
        neighbour = factories.add_member(alert.community, first_name=f"Voisin{index}")
        acknowledgements.acknowledge(neighbour, alert, channel="web")
    factories.log_in(client, awa)
    with django_assert_max_num_queries(9):
        shown = page(client, alert)
    assert "8 voisins ont vu cette alerte" in shown and "Voisin7" in shown
