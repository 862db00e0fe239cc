"""Paying by mobile money through the (fake) aggregator: initialisation, the signed
notification, our own status check, and every bad input the webhook may receive."""

import pytest
from django.core import mail

from monquartier.outbox.models import Channel, Delivery
from monquartier.shop import payments, services
from monquartier.shop.models import (
    Invoice,
    NotificationOutcome,
    Order,
    OrderState,
    Payment,
    PaymentNotification,
    PaymentStatus,
)
from tests import factories
from tests.fakes.payment_provider import x_token

WEBHOOK = "/webhooks/paiement/cinetpay/"


@pytest.fixture
def payment(order, provider):
    return services.start_payment(order)


def _notify(client, provider, payment, *, token=None, **changed):
    fields = provider.notification_fields(payment.transaction_id, **changed)
    signed = token if token is not None else x_token(fields, provider.secret_key)
    return client.post(WEBHOOK, fields, headers={"x-token": signed})


def _state(order) -> str:
    return Order.objects.get(pk=order.pk).state


def test_starting_a_payment_gives_the_wallet_page(payment, provider, order):
    assert payment.status == PaymentStatus.PENDING
    assert payment.amount == order.total == provider.payments[payment.transaction_id].amount
    assert payment.payment_url.startswith(provider.public_url + "/wallet/")
    assert provider.payments[payment.transaction_id].notify_url.endswith(WEBHOOK)


def test_a_signed_notification_then_our_check_mark_the_order_paid_once(
    client, payment, provider, order, yao
):
    provider.approve(payment.transaction_id, notify=False)
    before = len(mail.outbox)
    response = _notify(client, provider, payment)
    assert response.status_code == 200 and response.json() == {"outcome": "confirmed"}
    assert _state(order) == OrderState.PAID
    invoice = Invoice.objects.get(order=order)
    assert invoice.amount == order.total
    assert len(mail.outbox) == before + 1 and "payée" in mail.outbox[-1].subject
    assert Delivery.objects.filter(shop_message__order=order, channel=Channel.SMS).count() == 1
    # The same notification again (a replay, or the aggregator's retry): nothing more.
    again = _notify(client, provider, payment)
    assert again.status_code == 200 and again.json() == {"outcome": "already_done"}
    assert Invoice.objects.count() == 1 and len(mail.outbox) == before + 1
    assert list(PaymentNotification.objects.order_by("id").values_list("outcome", flat=True)) == [
        NotificationOutcome.CONFIRMED,
        NotificationOutcome.ALREADY_DONE,
    ]


def test_the_notification_alone_never_marks_paid(client, payment, provider, order):
    # Well signed, says success, but the aggregator's status is still waiting.
    response = _notify(client, provider, payment, cpm_error_message="SUCCES")
    assert response.status_code == 200 and response.json() == {"outcome": "not_accepted"}
    assert _state(order) == OrderState.AWAITING_PAYMENT
    assert not Invoice.objects.exists()


def test_a_bad_signature_changes_nothing_and_is_logged(client, payment, provider, order):
    provider.approve(payment.transaction_id, notify=False)
    response = _notify(client, provider, payment, token="0" * 64)
    assert response.status_code == 403
    missing = client.post(WEBHOOK, provider.notification_fields(payment.transaction_id))
    assert missing.status_code == 403
    # Signed with another key.
    fields = provider.notification_fields(payment.transaction_id)
    forged = client.post(WEBHOOK, fields, headers={"x-token": x_token(fields, "not-our-key")})
    assert forged.status_code == 403
    assert _state(order) == OrderState.AWAITING_PAYMENT
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING
    logged = PaymentNotification.objects.all()
    assert logged.count() == 3 and {n.outcome for n in logged} == {
        NotificationOutcome.BAD_SIGNATURE
    }
    assert all(not n.signature_valid for n in logged)


def test_a_tampered_field_breaks_the_signature(client, payment, provider, order):
    provider.approve(payment.transaction_id, notify=False)
    fields = provider.notification_fields(payment.transaction_id)
    signed = x_token(fields, provider.secret_key)
    fields["cpm_amount"] = "100"
    response = client.post(WEBHOOK, fields, headers={"x-token": signed})
    assert response.status_code == 403
    assert _state(order) == OrderState.AWAITING_PAYMENT


def test_an_unknown_transaction_changes_nothing(client, payment, provider, order):
    fields = provider.notification_fields(payment.transaction_id, cpm_trans_id="MQ999X0000")
    response = client.post(
        WEBHOOK, fields, headers={"x-token": x_token(fields, provider.secret_key)}
    )
    assert response.status_code == 404 and response.json() == {"outcome": "unknown"}
    other_site = provider.notification_fields(payment.transaction_id, cpm_site_id="1")
    response = client.post(
        WEBHOOK, other_site, headers={"x-token": x_token(other_site, provider.secret_key)}
    )
    assert response.status_code == 404
    assert _state(order) == OrderState.AWAITING_PAYMENT


@pytest.mark.parametrize(
    "changed", [{"cpm_amount": "100"}, {"cpm_currency": "EUR"}, {"cpm_amount": "28500.5"}]
)
def test_a_wrong_amount_or_currency_in_the_notification_changes_nothing(
    client, payment, provider, order, changed
):
    provider.approve(payment.transaction_id, notify=False)
    response = _notify(client, provider, payment, **changed)
    assert response.status_code == 409 and response.json() == {"outcome": "mismatch"}
    assert _state(order) == OrderState.AWAITING_PAYMENT
    assert PaymentNotification.objects.get().outcome == NotificationOutcome.MISMATCH


def test_a_check_that_says_another_amount_changes_nothing(client, payment, provider, order):
    provider.approve(payment.transaction_id, notify=False)
    provider.check_amount = 100
    response = _notify(client, provider, payment)
    assert response.status_code == 409
    assert _state(order) == OrderState.AWAITING_PAYMENT
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING


def test_a_malformed_or_oversized_notification_is_refused(client, payment, provider, order):
    assert client.post(WEBHOOK, {"foo": "bar"}, headers={"x-token": "x"}).status_code == 400
    assert client.post(WEBHOOK, "{}", content_type="application/json").status_code == 400
    big = client.post(
        WEBHOOK, "a=" + "b" * 70_000, content_type="application/x-www-form-urlencoded"
    )
    assert big.status_code == 400
    assert client.get(WEBHOOK).status_code == 200  # the aggregator's availability ping
    assert _state(order) == OrderState.AWAITING_PAYMENT


def test_the_aggregator_down_during_the_check_leaves_the_order_waiting(
    client, payment, provider, order
):
    provider.approve(payment.transaction_id, notify=False)
    provider.down = True
    response = _notify(client, provider, payment)
    assert response.status_code == 503 and response.json() == {"outcome": "unchecked"}
    assert _state(order) == OrderState.AWAITING_PAYMENT
    provider.down = False
    assert _notify(client, provider, payment).status_code == 200
    assert _state(order) == OrderState.PAID


def test_a_refused_payment_leaves_the_order_payable(client, payment, provider, order):
    provider.payments[payment.transaction_id].status = "REFUSED"
    assert _notify(client, provider, payment).status_code == 200
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.REFUSED
    assert _state(order) == OrderState.AWAITING_PAYMENT
    assert services.start_payment(order).status == PaymentStatus.PENDING


def test_the_pay_button_with_the_aggregator_down_tells_the_member(client, order, provider, yao):
    provider.down = True
    factories.log_in(client, yao)
    response = client.post(f"/boutique/commandes/{order.pk}/payer/", follow=True)
    assert response.status_code == 200
    assert "ne répond pas" in response.content.decode()
    assert _state(order) == OrderState.AWAITING_PAYMENT


def test_the_pay_button_with_the_aggregator_unreachable_tells_the_member(
    client, order, settings, yao
):
    settings.SHOP_PAYMENT_API_URL = "http://127.0.0.1:9"
    factories.log_in(client, yao)
    response = client.post(f"/boutique/commandes/{order.pk}/payer/", follow=True)
    assert response.status_code == 200 and "ne répond pas" in response.content.decode()


def test_the_pay_button_sends_the_member_to_the_wallet(client, order, provider, yao):
    factories.log_in(client, yao)
    response = client.post(f"/boutique/commandes/{order.pk}/payer/")
    assert response.status_code == 200
    assert f'href="{provider.public_url}/wallet/' in response.content.decode()


def test_the_return_page_checks_the_status_itself(client, payment, provider, order, yao):
    factories.log_in(client, yao)
    provider.approve(payment.transaction_id, notify=False)  # the notification was lost
    response = client.get(f"/boutique/commandes/{order.pk}/retour/", follow=True)
    assert "Paiement reçu" in response.content.decode()
    assert _state(order) == OrderState.PAID


def test_the_return_page_with_the_aggregator_down_says_so(client, payment, provider, order, yao):
    factories.log_in(client, yao)
    provider.down = True
    response = client.get(f"/boutique/commandes/{order.pk}/retour/", follow=True)
    assert response.status_code == 200 and "ne répond pas" in response.content.decode()


def test_a_payment_after_expiry_revives_the_order_while_stock_remains(order, provider, sign):
    payment = services.start_payment(order)
    Order.objects.filter(pk=order.pk).update(expires_at=order.created_at)
    provider.down = True
    services.expire_order(order)
    assert _state(order) == OrderState.EXPIRED
    provider.down = False
    provider.approve(payment.transaction_id, notify=False)
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.PENDING)
    assert services.confirm_payment(payment) == NotificationOutcome.CONFIRMED
    assert _state(order) == OrderState.PAID
    assert sign.__class__.objects.get(pk=sign.pk).stock == 8


def test_check_answers_we_cannot_use_are_unavailable(provider, settings, order):
    payment = services.start_payment(order)
    settings.SHOP_PAYMENT_API_KEY = "wrong"
    with pytest.raises(payments.PaymentUnavailable):
        payments.check(payment.transaction_id)


def test_the_invoice_is_the_customers_only(client, payment, provider, order, yao, awa, mariam):
    provider.approve(payment.transaction_id, notify=False)
    services.confirm_payment(payment)
    url = f"/boutique/commandes/{order.pk}/facture/"
    factories.log_in(client, awa)
    assert client.get(url).status_code == 404
    assert client.get(f"/boutique/commandes/{order.pk}/").status_code == 404
    factories.log_in(client, yao)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    from io import BytesIO

    from pypdf import PdfReader

    text = PdfReader(BytesIO(response.content)).pages[0].extract_text()
    assert Invoice.objects.get().number in text and "28" in text
