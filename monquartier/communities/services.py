"""Every change to communities, memberships and twinnings.

Each service is one transaction; it checks who acts (référent, staff), writes the
movement that the community's history shows, and records the notifications that the
notification engine delivers. Views, the API and SMS commands call these and nothing
else. A refused action raises ValidationError with a message for the person acting, and
changes nothing.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from shapely.geometry import Point

from monquartier.accounts.models import Home, User
from monquartier.accounts.phones import is_ivorian
from monquartier.accounts.validators import clean_person_name
from monquartier.communities import geometry, lookups, privacy
from monquartier.communities.models import (
    Commune,
    Community,
    Membership,
    MembershipStatus,
    Movement,
    MovementKind,
    Twinning,
    TwinningStatus,
    ValidationMode,
)
from monquartier.core import flood
from monquartier.moderation.models import ExclusionRequest, ExclusionStatus
from monquartier.notifications.models import (
    Notification,
    NotificationKind,
    TextMessage,
    TextPurpose,
)
from monquartier.notifications.rendering import render_email
from monquartier.notifications.services import notify, send_text
from monquartier.notifications.tasks import send_email
from monquartier.townhalls.models import TownHallContact

logger = logging.getLogger(__name__)

# Any constant will do: it names the lock that serialises writes of community areas.
_AREA_LOCK = 7_245_001
NAME_MAX_LENGTH = 80


# --- helpers ------------------------------------------------------------------------------


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
        url=f"/c/{community.pk}/historique/",
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


def _require_referent(actor: User, community: Community) -> Membership:
    membership = Membership.objects.referents().filter(user=actor, community=community).first()
    if membership is None:
        raise PermissionDenied(_("Seuls les référents de la communauté peuvent faire cela."))
    return membership


def _require_referent_or_staff(actor: User, community: Community) -> None:
    if not actor.is_staff:
        _require_referent(actor, community)


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


def _check_area(polygon, *, rural_exemption: bool, exclude: Community | None = None) -> float:
    area = geometry.check_size(polygon, rural_exemption=rural_exemption)
    overlapping = lookups.communities_overlapping(polygon, exclude=exclude)
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


# --- creating and joining -----------------------------------------------------------------


@transaction.atomic
def create_community(user: User, *, name: str, commune: Commune, area) -> Community:
    """The user creates a community around their home and becomes its first référent."""
    name = _clean_name(name)
    polygon = geometry.parse_area(area)
    user = _lock_user(user)
    if _open_membership(user):
        raise ValidationError(
            _("Vous faites déjà partie d'une communauté (ou votre demande est en attente)."),
            code="already_member",
        )
    if not polygon.covers(_home_point(user)):
        raise geometry.AreaError(
            _("Votre domicile doit se trouver dans le périmètre de la communauté."),
            code="home_outside",
        )
    _lock_area_writes()
    area_m2 = _check_area(polygon, rural_exemption=False)
    community = Community(name=name, commune=commune, area_m2=area_m2)
    lookups.store_area(community, polygon)
    community.save()
    lookups.index_cells(community)
    now = timezone.now()
    Membership.objects.create(
        user=user,
        community=community,
        status=MembershipStatus.ACTIVE,
        is_referent=True,
        requested_at=now,
        joined_at=now,
    )
    _log(community, MovementKind.CREATED, actor=user, member=user)
    return community


@transaction.atomic
def request_to_join(user: User, community: Community) -> Membership:
    """The user asks to join the community that contains their home."""
    user = _lock_user(user)
    if _open_membership(user):
        raise ValidationError(
            _("Vous faites déjà partie d'une communauté (ou votre demande est en attente)."),
            code="already_member",
        )
    # A cancellation is never refused (the applicant may change their mind), but it counts:
    # rounds of request and cancel would notify the référents each time.
    flood.check_flood(
        Movement.objects.filter(
            actor=user, kind__in=[MovementKind.JOIN_REQUESTED, MovementKind.JOIN_CANCELLED]
        ),
        "join_request",
        _("Vous avez fait trop de demandes d'adhésion en 24 heures : réessayez plus tard."),
    )
    point = _home_point(user)
    if not geometry.covers(community.area, point.x, point.y):
        raise ValidationError(
            _("Votre domicile n'est pas dans le périmètre de « %(name)s ».")
            % {"name": community.name},
            code="home_outside",
        )
    membership = Membership.objects.create(
        user=user, community=community, status=MembershipStatus.PENDING
    )
    _log(community, MovementKind.JOIN_REQUESTED, actor=user, member=user)
    if community.validation_mode == ValidationMode.REFERENTS:
        privacy.notify_about(
            user,
            _referent_users(community),
            name_key="applicant",
            kind=NotificationKind.JOIN_REQUEST,
            event="join_requested",
            community=community,
            actor=user,
            url=f"/c/{community.pk}/demandes/",
        )
    return membership


@transaction.atomic
def cancel_join_request(user: User) -> None:
    membership = (
        Membership.objects.select_for_update()
        .filter(user=user, status=MembershipStatus.PENDING)
        .first()
    )
    if membership is None:
        raise ValidationError(_("Vous n'avez pas de demande en attente."), code="no_request")
    membership.status = MembershipStatus.CANCELLED
    membership.ended_at = timezone.now()
    membership.save(update_fields=["status", "ended_at"])
    _log(membership.community, MovementKind.JOIN_CANCELLED, actor=user, member=user)


def _pending_for_update(membership: Membership) -> Membership:
    locked = (
        Membership.objects.select_for_update()
        .select_related("community", "user")
        .get(pk=membership.pk)
    )
    if locked.status != MembershipStatus.PENDING:
        raise ValidationError(_("Cette demande a déjà été traitée."), code="already_decided")
    return locked


@transaction.atomic
def accept_join_request(actor: User, membership: Membership) -> Membership:
    membership = _pending_for_update(membership)
    community = membership.community
    if community.validation_mode == ValidationMode.STAFF and not actor.is_staff:
        raise PermissionDenied(
            _("Dans cette communauté, l'équipe MonQuartier valide les adhésions.")
        )
    _require_referent_or_staff(actor, community)
    # The pin may have moved since the request (or the boundary since the request).
    home = Home.objects.filter(user=membership.user).first()
    if home is None or not geometry.covers(community.area, home.longitude, home.latitude):
        raise ValidationError(
            _(
                "Le domicile de cette personne n'est plus dans le périmètre de la communauté : "
                "refusez la demande en indiquant ce motif."
            ),
            code="home_outside",
        )
    membership.status = MembershipStatus.ACTIVE
    membership.joined_at = timezone.now()
    membership.decided_by = actor
    membership.save(update_fields=["status", "joined_at", "decided_by"])
    _log(community, MovementKind.ARRIVAL, actor=actor, member=membership.user)
    _tell_neighbours(community, membership.user, "arrival")
    notify(
        [membership.user],
        kind=NotificationKind.JOIN_REQUEST,
        event="join_accepted",
        community=community,
        actor=actor,
        url=f"/c/{community.pk}/",
        community_name=community.name,
    )
    return membership


@transaction.atomic
def refuse_join_request(actor: User, membership: Membership, reason: str) -> Membership:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            _("Indiquez le motif du refus : il sera montré à la personne."), code="reason_required"
        )
    membership = _pending_for_update(membership)
    community = membership.community
    if community.validation_mode == ValidationMode.STAFF and not actor.is_staff:
        raise PermissionDenied(
            _("Dans cette communauté, l'équipe MonQuartier valide les adhésions.")
        )
    _require_referent_or_staff(actor, community)
    membership.status = MembershipStatus.REFUSED
    membership.refusal_reason = reason[:500]
    membership.decided_by = actor
    membership.ended_at = timezone.now()
    membership.save(update_fields=["status", "refusal_reason", "decided_by", "ended_at"])
    _log(community, MovementKind.JOIN_REFUSED, actor=actor, member=membership.user)
    notify(
        [membership.user],
        kind=NotificationKind.JOIN_REQUEST,
        event="join_refused",
        community=community,
        actor=actor,
        community_name=community.name,
        reason=membership.refusal_reason,
    )
    return membership


# --- référents ----------------------------------------------------------------------------


def _active_for_update(membership: Membership, community: Community) -> Membership:
    locked = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(pk=membership.pk)
        .first()
    )
    if (
        locked is None
        or locked.community_id != community.pk
        or locked.status != MembershipStatus.ACTIVE
    ):
        raise ValidationError(
            _("Cette personne n'est pas membre de la communauté."), code="not_member"
        )
    return locked


@transaction.atomic
def make_referent(actor: User, membership: Membership) -> Membership:
    community = membership.community
    _require_referent(actor, community)
    membership = _active_for_update(membership, community)
    if membership.is_referent:
        raise ValidationError(_("Cette personne est déjà référente."), code="already_referent")
    membership.is_referent = True
    membership.save(update_fields=["is_referent"])
    _log(community, MovementKind.REFERENT_ADDED, actor=actor, member=membership.user)
    notify(
        [membership.user],
        kind=NotificationKind.MOVEMENT,
        event="referent_granted",
        community=community,
        actor=actor,
    )
    return membership


def _referent_count(community: Community) -> int:
    # Lock the référents' rows: two référents removing each other at once must not
    # leave the community with none.
    return len(
        list(
            Membership.objects.referents()
            .filter(community=community)
            .select_for_update()
            .values_list("pk", flat=True)
        )
    )


@transaction.atomic
def remove_referent(actor: User, membership: Membership) -> Membership:
    community = membership.community
    _require_referent(actor, community)
    if membership.user_id == actor.pk:
        raise ValidationError(
            _("Pour quitter vous-même le rôle, utilisez « Ne plus être référent »."), code="self"
        )
    membership = _active_for_update(membership, community)
    if not membership.is_referent:
        raise ValidationError(_("Cette personne n'est pas référente."), code="not_referent")
    if _referent_count(community) <= 1:
        raise ValidationError(
            _("Une communauté garde toujours au moins un référent."), code="last_referent"
        )
    membership.is_referent = False
    membership.save(update_fields=["is_referent"])
    _log(community, MovementKind.REFERENT_REMOVED, actor=actor, member=membership.user)
    notify(
        [membership.user],
        kind=NotificationKind.MOVEMENT,
        event="referent_removed",
        community=community,
        actor=actor,
    )
    return membership


@transaction.atomic
def resign_referent(user: User) -> Membership:
    membership = (
        Membership.objects.referents()
        .select_for_update()
        .filter(user=user)
        .select_related("community")
        .first()
    )
    if membership is None:
        raise ValidationError(_("Vous n'êtes pas référent."), code="not_referent")
    if _referent_count(membership.community) <= 1:
        raise ValidationError(
            _(
                "Vous êtes le seul référent : nommez d'abord un autre référent, puis quittez le rôle."
            ),
            code="last_referent",
        )
    membership.is_referent = False
    membership.save(update_fields=["is_referent"])
    _log(membership.community, MovementKind.REFERENT_RESIGNED, actor=user, member=user)
    return membership


def _ensure_a_referent(community: Community) -> None:
    """After a departure: a community with members but no référent gets its longest-standing
    member as référent (PRODUCT.md: "the oldest member is proposed"); staff can change it."""
    if Membership.objects.referents().filter(community=community).exists():
        return
    successor = (
        Membership.objects.active()
        .filter(community=community)
        .select_related("user")
        .order_by("joined_at", "pk")
        .first()
    )
    if successor is None:
        return
    successor.is_referent = True
    successor.save(update_fields=["is_referent"])
    _log(
        community,
        MovementKind.REFERENT_ADDED,
        member=successor.user,
        detail=_("succession automatique"),
    )
    notify(
        [successor.user],
        kind=NotificationKind.MOVEMENT,
        event="referent_succession",
        community=community,
    )


def _end_membership(membership: Membership, status: str, kind: str, *, actor=None) -> None:
    """End an active membership, keep a référent, delete a community left empty."""
    community = membership.community
    membership.status = status
    membership.is_referent = False
    membership.ended_at = timezone.now()
    membership.save(update_fields=["status", "is_referent", "ended_at"])
    if not Membership.objects.active().filter(community=community).exists():
        _delete_emptied_community(community)
        return
    _log(community, kind, actor=actor, member=membership.user)
    _tell_neighbours(community, membership.user, "departure")
    _ensure_a_referent(community)


def _delete_emptied_community(community: Community) -> None:
    """The last member is gone: the area is free for others, the history goes with it
    (PRODUCT.md). What stays is what staff and the commune's town hall are told: the
    staff notifications carry the name, the commune and why."""
    Membership.objects.filter(community=community, status=MembershipStatus.PENDING).update(
        status=MembershipStatus.CANCELLED, ended_at=timezone.now()
    )
    facts = {"community_name": community.name, "commune": community.commune.name}
    notify(
        User.objects.filter(is_staff=True, is_active=True),
        kind=NotificationKind.PLATFORM,
        event="community_deleted",
        **facts,
    )
    contacts = TownHallContact.objects.active().filter(commune=community.commune_id)
    # The contacts have no account: one e-mail each, in the site's language.
    rendered = render_email("community_deleted", facts, settings.LANGUAGE_CODE)
    for email in contacts.exclude(email="").values_list("email", flat=True):
        send_email.enqueue(
            to=[email], subject=rendered.subject, body=rendered.text, html=rendered.html
        )
    logger.info("Community %s (%s) deleted: its last member left", community.pk, community.name)
    community.delete()


@transaction.atomic
def leave_community(user: User) -> None:
    membership = (
        Membership.objects.select_for_update()
        .select_related("community")
        .filter(user=user, status=MembershipStatus.ACTIVE)
        .first()
    )
    if membership is None:
        raise ValidationError(_("Vous n'êtes membre d'aucune communauté."), code="not_member")
    Community.objects.select_for_update().filter(pk=membership.community_id).get()
    _end_membership(membership, MembershipStatus.LEFT, MovementKind.DEPARTURE, actor=user)


def end_membership_for_closed_account(user: User) -> None:
    """Part of closing an account (accounts.services.close_account, same transaction)."""
    membership = (
        Membership.objects.select_for_update()
        .select_related("community")
        .filter(user=user, status__in=[MembershipStatus.PENDING, MembershipStatus.ACTIVE])
        .first()
    )
    if membership is None:
        return
    if membership.status == MembershipStatus.PENDING:
        membership.status = MembershipStatus.CANCELLED
        membership.ended_at = timezone.now()
        membership.save(update_fields=["status", "ended_at"])
        return
    Community.objects.select_for_update().filter(pk=membership.community_id).get()
    _end_membership(membership, MembershipStatus.LEFT, MovementKind.ACCOUNT_CLOSED)


# --- exclusion ----------------------------------------------------------------------------


@transaction.atomic
def request_exclusion(actor: User, membership: Membership, reason: str) -> ExclusionRequest:
    community = membership.community
    _require_referent(actor, community)
    membership = _active_for_update(membership, community)
    if membership.user_id == actor.pk:
        raise ValidationError(
            _("Vous ne pouvez pas demander votre propre exclusion : quittez la communauté."),
            code="self",
        )
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationError(
            _("Expliquez le motif en quelques mots (10 caractères au moins)."),
            code="reason_required",
        )
    if ExclusionRequest.objects.filter(
        community=community, member=membership.user, status=ExclusionStatus.PENDING
    ).exists():
        raise ValidationError(
            _("Une demande d'exclusion de cette personne est déjà en cours d'examen."),
            code="duplicate",
        )
    return ExclusionRequest.objects.create(
        community=community, member=membership.user, requested_by=actor, reason=reason[:1000]
    )


def _pending_exclusion(exclusion: ExclusionRequest, staff: User) -> ExclusionRequest:
    if not staff.is_staff:
        raise PermissionDenied(_("Seule l'équipe MonQuartier décide d'une exclusion."))
    locked = (
        ExclusionRequest.objects.select_for_update()
        .select_related("community", "member")
        .get(pk=exclusion.pk)
    )
    if locked.status != ExclusionStatus.PENDING:
        raise ValidationError(_("Cette demande a déjà été traitée."), code="already_decided")
    return locked


@transaction.atomic
def accept_exclusion(staff: User, exclusion: ExclusionRequest, note: str = "") -> ExclusionRequest:
    exclusion = _pending_exclusion(exclusion, staff)
    exclusion.status = ExclusionStatus.ACCEPTED
    exclusion.decided_by = staff
    exclusion.decided_at = timezone.now()
    exclusion.staff_note = note
    exclusion.save(update_fields=["status", "decided_by", "decided_at", "staff_note"])
    membership = (
        Membership.objects.active()
        .select_for_update()
        .select_related("community")
        .filter(user=exclusion.member, community=exclusion.community)
        .first()
    )
    if membership is not None:
        Community.objects.select_for_update().filter(pk=membership.community_id).get()
        _end_membership(membership, MembershipStatus.EXCLUDED, MovementKind.EXCLUSION, actor=staff)
    notify(
        [exclusion.member],
        kind=NotificationKind.PLATFORM,
        event="excluded",
        community_name=exclusion.community.name,
    )
    return exclusion


@transaction.atomic
def reject_exclusion(staff: User, exclusion: ExclusionRequest, note: str = "") -> ExclusionRequest:
    exclusion = _pending_exclusion(exclusion, staff)
    exclusion.status = ExclusionStatus.REJECTED
    exclusion.decided_by = staff
    exclusion.decided_at = timezone.now()
    exclusion.staff_note = note
    exclusion.save(update_fields=["status", "decided_by", "decided_at", "staff_note"])
    if exclusion.requested_by:
        privacy.notify_about(
            exclusion.member,
            [exclusion.requested_by],
            name_key="member",
            kind=NotificationKind.PLATFORM,
            event="exclusion_rejected",
            community=exclusion.community,
        )
    return exclusion


# --- the community's area, name and settings ----------------------------------------------


def members_outside(community: Community, polygon) -> list[User]:
    """Active members whose home pin the polygon would leave out."""
    homes = Home.objects.filter(
        user__memberships__community=community, user__memberships__status=MembershipStatus.ACTIVE
    ).select_related("user")
    return [home.user for home in homes if not polygon.covers(Point(home.longitude, home.latitude))]


def preview_boundary(community: Community, area) -> tuple[object, float, list[User]]:
    """Check a new area without saving it: (polygon, m², members left outside)."""
    polygon = geometry.parse_area(area)
    area_m2 = _check_area(polygon, rural_exemption=community.rural_exemption, exclude=community)
    return polygon, area_m2, members_outside(community, polygon)


@transaction.atomic(durable=True)
def change_boundary(
    actor: User, community: Community, area, *, name: str | None = None, leave_outside: bool = False
) -> Community:
    """The référents' "Délimitation et nom" form in one step: the area (size, overlap,
    members left outside) and the name are all checked before anything is saved, so a
    refused name never leaves a new area behind. Raises ValidationError keyed by the
    form's fields (area, name, leave_outside)."""
    _require_referent(actor, community)
    community = Community.objects.select_for_update().get(pk=community.pk)
    _lock_area_writes()
    errors: dict[str, list[ValidationError]] = {}
    if name is not None:
        try:
            name = _clean_name(name)
        except ValidationError as error:
            errors["name"] = error.error_list
    try:
        polygon, area_m2, outside = preview_boundary(community, area)
    except ValidationError as error:
        errors["area"] = error.error_list
    else:
        if outside and not leave_outside:
            names = privacy.names_seen_by(actor, outside)
            errors["leave_outside"] = [
                ValidationError(
                    ngettext(
                        "Avec ce périmètre, %(count)s membre se retrouverait dehors : "
                        "%(names)s. Prévenez-le, cochez la case et enregistrez à nouveau.",
                        "Avec ce périmètre, %(count)s membres se retrouveraient dehors : "
                        "%(names)s. Prévenez-les, cochez la case et enregistrez à nouveau.",
                        len(outside),
                    )
                    % {
                        "count": len(outside),
                        "names": ", ".join(names[user.pk] for user in outside),
                    },
                    code="members_outside",
                )
            ]
    if errors:
        raise ValidationError(errors)
    if geometry.to_geojson(polygon) != community.area:
        lookups.store_area(community, polygon)
        community.area_m2 = area_m2
        community.save()
        lookups.index_cells(community)
        _log(community, MovementKind.BOUNDARY_CHANGED, actor=actor, detail=f"{area_m2:.0f} m²")
    if name is not None and name != community.name:
        old = community.name
        community.name = name
        community.save(update_fields=["name", "updated_at"])
        _log(community, MovementKind.RENAMED, actor=actor, detail=f"{old} → {name}")
    return community


@transaction.atomic
def update_community_settings(
    actor: User, community: Community, *, validation_mode: str, public_page: bool, presentation: str
) -> Community:
    _require_referent(actor, community)
    if validation_mode not in ValidationMode.values:
        raise ValidationError(_("Mode de validation inconnu."), code="mode")
    presentation = (presentation or "").strip()
    if len(presentation) > 1000:
        raise ValidationError(
            _("La présentation fait 1 000 caractères au plus."), code="presentation_long"
        )
    Community.objects.filter(pk=community.pk).update(
        validation_mode=validation_mode,
        public_page=public_page,
        presentation=presentation,
        updated_at=timezone.now(),
    )
    community.refresh_from_db()
    return community


# --- twinning -----------------------------------------------------------------------------


def _open_twinning_between(a: Community, b: Community):
    return Twinning.objects.filter(
        status__in=[TwinningStatus.REQUESTED, TwinningStatus.ACTIVE],
        requester__in=[a, b],
        partner__in=[a, b],
    ).first()


@transaction.atomic
def request_twinning(actor: User, community: Community, partner: Community) -> Twinning:
    _require_referent(actor, community)
    if partner.pk == community.pk:
        raise ValidationError(_("Une communauté ne se jumelle pas avec elle-même."), code="self")
    # Lock both, in id order, so that two opposite requests at once cannot both pass.
    list(
        Community.objects.select_for_update()
        .filter(pk__in=[community.pk, partner.pk])
        .order_by("pk")
    )
    if _open_twinning_between(community, partner):
        raise ValidationError(
            _("Un jumelage avec cette communauté existe déjà ou est en attente."), code="duplicate"
        )
    distance = geometry.distance_m(
        geometry.polygon_from_geojson(community.area), geometry.polygon_from_geojson(partner.area)
    )
    if distance > geometry.TWINNING_MAX_DISTANCE_M:
        raise ValidationError(
            _("« %(name)s » est à %(km)s km : on ne se jumelle qu'entre voisins, à 3 km au plus.")
            % {"name": partner.name, "km": f"{distance / 1000:.1f}".replace(".", ",")},
            code="too_far",
        )
    twinning = Twinning.objects.create(requester=community, partner=partner, requested_by=actor)
    _log(community, MovementKind.TWINNING_REQUESTED, actor=actor, other=partner)
    _log(partner, MovementKind.TWINNING_REQUESTED, actor=actor, other=community)
    # Twinning requests and answers are the référents' business, like join requests:
    # their kind's setting (instant by default) decides, not the movements' digest.
    notify(
        _referent_users(partner),
        kind=NotificationKind.JOIN_REQUEST,
        event="twinning_requested",
        community=partner,
        url=f"/c/{partner.pk}/jumelages/",
        other=community.name,
    )
    return twinning


def _twinning_for_update(twinning: Twinning, *status: str) -> Twinning:
    locked = (
        Twinning.objects.select_for_update()
        .select_related("requester", "partner")
        .get(pk=twinning.pk)
    )
    if locked.status not in status:
        raise ValidationError(_("Ce jumelage a déjà changé d'état."), code="stale")
    return locked


@transaction.atomic
def accept_twinning(actor: User, twinning: Twinning) -> Twinning:
    twinning = _twinning_for_update(twinning, TwinningStatus.REQUESTED)
    _require_referent(actor, twinning.partner)
    twinning.status = TwinningStatus.ACTIVE
    twinning.decided_by = actor
    twinning.decided_at = timezone.now()
    twinning.save(update_fields=["status", "decided_by", "decided_at"])
    _log(twinning.partner, MovementKind.TWINNING_STARTED, actor=actor, other=twinning.requester)
    _log(twinning.requester, MovementKind.TWINNING_STARTED, actor=actor, other=twinning.partner)
    notify(
        _referent_users(twinning.requester),
        kind=NotificationKind.JOIN_REQUEST,
        event="twinning_accepted",
        community=twinning.requester,
        url=f"/c/{twinning.requester_id}/jumelages/",
        other=twinning.partner.name,
    )
    return twinning


@transaction.atomic
def decline_twinning(actor: User, twinning: Twinning) -> Twinning:
    twinning = _twinning_for_update(twinning, TwinningStatus.REQUESTED)
    _require_referent(actor, twinning.partner)
    twinning.status = TwinningStatus.DECLINED
    twinning.decided_by = actor
    twinning.decided_at = timezone.now()
    twinning.save(update_fields=["status", "decided_by", "decided_at"])
    _log(twinning.partner, MovementKind.TWINNING_DECLINED, actor=actor, other=twinning.requester)
    _log(twinning.requester, MovementKind.TWINNING_DECLINED, actor=actor, other=twinning.partner)
    notify(
        _referent_users(twinning.requester),
        kind=NotificationKind.JOIN_REQUEST,
        event="twinning_declined",
        community=twinning.requester,
        url=f"/c/{twinning.requester_id}/jumelages/",
        other=twinning.partner.name,
    )
    return twinning


@transaction.atomic
def end_twinning(actor: User, twinning: Twinning) -> Twinning:
    """Either side ends an active twinning; the requester may also withdraw its request.
    The other side's référents are told."""
    twinning = _twinning_for_update(twinning, TwinningStatus.REQUESTED, TwinningStatus.ACTIVE)
    was_requested = twinning.status == TwinningStatus.REQUESTED
    if was_requested:
        _require_referent(actor, twinning.requester)
        side = twinning.requester
    else:
        membership = (
            Membership.objects.referents()
            .filter(user=actor, community__in=[twinning.requester, twinning.partner])
            .first()
        )
        if membership is None:
            raise PermissionDenied(
                _("Seuls les référents des deux communautés peuvent mettre fin au jumelage.")
            )
        side = (
            twinning.requester
            if membership.community_id == twinning.requester_id
            else twinning.partner
        )
    other = twinning.other_side(side)
    twinning.status = TwinningStatus.ENDED
    twinning.ended_by = actor
    twinning.ended_at = timezone.now()
    twinning.save(update_fields=["status", "ended_by", "ended_at"])
    for community in (twinning.requester, twinning.partner):
        _log(
            community,
            MovementKind.TWINNING_ENDED,
            actor=actor,
            other=twinning.other_side(community),
        )
    notify(
        _referent_users(other),
        kind=NotificationKind.JOIN_REQUEST,
        event="twinning_withdrawn" if was_requested else "twinning_ended",
        community=other,
        url=f"/c/{other.pk}/jumelages/",
        other=side.name,
    )
    return twinning


# --- neighbours without internet ----------------------------------------------------------


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
) -> User:
    _require_referent(actor, community)
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
        url=f"/c/{community.pk}/historique/",
        limit=limit,
        referent=actor.full_name,
    )


# --- homes --------------------------------------------------------------------------------


def check_home_move(user: User, latitude: float, longitude: float) -> None:
    """A member moves their pin only inside their community's area, and so does an
    applicant inside the area of the community they asked to join. The caller's
    transaction holds the membership's lock, so a référent accepting at this moment sees
    either the old pin or the new one (accept_join_request checks the pin again)."""
    membership = (
        Membership.objects.open()
        .select_for_update()
        .select_related("community")
        .filter(user=user)
        .first()
    )
    if membership is None or geometry.covers(membership.community.area, longitude, latitude):
        return
    if membership.status == MembershipStatus.PENDING:
        message = _(
            "Votre domicile doit rester dans le périmètre de « %(name)s », où vous avez demandé à "
            "entrer. Si vous avez déménagé, annulez d'abord votre demande."
        )
    else:
        message = _(
            "Votre domicile doit rester dans le périmètre de « %(name)s ». Si vous avez déménagé, "
            "quittez la communauté puis rejoignez celle de votre nouveau quartier."
        )
    raise ValidationError(message % {"name": membership.community.name}, code="home_outside")
