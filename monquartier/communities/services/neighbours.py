"""Neighbours without internet, registered by a référent (with consent and caps)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from monquartier.accounts.models import Home, User
from monquartier.accounts.phones import is_ivorian
from monquartier.accounts.validators import clean_person_name
from monquartier.communities import geometry
from monquartier.communities.models import (
    Community,
    Membership,
    MembershipStatus,
    MovementKind,
)
from monquartier.communities.services._common import _log, _tell_neighbours, require_referent
from monquartier.core import flood
from monquartier.notifications.models import Notification, NotificationKind
from monquartier.notifications.services import notify
from monquartier.outbox.models import TextMessage, TextPurpose
from monquartier.outbox.services import send_text


class _CapReached(Exception):
    def __init__(self, limit: str):
        super().__init__(limit)
        self.limit = limit


def register_neighbour(actor: User, community: Community, **fields) -> User:
    """A référent registers a neighbour who has only a basic phone: the neighbour becomes
    an active, phone-only member, and an SMS of ours asks them to answer OUI. Until they
    do, the number is not verified and receives no alert (alerts/sms_intake.py).

    Each registration costs us an SMS to a number we never saw: a community registers
    only after NEIGHBOUR_REGISTRATION_AFTER_DAYS, a number once, and a référent and a
    community only a few a day (settings.FLOOD_LIMITS). Staff hear of a cap reached."""
    try:
        with transaction.atomic():
            return _register_neighbour(actor, community, **fields)
    except _CapReached as cap:
        # Outside the refused transaction, so that the notice is kept.
        _tell_staff_of_cap(actor, community, cap.limit)
        raise ValidationError(
            _(
                "Vous avez inscrit beaucoup de voisins en 24 heures : les suivants devront attendre. L'équipe MonQuartier est prévenue."
            )
            if cap.limit == "neighbour_by_referent"
            else _(
                "Votre communauté a inscrit beaucoup de voisins en 24 heures : les suivants devront attendre. L'équipe MonQuartier est prévenue."
            ),
            code="flood",
        ) from None


def _register_neighbour(
    actor: User,
    community: Community,
    *,
    first_name: str,
    last_name: str,
    mobile: str,
    email: str = "",
    quartier: str,
    address_details: str = "",
    landmark: str = "",
    latitude: float,
    longitude: float,
    alert_voice: bool = False,
) -> User:
    require_referent(actor, community)
    first_name = _person_name("first_name", first_name)
    last_name = _person_name("last_name", last_name)
    # One registration at a time per community: the caps and the "once per number" rule
    # are counted against what the previous registration wrote.
    community = Community.objects.select_for_update().get(pk=community.pk)
    if timezone.now() < community.registers_neighbours_from:
        raise ValidationError(
            _(
                "Une nouvelle communauté peut inscrire des voisins sans internet après %(days)s jours d'existence."
            )
            % {"days": settings.NEIGHBOUR_REGISTRATION_AFTER_DAYS},
            code="too_new",
        )
    if not geometry.covers(community.area, longitude, latitude):
        raise ValidationError(
            {
                "latitude": ValidationError(
                    _("Le domicile de ce voisin doit être dans le périmètre de la communauté."),
                    code="home_outside",
                )
            }
        )
    if not is_ivorian(mobile):
        raise ValidationError(
            {"mobile": _("Un voisin inscrit par un référent a un numéro ivoirien (+225).")},
            code="mobile_foreign",
        )
    if Membership.objects.filter(community=community, user__mobile=mobile).filter(
        Q(status__in=[MembershipStatus.PENDING, MembershipStatus.ACTIVE])
        | Q(registered_by__isnull=False)
    ):
        raise ValidationError(
            {"mobile": _("Ce numéro est déjà inscrit dans cette communauté.")}, code="mobile_taken"
        )
    email = (email or "").strip().lower()
    if email and User.objects.filter(email=email).exists():
        raise ValidationError(
            {
                "email": _(
                    "Un compte existe déjà avec cette adresse e-mail : ce voisin peut demander à rejoindre la communauté lui-même."
                )
            },
            code="email_taken",
        )
    consents = TextMessage.objects.filter(purpose=TextPurpose.CONSENT)
    if flood.is_flooded(consents.filter(account=actor), "neighbour_by_referent"):
        raise _CapReached("neighbour_by_referent")
    if flood.is_flooded(consents.filter(community=community), "neighbour_by_community"):
        raise _CapReached("neighbour_by_community")
    neighbour = User.objects.create_user(
        email=email or None,
        first_name=first_name,
        last_name=last_name,
        mobile=mobile,
        # Only the neighbour's own OUI by SMS verifies the number: the référent's word
        # is not consent.
        mobile_verified=False,
        # Calls too, once the number is verified (the fan-out calls verified mobiles only).
        alert_voice=bool(alert_voice),
    )
    Home.objects.create(
        user=neighbour,
        commune=community.commune,
        quartier=quartier,
        address_details=address_details,
        landmark=landmark,
        latitude=latitude,
        longitude=longitude,
    )
    now = timezone.now()
    Membership.objects.create(
        user=neighbour,
        community=community,
        status=MembershipStatus.ACTIVE,
        joined_at=now,
        requested_at=now,
        decided_by=actor,
        registered_by=actor,
    )
    _log(community, MovementKind.PROXY_REGISTRATION, actor=actor, member=neighbour)
    _tell_neighbours(community, neighbour, "arrival")
    # Our words only: nothing the référent typed goes out under our sender name, except
    # the community's name (made GSM-7 by send_text).
    with translation.override(neighbour.language):
        text = _(
            "MonQuartier: vous etes inscrit dans la communaute %(community)s. Pour recevoir ses alertes par SMS, "
            "repondez OUI. Pour refuser, repondez STOP."
        ) % {"community": community.name}
    send_text(
        str(neighbour.mobile),
        text,
        purpose=TextPurpose.CONSENT,
        account=actor,
        community=community,
    )
    return neighbour


def _person_name(field: str, value: str) -> str:
    try:
        return clean_person_name(value)
    except ValidationError as error:
        raise ValidationError({field: error}) from None


@transaction.atomic
def _tell_staff_of_cap(actor: User, community: Community, limit: str) -> None:
    """Once per cap and community in the cap's window: a référent who keeps trying does
    not flood staff either."""
    told = Notification.objects.filter(event="sms_cap_reached", community=community)
    if flood.recent(told, limit).filter(data__limit=limit).exists():
        return
    notify(
        User.objects.filter(is_staff=True, is_active=True),
        kind=NotificationKind.PLATFORM,
        event="sms_cap_reached",
        community=community,
        actor=actor,
        url=reverse("communities:history", args=[community.pk]),
        limit=limit,
        referent=actor.full_name,
    )
