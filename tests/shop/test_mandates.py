"""Town halls order by administrative mandate: the agent's signage request becomes a shop
order that is never paid online; staff confirm and invoice it, then record the mandate's
payment, and the usual steps follow."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from monquartier.audit.models import AuditEntry
from monquartier.shop import jobs, services
from monquartier.shop.models import (
    Invoice,
    Order,
    OrderState,
    PaymentMethod,
    Product,
    ProductKind,
)
from monquartier.townhalls.models import SignageOrder
from tests import factories

PAGE = "/mairie/signaletique/"


@pytest.fixture
def agent_client(client, aicha):
    factories.log_in(client, aicha)
    return client


@pytest.fixture
def stickers(db):
    return Product.objects.create(
        kind=ProductKind.STICKER, name="Autocollant", price=500, stock=500
    )


def _request(**fields):
    return {
        "signs": "4",
        "stickers": "200",
        "everywhere": "False",
        "delivery_address": "Mairie de Cocody, service technique, bd Latrille",
        "contact_phone": "27 22 44 55 66",
        "mandate_reference": "MA-2026-118",
        **fields,
    }


def test_an_agents_request_becomes_a_mandate_order_holding_stock(
    agent_client, aicha, riviera, sign, stickers, zone, cocody_town_hall
):
    response = agent_client.post(PAGE, _request(communities=[riviera.pk]))
    assert response.status_code == 302
    request = SignageOrder.objects.get()
    order = request.shop_order
    assert order.payment_method == PaymentMethod.MANDATE and order.user == aicha
    assert order.buyer == cocody_town_hall.name and order.mandate_reference == "MA-2026-118"
    assert order.total == 4 * 12500 + 200 * 500 + 1500
    assert order.lines.get(product=sign).personalised_with == "Riviera 2"
    assert Product.objects.get(pk=sign.pk).stock == 6
    assert order.expires_at is None and not order.is_payable
    # Never expired by the payment job.
    assert jobs.expire_unpaid_orders("now") == "0 orders expired"


def test_without_the_products_in_the_catalogue_the_request_stays_for_staff(
    agent_client, riviera, cocody_town_hall
):
    assert agent_client.post(PAGE, _request(communities=[riviera.pk])).status_code == 302
    assert SignageOrder.objects.get().shop_order is None


def test_not_enough_stock_refuses_the_request_and_saves_nothing(
    agent_client, riviera, sign, stickers, cocody_town_hall
):
    response = agent_client.post(PAGE, _request(signs="11", communities=[riviera.pk]))
    assert response.status_code == 400 and "stock" in response.content.decode()
    assert not SignageOrder.objects.exists() and not Order.objects.exists()
    assert Product.objects.get(pk=sign.pk).stock == 10


@pytest.fixture
def mandate_order(agent_client, riviera, sign, stickers, cocody_town_hall):
    agent_client.post(PAGE, _request(communities=[riviera.pk]))
    return SignageOrder.objects.get().shop_order


def test_staff_confirm_invoice_and_record_the_mandate_payment(mandate_order, mariam, aicha):
    with pytest.raises(ValidationError):
        services.record_mandate_payment(mariam, mandate_order, reference="TRESOR-1")
    invoice = services.confirm_mandate_order(mariam, mandate_order)
    assert Invoice.objects.get(order=mandate_order) == invoice
    assert "facture" in mail.outbox[-1].subject and mail.outbox[-1].to == [aicha.email]
    with pytest.raises(ValidationError):
        services.confirm_mandate_order(mariam, mandate_order)
    # Invoiced: the agent cannot cancel it any more.
    with pytest.raises(ValidationError):
        services.cancel_order(aicha, mandate_order)
    with pytest.raises(ValidationError) as raised:
        services.record_mandate_payment(mariam, mandate_order, reference=" ")
    assert "reference" in raised.value.error_dict
    order = services.record_mandate_payment(mariam, mandate_order, reference="TRESOR-2026-55")
    assert order.state == OrderState.PAID and order.paid_at is not None
    assert Invoice.objects.count() == 1
    assert {entry.action for entry in AuditEntry.objects.filter(actor=mariam)} == {
        "shop.mandate.confirm",
        "shop.mandate.paid",
    }
    order = services.advance_order(mariam, order, from_state=OrderState.PAID)
    assert order.state == OrderState.PREPARING


def test_a_mandate_order_cannot_be_paid_online(client, mandate_order, aicha):
    factories.log_in(client, aicha)
    response = client.post(f"/boutique/commandes/{mandate_order.pk}/payer/", follow=True)
    assert "attend plus de paiement" in response.content.decode()
    assert not mandate_order.payments.exists()


def test_staff_pages_show_and_confirm_the_mandate(client, mandate_order, mariam):
    factories.log_in(client, mariam)
    page = client.get(f"/equipe/boutique/{mandate_order.pk}/").content.decode()
    assert "mandat administratif" in page and "Confirmer et facturer" in page
    client.post(f"/equipe/boutique/{mandate_order.pk}/confirmer-le-mandat/")
    client.post(f"/equipe/boutique/{mandate_order.pk}/paiement-du-mandat/", {"reference": "TR-9"})
    assert Order.objects.get(pk=mandate_order.pk).state == OrderState.PAID
    slip = client.get(f"/equipe/boutique/{mandate_order.pk}/facture/")
    assert slip.status_code == 200 and slip.content.startswith(b"%PDF-")


@pytest.fixture
def stored_request(agent_client, riviera, cocody_town_hall):
    """Stored before the catalogue sold signs: a request without a shop order."""
    agent_client.post(PAGE, _request(communities=[riviera.pk]))
    request = SignageOrder.objects.get()
    assert request.shop_order is None
    return request


def _to_order(client, request):
    return client.post(f"/equipe/boutique/demandes-des-mairies/{request.pk}/commander/")


def test_staff_make_a_stored_request_a_mandate_order_once(
    client, stored_request, mariam, aicha, sign, stickers, zone
):
    factories.log_in(client, mariam)
    queue = client.get("/equipe/boutique/").content.decode()
    assert "Mairie de Cocody" in queue and "4 panneaux, 200 autocollants" in queue
    response = _to_order(client, stored_request)
    stored_request.refresh_from_db()
    order = stored_request.shop_order
    assert response.status_code == 302 and response["Location"] == f"/equipe/boutique/{order.pk}/"
    assert stored_request.status == SignageOrder.Status.IN_PROGRESS
    assert order.payment_method == PaymentMethod.MANDATE and order.user == aicha
    assert order.mandate_reference == "MA-2026-118" and order.total == 4 * 12500 + 200 * 500 + 1500
    assert order.lines.get(product=sign).personalised_with == "Riviera 2"
    assert Product.objects.get(pk=sign.pk).stock == 6
    assert AuditEntry.objects.filter(actor=mariam, action="shop.signage.to_order").count() == 1
    assert mail.outbox[-1].to == [aicha.email]
    # Once: a second click (or a second tab) makes no second order.
    page = client.post(
        f"/equipe/boutique/demandes-des-mairies/{stored_request.pk}/commander/", follow=True
    ).content.decode()
    assert "déjà une commande" in page
    assert Order.objects.count() == 1 and Product.objects.get(pk=sign.pk).stock == 6
    assert "4 panneaux, 200 autocollants" not in client.get("/equipe/boutique/").content.decode()
    # The usual steps follow.
    services.confirm_mandate_order(mariam, order)
    assert Invoice.objects.filter(order=order).exists()


def test_a_stored_request_without_the_products_or_the_stock_stays_a_request(
    client, stored_request, mariam, sign
):
    factories.log_in(client, mariam)
    page = _to_order(client, stored_request)
    assert "ne vend pas" in client.get("/equipe/boutique/").content.decode()
    stickers = Product.objects.create(kind=ProductKind.STICKER, name="A", price=500, stock=10)
    page = client.post(
        f"/equipe/boutique/demandes-des-mairies/{stored_request.pk}/commander/", follow=True
    )
    assert page.status_code == 200 and "stock" in page.content.decode()
    stored_request.refresh_from_db()
    assert stored_request.shop_order is None and not Order.objects.exists()
    assert Product.objects.get(pk=sign.pk).stock == 10
    assert Product.objects.get(pk=stickers.pk).stock == 10


def test_only_staff_make_a_request_an_order(client, stored_request, aicha, yao, sign, stickers):
    for person in (aicha, yao):
        factories.log_in(client, person)
        assert _to_order(client, stored_request).status_code == 404
    with pytest.raises(ValidationError):
        from monquartier.shop import requests

        requests.to_order(aicha, stored_request.pk)
    assert not Order.objects.exists()


def test_a_cancelled_or_unknown_request_is_refused(client, stored_request, mariam, sign, stickers):
    factories.log_in(client, mariam)
    SignageOrder.objects.filter(pk=stored_request.pk).update(status=SignageOrder.Status.CANCELLED)
    assert "plus en attente" in _follow(client, stored_request.pk)
    assert "existe pas" in _follow(client, stored_request.pk + 1000)
    assert not Order.objects.exists()


def _follow(client, request_id):
    return client.post(
        f"/equipe/boutique/demandes-des-mairies/{request_id}/commander/", follow=True
    ).content.decode()
