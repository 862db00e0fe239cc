"""The one place that decides what a viewer may see of a member.

Its specification is the privacy table of PRODUCT.md ("who sees what"); tests check it
row by row and column by column (tests/communities/test_privacy_matrix.py). Pages ask
here and show what comes back; they never decide on their own.

| what of member M       | M's community   | twinned    | town hall | public/others | staff |
|------------------------|-----------------|------------|-----------|---------------|-------|
| real name              | yes             | pseudonym  | pseudonym | pseudonym     | yes   |
| postal address         | yes             | no         | no        | no            | yes   |
| mobile / landline      | unless hidden   | no         | no        | no            | yes   |
| e-mail                 | never           | never      | never     | never         | yes   |
| housing details        | never           | never      | never     | never         | yes   |
| birth date             | day and month   | no         | no        | no            | yes   |

(The town hall sees real names on alerts only: alerts show the sender's real name to
everyone who receives them, which is the alerts' business, not a member card's.)
A member sees all of their own data.
"""

from dataclasses import dataclass
from datetime import date
from enum import Enum

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import formats

from monquartier.accounts.models import User
from monquartier.communities.models import Membership, Twinning


class Relation(Enum):
    SELF = "self"
    STAFF = "staff"
    COMMUNITY = "community"  # active members of the same community
    TWINNED = "twinned"  # active members of a community twinned with M's
    TOWN_HALL = "town_hall"  # agents of the partner town hall of M's commune
    OTHER = "other"  # the public, pending members, anyone else


def active_community_id(user) -> int | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Membership.objects.active().filter(user=user).values_list("community_id", flat=True).first()
    )


def relation_between_communities(
    viewer_community_id: int | None, member_community_id: int | None
) -> Relation:
    if viewer_community_id is None or member_community_id is None:
        return Relation.OTHER
    if viewer_community_id == member_community_id:
        return Relation.COMMUNITY
    twinned = (
        Twinning.objects.active()
        .filter(
            requester_id__in=(viewer_community_id, member_community_id),
            partner_id__in=(viewer_community_id, member_community_id),
        )
        .exists()
    )
    return Relation.TWINNED if twinned else Relation.OTHER


def relation(viewer: User | AnonymousUser, member: User) -> Relation:
    if not viewer.is_authenticated:
        return Relation.OTHER
    if viewer.pk == member.pk:
        return Relation.SELF
    if viewer.is_staff:
        return Relation.STAFF
    return relation_between_communities(active_community_id(viewer), active_community_id(member))


@dataclass(frozen=True)
class MemberCard:
    """What one viewer may know of one member. None means: not shown to this viewer."""

    id: int
    name: str
    shows_real_name: bool
    pseudonym: str
    is_referent: bool
    address: str | None = None
    landmark: str | None = None
    mobile: str | None = None
    landline: str | None = None
    email: str | None = None
    birthday: str | None = None  # "14 mars" for neighbours, the full date for staff and self
    housing: dict | None = None
    photo_url: str | None = None


_FULL = {Relation.SELF, Relation.STAFF}


def _birthday(birth_date: date | None, rel: Relation) -> str | None:
    if birth_date is None:
        return None
    if rel in _FULL:
        return formats.date_format(birth_date, "j F Y")
    if rel is Relation.COMMUNITY:
        return formats.date_format(birth_date, "j F")
    return None


def member_card(member: User, rel: Relation, *, is_referent: bool = False) -> MemberCard:
    """Expects member.profile and member.home (with its commune) loaded with the member,
    so that a directory page costs no query per card."""
    sees_everything = rel in _FULL
    neighbour = rel is Relation.COMMUNITY
    profile = member.profile
    home = getattr(member, "home", None)
    card = {
        "id": member.pk,
        "name": member.full_name if (sees_everything or neighbour) else member.public_name,
        "shows_real_name": sees_everything or neighbour,
        "pseudonym": member.pseudonym,
        "is_referent": is_referent,
        "birthday": _birthday(profile.birth_date, rel),
    }
    if (sees_everything or neighbour) and home is not None:
        card["address"] = home.one_line
        card["landmark"] = home.landmark
    if sees_everything or (neighbour and not member.hide_mobile):
        card["mobile"] = member.mobile_display or None
    if sees_everything or (neighbour and not member.hide_landline):
        card["landline"] = member.landline_display or None
    if sees_everything:
        card["email"] = member.email
        card["housing"] = {
            "type": profile.get_housing_type_display(),
            "alarm": profile.has_alarm,
            "guard": profile.has_guard,
            "notes": profile.housing_notes,
        }
    if (sees_everything or neighbour) and profile.photo_thumbnail:
        card["photo_url"] = reverse("accounts:photo", args=[member.pk, "thumbnail"])
    return MemberCard(**card)


def shows_photo_publicly(member: User) -> bool:
    """A référent's photo appears on their community's public page if they ticked it."""
    return (
        member.profile.show_photo_on_public_page
        and Membership.objects.referents().filter(user=member, community__public_page=True).exists()
    )


def can_see_photo(viewer: User | AnonymousUser, member: User) -> bool:
    if member.is_closed:
        return False
    if relation(viewer, member) in (Relation.SELF, Relation.STAFF, Relation.COMMUNITY):
        return True
    return shows_photo_publicly(member)


def public_name(member: User) -> str:
    """The name shown to anyone outside the member's community."""
    return member.public_name
