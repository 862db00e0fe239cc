"""Référents: naming, removing, resigning, and the successor when none is left."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from monquartier.accounts.models import User
from monquartier.communities.models import (
    Community,
    Membership,
    MembershipStatus,
    MovementKind,
)
from monquartier.communities.services._common import _log, require_referent
from monquartier.notifications.models import NotificationKind
from monquartier.notifications.services import notify


def active_for_update(membership: Membership, community: Community) -> Membership:
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
    require_referent(actor, community)
    membership = active_for_update(membership, community)
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
    require_referent(actor, community)
    if membership.user_id == actor.pk:
        raise ValidationError(
            _("Pour quitter vous-même le rôle, utilisez « Ne plus être référent »."), code="self"
        )
    membership = active_for_update(membership, community)
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
