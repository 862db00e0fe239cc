"""Permission-checked fetchers: views get their objects here, never by a bare id.

A community's pages exist only for its active members (and staff). To anyone else they
answer 404, so that guessing ids tells nothing; a pending member of the community gets a
403 page saying the request is still waiting.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from monquartier.accounts.models import User
from monquartier.communities.models import Community, Membership, MembershipStatus


class PendingMember(PermissionDenied):
    pass


def open_membership(user) -> Membership | None:
    if not user.is_authenticated:
        return None
    # Already read for this request's page cache (pagecache.own_community_id).
    if hasattr(user, "_open_membership"):
        return user._open_membership
    return (
        Membership.objects.open()
        .select_related("community", "community__commune")
        .filter(user=user)
        .first()
    )


def get_community_for_member(user, community_id: int) -> tuple[Community, Membership | None]:
    """The community and the viewer's active membership in it (None for staff browsing)."""
    membership = (
        Membership.objects.select_related("community", "community__commune")
        .filter(
            user=user,
            community_id=community_id,
            status__in=[MembershipStatus.ACTIVE, MembershipStatus.PENDING],
        )
        .first()
    )
    if membership is not None and membership.status == MembershipStatus.ACTIVE:
        return membership.community, membership
    if membership is not None:
        raise PendingMember(_("Votre demande d'adhésion attend encore la validation."))
    if user.is_staff:
        return get_object_or_404(Community.objects.select_related("commune"), pk=community_id), None
    raise Http404


def get_community_for_referent(user, community_id: int) -> tuple[Community, Membership | None]:
    community, membership = get_community_for_member(user, community_id)
    if membership is None or not membership.is_referent:
        raise PermissionDenied(_("Cette page est réservée aux référents de la communauté."))
    return community, membership


def get_member_of(community: Community, user_id: int) -> tuple[User, Membership]:
    """A member of this community (with profile and home), or 404 (also for a suspended
    account: its card shows no one)."""
    membership = (
        Membership.objects.active()
        .select_related("user", "user__profile", "user__home", "user__home__commune")
        .filter(community=community, user_id=user_id, user__suspended_at__isnull=True)
        .first()
    )
    if membership is None:
        raise Http404
    return membership.user, membership


def get_pending_request(community: Community, membership_id: int) -> Membership:
    membership = (
        Membership.objects.pending()
        .select_related("user", "user__home", "community")
        .filter(community=community, pk=membership_id)
        .first()
    )
    if membership is None:
        raise Http404
    return membership
