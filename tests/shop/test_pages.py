"""The shop's pages: who may open them, and a fixed number of queries whatever the length
of the lists."""

import pytest

from monquartier.shop import services
from monquartier.shop.models import Order, Product, ProductKind
from tests import factories
from tests.shop.conftest import place


@pytest.fixture
def yao_client(client, yao):
    factories.log_in(client, yao)
    return client


@pytest.fixture
def staff_client(client, mariam):
    factories.log_in(client, mariam)
    return client


def _orders(user, commune, product, count):
    for _ in range(count):
        services.add_to_cart(user, product, 1)
        place(user, commune)


def test_the_catalogue_runs_a_fixed_number_of_queries(
    yao_client, riviera, sign, sticker, django_assert_num_queries
):
    yao_client.get("/boutique/")
    for number in range(5):
        Product.objects.create(
            kind=ProductKind.STICKER, name=f"Autocollant {number}", price=500, stock=5
        )
    with django_assert_num_queries(6):
        response = yao_client.get("/boutique/")
    assert response.status_code == 200 and "Autocollant 4" in response.content.decode()


def test_the_purchase_history_runs_a_fixed_number_of_queries(
    yao_client, riviera, yao, sticker, zone, cocody, settings, django_assert_num_queries
):
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "shop_order": (50, 3600)}
    _orders(yao, cocody, sticker, 2)
    yao_client.get("/parametres/achats/")
    with django_assert_num_queries(4):
        yao_client.get("/parametres/achats/")
    _orders(yao, cocody, sticker, 5)
    with django_assert_num_queries(4):
        response = yao_client.get("/parametres/achats/")
    assert response.content.decode().count("/boutique/commandes/") == 7


def test_the_staff_queue_runs_a_fixed_number_of_queries(
    staff_client,
    riviera,
    yao,
    sticker,
    zone,
    cocody,
    settings,
    django_assert_num_queries,
    monkeypatch,
):
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "shop_order": (50, 3600)}
    _orders(yao, cocody, sticker, 2)
    url = "/equipe/boutique/?etat=awaiting_payment"
    staff_client.get(url)
    with django_assert_num_queries(8):
        staff_client.get(url)
    _orders(yao, cocody, sticker, 5)
    with django_assert_num_queries(8):
        response = staff_client.get(url)
    assert response.content.decode().count("MQ-") >= 7
    # The town halls' requests waiting for an order: one query for the list, one more
    # for their count when more wait than the page shows.
    from monquartier.shop import staff_views
    from monquartier.townhalls.models import SignageOrder

    town_hall = factories.make_town_hall("cocody")
    for _ in range(3):
        SignageOrder.objects.create(
            town_hall=town_hall, signs=2, delivery_address="Mairie", contact_phone="+2252722445566"
        )
    with django_assert_num_queries(8):
        response = staff_client.get(url)
    assert response.content.decode().count("En faire une commande") == 3
    monkeypatch.setattr(staff_views, "WAITING_REQUESTS_SHOWN", 2)
    with django_assert_num_queries(9):
        response = staff_client.get(url)
    page = response.content.decode()
    assert page.count("En faire une commande") == 2 and "3 demandes de mairies" in page


def test_staff_pages_do_not_exist_for_members(yao_client, order):
    for url in (
        "/equipe/boutique/",
        f"/equipe/boutique/{order.pk}/",
        f"/equipe/boutique/{order.pk}/bon-de-preparation/",
        f"/equipe/boutique/{order.pk}/facture/",
    ):
        assert yao_client.get(url).status_code in (302, 404), url
    response = yao_client.post(f"/equipe/boutique/{order.pk}/etape/", {"from": "paid"})
    assert response.status_code in (302, 404)
    response = yao_client.post(
        f"/equipe/boutique/{order.pk}/rembourser/", {"reference": "x", "reason": "y"}
    )
    assert response.status_code in (302, 404)
    assert Order.objects.get(pk=order.pk).state == "awaiting_payment"


def test_staff_see_the_order_and_its_packing_slip(staff_client, order):
    page = staff_client.get(f"/equipe/boutique/{order.pk}/")
    assert page.status_code == 200 and "Derrière la pharmacie" in page.content.decode()
    slip = staff_client.get(f"/equipe/boutique/{order.pk}/bon-de-preparation/")
    assert slip.status_code == 200 and slip.content.startswith(b"%PDF-")


def test_another_member_cannot_see_or_pay_the_order(client, order, awa):
    factories.log_in(client, awa)
    assert client.get(f"/boutique/commandes/{order.pk}/").status_code == 404
    assert client.post(f"/boutique/commandes/{order.pk}/payer/").status_code == 404
    assert client.post(f"/boutique/commandes/{order.pk}/annuler/").status_code == 404
    assert Order.objects.get(pk=order.pk).state == "awaiting_payment"


def test_visitors_are_sent_to_log_in(client, sign):
    response = client.get("/boutique/")
    assert response.status_code == 302 and "/compte/login/" in response["Location"]


def test_bad_cart_input_gets_a_message_not_a_500(yao_client, riviera, sign):
    for data in (
        {"product": "x", "quantity": "2"},
        {"product": str(sign.pk), "quantity": "-4"},
        {"product": "9" * 30, "quantity": "1"},
        {"product": str(sign.pk), "quantity": "1e9"},
    ):
        response = yao_client.post("/boutique/panier/", data, follow=True)
        assert response.status_code == 200
    response = yao_client.post(f"/boutique/produits/{sign.pk}/", {"quantity": "abc"})
    assert response.status_code == 200
    assert yao_client.get("/boutique/produits/999999/").status_code == 404


def test_the_cart_updates_through_htmx(yao_client, riviera, yao, sign):
    response = yao_client.post(
        f"/boutique/produits/{sign.pk}/", {"quantity": "2"}, headers={"HX-Request": "true"}
    )
    assert "2 articles" in response.content.decode()
    response = yao_client.post(
        "/boutique/panier/",
        {"product": str(sign.pk), "quantity": "0"},
        headers={"HX-Request": "true"},
    )
    assert (
        'id="cart"' in response.content.decode()
        and "Votre panier est vide" in response.content.decode()
    )


def test_checkout_with_an_empty_cart_goes_back_to_the_catalogue(yao_client):
    response = yao_client.get("/boutique/commander/")
    assert response.status_code == 302 and response["Location"] == "/boutique/"


def test_the_settings_page_links_the_purchase_history(yao_client):
    assert "/parametres/achats/" in yao_client.get("/parametres/").content.decode()
