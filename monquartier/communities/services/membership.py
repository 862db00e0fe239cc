"""Creating a community, joining it, and the end of a membership."""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from monquartier.accounts.models import Home, User
from monquartier.audit import log as audit_log
from monquartier.communities import commune_rules, geometry, lookups, privacy
from monquartier.communities.models import (
    Community,
    Membership,
    MembershipStatus,
    Movement,
    MovementKind,
    ValidationMode,
)
from monquartier.communities.pagecache import memberships_changed
from monquartier.communities.services._common import (
    _check_area,
    _clean_name,
    _home_point,
    _lock_area_writes,
    _lock_user,
    _log,
    _open_membership,
    _referent_users,
    _tell_neighbours,
    refuse_town_hall_agent,
    require_referent,
)
from monquartier.communities.services.referents import _ensure_a_referent
from monquartier.communities.signals import community_deleted
from monquartier.core import flood
from monquartier.notifications.models import NotificationKind
from monquartier.notifications.services import notify
from monquartier.places.models import Commune

logger = logging.getLogger(__name__)


@transaction.atomic
def create_community(user: User, *, name: str, commune: Commune, area) -> Community:
    """The user creates a community around their home and becomes its first référent."""
    name = _clean_name(name)
    polygon = geometry.parse_area(area)
    user = _lock_user(user)
    refuse_town_hall_agent(user)
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
    # A commune that decides the validation mode decides it for new communities too.
    community.validation_mode = commune_rules.commune_mode(commune.pk) or ValidationMode.REFERENTS
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
    refuse_town_hall_agent(user)
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
    mode = commune_rules.effective_mode(community)
    if mode == ValidationMode.REFERENTS:
        privacy.notify_about(
            user,
            _referent_users(community),
            name_key="applicant",
            kind=NotificationKind.JOIN_REQUEST,
            event="join_requested",
            community=community,
            actor=user,
            url=reverse("communities:requests", args=[community.pk]),
        )
    elif mode == ValidationMode.TOWN_HALL:
        deciders, url = commune_rules.deciders(community.commune_id)
        privacy.notify_about(
            user,
            deciders,
            name_key="applicant",
            kind=NotificationKind.JOIN_REQUEST,
            event="join_requested",
            community=community,
            actor=user,
            url=url,
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


def _require_validator(actor: User, community: Community) -> None:
    """Staff always may; otherwise whoever the community's mode names: its référents, or
    whoever acts for the commune when the commune validates itself."""
    if actor.is_staff:
        return
    mode = commune_rules.effective_mode(community)
    if mode == ValidationMode.STAFF:
        raise PermissionDenied(
            _("Dans cette communauté, l'équipe MonQuartier valide les adhésions.")
        )
    if mode == ValidationMode.TOWN_HALL:
        if commune_rules.may_decide_for_commune(actor, community):
            return
        raise PermissionDenied(_("Dans cette communauté, la mairie valide les adhésions."))
    require_referent(actor, community)


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
    _require_validator(actor, community)
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
        url=reverse("communities:info", args=[community.pk]),
        community_name=community.name,
    )
    if actor.is_staff:  # a request staff decided (their queue): a staff action
        audit_log.record(actor, "join.accepted", member=membership.user, target=membership)
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
    _require_validator(actor, community)
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
    if actor.is_staff:
        audit_log.record(
            actor, "join.refused", member=membership.user, target=membership, reason=reason
        )
    return membership


def end_membership(membership: Membership, status: str, kind: str, *, actor=None) -> None:
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
    pending = Membership.objects.filter(community=community, status=MembershipStatus.PENDING)
    memberships_changed(community.pk, list(pending.values_list("user_id", flat=True)))
    pending.update(status=MembershipStatus.CANCELLED, ended_at=timezone.now())
    facts = {"community_name": community.name, "commune": community.commune.name}
    notify(
        User.objects.filter(is_staff=True, is_active=True),
        kind=NotificationKind.PLATFORM,
        event="community_deleted",
        **facts,
    )
    community_deleted.send(sender=Community, community=community, facts=facts)
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
    end_membership(membership, MembershipStatus.LEFT, MovementKind.DEPARTURE, actor=user)


def end_membership_for_closed_account(user: User) -> None:
    """Part of closing an account (accounts.services.close_account sends account_closing,
    same transaction)."""
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
    end_membership(membership, MembershipStatus.LEFT, MovementKind.ACCOUNT_CLOSED)
