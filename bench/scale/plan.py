"""The plan the row generators share, and the helpers they use."""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import shapely

from bench import geometry as bench_geometry
from bench.scale.shape import FIRST_NAMES, LAST_NAMES, MAX_COMMUNITY, MIN_COMMUNITY, SIZE_SIGMA
from monquartier.communities.models import (
    Community,
)


class Clock:
    """Timestamps as epoch seconds (floats, numpy-friendly) → aware datetimes."""

    def __init__(self, now: datetime) -> None:
        self.now = now.timestamp()

    @staticmethod
    def at(seconds: float) -> datetime:
        return datetime.fromtimestamp(seconds, UTC)

    def days_ago(self, days: float) -> float:
        return self.now - days * 86_400


@dataclass
class Place:
    """A community being generated: its row and who lives there."""

    index: int
    community: Community
    site: bench_geometry.Site
    created: float  # epoch seconds
    members: np.ndarray  # user ids, creator first; referents are the first `referents`
    joined: np.ndarray  # epoch seconds, aligned with members
    referents: int
    twins: list[int] = field(default_factory=list)  # indexes of twinned places


def community_sizes(np_rng: np.random.Generator, members: int, communities: int) -> np.ndarray:
    """Members per community, log-normal, adding up to exactly `members`."""
    if members < communities * MIN_COMMUNITY:
        raise ValueError(
            f"{members} members cannot fill {communities} communities of {MIN_COMMUNITY} at least"
        )
    weights = np_rng.lognormal(0.0, SIZE_SIGMA, communities)
    spare = members - communities * MIN_COMMUNITY
    sizes = np.minimum(
        MIN_COMMUNITY + np.floor(weights / weights.sum() * spare).astype(np.int64), MAX_COMMUNITY
    )
    # The remainder goes one by one to the communities still under the cap.
    short = members - int(sizes.sum())
    while short > 0:
        room = np.flatnonzero(sizes < MAX_COMMUNITY)
        chosen = np_rng.choice(room, size=min(short, len(room)), replace=False)
        sizes[chosen] += 1
        short = members - int(sizes.sum())
    return sizes


def points_inside(
    np_rng: np.random.Generator, polygon, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """`count` random points inside the polygon (longitudes, latitudes)."""
    min_x, min_y, max_x, max_y = polygon.bounds
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    found = 0
    while found < count:
        batch = max(16, int((count - found) * 1.8))
        x = np_rng.uniform(min_x, max_x, batch)
        y = np_rng.uniform(min_y, max_y, batch)
        inside = shapely.contains_xy(polygon, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        found += int(inside.sum())
    return np.concatenate(xs)[:count], np.concatenate(ys)[:count]


def names_of(user_id: int) -> tuple[str, str]:
    """A loaded member's (first name, last name)."""
    return FIRST_NAMES[user_id % len(FIRST_NAMES)], LAST_NAMES[(user_id // 7) % len(LAST_NAMES)]


def directory_name_of(user_id: int) -> str:
    first, last = names_of(user_id)
    return f"{last} {first}"


def mobile_of(user_id: int) -> str:
    # Orange (07), MTN (05), Moov (01): ten digits since 2021.
    return f"+225{('07', '05', '01')[user_id % 3]}{user_id:08d}"


class Plan:
    """The state the row generators share: the communities being generated (places),
    who lives where, the clock and the random generators of one seed."""

    def __init__(self, members: int, communities: int, seed: int, now: datetime) -> None:
        self.members = members
        self.community_count = communities
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)
        self.clock = Clock(now)
        self.now = now
        self.places: list[Place] = []
        self.users = 0
        self.pending: list[tuple[int, int, float]] = []  # (user, place index, requested)
        self.moved: dict[int, tuple[int, float, float]] = {}  # user → (old place, joined, left)
        self.home_place: np.ndarray = np.zeros(0, dtype=np.int64)
        self.has_email: np.ndarray = np.zeros(0, dtype=bool)
        self.has_push: np.ndarray = np.zeros(0, dtype=bool)
        self.sms_alerts: np.ndarray = np.zeros(0, dtype=bool)
        self.staff_id = 0
        self.contacts: dict[int, list[tuple[int, str, str]]] = {}  # commune → contacts
        self.twinnings: list[tuple[int, int, str]] = []  # (requester, partner, status)
