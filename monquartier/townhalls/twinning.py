"""Twin all: the town hall twins every pair of its communities near enough to twin, in
one action, or ends all their twinnings (a preview first, then the confirmation).

"Near enough" is the communities' own rule (geometry.TWINNING_MAX_DISTANCE_M between
areas), and each pair goes through the communities' services: a real active Twinning and
its movements, each pair in its own transaction. Each community's référents are told
once, with every neighbour it was twinned with. Only pairs of communities of the
commune: a twinning with a community of another commune is not the town hall's to decide.

In a commune of 2,000 communities a few hundred metres apart, that is tens of thousands
of pairs: the confirmation runs as a background task (townhalls/tasks.py), one at a time
per town hall (TownHall.bulk_twinning_since).
"""

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import shapely
from django.core.exceptions import ValidationError

from monquartier.accounts.models import User
from monquartier.communities import geometry, services
from monquartier.communities.models import Community, Twinning, TwinningStatus
from monquartier.townhalls.access import communities_of
from monquartier.townhalls.models import TownHall


@dataclass(frozen=True)
class Pair:
    first: Community
    second: Community
    distance_m: float

    @property
    def recipients(self) -> int:
        """Members who would receive the other side's alerts by e-mail."""
        return self.first.member_count + self.second.member_count  # type: ignore[attr-defined]


def _communities(town_hall: TownHall) -> list[Community]:
    return list(
        communities_of(town_hall)
        .with_member_count()
        .only(
            "id",
            "name",
            "area",
            "commune_id",
            "min_latitude",
            "max_latitude",
            "min_longitude",
            "max_longitude",
        )
        .order_by("min_longitude", "pk")
    )


def _active_twinnings(town_hall: TownHall):
    commune = town_hall.commune_id
    return Twinning.objects.filter(
        status=TwinningStatus.ACTIVE,
        requester__commune_id=commune,
        partner__commune_id=commune,
    )


def pairs_to_twin(town_hall: TownHall) -> list[Pair]:
    """Every pair of the commune's communities within the twinning distance and not
    actively twinned, nearest first. The areas are projected once, together, and an
    R-tree finds the pairs within the distance and measures them (GEOS, in C): 2,000
    communities give some 30,000 pairs in a fraction of a second."""
    communities = _communities(town_hall)
    if len(communities) < 2:
        return []
    twinned = {
        frozenset(pair)
        for pair in _active_twinnings(town_hall).values_list("requester_id", "partner_id")
    }
    # Every area into the UTM zone of the first: the commune lies in one zone, and
    # geometry.distance_m measures the same way pair by pair.
    areas = np.array(
        [geometry.polygon_from_geojson(community.area) for community in communities],
        dtype=object,
    )
    projected = geometry.to_metres(areas, like=areas[0])
    tree = shapely.STRtree(projected)
    left, right = tree.query(
        projected, predicate="dwithin", distance=geometry.TWINNING_MAX_DISTANCE_M
    )
    keep = left < right
    left, right = left[keep], right[keep]
    distances = shapely.distance(projected[left], projected[right])
    found = []
    for i, j, distance in zip(left.tolist(), right.tolist(), distances.tolist(), strict=True):
        first, second = communities[i], communities[j]
        if frozenset((first.pk, second.pk)) in twinned:
            continue
        ordered = sorted((first, second), key=lambda community: community.name)
        found.append(Pair(ordered[0], ordered[1], distance))
    return sorted(found, key=lambda pair: (pair.distance_m, pair.first.name, pair.second.name))


@dataclass(frozen=True)
class Ending:
    twinning: Twinning
    recipients: int  # members who would stop receiving the other side's alerts
    sides: dict[int, int]  # community id → its members


def twinnings_to_end(town_hall: TownHall) -> list[Ending]:
    twinnings = list(
        _active_twinnings(town_hall)
        .select_related("requester", "partner")
        .order_by("requester__name", "partner__name")
    )
    sides = {t.requester_id for t in twinnings} | {t.partner_id for t in twinnings}
    counts = dict(
        Community.objects.with_member_count().filter(pk__in=sides).values_list("pk", "member_count")
    )
    return [
        Ending(
            t,
            counts.get(t.requester_id, 0) + counts.get(t.partner_id, 0),
            {
                t.requester_id: counts.get(t.requester_id, 0),
                t.partner_id: counts.get(t.partner_id, 0),
            },
        )
        for t in twinnings
    ]


def members_reached(items) -> tuple[int, int]:
    """(members, communities) on either side of the pairs or endings: each member once,
    however many twins their community gains or loses."""
    counts: dict[int, int] = {}
    for item in items:
        if isinstance(item, Pair):
            for side in (item.first, item.second):
                counts[side.pk] = side.member_count  # type: ignore[attr-defined]
        else:
            counts.update(item.sides)
    return sum(counts.values()), len(counts)


def _tell(news: dict[int, list[Community]], communities: dict[int, Community], **kwargs) -> None:
    for community_id, others in news.items():
        services.tell_commune_twinnings(communities[community_id], others, **kwargs)


def twin_all(actor: User, town_hall: TownHall) -> int:
    """Twin every pair the preview shows; running it again twins nothing new. Returns
    how many twinnings were made."""
    made = 0
    news: dict[int, list[Community]] = defaultdict(list)
    communities: dict[int, Community] = {}
    for pair in pairs_to_twin(town_hall):
        try:
            twinned = services.twin_for_commune(
                actor, pair.first, pair.second, by=town_hall.name, tell=False
            )
        except ValidationError:
            # A boundary changed since the preview: that pair is no longer near enough.
            continue
        if twinned:
            made += 1
            news[pair.first.pk].append(pair.second)
            news[pair.second.pk].append(pair.first)
            communities[pair.first.pk], communities[pair.second.pk] = pair.first, pair.second
    _tell(news, communities, ended=False, by=town_hall.name)
    return made


def end_all(actor: User, town_hall: TownHall) -> int:
    ended = 0
    news: dict[int, list[Community]] = defaultdict(list)
    communities: dict[int, Community] = {}
    for twinning in _active_twinnings(town_hall).select_related("requester", "partner"):
        if services.end_twinning_for_commune(actor, twinning, by=town_hall.name, tell=False):
            ended += 1
            first, second = twinning.requester, twinning.partner
            news[first.pk].append(second)
            news[second.pk].append(first)
            communities[first.pk], communities[second.pk] = first, second
    _tell(news, communities, ended=True, by=town_hall.name)
    return ended
