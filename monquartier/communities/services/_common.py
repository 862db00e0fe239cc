"""Helpers the community services share: locks, checks of who acts, notices."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils.translation import gettext as _
from shapely.geometry import Point

from monquartier.accounts.models import Home, User
from monquartier.communities import geometry, lookups, privacy
from monquartier.communities.models import (
    Community,
    Membership,
    MembershipStatus,
    Movement,
)
from monquartier.notifications.models import NotificationKind

# Any constant will do: it names the lock that serialises writes of community areas.
_AREA_LOCK = 7_245_001
NAME_MAX_LENGTH = 80


def _log(
    community: Community, kind: str, *, actor=None, member=None, other=None, detail: str = ""
) -> Movement:
    return Movement.objects.create(
        community=community,
        kind=kind,
        actor=actor,
        member=member,
        other_community=other,
        detail=detail[:200],
    )


def _referent_users(community: Community, *, exclude=None) -> list[User]:
    members = User.objects.filter(
        memberships__community=community,
        memberships__status=MembershipStatus.ACTIVE,
        memberships__is_referent=True,
    )
    if exclude is not None:
        members = members.exclude(pk=exclude.pk)
    return list(members)


def _tell_neighbours(community: Community, member: User, event: str) -> None:
    """Arrivals and departures, to the community's other members (per their preference)."""
    neighbours = User.objects.filter(
        memberships__community=community, memberships__status=MembershipStatus.ACTIVE
    ).exclude(pk=member.pk)
    privacy.notify_about(
        member,
        neighbours,
        name_key="member",
        kind=NotificationKind.MOVEMENT,
        event=event,
        community=community,
        url=reverse("communities:history", args=[community.pk]),
    )


def refuse_town_hall_agent(user: User) -> None:
    """A town hall's agent account never joins or founds a community: a resident who
    works at the town hall uses a second account."""
    if user.is_town_hall_agent:
        raise PermissionDenied(
            _(
                "Un compte d'agent de mairie ne peut pas être membre d'une communauté : "
                "utilisez votre compte personnel d'habitant."
            )
        )


def _lock_user(user: User) -> User:
    # Serialises everything that could give one person two open memberships.
    return User.objects.select_for_update().get(pk=user.pk)


def _lock_area_writes() -> None:
    """Two areas saved at the same moment could each pass the overlap check against the
    other's old state: area writes take one lock in turn. (SQLite already runs one write
    transaction at a time.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_AREA_LOCK])


def _open_membership(user: User) -> Membership | None:
    return Membership.objects.open().select_related("community").filter(user=user).first()


def require_referent(actor: User, community: Community) -> Membership:
    membership = Membership.objects.referents().filter(user=actor, community=community).first()
    if membership is None:
        raise PermissionDenied(_("Seuls les référents de la communauté peuvent faire cela."))
    return membership


def _require_referent_or_staff(actor: User, community: Community) -> None:
    if not actor.is_staff:
        require_referent(actor, community)


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if len(name) < 3:
        raise ValidationError(
            _("Le nom de la communauté fait au moins 3 caractères."), code="name_short"
        )
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            _("Le nom de la communauté fait %(max)s caractères au plus.")
            % {"max": NAME_MAX_LENGTH},
            code="name_long",
        )
    return name


def _home_point(user: User) -> Point:
    home = Home.objects.filter(user=user).first()
    if home is None:
        raise ValidationError(
            _("Indiquez d'abord votre adresse et placez votre domicile sur la carte."),
            code="no_home",
        )
    return Point(home.longitude, home.latitude)


def _check_area(
    polygon,
    *,
    rural_exemption: bool,
    exclude: Community | None = None,
    max_area_m2: float | None = None,
    also_exclude: tuple[int, ...] = (),
) -> float:
    """Size (with the community's rural exemption and its maximum) and overlap with any
    community but `exclude` and the ids in `also_exclude` (a merge's own communities)."""
    area = geometry.check_size(polygon, rural_exemption=rural_exemption, max_area_m2=max_area_m2)
    overlapping = [
        (other, shared)
        for other, shared in lookups.communities_overlapping(polygon, exclude=exclude)
        if other.pk not in also_exclude
    ]
    if overlapping:
        other, shared = max(overlapping, key=lambda pair: pair[1])
        raise geometry.AreaError(
            _(
                "Ce périmètre empiète sur la communauté « %(name)s » (%(shared)s m² en commun). "
                "Deux communautés peuvent se toucher, pas se chevaucher."
            )
            % {"name": other.name, "shared": f"{shared:,.0f}".replace(",", " ")},
            code="overlap",
        )
    return area
