"""Signage a town hall orders for its communities: the request is stored and, when the
shop's catalogue sells signs and stickers, becomes a shop order by administrative mandate
(no online payment): staff confirm and invoice it, then record the mandate's payment in
their order queue (/equipe/boutique/). Otherwise staff handle the request in the admin.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from monquartier.accounts.models import User
from monquartier.accounts.phones import parse_phone, to_e164
from monquartier.audit import log
from monquartier.communities.models import Community
from monquartier.core import flood
from monquartier.shop import services as shop
from monquartier.shop.models import Personalisation, Product, ProductKind
from monquartier.shop.requests import RequestSource, WaitingRequest
from monquartier.townhalls.models import SignageOrder, TownHall

# An order above these is a typing slip, not a commune's need.
MAX_SIGNS = 500
MAX_STICKERS = 5000


@transaction.atomic
def order_signage(
    agent: User,
    town_hall: TownHall,
    *,
    signs: int,
    stickers: int,
    communities: Iterable[Community] = (),
    delivery_address: str,
    contact_phone: str,
    mandate_reference: str = "",
    notes: str = "",
) -> SignageOrder:
    """None of the communities chosen: the order is for the whole commune."""
    errors: dict[str, str] = {}
    signs, stickers = signs or 0, stickers or 0
    if signs < 0 or signs > MAX_SIGNS:
        errors["signs"] = _("Entre 0 et %(max)s panneaux.") % {"max": MAX_SIGNS}
    if stickers < 0 or stickers > MAX_STICKERS:
        errors["stickers"] = _("Entre 0 et %(max)s autocollants.") % {"max": MAX_STICKERS}
    if not errors and signs + stickers == 0:
        errors["signs"] = _("Indiquez au moins un panneau ou un autocollant.")
    communities = list(communities)
    if any(community.commune_id != town_hall.commune_id for community in communities):
        errors["communities"] = _("Choisissez des communautés de votre commune.")
    delivery_address = (delivery_address or "").strip()
    if not delivery_address:
        errors["delivery_address"] = _("Indiquez l'adresse de livraison.")
    phone = ""
    try:
        phone = to_e164(parse_phone(contact_phone, mobile=False))
    except ValidationError as error:
        errors["contact_phone"] = error.messages[0]
    if errors:
        raise ValidationError(errors)
    flood.check_flood(
        SignageOrder.objects.filter(town_hall=town_hall),
        "signage_order",
        _(
            "Votre mairie a déjà passé %(count)s commandes aujourd'hui : réessayez demain "
            "ou écrivez à l'équipe MonQuartier."
        ),
    )
    order = SignageOrder.objects.create(
        town_hall=town_hall,
        ordered_by=agent,
        signs=signs,
        stickers=stickers,
        delivery_address=delivery_address[:300],
        contact_phone=phone,
        mandate_reference=(mandate_reference or "").strip()[:80],
        notes=(notes or "").strip()[:1000],
    )
    order.communities.set(communities)
    order.shop_order = _shop_order(agent, town_hall, order, communities)
    if order.shop_order is not None:
        order.save(update_fields=["shop_order"])
    return order


def _shop_order(agent: User, town_hall: TownHall, order: SignageOrder, communities):
    """The shop's order for the request, or None when the catalogue does not sell what it
    asks (staff then handle it by hand) or the shop is off. Not enough stock refuses the
    request."""
    if not settings.SHOP_ENABLED:
        return None
    wanted = [(ProductKind.SIGN_LARGE, order.signs), (ProductKind.STICKER, order.stickers)]
    items = []
    for kind, quantity in wanted:
        if not quantity:
            continue
        product = Product.objects.on_sale().filter(kind=kind).order_by("position", "id").first()
        if product is None:
            return None
        items.append((product, quantity, _personalised(product, town_hall, communities)))
    try:
        return shop.place_mandate_order(
            agent,
            buyer=town_hall.name,
            items=items,
            commune=town_hall.commune,
            address=order.delivery_address,
            phone=str(order.contact_phone),
            mandate_reference=order.mandate_reference,
        )
    except ValidationError as error:
        raise ValidationError({"signs": error.messages}) from None


def _personalised(product: Product, town_hall: TownHall, communities) -> str:
    if product.personalisation == Personalisation.NONE:
        return ""
    names = ", ".join(community.name for community in communities) or _(
        "toutes les communautés de %(commune)s"
    ) % {"commune": town_hall.commune.name}
    if product.personalisation == Personalisation.COAT_OF_ARMS and town_hall.coat_of_arms:
        return _("%(names)s, aux armoiries de %(commune)s") % {
            "names": names,
            "commune": town_hall.commune.name,
        }
    return names


# Requests stored without a shop order (before the shop sold signs, or while it was off):
# staff make one of them on their queue (shop/requests.py), once.


def _waiting_requests():
    return SignageOrder.objects.filter(
        shop_order__isnull=True, status=SignageOrder.Status.RECEIVED
    ).select_related("town_hall")


def waiting_requests(limit: int) -> list[WaitingRequest]:
    return [
        WaitingRequest(
            pk=request.pk,
            buyer=request.town_hall.name,
            summary=_("%(signs)s panneaux, %(stickers)s autocollants")
            % {"signs": request.signs, "stickers": request.stickers},
            created_at=request.created_at,
        )
        for request in _waiting_requests().order_by("created_at", "id")[:limit]
    ]


@transaction.atomic(durable=True)
def request_to_order(staff: User, request_id: int):
    """Staff chose to make a stored request a shop order by mandate: its stock is held and
    the usual steps follow (confirm and invoice, the mandate's payment). Once: a second
    click finds the order made."""
    request = (
        # Only the request's row is locked (its agent may be gone: an outer join).
        SignageOrder.objects.select_for_update(of=("self",))
        .select_related("town_hall__commune", "ordered_by")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise ValidationError(_("Cette demande n'existe pas."))
    if request.shop_order_id is not None:
        raise ValidationError(_("Cette demande est déjà une commande de la boutique."))
    if request.status != SignageOrder.Status.RECEIVED:
        raise ValidationError(_("Cette demande n'est plus en attente."))
    agent = request.ordered_by
    if agent is None or not agent.is_active or agent.is_closed:
        raise ValidationError(
            _("L'agent qui a passé cette demande n'a plus de compte : traitez-la à la main.")
        )
    communities = list(request.communities.all())
    order = _shop_order(agent, request.town_hall, request, communities)
    if order is None:
        raise ValidationError(
            _("La boutique ne vend pas de grand panneau ou d'autocollant pour le moment.")
        )
    request.shop_order = order
    request.status = SignageOrder.Status.IN_PROGRESS
    request.save(update_fields=["shop_order", "status"])
    log.record(
        staff,
        "shop.signage.to_order",
        member=agent,
        target=order,
        details={"request": request.pk, "town_hall": request.town_hall_id},
    )
    return order


REQUESTS = RequestSource(
    waiting=waiting_requests, count=lambda: _waiting_requests().count(), to_order=request_to_order
)
