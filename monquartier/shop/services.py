"""The shop's writes: cart, orders, payments, the staff's steps, refunds.

Stock is reserved when the order is placed, by a conditional UPDATE (`stock >= n`), so
concurrent orders can never take it below zero; an order that is cancelled, expires or is
refunded before shipping gives its items back exactly once (`stock_released`).

An order is paid only when our own status check with the aggregator says ACCEPTED for
the amount and currency we asked; a notification alone never marks it paid.
"""

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from monquartier.accounts.models import User
from monquartier.accounts.phones import parse_phone, to_e164
from monquartier.audit import log
from monquartier.communities.models import Membership
from monquartier.core import flood
from monquartier.outbox.models import Channel, Delivery
from monquartier.outbox.services import wake_senders
from monquartier.places.models import Commune
from monquartier.shop import payments, personalisation
from monquartier.shop.models import (
    CURRENCY,
    NEXT_STATE,
    REFUNDABLE,
    Cart,
    CartItem,
    DeliveryMethod,
    DeliveryZone,
    Invoice,
    InvoiceCounter,
    MessageEvent,
    NotificationOutcome,
    Order,
    OrderLine,
    OrderMessage,
    OrderState,
    Payment,
    PaymentMethod,
    PaymentNotification,
    PaymentStatus,
    Product,
)

logger = logging.getLogger(__name__)

MAX_QUANTITY = 100  # of one product in one order: more is a typing slip, or a town hall
MAX_CART_ITEMS = 20
MAX_PAYMENT_ATTEMPTS = 10  # per order: each one is a call to the aggregator
# The steps the customer is also told by SMS (each SMS costs us: capped, see _tell).
SMS_EVENTS = {MessageEvent.PAID, MessageEvent.SHIPPED}
# SMS of one order, whatever happens to it (paid, expired, paid again late, shipped…).
MAX_SMS_PER_ORDER = 2
STAFF_STEP_EVENTS = {
    OrderState.PREPARING: MessageEvent.PREPARING,
    OrderState.SHIPPED: MessageEvent.SHIPPED,
    OrderState.DELIVERED: MessageEvent.DELIVERED,
}


# The cart ---------------------------------------------------------------------------


@transaction.atomic
def add_to_cart(user: User, product: Product, quantity: int = 1) -> CartItem:
    if not product.active:
        raise ValidationError({"quantity": _("Ce produit n'est plus en vente.")})
    if quantity < 1 or quantity > MAX_QUANTITY:
        raise ValidationError(
            {"quantity": _("Entre 1 et %(max)s exemplaires.") % {"max": MAX_QUANTITY}}
        )
    membership = Membership.objects.active_for(user)
    community = membership.community if membership else None
    if not personalisation.can_order(product, community):
        raise ValidationError(
            {
                "quantity": _(
                    "Ce produit personnalisé est réservé aux membres d'une communauté concernée."
                )
            }
        )
    cart, _created = Cart.objects.get_or_create(user=user)
    item = CartItem.objects.filter(cart=cart, product=product).first()
    if item is None:
        if cart.items.count() >= MAX_CART_ITEMS:
            raise ValidationError({"quantity": _("Votre panier est plein.")})
        item = CartItem.objects.create(cart=cart, product=product, quantity=quantity)
    else:
        item.quantity = min(item.quantity + quantity, MAX_QUANTITY)
        item.save(update_fields=["quantity"])
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return item


@transaction.atomic
def set_cart_quantity(user: User, product_id: int, quantity: int) -> None:
    """0 takes the product out of the cart."""
    if quantity < 0 or quantity > MAX_QUANTITY:
        raise ValidationError(
            {"quantity": _("Entre 0 et %(max)s exemplaires.") % {"max": MAX_QUANTITY}}
        )
    items = CartItem.objects.filter(cart__user=user, product_id=product_id)
    if quantity == 0:
        items.delete()
    else:
        items.update(quantity=quantity)
    Cart.objects.filter(user=user).update(updated_at=timezone.now())


# Orders ------------------------------------------------------------------------------


def _reserve(lines: list[tuple[int, int, str]]) -> None:
    """(product id, quantity, name) each; raises before anything is kept (the caller's
    transaction rolls back the reservations already made)."""
    for product_id, quantity, name in sorted(lines):  # one order of locks: no deadlock
        taken = Product.objects.filter(pk=product_id, stock__gte=quantity).update(
            stock=F("stock") - quantity
        )
        if not taken:
            raise ValidationError(
                _("Il ne reste pas assez de « %(name)s » en stock.") % {"name": name},
                code="stock",
            )


def _release(order: Order) -> None:
    if order.stock_released:
        return
    for product_id, quantity in sorted(order.lines.values_list("product_id", "quantity")):
        Product.objects.filter(pk=product_id).update(stock=F("stock") + quantity)
    order.stock_released = True


@transaction.atomic(durable=True)
def place_order(
    user: User,
    *,
    delivery_method: str,
    commune: Commune | None = None,
    quartier: str = "",
    landmark: str = "",
    phone: str = "",
    shown_subtotal: int | None = None,
) -> Order:
    """The cart becomes an order awaiting payment; its stock is held until it is paid or
    expires (SHOP_PAYMENT_MINUTES). `shown_subtotal` is what the checkout page showed:
    a price changed since refuses the order, which then keeps the price it shows."""
    errors: dict[str, str] = {}
    items = list(CartItem.objects.filter(cart__user=user).select_related("product").order_by("id"))
    if not items:
        raise ValidationError(_("Votre panier est vide."))
    zone = None
    quartier, landmark = (quartier or "").strip()[:100], (landmark or "").strip()[:200]
    if delivery_method == DeliveryMethod.DELIVERY:
        zone = (
            DeliveryZone.objects.filter(active=True, communes=commune).first() if commune else None
        )
        if zone is None:
            errors["commune"] = _(
                "Nous ne livrons pas encore cette commune : choisissez le retrait."
            )
        if not quartier:
            errors["quartier"] = _("Indiquez le quartier.")
        if not landmark:
            errors["landmark"] = _("Indiquez un point de repère pour le livreur.")
    elif delivery_method != DeliveryMethod.PICKUP:
        errors["delivery_method"] = _("Choisissez la livraison ou le retrait.")
    number = ""
    try:
        number = to_e164(parse_phone(phone, mobile=True))
    except ValidationError as error:
        errors["phone"] = error.messages[0]
    membership = Membership.objects.active_for(user)
    community = membership.community if membership else None
    for item in items:
        if not item.product.active or not personalisation.can_order(item.product, community):
            errors.setdefault(
                "__all__",
                _("« %(name)s » n'est plus disponible : retirez-le du panier.")
                % {"name": item.product.name},
            )
    subtotal = sum(item.product.price * item.quantity for item in items)
    if not errors and shown_subtotal is not None and shown_subtotal != subtotal:
        errors["__all__"] = _(
            "Un prix a changé depuis l'affichage de votre panier : vérifiez le nouveau "
            "montant (%(subtotal)s F CFA), puis validez à nouveau."
        ) % {"subtotal": subtotal}
    if errors:
        raise ValidationError(errors)
    flood.check_flood(
        Order.objects.filter(user=user),
        "shop_order",
        _("Vous avez passé %(count)s commandes aujourd'hui : réessayez demain."),
    )
    _reserve([(item.product_id, item.quantity, item.product.name) for item in items])
    fee = zone.fee if zone is not None else 0
    now = timezone.now()
    order = Order.objects.create(
        user=user,
        community=community,
        delivery_method=delivery_method,
        zone=zone,
        commune=commune if zone is not None else None,
        quartier=quartier if zone is not None else "",
        landmark=landmark if zone is not None else "",
        phone=number,
        subtotal=subtotal,
        delivery_fee=fee,
        total=subtotal + fee,
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(minutes=settings.SHOP_PAYMENT_MINUTES),
    )
    order.number = f"MQ-{timezone.localdate(now).year}-{order.pk:06d}"
    order.save(update_fields=["number"])
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=item.product,
            name=item.product.name,
            unit_price=item.product.price,
            quantity=item.quantity,
            personalised_with=personalisation.personalised_with(item.product, community)[:200],
        )
        for item in items
    )
    CartItem.objects.filter(cart__user=user).delete()
    _tell(order, MessageEvent.PLACED)
    return order


@transaction.atomic(durable=True)
def cancel_order(actor: User, order: Order) -> Order:
    """The customer (or staff) gives up an order that is not paid: its stock goes back."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.state != OrderState.AWAITING_PAYMENT:
        raise ValidationError(_("Seule une commande en attente de paiement peut être annulée."))
    if order.confirmed_at is not None:
        # Its invoice is issued: the town hall's treasury pays it, or staff refund it.
        raise ValidationError(_("Cette commande est facturée : écrivez à l'équipe."))
    if actor.pk != order.user_id and not actor.is_staff:
        raise ValidationError(_("Cette commande n'est pas la vôtre."))
    _release(order)
    _move(order, OrderState.CANCELLED)
    if actor.is_staff and actor.pk != order.user_id:
        log.record(actor, "shop.order.cancel", member=order.user, target=order)
    _tell(order, MessageEvent.CANCELLED)
    return order


def _move(order: Order, state: str) -> None:
    order.state = state
    order.updated_at = timezone.now()
    order.save(update_fields=["state", "updated_at", "stock_released", "paid_at"])


# Town halls' orders by administrative mandate ------------------------------------------


@transaction.atomic
def place_mandate_order(
    agent: User,
    *,
    buyer: str,
    items: list[tuple[Product, int, str]],
    commune: Commune,
    address: str,
    phone: str,
    mandate_reference: str = "",
) -> Order:
    """A town hall's order (items: product, quantity, what it is personalised with): its
    stock is held, it is paid later by the treasury's mandate, never online. Part of the
    caller's transaction (the town hall's own signage request)."""
    if not items or any(quantity < 1 for _product, quantity, _text in items):
        raise ValidationError(_("Indiquez au moins un panneau ou un autocollant."))
    _reserve([(product.pk, quantity, product.name) for product, quantity, _text in items])
    zone = DeliveryZone.objects.filter(active=True, communes=commune).first()
    subtotal = sum(product.price * quantity for product, quantity, _text in items)
    fee = zone.fee if zone is not None else 0
    now = timezone.now()
    order = Order.objects.create(
        user=agent,
        payment_method=PaymentMethod.MANDATE,
        buyer=buyer[:120],
        mandate_reference=(mandate_reference or "")[:80],
        delivery_method=DeliveryMethod.DELIVERY,
        zone=zone,
        commune=commune,
        landmark=(address or "")[:300],
        phone=phone,
        subtotal=subtotal,
        delivery_fee=fee,
        total=subtotal + fee,
        created_at=now,
        updated_at=now,
    )
    order.number = f"MQ-{timezone.localdate(now).year}-{order.pk:06d}"
    order.save(update_fields=["number"])
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=product,
            name=product.name,
            unit_price=product.price,
            quantity=quantity,
            personalised_with=text[:200],
        )
        for product, quantity, text in items
    )
    _tell(order, MessageEvent.PLACED)
    return order


@transaction.atomic(durable=True)
def confirm_mandate_order(staff: User, order: Order) -> Invoice:
    """Staff checked the town hall's order: its invoice is issued, for the mandate."""
    order = _staff_order(staff, order.pk)
    if not order.is_mandate or order.state != OrderState.AWAITING_PAYMENT or order.confirmed_at:
        raise ValidationError(_("Cette commande n'attend pas de confirmation."))
    order.confirmed_at = timezone.now()
    order.save(update_fields=["confirmed_at"])
    invoice = _issue_invoice(order)
    log.record(staff, "shop.mandate.confirm", member=order.user, target=order)
    _tell(order, MessageEvent.CONFIRMED)
    return invoice


@transaction.atomic(durable=True)
def record_mandate_payment(staff: User, order: Order, *, reference: str) -> Order:
    """The treasury paid the invoice: the order is paid and goes to preparation."""
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"reference": _("Indiquez la référence du paiement du mandat.")})
    if len(reference) > 80:
        # Cut, it would be another mandate's reference on the invoice.
        raise ValidationError({"reference": _("Une référence de mandat tient en 80 caractères.")})
    order = _staff_order(staff, order.pk)
    if not order.is_mandate or order.state != OrderState.AWAITING_PAYMENT or not order.confirmed_at:
        raise ValidationError(_("Confirmez et facturez la commande avant d'en noter le paiement."))
    order.mandate_reference = reference
    order.paid_at = timezone.now()
    order.save(update_fields=["mandate_reference"])
    Payment.objects.create(
        order=order,
        transaction_id=f"MANDAT{order.pk}X{secrets.token_hex(4).upper()}",
        amount=order.total,
        status=PaymentStatus.ACCEPTED,
        payment_method=PaymentMethod.MANDATE,
        provider_status=reference,
        accepted_at=order.paid_at,
    )
    _move(order, OrderState.PAID)
    log.record(
        staff,
        "shop.mandate.paid",
        member=order.user,
        target=order,
        details={"amount": order.total, "reference": reference},
    )
    _tell(order, MessageEvent.PAID)
    return order


# Payments -----------------------------------------------------------------------------


def start_payment(order: Order) -> Payment:
    """A payment with the aggregator, whose page the customer is sent to.

    Not one transaction: the aggregator is called between the two writes, so that no
    lock is held while it answers (or not). Raises PaymentUnavailable when it cannot be
    reached: the order keeps waiting and the customer may try again.
    """
    with transaction.atomic():
        order = Order.objects.select_for_update().select_related("user").get(pk=order.pk)
        if not order.is_payable:
            raise ValidationError(_("Cette commande n'attend plus de paiement."))
        if order.expires_at is not None and order.expires_at <= timezone.now():
            raise ValidationError(_("Le délai de paiement de cette commande est passé."))
        if order.payments.count() >= MAX_PAYMENT_ATTEMPTS:
            raise ValidationError(
                _("Trop de tentatives de paiement pour cette commande : écrivez à l'équipe.")
            )
        payment = Payment.objects.create(
            order=order,
            transaction_id=f"MQ{order.pk}X{secrets.token_hex(6).upper()}",
            amount=order.total,
            currency=CURRENCY,
        )
    user = order.user
    initialised = payments.initialise(
        transaction_id=payment.transaction_id,
        amount=payment.amount,
        description=_("Commande %(number)s MonQuartier") % {"number": order.number},
        notify_url=settings.SITE_URL + reverse("shop:payment_webhook"),
        return_url=settings.SITE_URL + reverse("shop:payment_return", args=[order.pk]),
        customer={
            "customer_id": str(user.pk),
            "customer_name": user.last_name[:60],
            "customer_surname": user.first_name[:60],
            "customer_phone_number": order.phone,
            "customer_email": user.email or "",
        },
    )
    Payment.objects.filter(pk=payment.pk, status=PaymentStatus.CREATED).update(
        status=PaymentStatus.PENDING,
        payment_token=initialised.payment_token[:200],
        payment_url=initialised.payment_url[:500],
    )
    payment.refresh_from_db()
    return payment


def confirm_payment(payment: Payment) -> str:
    """Ask the aggregator for the payment's status and act on its answer only: the order
    is paid once, whoever asks (the webhook, the return page, the expiry job) and however
    often. Returns a NotificationOutcome; raises PaymentUnavailable."""
    checked = payments.check(payment.transaction_id)
    with transaction.atomic():
        # The order first, then the payment, everywhere: two notifications at once queue
        # up on the order's row and the second one finds the payment accepted.
        order = Order.objects.select_for_update().select_related("user").get(pk=payment.order_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        payment.checked_at = timezone.now()
        payment.provider_status = checked.status
        payment.payment_method = checked.payment_method or payment.payment_method
        fields = ["checked_at", "provider_status", "payment_method", "status", "accepted_at"]
        if checked.status != payments.ACCEPTED:
            if checked.status == payments.REFUSED and payment.status in (
                PaymentStatus.CREATED,
                PaymentStatus.PENDING,
            ):
                payment.status = PaymentStatus.REFUSED
            payment.save(update_fields=fields)
            return NotificationOutcome.NOT_ACCEPTED
        if checked.amount != payment.amount or checked.currency != payment.currency:
            logger.warning(
                "Payment %s: the aggregator says %s %s, we asked %s %s",
                payment.transaction_id,
                checked.amount,
                checked.currency,
                payment.amount,
                payment.currency,
            )
            payment.save(update_fields=["checked_at", "provider_status"])
            return NotificationOutcome.MISMATCH
        if payment.status in (PaymentStatus.ACCEPTED, PaymentStatus.REFUNDED):
            payment.save(update_fields=["checked_at"])
            return NotificationOutcome.ALREADY_DONE
        payment.status = PaymentStatus.ACCEPTED
        payment.accepted_at = payment.checked_at
        payment.save(update_fields=fields)
        _mark_paid(order, payment)
    return NotificationOutcome.CONFIRMED


def _mark_paid(order: Order, payment: Payment) -> None:
    if order.state == OrderState.AWAITING_PAYMENT and order.total == payment.amount:
        pass
    elif order.state in (OrderState.EXPIRED, OrderState.CANCELLED) and order.stock_released:
        # Paid after the delay (or after a cancellation): the order lives again if its
        # items are still in stock; if not, staff refund it (the queue shows it).
        try:
            with transaction.atomic():
                _reserve(list(order.lines.values_list("product_id", "quantity", "name")))
        except ValidationError:
            logger.warning("Order %s paid too late: its stock is gone", order.number)
            return
        order.stock_released = False
    else:
        logger.warning("Order %s (%s) received a second payment", order.number, order.state)
        return
    order.paid_at = payment.accepted_at
    _move(order, OrderState.PAID)
    _issue_invoice(order)
    _tell(order, MessageEvent.PAID)


def _issue_invoice(order: Order) -> Invoice:
    year = timezone.localdate().year
    # The year's counter row, locked: concurrent payments number their invoices one after
    # the other (a created row is never lost: the insert ignores an existing one).
    InvoiceCounter.objects.bulk_create([InvoiceCounter(year=year)], ignore_conflicts=True)
    counter = InvoiceCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return Invoice.objects.create(
        order=order,
        year=year,
        sequence=counter.last,
        number=f"F{year}-{counter.last:05d}",
        amount=order.total,
    )


def handle_notification(fields: dict[str, str], token: str) -> str:
    """What the webhook received, logged whatever it is; then, for a well-signed
    notification of one of our payments, our own status check. Returns the outcome."""
    transaction_id = str(fields.get("cpm_trans_id", ""))[:100]
    valid = payments.signature_is_valid(fields, token)
    record = PaymentNotification(
        transaction_id=transaction_id, fields=fields, signature_valid=valid
    )
    payment = None
    outcome: str
    if not transaction_id:
        outcome = NotificationOutcome.MALFORMED
    elif not valid:
        outcome = NotificationOutcome.BAD_SIGNATURE
    elif (
        fields.get("cpm_site_id") != settings.SHOP_PAYMENT_SITE_ID
        or (payment := Payment.objects.filter(transaction_id=transaction_id).first()) is None
    ):
        outcome = NotificationOutcome.UNKNOWN
    elif fields.get("cpm_amount", "").strip() != str(payment.amount) or (
        fields.get("cpm_currency", "").strip() != payment.currency
    ):
        outcome = NotificationOutcome.MISMATCH
    elif payment.status in (PaymentStatus.ACCEPTED, PaymentStatus.REFUNDED):
        outcome = NotificationOutcome.ALREADY_DONE
    else:
        try:
            outcome = confirm_payment(payment)
        except payments.PaymentUnavailable:
            outcome = NotificationOutcome.UNCHECKED
    record.payment = payment
    record.outcome = outcome
    record.save()
    if outcome not in (NotificationOutcome.CONFIRMED, NotificationOutcome.NOT_ACCEPTED):
        logger.warning("Payment notification for %r: %s", transaction_id, outcome)
    return outcome


def check_order_payment(order: Order) -> str | None:
    """The return page and the expiry job: the latest payment's status, from the
    aggregator. None when there is no payment to check."""
    payment = (
        order.payments.filter(status__in=[PaymentStatus.PENDING, PaymentStatus.ACCEPTED])
        .order_by("-created_at", "-id")
        .first()
    )
    if payment is None:
        return None
    return confirm_payment(payment)


def expire_order(order: Order) -> bool:
    """An order still unpaid after its delay gives its stock back (the job asks the
    aggregator first: a notification may have been lost). A payment that comes later
    revives the order while stock remains (_mark_paid), or staff refund it."""
    with transaction.atomic():
        order = Order.objects.select_for_update().select_related("user").get(pk=order.pk)
        if order.state != OrderState.AWAITING_PAYMENT or order.is_mandate:
            return False
        _release(order)
        _move(order, OrderState.EXPIRED)
        order.payments.filter(status__in=[PaymentStatus.CREATED, PaymentStatus.PENDING]).update(
            status=PaymentStatus.EXPIRED
        )
        _tell(order, MessageEvent.EXPIRED)
    return True


# Staff ---------------------------------------------------------------------------------


def _staff_order(staff: User, order_id: int) -> Order:
    if not staff.is_staff:
        raise ValidationError(_("Réservé à l'équipe MonQuartier."))
    return Order.objects.select_for_update().select_related("user").get(pk=order_id)


@transaction.atomic(durable=True)
def advance_order(staff: User, order: Order, *, from_state: str) -> Order:
    """One step forward (paid → preparing → shipped → delivered). `from_state` is the
    state staff saw: a double click moves the order once."""
    order = _staff_order(staff, order.pk)
    target = NEXT_STATE.get(order.state)  # type: ignore[call-overload]
    if target is None or order.state != from_state:
        raise ValidationError(_("Cette commande a déjà changé d'état : rechargez la page."))
    _move(order, target)
    log.record(
        staff,
        "shop.order.advance",
        member=order.user,
        target=order,
        details={"from": from_state, "to": target},
    )
    _tell(order, STAFF_STEP_EVENTS[target])
    return order


@transaction.atomic(durable=True)
def refund_order(staff: User, order: Order, *, reference: str, reason: str) -> Order:
    """Staff gave the money back (by the aggregator's back office or a transfer): the
    order is refunded and, when its items never left, they go back to the stock."""
    reference, reason = (reference or "").strip()[:80], (reason or "").strip()[:500]
    errors = {}
    if not reference:
        errors["reference"] = _("Indiquez la référence du remboursement.")
    if not reason:
        errors["reason"] = _("Indiquez pourquoi la commande est remboursée.")
    if errors:
        raise ValidationError(errors)
    order = _staff_order(staff, order.pk)
    accepted = order.payments.filter(status=PaymentStatus.ACCEPTED)
    paid_late = order.state in (OrderState.EXPIRED, OrderState.CANCELLED) and accepted.exists()
    if order.state not in REFUNDABLE and not paid_late:
        raise ValidationError(_("Seule une commande payée peut être remboursée."))
    if order.state in (OrderState.PAID, OrderState.PREPARING):
        _release(order)
    order.refund_reference = reference
    order.save(update_fields=["refund_reference"])
    _move(order, OrderState.REFUNDED)
    accepted.update(status=PaymentStatus.REFUNDED)
    log.record(
        staff,
        "shop.order.refund",
        member=order.user,
        target=order,
        reason=reason,
        details={"amount": order.total, "reference": reference},
    )
    _tell(order, MessageEvent.REFUNDED)
    return order


# Telling the customer -----------------------------------------------------------------


def _tell(order: Order, event: str) -> OrderMessage | None:
    """An e-mail at each step, and an SMS for the payment and the shipping, through the
    outbox. SMS are capped per order (MAX_SMS_PER_ORDER), per account and per community
    (FLOOD_LIMITS)."""
    user = order.user
    if not user.is_active or user.is_closed:
        return None
    message = OrderMessage.objects.create(order=order, event=event, language=user.language)
    rows = []
    if user.email:
        rows.append(
            Delivery(shop_message=message, user=user, channel=Channel.EMAIL, address=user.email)
        )
    if event in SMS_EVENTS and user.mobile and user.mobile_verified:
        sent = Delivery.objects.filter(shop_message__isnull=False, channel=Channel.SMS)
        if (
            sent.filter(shop_message__order=order).count() < MAX_SMS_PER_ORDER
            and not flood.is_flooded(sent.filter(user=user), "shop_sms_account")
        ) and not (
            order.community_id is not None
            and flood.is_flooded(
                sent.filter(shop_message__order__community_id=order.community_id),
                "shop_sms_community",
            )
        ):
            rows.append(
                Delivery(
                    shop_message=message, user=user, channel=Channel.SMS, address=str(user.mobile)
                )
            )
    if rows:
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        wake_senders({row.channel for row in rows})
    return message
