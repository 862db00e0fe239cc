"""What a personalised product carries: the community's name, and for the communities of
a partner town hall's commune, its coat of arms.

The shop cannot import the app that knows town halls (it sits above): that app registers
here which communes have a partner town hall with a coat of arms (TownhallsConfig.ready()).
"""

from collections.abc import Callable

from django.utils.translation import gettext as _

from monquartier.communities.models import Community
from monquartier.shop.models import Personalisation, Product

# commune id → True when its partner town hall lends its coat of arms to our signs.
_coats_of_arms: list[Callable[[int], bool]] = []


def register_coat_of_arms(source: Callable[[int], bool]) -> None:
    if source not in _coats_of_arms:
        _coats_of_arms.append(source)


def has_coat_of_arms(commune_id: int | None) -> bool:
    return commune_id is not None and any(source(commune_id) for source in _coats_of_arms)


def allowed(community: Community | None) -> set[str]:
    """The personalisations a member of this community (None: of none) may order."""
    if community is None:
        return {Personalisation.NONE}
    kinds: set[str] = {Personalisation.NONE, Personalisation.COMMUNITY_NAME}
    if has_coat_of_arms(community.commune_id):
        kinds.add(Personalisation.COAT_OF_ARMS)
    return kinds


def can_order(product: Product, community: Community | None) -> bool:
    if product.personalisation == Personalisation.NONE:
        return True
    return product.personalisation in allowed(community)


def personalised_with(product: Product, community: Community | None) -> str:
    """The text printed on the product, frozen on the order line."""
    if product.personalisation == Personalisation.NONE or community is None:
        return ""
    if product.personalisation == Personalisation.COAT_OF_ARMS:
        return _("%(community)s, aux armoiries de %(commune)s") % {
            "community": community.name,
            "commune": community.commune.name,
        }
    return community.name
