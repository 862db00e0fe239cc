"""The référents a member can call: for basic phones (INFO by SMS, 4 in the USSD menu),
where no directory page shows them. Names and numbers as communities/privacy.py decides:
a référent who hid their mobile is named without it."""

from dataclasses import dataclass

from monquartier.communities import privacy
from monquartier.communities.models import Membership


@dataclass(frozen=True)
class Contact:
    name: str
    mobile: str | None


def referent_contacts(user, community_id: int) -> list[Contact]:
    """The référents of the user's community (`community_id`, the user's active one),
    oldest first, the user excepted. One query."""
    referents = (
        Membership.objects.referents()
        .filter(community_id=community_id, user__is_active=True)
        .exclude(user=user)
        .select_related("user")
        .order_by("pk")
    )
    viewpoint = privacy.Viewpoint.of_member(user, community_id)
    contacts = []
    for membership in referents:
        rel = viewpoint.relation_to(membership.user_id, privacy.Ties.of(membership))
        contacts.append(
            Contact(
                privacy.name_seen(membership.user, rel),
                privacy.mobile_seen(membership.user, rel),
            )
        )
    return contacts
