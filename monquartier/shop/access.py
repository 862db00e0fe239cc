"""Who may open which order: its customer, and staff; a 404 for anyone else. And the
shop itself: off (settings.SHOP_ENABLED), every page of it is a 404."""

from functools import wraps

from django.conf import settings
from django.http import Http404

from monquartier.shop.models import Invoice, Order


def shop_page(view):
    """The shop's pages exist only while the shop is on (read at each request)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.SHOP_ENABLED:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def get_order_for_customer(user, order_id: int) -> Order:
    order = (
        Order.objects.select_related("zone", "commune", "invoice")
        .filter(pk=order_id, user_id=user.pk)
        .first()
    )
    if order is None:
        raise Http404
    return order


def require_staff(user) -> None:
    if not (user.is_authenticated and user.is_staff):
        raise Http404


def get_order_for_staff(user, order_id: int) -> Order:
    require_staff(user)
    order = (
        Order.objects.select_related("user", "zone", "commune", "community")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise Http404
    return order


def get_invoice_for_owner(user, order_id: int) -> Invoice:
    """The customer's own invoice; staff download theirs from the order's staff page."""
    invoice = (
        Invoice.objects.select_related("order", "order__user", "order__commune", "order__zone")
        .filter(order_id=order_id)
        .first()
    )
    if invoice is None or invoice.order.user_id != user.pk:
        raise Http404
    return invoice


def get_invoice_for_staff(user, order_id: int) -> Invoice:
    require_staff(user)
    invoice = (
        Invoice.objects.select_related("order", "order__user", "order__commune", "order__zone")
        .filter(order_id=order_id)
        .first()
    )
    if invoice is None:
        raise Http404
    return invoice
