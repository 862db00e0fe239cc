"""The communities' rows: areas over the lattice, who lives where (members placed, référents, requests, moves), twinnings, town-hall contacts, memberships and movements."""

from collections.abc import Iterator

import numpy as np

from bench import geometry as bench_geometry
from bench.scale.plan import Place, Plan, community_sizes, directory_name_of
from bench.scale.shape import (
    EMAIL_DOMAIN,
    HISTORY_DAYS,
    MOVED_SHARE,
    NO_EMAIL_SHARE,
    PENDING_SHARE,
    PUSH_SHARE,
    TOWN_HALL_COMMUNES,
    TWIN_RADIUS_CELLS,
    TWINNED_SHARE,
)
from monquartier.communities.models import (
    Community,
    MembershipStatus,
    MovementKind,
    TwinningStatus,
)
from monquartier.places.models import Commune


class CommunityRows(Plan):
    """The communities' rows: areas over the lattice, who lives where (members placed, référents, requests, moves), twinnings, town-hall contacts, memberships and movements."""

    MEMBERSHIP_COLUMNS = (
        "id",
        "user_id",
        "community_id",
        "status",
        "is_referent",
        "requested_at",
        "joined_at",
        "decided_by_id",
        "refusal_reason",
        "ended_at",
        "escalated_at",
        "registered_by_id",
        "directory_name",
    )

    def build_communities(self) -> list[Community]:
        communes = list(Commune.objects.order_by("pk"))
        self.town_hall_communes = {
            commune.slug: commune.pk for commune in communes if commune.slug in TOWN_HALL_COMMUNES
        }
        if not communes:
            raise RuntimeError("No communes: the data migration 0002_load_communes did not run.")
        sites = bench_geometry.allocate_sites(communes, self.community_count)
        self.rng.shuffle(sites)  # ids in no geographic order, as after years of use
        communities = []
        for number, site in enumerate(sites, start=1):
            community = bench_geometry._build(self.rng, site, number)
            created = self.clock.days_ago(self.rng.uniform(30, HISTORY_DAYS))
            community.created_at = self.clock.at(created)
            community.public_page = self.rng.random() < 0.1
            communities.append(community)
        self._sites = sites
        return communities

    def place_members(self, communities: list[Community]) -> None:
        """Give every community its members (user ids in random order over the country,
        as people sign up) and say who is référent, who waits, who moved."""
        sizes = community_sizes(self.np_rng, self.members, len(communities))
        pending = round(self.members * PENDING_SHARE)
        self.users = self.members + pending
        ids = self.np_rng.permutation(self.users) + 1
        self.home_place = np.zeros(self.users + 2, dtype=np.int64)
        start = 0
        for index, (community, site, size) in enumerate(
            zip(communities, self._sites, sizes, strict=True)
        ):
            members = ids[start : start + size]
            start += size
            created = community.created_at.timestamp()
            joined = self.np_rng.uniform(created, self.clock.now - 3_600, size)
            joined[0] = created  # the creator
            referents = 1 + int(size >= 30) + int(size >= 200) + int(size >= 1_000)
            self.home_place[members] = index
            self.places.append(
                Place(index, community, site, created, members, joined, min(referents, size))
            )
        # Pending requests, more of them where more people live.
        weights = sizes / sizes.sum()
        chosen = self.np_rng.choice(len(communities), size=pending, p=weights)
        for user_id, index in zip(ids[start:], chosen, strict=True):
            requested = self.clock.days_ago(self.rng.uniform(0, 14))
            self.pending.append((int(user_id), int(index), requested))
            self.home_place[user_id] = index
        # Members who lived in another community before (not creators: they founded it).
        for place in self.places:
            for k in range(1, len(place.members)):
                if self.rng.random() >= MOVED_SHARE:
                    continue
                old = self.rng.randrange(len(self.places))
                left = place.joined[k] - self.rng.uniform(86_400, 30 * 86_400)
                previous = self.places[old]
                if old == place.index or previous.created >= left - 86_400:
                    continue
                self.moved[int(place.members[k])] = (
                    old,
                    self.rng.uniform(previous.created, left - 3_600),
                    left,
                )
        self.staff_id = self.users + 1
        # Who can be reached how: a few phone-only members (no e-mail: registered by a
        # référent), a share with a push subscription.
        size = self.users + 2
        self.has_email = self.np_rng.random(size) >= NO_EMAIL_SHARE
        self.has_push = self.has_email & (self.np_rng.random(size) < PUSH_SHARE)
        # SMS alerts off only for some members reachable by push (preferences.py's rule).
        self.sms_alerts = ~(self.has_push & (self.np_rng.random(size) < 0.15))
        self.mobile_verified = self.np_rng.random(size) < 0.95

    def pair_twins(self) -> None:
        """Twin communities with a neighbour of the lattice, at most ~2 km away."""
        by_cell = {(place.site.column, place.site.row): place.index for place in self.places}
        paired: set[tuple[int, int]] = set()
        offsets = [
            (dx, dy)
            for dx in range(-TWIN_RADIUS_CELLS, TWIN_RADIUS_CELLS + 1)
            for dy in range(-TWIN_RADIUS_CELLS, TWIN_RADIUS_CELLS + 1)
            if (dx, dy) != (0, 0)
        ]
        for place in self.places:
            if self.rng.random() >= TWINNED_SHARE:
                continue
            neighbours = [
                by_cell[cell]
                for dx, dy in offsets
                if (cell := (place.site.column + dx, place.site.row + dy)) in by_cell
            ]
            neighbours = [
                other
                for other in neighbours
                if (min(place.index, other), max(place.index, other)) not in paired
            ]
            if not neighbours:
                continue
            other = self.rng.choice(neighbours)
            paired.add((min(place.index, other), max(place.index, other)))
            status = TwinningStatus.ENDED if self.rng.random() < 0.05 else TwinningStatus.ACTIVE
            self.twinnings.append((place.index, other, status))
            if status == TwinningStatus.ACTIVE:
                place.twins.append(other)
                self.places[other].twins.append(place.index)

    def membership_rows(self) -> Iterator[tuple]:
        at = self.clock.at
        directory_name = directory_name_of
        number = 0
        for place in self.places:
            community_id = place.community.pk
            creator = int(place.members[0])
            for k, (user_id, joined) in enumerate(
                zip(place.members.tolist(), place.joined.tolist(), strict=True)
            ):
                number += 1
                yield (
                    number,
                    user_id,
                    community_id,
                    MembershipStatus.ACTIVE,
                    k < place.referents,
                    at(joined - 3_600 * (k > 0)),
                    at(joined),
                    None if k == 0 else creator,
                    "",
                    None,
                    None,
                    None,
                    directory_name(user_id),
                )
        for user_id, index, requested in self.pending:
            number += 1
            yield (
                number,
                user_id,
                self.places[index].community.pk,
                MembershipStatus.PENDING,
                False,
                at(requested),
                None,
                None,
                "",
                None,
                None,
                None,
                directory_name(user_id),
            )
        for user_id, (old, joined, left) in self.moved.items():
            number += 1
            yield (
                number,
                user_id,
                self.places[old].community.pk,
                MembershipStatus.LEFT,
                False,
                at(joined - 3_600),
                at(joined),
                int(self.places[old].members[0]),
                "",
                at(left),
                None,
                None,
                directory_name(user_id),
            )

    def movement_rows(self) -> Iterator[tuple]:
        at = self.clock.at
        number = 0

        def row(community_id, kind, actor, member, other, when):
            nonlocal number
            number += 1
            return (number, community_id, kind, actor, member, other, "", at(when))

        for place in self.places:
            community_id = place.community.pk
            creator = int(place.members[0])
            yield row(community_id, MovementKind.CREATED, creator, creator, None, place.created)
            for k in range(1, len(place.members)):
                user_id, joined = int(place.members[k]), float(place.joined[k])
                yield row(community_id, MovementKind.ARRIVAL, creator, user_id, None, joined)
                if k < place.referents:
                    yield row(
                        community_id,
                        MovementKind.REFERENT_ADDED,
                        creator,
                        user_id,
                        None,
                        joined + 60,
                    )
        for user_id, index, requested in self.pending:
            yield row(
                self.places[index].community.pk,
                MovementKind.JOIN_REQUESTED,
                user_id,
                user_id,
                None,
                requested,
            )
        for user_id, (old, joined, left) in self.moved.items():
            community_id = self.places[old].community.pk
            yield row(community_id, MovementKind.ARRIVAL, None, user_id, None, joined)
            yield row(community_id, MovementKind.DEPARTURE, user_id, user_id, None, left)
        for requester, partner, status in self.twinnings:
            asked, other = self.places[requester], self.places[partner]
            when = max(asked.created, other.created) + 86_400
            for side, opposite in ((asked, other), (other, asked)):
                yield row(
                    side.community.pk,
                    MovementKind.TWINNING_STARTED,
                    int(asked.members[0]),
                    None,
                    opposite.community.pk,
                    when,
                )
                if status == TwinningStatus.ENDED:
                    yield row(
                        side.community.pk,
                        MovementKind.TWINNING_ENDED,
                        int(other.members[0]),
                        None,
                        opposite.community.pk,
                        when + 30 * 86_400,
                    )

    def twinning_rows(self) -> Iterator[tuple]:
        at = self.clock.at
        for number, (requester, partner, status) in enumerate(self.twinnings, start=1):
            asked, other = self.places[requester], self.places[partner]
            when = max(asked.created, other.created) + 86_400
            ended = status == TwinningStatus.ENDED
            yield (
                number,
                asked.community.pk,
                other.community.pk,
                status,
                int(asked.members[0]),
                int(other.members[0]),
                int(other.members[0]) if ended else None,
                at(when - 3_600),
                at(when),
                at(when + 30 * 86_400) if ended else None,
            )

    def contact_rows(self) -> Iterator[tuple]:
        # Read before the COPY starts: no other query can run on the connection during it.
        slugs = self.town_hall_communes
        for number, slug in enumerate(TOWN_HALL_COMMUNES, start=1):
            if slug not in slugs:
                continue
            email = f"mairie-{slug}@{EMAIL_DOMAIN}"
            mobile = f"+2250500{number:06d}"
            self.contacts.setdefault(slugs[slug], []).append((number, email, mobile))
            yield (
                number,
                slugs[slug],
                f"Mairie de {slug.title()}",
                "Sécurité",
                email,
                mobile,
                True,
            )
