"""The cached member pages' scopes (core/pagecache.py), and what the communities' changes
do to them: a community's pages (and its twinned communities', which show its alerts,
name and area), its members' own pages, and how people are named (a membership decides
which name a neighbour sees)."""

from collections.abc import Iterable

from monquartier.communities.access import open_membership
from monquartier.communities.models import (
    Community,
    Membership,
    MembershipStatus,
    Movement,
    Twinning,
)
from monquartier.core import pagecache

MEMBER_PREFIX = "pm:"


def own_community_id(user) -> int | None:
    """The user's active community, from the cache while their version has not changed
    (a membership's change bumps it), else from one query. What it learns stays on the
    user object for the rest of the request (a GET page's: nothing changes the
    memberships meanwhile), so that the page's view does not ask again."""

    def asked() -> int | None:
        # The view's own question, asked first: the view gets the answer (access.py).
        membership = open_membership(user)
        user._open_membership = membership
        if membership is not None and membership.status == MembershipStatus.ACTIVE:
            return membership.community_id
        return None

    community_id = pagecache.remembered(user.pk, MEMBER_PREFIX, asked)
    # The view asks again: one query less (models.MembershipQuerySet).
    user._active_community_id = community_id
    return community_id


def _viewer(user) -> list[str]:
    return [pagecache.user(user.pk), pagecache.PEOPLE]


def member_page(request, *args, **kwargs) -> list[str]:
    """A page of the viewer's own community (home, alerts, gazette, a post)."""
    community_id = own_community_id(request.user)
    scopes = _viewer(request.user)
    if community_id is not None:
        scopes.append(pagecache.community(community_id))
    return scopes


def alert_page(request, alert_id: int, **kwargs) -> list[str]:
    return [*member_page(request), pagecache.alert(alert_id)]


def community_page(request, community_id: int, **kwargs) -> list[str]:
    """A page of the community in the address (whether the viewer may see it depends on
    their memberships, in their own scope)."""
    return [*_viewer(request.user), pagecache.community(community_id)]


def personal_page(request, *args, **kwargs) -> list[str]:
    """A page of the viewer's own things (their conversations)."""
    return _viewer(request.user)


def communes_of(community_ids: Iterable[int]) -> list[str]:
    """The town-hall consoles that show these communities (core/pagecache.py, `m:`)."""
    communes = Community.objects.filter(pk__in=list(community_ids)).values_list(
        "commune_id", flat=True
    )
    return [pagecache.commune(commune_id) for commune_id in set(communes)]


def communities_changed(
    community_ids: Iterable[int], *, twinned: bool = True, communes: Iterable[str] = ()
) -> None:
    """These communities' pages change, with their town hall's console, and with
    `twinned` their twinned communities' pages."""
    own = set(community_ids)
    ids = set(own)
    if twinned:
        for community_id in own:
            ids.update(Twinning.objects.partner_ids(community_id))
    pagecache.bump(
        *(pagecache.community(community_id) for community_id in ids),
        *communes_of(own),
        *communes,
    )


def memberships_changed(community_id: int, user_ids: Iterable[int]) -> None:
    """For writes by update(): these members' memberships of this community changed."""
    pagecache.bump(
        pagecache.community(community_id),
        pagecache.PEOPLE,
        *communes_of([community_id]),
        *(pagecache.user(user_id) for user_id in user_ids),
    )


def _community(sender, instance, **kwargs):
    # Deleted, it is no longer there to say its commune.
    communities_changed([instance.pk], communes=[pagecache.commune(instance.commune_id)])


def _membership(sender, instance, **kwargs):
    memberships_changed(instance.community_id, [instance.user_id])


def _movement(sender, instance, **kwargs):
    ids = [instance.community_id]
    if instance.other_community_id:
        ids.append(instance.other_community_id)
    pagecache.bump(*(pagecache.community(community_id) for community_id in ids))


def _twinning(sender, instance, **kwargs):
    communities_changed([instance.requester_id, instance.partner_id], twinned=False)


def connect() -> None:
    pagecache.connect(
        {Community: _community, Membership: _membership, Movement: _movement, Twinning: _twinning}
    )
