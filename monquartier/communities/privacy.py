"""The one place that decides what a viewer may see of a person: names, contact details
and profile, on pages, e-mails, SMS, pushes and JSON alike.

Its specification is the privacy table of PRODUCT.md ("who sees what"); tests check it
row by row and column by column, and page by page (tests/communities/test_privacy_matrix.py).
Pages, services and messages ask here and show what comes back; they never decide on their
own (not even by printing `user.full_name`).

| what of member M       | M's community   | twinned    | town hall | public/others | staff |
|------------------------|-----------------|------------|-----------|---------------|-------|
| real name              | yes             | pseudonym  | pseudonym | pseudonym     | yes   |
| postal address         | yes             | no         | no        | no            | yes   |
| mobile / landline      | unless hidden   | no         | no        | no            | yes   |
| e-mail                 | never           | never      | never     | never         | yes   |
| housing details        | never           | never      | never     | never         | yes   |
| birth date             | day and month   | no         | no        | no            | yes   |
| description, interests | yes             | no         | no        | no            | yes   |

A member sees all of their own data. Alerts show the sender's real name to everyone who
receives them, the town hall included (alert_sender_name). While a join request is
pending, the référents of the requested community see the applicant's real name,
address, home pin and mobile (never the e-mail); once it is refused or cancelled, the
applicant is an outsider again.

"Pseudonym" means the public name: the pseudonym, else the first name and initial.
Relations are decided by the present state: someone who left a community is, from then
on, an outsider to it (docs/decisions.md).

Lists must not cost a query per person: a Viewpoint is read once per viewer, the
communities of the people shown come with the list's own query (with_communities) or
from one query for all of them (ties_of), and names_seen_by / names_for_recipients
decide for many people at once.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Lower, NullIf
from django.urls import reverse
from django.utils import formats

from monquartier.accounts.models import User
from monquartier.communities.models import Membership, MembershipStatus, Twinning
from monquartier.notifications.services import notify


class Relation(Enum):
    SELF = "self"
    STAFF = "staff"
    COMMUNITY = "community"  # active members of the same community
    APPLICANT = "applicant"  # a référent of the community M asks to join, while pending
    TWINNED = "twinned"  # active members of a community twinned with M's
    TOWN_HALL = "town_hall"  # agents of the partner town hall of M's commune
    OTHER = "other"  # the public, pending members, anyone else


# Who sees the real name (the first row of the table).
_REAL_NAME = {Relation.SELF, Relation.STAFF, Relation.COMMUNITY, Relation.APPLICANT}


def is_town_hall_agent(user) -> bool:
    """An agent of a partner town hall (never a community member): every page, e-mail
    and list below names people to them by the town-hall column (Relation.TOWN_HALL).
    Which commune they see is the townhalls app's to check (townhalls/access.py)."""
    return bool(getattr(user, "is_town_hall_agent", False))


@dataclass(frozen=True)
class Ties:
    """A person's open membership: the community they are an active member of, or the
    one they asked to join (one open membership per account)."""

    community_id: int | None = None
    pending_community_id: int | None = None
    is_referent: bool = False

    @classmethod
    def of(cls, membership: Membership) -> "Ties":
        """The ties that one of the person's memberships shows (an ended one shows none)."""
        return cls.from_row(membership.status, membership.community_id, membership.is_referent)

    @classmethod
    def from_row(cls, status: str, community_id: int, is_referent: bool) -> "Ties":
        if status == MembershipStatus.ACTIVE:
            return cls(community_id, None, is_referent)
        if status == MembershipStatus.PENDING:
            return cls(None, community_id)
        return NO_TIES


NO_TIES = Ties()


def ties_of(user_ids: Iterable[int]) -> dict[int, Ties]:
    """user id → Ties, in one query (people with no open membership are left out)."""
    rows = Membership.objects.open().filter(user_id__in=set(user_ids))
    return {
        user_id: Ties.from_row(status, community, referent)
        for user_id, status, community, referent in rows.values_list(
            "user_id", "status", "community_id", "is_referent"
        )
    }


def with_communities(queryset, *people: str):
    """Annotate each row with the ties of the people its fields point to (`author`,
    `actor`…): `<field>_community_id` and `<field>_pending_community_id`, in the list's
    own query. ties_on(row, field) reads them back."""
    annotations = {}
    for person in people:
        open_membership = Membership.objects.filter(user_id=OuterRef(f"{person}_id"))
        annotations[f"{person}_community_id"] = Subquery(
            open_membership.active().values("community_id")[:1]
        )
        annotations[f"{person}_pending_community_id"] = Subquery(
            open_membership.pending().values("community_id")[:1]
        )
    return queryset.annotate(**annotations)


def ties_on(row, person: str) -> Ties:
    return Ties(
        getattr(row, f"{person}_community_id"), getattr(row, f"{person}_pending_community_id")
    )


@dataclass(frozen=True)
class Viewpoint:
    """Who looks, from where: enough to decide, with no further query, how they see
    anyone whose ties are known. `twinned_ids` is None when it was not read: names do not
    need it (twinned members and outsiders see the same name)."""

    user_id: int | None = None
    is_staff: bool = False
    is_town_hall: bool = False
    community_id: int | None = None
    is_referent: bool = False
    twinned_ids: frozenset[int] | None = field(default=None)

    @classmethod
    def of(cls, user, membership=None, *, twinnings: bool = False) -> "Viewpoint":
        """The viewer's viewpoint. Pass their active membership when the view has it (or
        `False` when it knows there is none) to save the query."""
        if not getattr(user, "is_authenticated", False):
            return cls()
        if user.is_staff:
            return cls(user_id=user.pk, is_staff=True)
        if membership is None:
            membership = Membership.objects.active_of(user).first() or False
        community_id = membership.community_id if membership else None
        twinned = None
        if twinnings and community_id is not None:
            twinned = frozenset(Twinning.objects.partner_ids(community_id))
        return cls(
            user_id=user.pk,
            is_staff=user.is_staff,
            is_town_hall=is_town_hall_agent(user),
            community_id=community_id,
            is_referent=bool(membership and membership.is_referent),
            twinned_ids=twinned,
        )

    @classmethod
    def of_member(cls, user, community_id: int | None) -> "Viewpoint":
        """For a view that knows only the viewer's community: whether they are a référent
        is not known, so applicants are named to them as to any outsider (the safe side)."""
        return cls(
            user_id=user.pk,
            is_staff=user.is_staff,
            is_town_hall=is_town_hall_agent(user),
            community_id=community_id,
        )

    @classmethod
    def from_ties(cls, user, ties: Ties) -> "Viewpoint":
        """For a viewer whose ties were read with other people's (ties_of)."""
        return cls(
            user_id=user.pk,
            is_staff=user.is_staff,
            is_town_hall=is_town_hall_agent(user),
            community_id=ties.community_id,
            is_referent=ties.is_referent,
        )

    def relation_to(self, member_id: int, ties: Ties) -> Relation:
        if self.user_id is None:
            return Relation.OTHER
        if member_id == self.user_id:
            return Relation.SELF
        if self.is_staff:
            return Relation.STAFF
        if self.is_town_hall:
            return Relation.TOWN_HALL
        if self.community_id is None:
            return Relation.OTHER
        if ties.community_id == self.community_id:
            return Relation.COMMUNITY
        if self.is_referent and ties.pending_community_id == self.community_id:
            return Relation.APPLICANT
        if self.twinned_ids and ties.community_id in self.twinned_ids:
            return Relation.TWINNED
        return Relation.OTHER

    def name_of(self, member: User, ties: Ties) -> str:
        return name_seen(member, self.relation_to(member.pk, ties))


def relation(viewer: User | AnonymousUser, member: User) -> Relation:
    """The exact relation of one viewer to one member (a few queries: for one page about
    one person; lists use a Viewpoint and ties)."""
    if not viewer.is_authenticated:
        return Relation.OTHER
    if viewer.pk == member.pk:
        return Relation.SELF
    if viewer.is_staff:
        return Relation.STAFF
    viewpoint = Viewpoint.of(viewer, twinnings=True)
    return viewpoint.relation_to(member.pk, ties_of([member.pk]).get(member.pk, NO_TIES))


def name_seen(member: User, rel: Relation) -> str:
    """The name shown for this relation (a closed account is "Ancien membre" either way)."""
    return member.full_name if rel in _REAL_NAME else member.public_name


def name_seen_by(viewer, member: User) -> str:
    """One person's name for one viewer (for pages about one person)."""
    return name_seen(member, relation(viewer, member))


def names_seen_by(viewer, members: Iterable[User]) -> dict[int, str]:
    """member id → the name `viewer` may see, for many members, in one query."""
    members = list(members)
    ties = ties_of([viewer.pk, *(member.pk for member in members)])
    viewpoint = Viewpoint.from_ties(viewer, ties.get(viewer.pk, NO_TIES))
    return {
        member.pk: viewpoint.name_of(member, ties.get(member.pk, NO_TIES)) for member in members
    }


def name_memberships(viewpoint: Viewpoint, memberships: Iterable[Membership]) -> list:
    """Memberships (with their user) as the viewer sees them: each gets `.name`."""
    memberships = list(memberships)
    for membership in memberships:
        membership.name = viewpoint.name_of(membership.user, Ties.of(membership))
    return memberships


def name_people(viewpoint: Viewpoint, rows: Iterable, *people: str) -> None:
    """For rows annotated by with_communities: set `<field>_name` on each row, the name
    of that person as the viewer may see it ("" when the field is empty)."""
    for row in rows:
        for person in people:
            member = getattr(row, person)
            name = viewpoint.name_of(member, ties_on(row, person)) if member else ""
            setattr(row, f"{person}_name", name)


def invitee_name(viewpoint: Viewpoint, invitee: User, ties: Ties) -> str | None:
    """The name of someone who signed up through the viewer's invitation, for the
    inviter's list: only when the viewer may see their real name (they joined the
    viewer's community, or asked a référent to). Otherwise None, and the list says only
    that a neighbour signed up: a pseudonym would tell the inviter which account the
    person they invited uses."""
    rel = viewpoint.relation_to(invitee.pk, ties)
    return name_seen(invitee, rel) if rel in _REAL_NAME else None


def names_for_recipients(recipients: Iterable[User], member: User) -> dict[str, list[User]]:
    """The recipients of a notification about `member`, grouped by the name each may
    see (one query): a message, an e-mail or a push stores and shows that name only."""
    recipients = list(recipients)
    ties = ties_of([member.pk, *(recipient.pk for recipient in recipients)])
    member_ties = ties.get(member.pk, NO_TIES)
    groups: dict[str, list[User]] = defaultdict(list)
    for recipient in recipients:
        viewpoint = Viewpoint.from_ties(recipient, ties.get(recipient.pk, NO_TIES))
        groups[viewpoint.name_of(member, member_ties)].append(recipient)
    return dict(groups)


def notify_about(member: User, recipients: Iterable[User], *, name_key: str, **notification):
    """notify() the recipients of news about `member`, each group with the name it may
    see stored under `name_key` (the sentence is written later, from what is stored).
    Returns the notifications made, like notify()."""
    made = []
    for name, group in names_for_recipients(recipients, member).items():
        made += notify(group, **notification, **{name_key: name})
    return made


def alert_sender_name(sender: User) -> str:
    """Alerts show the sender's real name to everyone who receives them (PRODUCT.md)."""
    return sender.full_name


def public_name(member: User) -> str:
    """The name shown to anyone outside the member's community, and on public pages."""
    return member.public_name


# The same rule for the database, where a list is sorted or searched by the name each
# row shows: the real name inside `community_id`, the public name elsewhere.
def sort_name_expression(community_id: int, prefix: str = "user__"):
    public = Coalesce(NullIf(f"{prefix}pseudonym", Value("")), f"{prefix}first_name")
    return Lower(Case(When(community_id=community_id, then=f"{prefix}first_name"), default=public))


def name_search(community_id: int, word: str, prefix: str = "user__") -> Q:
    """Rows whose shown name contains the word: searching must not reveal a real name
    letter by letter to someone who sees only the public name."""
    neighbour = Q(community_id=community_id) & (
        Q(**{f"{prefix}first_name__icontains": word})
        | Q(**{f"{prefix}last_name__icontains": word})
        | Q(**{f"{prefix}pseudonym__icontains": word})
    )
    outsider = ~Q(community_id=community_id) & (
        (~Q(**{f"{prefix}pseudonym": ""}) & Q(**{f"{prefix}pseudonym__icontains": word}))
        | (Q(**{f"{prefix}pseudonym": ""}) & Q(**{f"{prefix}first_name__icontains": word}))
    )
    return neighbour | outsider


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
    pin: tuple[float, float] | None = None  # (latitude, longitude) of the home
    mobile: str | None = None
    landline: str | None = None
    email: str | None = None
    birthday: str | None = None  # "14 mars" for neighbours, the full date for staff and self
    housing: dict | None = None
    photo_url: str | None = None
    description: str | None = None
    interests: str | None = None


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
    # A référent checking who asks to join: enough to call or visit, nothing more.
    applicant = rel is Relation.APPLICANT
    profile = member.profile
    home = getattr(member, "home", None)
    card: dict[str, Any] = {
        "id": member.pk,
        "name": name_seen(member, rel),
        "shows_real_name": rel in _REAL_NAME,
        "pseudonym": member.pseudonym,
        "is_referent": is_referent,
        "birthday": _birthday(profile.birth_date, rel),
    }
    if (sees_everything or neighbour or applicant) and home is not None:
        card["address"] = home.one_line
        card["landmark"] = home.landmark
    if (sees_everything or applicant) and home is not None:
        card["pin"] = (home.latitude, home.longitude)
    # Hiding the mobile hides it from the directory, not from the référents who must
    # check an applicant (docs/decisions.md).
    if sees_everything or applicant or (neighbour and not member.hide_mobile):
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
    if sees_everything or neighbour:
        card["description"] = profile.description or None
        card["interests"] = profile.interests or None
    if (sees_everything or neighbour) and profile.photo_thumbnail:
        card["photo_url"] = reverse("communities:photo", args=[member.pk, "thumbnail"])
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


def colleague_name(user) -> str:
    """How a town hall's agents see each other, and staff see them: by their real name,
    as people acting for an institution (they are never members of a community)."""
    return user.full_name


def mobile_seen(member: User, rel: Relation) -> str | None:
    """The member's mobile (for display) as the directory's rule shows it to this
    relation, for lists that show no card (the référents by SMS or USSD); None: not shown."""
    if rel in _FULL or (rel is Relation.COMMUNITY and not member.hide_mobile):
        return member.mobile_display or None
    return None
