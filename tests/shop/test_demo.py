"""The demo's shop: products, zones, Yao's paid and waiting orders, Cocody's mandate."""

import pytest

from monquartier.accounts.demo import email_for
from monquartier.shop.models import Order, OrderState, PaymentMethod, Product
from monquartier.web.demo import load_demo_data

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_catalogue_and_orders_in_each_kind_of_state(communes):
    load_demo_data()
    assert Product.objects.on_sale().count() == 4
    yao_orders = Order.objects.filter(user__email=email_for("Yao", "Kouassi"))
    assert {order.state for order in yao_orders} == {
        OrderState.DELIVERED,
        OrderState.AWAITING_PAYMENT,
    }
    assert yao_orders.get(state=OrderState.DELIVERED).invoice.number.startswith("F")
    assert yao_orders.get(state=OrderState.AWAITING_PAYMENT).is_payable
    mandate = Order.objects.get(payment_method=PaymentMethod.MANDATE)
    assert mandate.buyer == "Mairie de Cocody" and mandate.confirmed_at is None
    # Idempotent.
    load_demo_data()
    assert Order.objects.count() == 3


def test_the_demo_has_a_town_halls_request_waiting_for_staff_to_make_it_an_order(communes):
    from monquartier.shop import requests

    load_demo_data()
    waiting, count = requests.waiting(20)
    assert count == 1 and waiting[0].buyer == "Mairie de Cocody"
    load_demo_data()
    assert requests.waiting(20)[1] == 1
