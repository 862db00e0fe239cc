"""How the outbox tells a customer about their order (outbox/sources.py): an e-mail at
each step, an SMS when it is paid and when it leaves. Registered from ShopConfig.ready()."""

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from monquartier.notifications.links import absolute_link
from monquartier.outbox.models import Delivery
from monquartier.outbox.rendering import personalise, render_email
from monquartier.outbox.sms.gsm7 import to_gsm7
from monquartier.outbox.sources import Source
from monquartier.outbox.transports import LINK, Email
from monquartier.shop.models import MessageEvent, OrderMessage


def order_email(delivery: Delivery) -> Email:
    message = delivery.shop_message
    if message is None:
        raise ValueError(f"Delivery {delivery.pk} carries no shop message")
    order = message.order
    rendered = render_email(
        "shop/email/order",
        {
            "message": message,
            "order": order,
            "lines": list(order.lines.all()),
            "events": MessageEvent,
            "user": {"first_name": order.user.first_name},
            "link": LINK,
        },
        message.language,
    )
    link = absolute_link(order.user, reverse("shop:order", args=[order.pk]))
    return personalise(rendered, link, to=delivery.address, delivery_id=delivery.pk)


def order_sms_text(message: OrderMessage) -> str:
    """Our words only, in one GSM-7 segment: the order's number and total."""
    order = message.order
    values = {"number": order.number, "total": order.total}
    with translation.override(message.language):
        if message.event == MessageEvent.PAID:
            text = (
                _(
                    "MonQuartier: paiement de %(total)s F CFA recu pour la commande %(number)s. Merci !"
                )
                % values
            )
        else:
            text = (
                _("MonQuartier: votre commande %(number)s est en route. Le livreur vous appellera.")
                % values
            )
    return to_gsm7(text)


SOURCE = Source(
    field="shop_message",
    queryset=lambda: OrderMessage.objects.select_related("order", "order__user"),
    email=order_email,
    sms=order_sms_text,
)
