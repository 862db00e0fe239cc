"""Excluding a member: a référent asks, staff decide (in the moderation queue).

The request is moderation's; ending the membership is the communities' own step, run
inside this transaction."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from monquartier.accounts.models import User
from monquartier.audit import log as audit_log
from monquartier.communities import privacy
from monquartier.communities.models import (
    Community,
    Membership,
    MembershipStatus,
    MovementKind,
)
from monquartier.communities.services import active_for_update, end_membership, require_referent
from monquartier.moderation.models import ExclusionRequest, ExclusionStatus
from monquartier.notifications.models import NotificationKind
from monquartier.notifications.services import notify


@transaction.atomic
def request_exclusion(actor: User, membership: Membership, reason: str) -> ExclusionRequest:
    community = membership.community
    require_referent(actor, community)
    membership = active_for_update(membership, community)
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


def _decide(exclusion: ExclusionRequest, staff: User, status: str, note: str) -> ExclusionRequest:
    exclusion = _pending_exclusion(exclusion, staff)
    exclusion.status = status
    exclusion.decided_by = staff
    exclusion.decided_at = timezone.now()
    exclusion.staff_note = note
    exclusion.save(update_fields=["status", "decided_by", "decided_at", "staff_note"])
    audit_log.record(
        staff,
        f"exclusion.{status}",
        member=exclusion.member,
        target=exclusion,
        reason=note,
        details={"community": exclusion.community_id, "requested_by": exclusion.requested_by_id},
    )
    return exclusion


@transaction.atomic
def accept_exclusion(staff: User, exclusion: ExclusionRequest, note: str = "") -> ExclusionRequest:
    exclusion = _decide(exclusion, staff, ExclusionStatus.ACCEPTED, note)
    membership = (
        Membership.objects.active()
        .select_for_update()
        .select_related("community")
        .filter(user=exclusion.member, community=exclusion.community)
        .first()
    )
    if membership is not None:
        Community.objects.select_for_update().filter(pk=membership.community_id).get()
        end_membership(membership, MembershipStatus.EXCLUDED, MovementKind.EXCLUSION, actor=staff)
    notify(
        [exclusion.member],
        kind=NotificationKind.PLATFORM,
        event="excluded",
        community_name=exclusion.community.name,
    )
    return exclusion


@transaction.atomic
def reject_exclusion(staff: User, exclusion: ExclusionRequest, note: str = "") -> ExclusionRequest:
    exclusion = _decide(exclusion, staff, ExclusionStatus.REJECTED, note)
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
