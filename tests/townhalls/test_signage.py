"""Signage orders from the town-hall console: creation, refusals, the daily cap."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from monquartier.townhalls import signage
from monquartier.townhalls.models import SignageOrder
from tests import factories

pytestmark = pytest.mark.django_db

PAGE = "/mairie/signaletique/"


@pytest.fixture
def niangon(issa):
    return factories.make_community(
        issa, name="Niangon", centre=(5.3265, -4.1060), commune_slug="yopougon"
    )


@pytest.fixture
def agent_client(client, aicha):
    factories.log_in(client, aicha)
    return client


def _order(**fields):
    return {
        "signs": "4",
        "stickers": "200",
        "delivery_address": "Mairie de Cocody, service technique, bd Latrille",
        "contact_phone": "27 22 44 55 66",
        "mandate_reference": "MA-2026-118",
        "notes": "Livraison le matin",
        **fields,
    }


def test_an_agent_orders_signage_and_sees_the_order_with_its_status(
    agent_client, aicha, riviera, riviera3, cocody_town_hall
):
    response = agent_client.post(PAGE, _order(communities=[riviera.pk, riviera3.pk]))
    assert response.status_code == 302 and response.url == PAGE
    order = SignageOrder.objects.get()
    assert (order.town_hall, order.ordered_by, order.signs, order.stickers) == (
        cocody_town_hall,
        aicha,
        4,
        200,
    )
    assert order.status == SignageOrder.Status.RECEIVED
    assert str(order.contact_phone) == "+2252722445566"
    assert order.mandate_reference == "MA-2026-118"
    assert set(order.communities.all()) == {riviera, riviera3}
    page = agent_client.get(PAGE)
    html = page.content.decode()
    assert page.status_code == 200 and "Commande reçue" in html
    assert "Riviera 2, Riviera 3" in html and "reçue" in html
    order.status = SignageOrder.Status.DELIVERED
    order.save()
    assert "livrée" in agent_client.get(PAGE).content.decode()
    assert (
        reverse("townhalls:signage")
        in agent_client.get(reverse("townhalls:console")).content.decode()
    )


def test_an_order_without_communities_is_for_the_whole_commune(agent_client, riviera):
    assert agent_client.post(PAGE, _order(signs="0")).status_code == 302
    assert not SignageOrder.objects.get().communities.exists()
    assert "Toute la commune" in agent_client.get(PAGE).content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"signs": "0", "stickers": "0"}, "au moins un panneau ou un autocollant"),
        ({"signs": "", "stickers": ""}, "au moins un panneau ou un autocollant"),
        ({"signs": "-1"}, "supérieure ou égale à 0"),
        ({"contact_phone": "22 44 55 66"}, "10 chiffres"),
        ({"contact_phone": "pas de téléphone"}, "que des chiffres"),
        ({"delivery_address": "  "}, "Ce champ est obligatoire"),
    ],
)
def test_a_bad_order_is_refused_with_field_errors(agent_client, riviera, fields, message):
    response = agent_client.post(PAGE, _order(**fields))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SignageOrder.objects.exists()


def test_a_cocody_agent_cannot_order_for_a_yopougon_community(
    agent_client, aicha, riviera, niangon, cocody_town_hall
):
    response = agent_client.post(PAGE, _order(communities=[riviera.pk, niangon.pk]))
    assert response.status_code == 400
    assert "Niangon" not in response.content.decode()
    with pytest.raises(ValidationError) as error:
        signage.order_signage(
            aicha,
            cocody_town_hall,
            signs=1,
            stickers=0,
            communities=[niangon],
            delivery_address="Mairie",
            contact_phone="0707123456",
        )
    assert "communities" in error.value.message_dict
    assert not SignageOrder.objects.exists()


def test_the_service_refuses_nothing_ordered_and_a_bad_phone_by_field(aicha, cocody_town_hall):
    with pytest.raises(ValidationError) as error:
        signage.order_signage(
            aicha,
            cocody_town_hall,
            signs=0,
            stickers=0,
            delivery_address="",
            contact_phone="123",
        )
    assert set(error.value.message_dict) == {"signs", "delivery_address", "contact_phone"}


def test_a_town_hall_orders_a_few_times_a_day_at_most(agent_client, riviera, cocody_town_hall):
    other = factories.make_agent(cocody_town_hall, "Kouamé", "N'Guessan")
    for _ in range(4):
        assert agent_client.post(PAGE, _order()).status_code == 302
    signage.order_signage(
        other,
        cocody_town_hall,
        signs=1,
        stickers=0,
        delivery_address="Mairie",
        contact_phone="0707123456",
    )
    response = agent_client.post(PAGE, _order())
    assert response.status_code == 400
    assert "réessayez demain" in response.content.decode()
    assert SignageOrder.objects.count() == 5


def test_members_visitors_and_ended_partnerships_get_no_signage_page(client, yao, riviera):
    assert client.get(PAGE).status_code == 302
    factories.log_in(client, yao)
    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE, _order()).status_code == 404
    ended = factories.make_town_hall("yopougon", ends_on=timezone.localdate() - timedelta(days=1))
    factories.log_in(client, factories.make_agent(ended, "Koné", "Adama"))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, _order()).status_code == 403
    assert not SignageOrder.objects.exists()


def test_the_page_s_queries_do_not_grow_with_orders_or_communities(
    agent_client, aicha, riviera, cocody_town_hall, django_assert_max_num_queries
):
    communities = [riviera] + [
        factories.make_community(
            factories.make_user("Référent", f"N{number}"),
            name=f"Quartier {number}",
            centre=(5.38 + number * 0.01, -3.96),
        )
        for number in range(3)
    ]
    for number in range(6):
        order = SignageOrder.objects.create(
            town_hall=cocody_town_hall,
            ordered_by=aicha,
            signs=number + 1,
            delivery_address="Mairie",
            contact_phone="+2250707123456",
        )
        order.communities.set(communities[: number % 4])
    with django_assert_max_num_queries(12):
        page = agent_client.get(PAGE)
    assert page.status_code == 200 and "Quartier 2" in page.content.decode()
