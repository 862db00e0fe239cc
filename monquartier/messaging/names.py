"""How each participant is named to each viewer, by the privacy table of PRODUCT.md
(communities/privacy.py is its reference): the real name inside one's own community,
the public name (pseudonym, else first name and initial) to everyone else — twinned
members included. A closed account is "Ancien membre" either way (User.full_name).

privacy.relation() asks the database once per pair; a conversations page names dozens
of people, so here the communities of everyone involved are read in one query.
"""

from collections.abc import Iterable

from monquartier.accounts.models import User
from monquartier.communities import privacy
from monquartier.communities.models import Membership

# The relations that see the real name (privacy.member_card's rule).
_REAL_NAME = {privacy.Relation.SELF, privacy.Relation.STAFF, privacy.Relation.COMMUNITY}


def active_communities(user_ids: Iterable[int]) -> dict[int, int]:
    """user id → id of the community where the user is an active member (one query)."""
    return dict(
        Membership.objects.active()
        .filter(user_id__in=set(user_ids))
        .values_list("user_id", "community_id")
    )


def relation_for_name(
    viewer_id: int, viewer_community: int | None, member_id: int, member_community: int | None
) -> privacy.Relation:
    if viewer_id == member_id:
        return privacy.Relation.SELF
    if viewer_community is not None and viewer_community == member_community:
        return privacy.Relation.COMMUNITY
    # Twinned or not, both see the public name only: no need to tell them apart here.
    return privacy.Relation.OTHER


def name_for(member: User, relation: privacy.Relation) -> str:
    return member.full_name if relation in _REAL_NAME else privacy.public_name(member)


def names_seen_by(
    viewer: User, members: Iterable[User], communities: dict[int, int] | None = None
) -> dict[int, str]:
    """member id → the name `viewer` may see. Pass `communities` (from
    active_communities, covering the viewer and the members) to save the query."""
    members = list(members)
    if communities is None:
        communities = active_communities([viewer.pk, *(member.pk for member in members)])
    own = communities.get(viewer.pk)
    return {
        member.pk: name_for(
            member, relation_for_name(viewer.pk, own, member.pk, communities.get(member.pk))
        )
        for member in members
    }
