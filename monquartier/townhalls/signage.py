"""Signage a town hall orders for its communities: the request is stored, staff handle
it in the admin and the town hall pays by administrative mandate (no online payment).
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from monquartier.accounts.models import User
from monquartier.accounts.phones import parse_phone, to_e164
from monquartier.communities.models import Community
from monquartier.core import flood
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
    return order
