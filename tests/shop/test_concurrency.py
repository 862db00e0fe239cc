"""Concurrent orders and payments on PostgreSQL (SQLite writes one transaction at a time):
the stock never goes below zero, two notifications of one payment mark it paid once, and
invoices paid at the same moment get consecutive numbers."""

import threading

import pytest
from django.db import connection, connections

from monquartier.shop import services
from monquartier.shop.models import (
    Invoice,
    MessageEvent,
    NotificationOutcome,
    Order,
    OrderMessage,
    OrderState,
    Product,
)
from tests import factories
from tests.fakes.payment_provider import x_token
from tests.shop.conftest import place

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions"),
]


def _together(functions):
    """Run each function in its own thread and connection, all released at once."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait(10)
            results[index] = function()
        except Exception as error:  # the outcome the test looks at
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_concurrent_orders_never_take_the_stock_below_zero(communes, sign, zone, cocody):
    Product.objects.filter(pk=sign.pk).update(stock=3)
    buyers = [factories.make_user("Client", str(number)) for number in range(8)]
    # The sign is personalised: buyers without a community order the plain version.
    Product.objects.filter(pk=sign.pk).update(personalisation="none")
    for buyer in buyers:
        services.add_to_cart(buyer, Product.objects.get(pk=sign.pk), 1)

    results = _together([lambda buyer=buyer: place(buyer, cocody) for buyer in buyers])

    placed = [result for result in results if isinstance(result, Order)]
    assert len(placed) == 3
    assert Product.objects.get(pk=sign.pk).stock == 0
    assert Order.objects.count() == 3


def test_two_notifications_at_once_mark_the_payment_paid_once(
    communes, riviera, yao, sign, sticker, zone, cocody, provider, client
):
    services.add_to_cart(yao, sign, 2)
    order = place(yao, cocody)
    payment = services.start_payment(order)
    provider.approve(payment.transaction_id, notify=False)
    fields = provider.notification_fields(payment.transaction_id)
    token = x_token(fields, provider.secret_key)

    outcomes = _together([lambda: services.handle_notification(fields, token)] * 2)

    assert sorted(outcomes) == sorted(
        [NotificationOutcome.CONFIRMED, NotificationOutcome.ALREADY_DONE]
    )
    assert Order.objects.get(pk=order.pk).state == OrderState.PAID
    assert Invoice.objects.count() == 1
    assert OrderMessage.objects.filter(event=MessageEvent.PAID).count() == 1


def test_invoices_paid_together_get_consecutive_numbers(communes, sticker, zone, cocody, provider):
    buyers = [factories.make_user("Client", str(number)) for number in range(4)]
    payments = []
    for buyer in buyers:
        services.add_to_cart(buyer, sticker, 1)
        payment = services.start_payment(place(buyer, cocody))
        provider.approve(payment.transaction_id, notify=False)
        payments.append(payment)

    outcomes = _together(
        [lambda payment=payment: services.confirm_payment(payment) for payment in payments]
    )

    assert outcomes == [NotificationOutcome.CONFIRMED] * 4
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == [1, 2, 3, 4]


def test_two_staff_making_one_stored_request_an_order_at_once_make_one(
    communes, riviera, sign, sticker, zone, cocody, mariam
):
    from django.core.exceptions import ValidationError

    from monquartier.townhalls import signage
    from monquartier.townhalls.models import SignageOrder

    town_hall = factories.make_town_hall("cocody")
    agent = factories.make_agent(town_hall, email="agent.cocody@mairie-cocody.ci")
    request = SignageOrder.objects.create(
        town_hall=town_hall,
        ordered_by=agent,
        signs=2,
        stickers=10,
        delivery_address="Mairie de Cocody",
        contact_phone="+2252722445566",
    )
    other = factories.make_user("Issouf", "Diallo", is_staff=True)

    results = _together(
        [
            lambda staff=staff: signage.request_to_order(staff, request.pk)
            for staff in (mariam, other)
        ]
    )

    assert sorted(type(result).__name__ for result in results) == ["Order", "ValidationError"]
    assert any(isinstance(result, ValidationError) for result in results)
    assert Order.objects.count() == 1
    assert Product.objects.get(pk=sign.pk).stock == 8
    assert SignageOrder.objects.get(pk=request.pk).shop_order_id == Order.objects.get().pk
