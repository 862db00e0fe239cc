"""Twinning two nearby communities: asked, accepted or declined, ended."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from monquartier.accounts.models import User
from monquartier.communities import commune_rules, geometry
from monquartier.communities.models import (
    Community,
    Membership,
    MovementKind,
    Twinning,
    TwinningStatus,
)
from monquartier.communities.services._common import _log, _referent_users, require_referent
from monquartier.notifications.models import NotificationKind
from monquartier.notifications.services import notify


def _open_twinning_between(a: Community, b: Community):
    return Twinning.objects.filter(
        status__in=[TwinningStatus.REQUESTED, TwinningStatus.ACTIVE],
        requester__in=[a, b],
        partner__in=[a, b],
    ).first()


def _tell_referents(community: Community, event: str, other: Community) -> None:
    """A twinning's news reaches the référents at once, as join requests do."""
    notify(
        _referent_users(community),
        kind=NotificationKind.JOIN_REQUEST,
        event=event,
        community=community,
        url=reverse("communities:twinnings", args=[community.pk]),
        other=other.name,
    )


def _require_near(community: Community, partner: Community) -> None:
    """Twinning is between neighbours: areas at most TWINNING_MAX_DISTANCE_M apart."""
    distance = geometry.distance_m(
        geometry.polygon_from_geojson(community.area), geometry.polygon_from_geojson(partner.area)
    )
    if distance > geometry.TWINNING_MAX_DISTANCE_M:
        raise ValidationError(
            _("« %(name)s » est à %(km)s km : on ne se jumelle qu'entre voisins, à 3 km au plus.")
            % {"name": partner.name, "km": f"{distance / 1000:.1f}".replace(".", ",")},
            code="too_far",
        )


@transaction.atomic
def request_twinning(actor: User, community: Community, partner: Community) -> Twinning:
    require_referent(actor, community)
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
    _require_near(community, partner)
    twinning = Twinning.objects.create(requester=community, partner=partner, requested_by=actor)
    _log(community, MovementKind.TWINNING_REQUESTED, actor=actor, other=partner)
    _log(partner, MovementKind.TWINNING_REQUESTED, actor=actor, other=community)
    # Twinning requests and answers are the référents' business, like join requests:
    # their kind's setting (instant by default) decides, not the movements' digest.
    _tell_referents(partner, "twinning_requested", community)
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


def _answer_twinning(
    actor: User, twinning: Twinning, status: str, kind: str, event: str
) -> Twinning:
    twinning = _twinning_for_update(twinning, TwinningStatus.REQUESTED)
    require_referent(actor, twinning.partner)
    twinning.status = status
    twinning.decided_by = actor
    twinning.decided_at = timezone.now()
    twinning.save(update_fields=["status", "decided_by", "decided_at"])
    _log(twinning.partner, kind, actor=actor, other=twinning.requester)
    _log(twinning.requester, kind, actor=actor, other=twinning.partner)
    _tell_referents(twinning.requester, event, twinning.partner)
    return twinning


@transaction.atomic
def accept_twinning(actor: User, twinning: Twinning) -> Twinning:
    return _answer_twinning(
        actor, twinning, TwinningStatus.ACTIVE, MovementKind.TWINNING_STARTED, "twinning_accepted"
    )


@transaction.atomic
def decline_twinning(actor: User, twinning: Twinning) -> Twinning:
    return _answer_twinning(
        actor,
        twinning,
        TwinningStatus.DECLINED,
        MovementKind.TWINNING_DECLINED,
        "twinning_declined",
    )


@transaction.atomic
def end_twinning(actor: User, twinning: Twinning) -> Twinning:
    """Either side ends an active twinning; the requester may also withdraw its request.
    The other side's référents are told."""
    twinning = _twinning_for_update(twinning, TwinningStatus.REQUESTED, TwinningStatus.ACTIVE)
    was_requested = twinning.status == TwinningStatus.REQUESTED
    if was_requested:
        require_referent(actor, twinning.requester)
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
    _tell_referents(other, "twinning_withdrawn" if was_requested else "twinning_ended", side)
    return twinning


def _require_commune_authority(actor: User, *communities: Community) -> None:
    if not all(
        commune_rules.acts_for_commune(actor, community.commune_id) for community in communities
    ):
        raise PermissionDenied(_("Seule la mairie de la commune peut faire cela."))


@transaction.atomic
def twin_for_commune(
    actor: User, community: Community, partner: Community, *, by: str, tell: bool = True
):
    """The commune (its town hall, named `by`) twins two of its communities at once,
    without a request: an active twinning, the référents of both sides told (unless
    `tell` is false: twinning all tells each community once, `tell_commune_twinnings`).
    Returns None when the two are already twinned (twinning all, twice, makes nothing
    new); a pending request between them becomes the active twinning."""
    _require_commune_authority(actor, community, partner)
    if partner.pk == community.pk:
        raise ValidationError(_("Une communauté ne se jumelle pas avec elle-même."), code="self")
    list(
        Community.objects.select_for_update()
        .filter(pk__in=[community.pk, partner.pk])
        .order_by("pk")
    )
    existing = _open_twinning_between(community, partner)
    if existing is not None and existing.status == TwinningStatus.ACTIVE:
        return None
    _require_near(community, partner)
    now = timezone.now()
    if existing is None:
        twinning = Twinning.objects.create(
            requester=community,
            partner=partner,
            requested_by=actor,
            status=TwinningStatus.ACTIVE,
            decided_by=actor,
            decided_at=now,
        )
    else:
        twinning = existing
        twinning.status = TwinningStatus.ACTIVE
        twinning.decided_by = actor
        twinning.decided_at = now
        twinning.save(update_fields=["status", "decided_by", "decided_at"])
    for side in (community, partner):
        other = partner if side is community else community
        _log(side, MovementKind.TWINNING_STARTED, actor=actor, other=other)
        if tell:
            _tell_commune_decision(side, "twinning_by_commune", other, by)
    return twinning


@transaction.atomic
def end_twinning_for_commune(actor: User, twinning: Twinning, *, by: str, tell: bool = True):
    """The commune's town hall ends an active twinning of two of its communities; both
    sides' référents are told (unless `tell` is false, as for `twin_for_commune`). None
    when it had already ended."""
    twinning = (
        Twinning.objects.select_for_update()
        .select_related("requester", "partner")
        .get(pk=twinning.pk)
    )
    _require_commune_authority(actor, twinning.requester, twinning.partner)
    if twinning.status != TwinningStatus.ACTIVE:
        return None
    twinning.status = TwinningStatus.ENDED
    twinning.ended_by = actor
    twinning.ended_at = timezone.now()
    twinning.save(update_fields=["status", "ended_by", "ended_at"])
    for side in (twinning.requester, twinning.partner):
        other = twinning.other_side(side)
        _log(side, MovementKind.TWINNING_ENDED, actor=actor, other=other)
        if tell:
            _tell_commune_decision(side, "twinning_ended_by_commune", other, by)
    return twinning


def tell_commune_twinnings(
    community: Community, others: list[Community], *, ended: bool, by: str
) -> None:
    """One notification to the référents for every twinning the commune made (or ended)
    for their community in one action, instead of one per twinning: a town hall twinning
    all its communities may give one of them thirty neighbours."""
    if not others:
        return
    if len(others) == 1:
        event = "twinning_ended_by_commune" if ended else "twinning_by_commune"
        _tell_commune_decision(community, event, others[0], by)
        return
    names = sorted(other.name for other in others)
    notify(
        _referent_users(community),
        kind=NotificationKind.JOIN_REQUEST,
        event="twinnings_ended_by_commune" if ended else "twinnings_by_commune",
        community=community,
        url=reverse("communities:twinnings", args=[community.pk]),
        count=len(names),
        others=", ".join(f"« {name} »" for name in names),
        by=by,
    )


def _tell_commune_decision(community: Community, event: str, other: Community, by: str) -> None:
    notify(
        _referent_users(community),
        kind=NotificationKind.JOIN_REQUEST,
        event=event,
        community=community,
        url=reverse("communities:twinnings", args=[community.pk]),
        other=other.name,
        by=by,
    )
