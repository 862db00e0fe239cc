"""The police and gendarmerie stations a town hall links with its communities (PRODUCT.md,
Partner town halls): they receive the alerts of the communities they cover, by e-mail
and SMS, without an account, except the categories the town hall switched off for them
(townhalls/audience.py sends them)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from monquartier.accounts.phones import is_ivorian
from monquartier.alerts.models import AlertCategory
from monquartier.townhalls.access import communities_of
from monquartier.townhalls.models import PoliceContact, TownHall


def police_of(town_hall: TownHall):
    return PoliceContact.objects.filter(town_hall=town_hall).prefetch_related("communities")


def police_for(town_hall: TownHall, police_id: int) -> PoliceContact:
    """One of the town hall's police contacts (404 for anyone else's)."""
    return get_object_or_404(PoliceContact.objects.filter(town_hall=town_hall), pk=police_id)


def _clean(town_hall: TownHall, station, email, mobile, communities, muted_categories) -> dict:
    errors: dict[str, list[str]] = {}
    station = " ".join((station or "").split())
    email = (email or "").strip().lower()
    mobile = str(mobile or "")
    if not station:
        errors["station"] = [_("Indiquez le nom du commissariat ou de la brigade.")]
    if not email and not mobile:
        errors["email"] = [
            _("Indiquez une adresse e-mail ou un mobile : les alertes partent vers eux.")
        ]
    if mobile and not is_ivorian(mobile):
        errors["mobile"] = [
            _("Indiquez un mobile ivoirien : les SMS ne partent que vers la Côte d'Ivoire.")
        ]
    community_ids = {community.pk for community in communities}
    if community_ids and (
        communities_of(town_hall).filter(pk__in=community_ids).count() != len(community_ids)
    ):
        errors["communities"] = [_("Choisissez des communautés de la commune.")]
    muted = sorted(set(muted_categories or []))
    if any(category not in AlertCategory.values for category in muted):
        errors["muted_categories"] = [_("Choisissez parmi les catégories d'alerte.")]
    if errors:
        raise ValidationError(errors)
    return {
        "station": station,
        "email": email,
        "mobile": mobile,
        "community_ids": community_ids,
        "muted_categories": muted,
    }


@transaction.atomic
def save_police_contact(
    town_hall: TownHall,
    *,
    station: str,
    email: str = "",
    mobile: str = "",
    communities=(),
    muted_categories=(),
    contact: PoliceContact | None = None,
) -> PoliceContact:
    """Add a police contact (contact=None) or change one of the town hall's. No
    community chosen: the whole commune, including communities created later."""
    if contact is not None and contact.town_hall_id != town_hall.pk:
        raise ValidationError(_("Ce contact appartient à une autre mairie."))
    values = _clean(town_hall, station, email, mobile, communities, muted_categories)
    community_ids = values.pop("community_ids")
    if contact is None:
        contact = PoliceContact(town_hall=town_hall)
    for field, value in values.items():
        setattr(contact, field, value)
    contact.save()
    contact.communities.set(community_ids)
    return contact


def set_active(contact: PoliceContact, active: bool) -> None:
    """Switch a contact off (it receives nothing more) or on again; kept either way, for
    the history of what it was sent."""
    PoliceContact.objects.filter(pk=contact.pk).update(active=active)
    contact.active = active
