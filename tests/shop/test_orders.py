"""Ordering: the cart, the order that holds its stock, and each state an order goes
through (payments are in test_payments.py)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from monquartier.audit.models import AuditEntry
from monquartier.outbox.models import Channel, Delivery
from monquartier.shop import jobs, services
from monquartier.shop.models import (
    CartItem,
    Invoice,
    MessageEvent,
    Order,
    OrderState,
    Payment,
    PaymentStatus,
    Product,
)
from tests.shop.conftest import place


def _stock(product) -> int:
    return Product.objects.get(pk=product.pk).stock


def _paid(order):
    """An order paid as the payment service does it (test_payments.py covers the path)."""
    payment = Payment.objects.create(
        order=order,
        transaction_id=f"T{order.pk}",
        amount=order.total,
        status=PaymentStatus.ACCEPTED,
    )
    services._mark_paid(Order.objects.select_related("user").get(pk=order.pk), payment)
    return Order.objects.get(pk=order.pk)


def test_placing_an_order_holds_the_stock_freezes_prices_and_empties_the_cart(
    order, sign, sticker, riviera
):
    assert order.state == OrderState.AWAITING_PAYMENT
    assert (order.subtotal, order.delivery_fee, order.total) == (2 * 12500 + 4 * 500, 1500, 28500)
    assert isinstance(order.total, int)
    assert order.number.startswith("MQ-") and order.phone == "+2250707123456"
    assert (_stock(sign), _stock(sticker)) == (8, 96)
    assert not CartItem.objects.exists()
    lines = {line.name: line for line in order.lines.all()}
    assert lines[sign.name].personalised_with == "Riviera 2"
    assert lines[sticker.name].personalised_with == ""
    Product.objects.filter(pk=sign.pk).update(price=99000)
    assert order.lines.get(product=sign).unit_price == 12500
    assert order.messages.get().event == MessageEvent.PLACED
    assert "MQ-" in mail.outbox[-1].subject


def test_the_cart_is_kept_across_visits(yao_client_cart, yao):
    assert list(CartItem.objects.filter(cart__user=yao).values_list("quantity", flat=True)) == [3]


@pytest.fixture
def yao_client_cart(client, riviera, yao, sign):
    from tests import factories

    factories.log_in(client, yao)
    client.post(f"/boutique/produits/{sign.pk}/", {"quantity": 3})
    client.logout()
    factories.log_in(client, yao)
    assert "3" in client.get("/boutique/panier/").content.decode()
    return client


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phone": "12"}, "phone"),
        ({"landmark": ""}, "landmark"),
        ({"quartier": ""}, "quartier"),
        ({"commune": None}, "commune"),
        ({"delivery_method": "drone"}, "delivery_method"),
    ],
)
def test_bad_checkout_input_changes_nothing(riviera, yao, sign, zone, cocody, changes, field):
    services.add_to_cart(yao, sign, 2)
    with pytest.raises(ValidationError) as raised:
        place(yao, changes.pop("commune", cocody), **changes)
    assert field in raised.value.error_dict
    assert not Order.objects.exists()
    assert _stock(sign) == 10
    assert CartItem.objects.filter(cart__user=yao).count() == 1


def test_a_commune_outside_the_zones_must_pick_up(riviera, yao, sign, zone, communes):
    from monquartier.places.models import Commune

    services.add_to_cart(yao, sign, 1)
    with pytest.raises(ValidationError):
        place(yao, Commune.objects.get(slug="yopougon"))
    picked_up = place(yao, None, delivery_method="pickup", quartier="", landmark="")
    assert (picked_up.delivery_fee, picked_up.total, picked_up.zone) == (0, 12500, None)


def test_not_enough_stock_refuses_the_whole_order(riviera, yao, sign, sticker, zone, cocody):
    services.add_to_cart(yao, sticker, 3)
    services.add_to_cart(yao, sign, 10)
    Product.objects.filter(pk=sign.pk).update(stock=9)
    with pytest.raises(ValidationError, match="stock"):
        place(yao, cocody)
    # The stickers reserved before the signs failed went back with the rollback.
    assert (_stock(sign), _stock(sticker)) == (9, 100)
    assert not Order.objects.exists()


def test_quantities_out_of_bounds_are_refused(riviera, yao, sign):
    for quantity in (0, -1, 101):
        with pytest.raises(ValidationError):
            services.add_to_cart(yao, sign, quantity)
    assert not CartItem.objects.exists()


def test_a_personalised_product_needs_a_community(issa, sign, sticker):
    with pytest.raises(ValidationError):
        services.add_to_cart(issa, sign, 1)
    services.add_to_cart(issa, sticker, 1)


def test_the_customer_cancels_an_unpaid_order_and_the_stock_goes_back(order, yao, sign):
    services.cancel_order(yao, order)
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED and order.stock_released
    assert _stock(sign) == 10
    with pytest.raises(ValidationError):
        services.cancel_order(yao, order)
    assert _stock(sign) == 10


def test_someone_else_cannot_cancel_the_order(order, awa):
    with pytest.raises(ValidationError):
        services.cancel_order(awa, order)
    assert Order.objects.get(pk=order.pk).state == OrderState.AWAITING_PAYMENT


def test_an_unpaid_order_expires_and_releases_its_stock(order, sign, sticker, provider):
    jobs.expire_unpaid_orders("now")
    assert Order.objects.get(pk=order.pk).state == OrderState.AWAITING_PAYMENT
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert jobs.expire_unpaid_orders("later") == "1 orders expired"
    order.refresh_from_db()
    assert order.state == OrderState.EXPIRED
    assert (_stock(sign), _stock(sticker)) == (10, 100)
    assert order.messages.last().event == MessageEvent.EXPIRED
    assert jobs.expire_unpaid_orders("again") == "0 orders expired"
    assert (_stock(sign), _stock(sticker)) == (10, 100)


def test_expiry_goes_on_when_the_aggregator_is_down(order, sign, provider, settings):
    settings.SHOP_PAYMENT_API_URL = "http://127.0.0.1:9"
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    Payment.objects.create(
        order=order, transaction_id="TX-LOST", amount=order.total, status=PaymentStatus.PENDING
    )
    jobs.expire_unpaid_orders("now")
    assert Order.objects.get(pk=order.pk).state == OrderState.EXPIRED
    assert Payment.objects.get().status == PaymentStatus.EXPIRED
    assert _stock(sign) == 10


def test_staff_move_a_paid_order_step_by_step_and_the_customer_is_told(order, mariam, yao):
    order = _paid(order)
    assert order.state == OrderState.PAID and Invoice.objects.get(order=order)
    for expected in (OrderState.PREPARING, OrderState.SHIPPED, OrderState.DELIVERED):
        before = len(mail.outbox)
        order = services.advance_order(mariam, order, from_state=order.state)
        assert order.state == expected
        assert len(mail.outbox) == before + 1 and mail.outbox[-1].to == [yao.email]
    assert list(order.messages.values_list("event", flat=True)) == [
        MessageEvent.PLACED,
        MessageEvent.PAID,
        MessageEvent.PREPARING,
        MessageEvent.SHIPPED,
        MessageEvent.DELIVERED,
    ]
    assert AuditEntry.objects.filter(action="shop.order.advance", actor=mariam).count() == 3
    # Paid and shipped went by SMS too.
    assert Delivery.objects.filter(shop_message__order=order, channel=Channel.SMS).count() == 2
    with pytest.raises(ValidationError):
        services.advance_order(mariam, order, from_state=order.state)


def test_a_double_click_moves_the_order_once(order, mariam):
    order = _paid(order)
    services.advance_order(mariam, order, from_state=OrderState.PAID)
    with pytest.raises(ValidationError):
        services.advance_order(mariam, order, from_state=OrderState.PAID)
    assert Order.objects.get(pk=order.pk).state == OrderState.PREPARING


def test_only_staff_move_orders(order, yao):
    order = _paid(order)
    with pytest.raises(ValidationError):
        services.advance_order(yao, order, from_state=OrderState.PAID)
    assert Order.objects.get(pk=order.pk).state == OrderState.PAID


def test_an_unpaid_order_cannot_be_advanced_or_refunded(order, mariam):
    with pytest.raises(ValidationError):
        services.advance_order(mariam, order, from_state=OrderState.AWAITING_PAYMENT)
    with pytest.raises(ValidationError):
        services.refund_order(mariam, order, reference="R1", reason="test")
    assert Order.objects.get(pk=order.pk).state == OrderState.AWAITING_PAYMENT


def test_staff_refund_a_paid_order_audited_and_the_stock_goes_back(order, mariam, sign):
    order = _paid(order)
    with pytest.raises(ValidationError) as raised:
        services.refund_order(mariam, order, reference="", reason="")
    assert set(raised.value.error_dict) == {"reference", "reason"}
    services.refund_order(mariam, order, reference="OM-REMB-123", reason="Panneau abîmé")
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED and order.refund_reference == "OM-REMB-123"
    assert _stock(sign) == 10
    assert Payment.objects.get(order=order).status == PaymentStatus.REFUNDED
    entry = AuditEntry.objects.get(action="shop.order.refund")
    assert entry.reason == "Panneau abîmé" and entry.details["amount"] == order.total
    assert order.messages.last().event == MessageEvent.REFUNDED


def test_a_shipped_order_refunded_keeps_the_stock_as_it_is(order, mariam, sign):
    order = _paid(order)
    order = services.advance_order(mariam, order, from_state=OrderState.PAID)
    order = services.advance_order(mariam, order, from_state=OrderState.PREPARING)
    services.refund_order(mariam, order, reference="W-1", reason="Jamais arrivé")
    assert _stock(sign) == 8


def test_order_sms_are_capped_per_account(order, mariam, settings, yao):
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "shop_sms_account": (1, 24 * 3600)}
    order = _paid(order)
    order = services.advance_order(mariam, order, from_state=OrderState.PAID)
    services.advance_order(mariam, order, from_state=OrderState.PREPARING)
    sms = Delivery.objects.filter(shop_message__order=order, channel=Channel.SMS)
    assert sms.count() == 1
    assert Delivery.objects.filter(shop_message__order=order, channel=Channel.EMAIL).count() == 4


def test_invoice_numbers_follow_each_other(order, riviera, yao, sign, zone, cocody, awa):
    first = _paid(order)
    services.add_to_cart(awa, sign, 1)
    second = _paid(place(awa, cocody))
    numbers = [first.invoice.sequence, second.invoice.sequence]
    assert numbers[1] == numbers[0] + 1
    assert first.invoice.number.startswith("F") and first.invoice.amount == first.total


def test_the_expiry_job_confirms_an_order_paid_whose_notification_was_lost(order, provider):
    payment = services.start_payment(order)
    provider.approve(payment.transaction_id, notify=False)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert jobs.expire_unpaid_orders("now") == "0 orders expired"
    assert Order.objects.get(pk=order.pk).state == OrderState.PAID
