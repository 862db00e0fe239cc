"""The numbers of the town hall's dashboard, each counted in the database.

A fixed handful of aggregate queries, whatever the number of communities, alerts and
days: the closed days come from the daily aggregate (townhalls/stats.py), the others
from the alerts, added up in the same query. Counted alerts are the visible
ones that are not corrections (a correction repeats an alert, it is no new incident),
sent in the commune's communities during the period.
"""

import bisect
import datetime
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Round, TruncDate, TruncWeek
from django.utils import timezone

from monquartier.alerts.models import Alert, AlertCategory
from monquartier.communities.models import Community, Membership
from monquartier.townhalls import stats
from monquartier.townhalls.access import communities_of
from monquartier.townhalls.models import DailyCommunityStats, StatsState, TownHall

TOP_COMMUNITIES = 10
# Places are grouped on a grid of 0.001° (about 110 m): the map stays small and no
# alert's exact spot is drawn.
PLACE_DECIMALS = 3
MAP_COMMUNITIES = 300
# The map and its table show the places with the most alerts, up to this many.
MAP_PLACES = 300


@dataclass(frozen=True)
class Filters:
    start: datetime.date
    end: datetime.date  # included
    community: Community | None = None

    @property
    def since(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min))

    @property
    def until(self) -> datetime.datetime:
        next_day = self.end + datetime.timedelta(days=1)
        return timezone.make_aware(datetime.datetime.combine(next_day, datetime.time.min))


def months_back(today: datetime.date, months: int) -> datetime.date:
    """The first day of the month `months - 1` months before today's: "the last 12
    months" are this month and the 11 before it, whole."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    return datetime.date(index // 12, index % 12 + 1, 1)


def _counted(filters: Filters) -> QuerySet[Alert]:
    return Alert.objects.visible().filter(
        corrects__isnull=True, created_at__gte=filters.since, created_at__lt=filters.until
    )


def alerts_of(town_hall: TownHall, filters: Filters) -> QuerySet[Alert]:
    alerts = _counted(filters).filter(community__commune_id=town_hall.commune_id)
    if filters.community is not None:
        alerts = alerts.filter(community=filters.community)
    return alerts


def read_by_referent() -> Exists:
    """An alert counts as seen by the référents when at least one of the current
    référents of its community opened it."""
    return stats.read_by_referent()


# The aggregate holds the closed days up to StatsState.through; the alerts from
# StatsState.live_from (the next day's start) are counted live. With no aggregate yet,
# everything is counted live.
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class State:
    """StatsState's dates, read beforehand: a closed day's rows, or an alert counted
    live, then filter on a constant. Compared with a subquery, PostgreSQL cannot know how
    many days it keeps and guesses a handful (a loop over every day of the period).
    A state read a moment before the figures is still right: the aggregate then holds
    its closed days as they are now, and the days after are counted live."""

    through: datetime.date | None
    live_from: datetime.datetime | None


def _through():
    return Subquery(StatsState.objects.values("through")[:1])


def _live_from():
    return Subquery(StatsState.objects.values("live_from")[:1])


def _closed_days(
    town_hall: TownHall, filters: Filters, state: State | None = None
) -> QuerySet[DailyCommunityStats]:
    rows = _closed_rows(filters, state).filter(community__commune_id=town_hall.commune_id)
    if filters.community is not None:
        rows = rows.filter(community=filters.community)
    return rows


def _closed_rows(filters: Filters, state: State | None = None) -> QuerySet[DailyCommunityStats]:
    """The aggregate's closed days of the period, of any community."""
    rows = DailyCommunityStats.objects.filter(day__gte=filters.start, day__lte=filters.end)
    if state is None:
        rows = rows.filter(day__lte=_through())
    elif state.through is None:
        return rows.none()
    else:
        rows = rows.filter(day__lte=state.through)
    return rows


def _live(town_hall: TownHall, filters: Filters, state: State | None = None) -> QuerySet[Alert]:
    if state is not None:
        return alerts_of(town_hall, filters).filter(created_at__gte=state.live_from or _EPOCH)
    live_from = Coalesce(_live_from(), Value(_EPOCH, output_field=DateTimeField()))
    return alerts_of(town_hall, filters).filter(created_at__gte=live_from)


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def mondays(filters: Filters) -> list[datetime.date]:
    first = filters.start - datetime.timedelta(days=filters.start.weekday())
    count = (filters.end - first).days // 7 + 1
    return [first + datetime.timedelta(weeks=week) for week in range(count)]


def _monday(day) -> Cast:
    """The Monday of a date, as a date (a timestamp costs more to read, row by row)."""
    return Cast(TruncWeek(day), output_field=DateField())


def _week_category_rows(
    town_hall: TownHall, filters: Filters, state: State | None = None
) -> list[tuple]:
    """(monday, category, alerts, seen by the town hall, seen by a référent): the
    closed days' from the aggregate and the others' from the alerts, in one query."""
    closed = (
        _closed_days(town_hall, filters, state)
        .annotate(week=_monday("day"))
        .values("week", "category")
        .annotate(alerts=Sum("alerts"), seen=Sum("town_hall"), read=Sum("referents"))
        .order_by()
    )
    live = (
        _live(town_hall, filters, state)
        .annotate(week=_monday(TruncDate("created_at")))
        .values("week", "category")
        .annotate(
            alerts=Count("pk"),
            seen=Count("pk", filter=Q(town_hall_seen_at__isnull=False)),
            read=Count("pk", filter=read_by_referent()),
        )
        .order_by()
    )
    return [
        (_as_date(row["week"]), row["category"], row["alerts"], row["seen"], row["read"])
        for row in closed.union(live, all=True)
    ]


@dataclass(frozen=True)
class CommunityRow:
    pk: int
    name: str
    box: tuple[float, float, float, float]
    created_at: datetime.datetime
    alerts: int


def _community_rows(
    town_hall: TownHall, filters: Filters
) -> tuple[list[CommunityRow], State | None]:
    """Every community of the commune (or the one chosen) with its alerts of the period,
    in one query, and the aggregate's state read by the same query (None when there is
    no community)."""
    communities = communities_of(town_hall)
    if filters.community is not None:
        communities = communities.filter(pk=filters.community.pk)
    # Each community's own rows: the outer query keeps the commune's communities, a
    # join to them in every subquery would only repeat it.
    live_from = Coalesce(_live_from(), Value(_EPOCH, output_field=DateTimeField()))
    closed = (
        _closed_rows(filters)
        .filter(community=OuterRef("pk"))
        .values("community")
        .annotate(total=Sum("alerts"))
        .values("total")
    )
    live = (
        _counted(filters)
        .filter(community=OuterRef("pk"), created_at__gte=live_from)
        .values("community")
        .annotate(total=Count("pk"))
        .values("total")
    )
    found = list(
        communities.annotate(
            closed=Coalesce(Subquery(closed), 0),
            live=Coalesce(Subquery(live), 0),
            through=_through(),
            live_from=_live_from(),
        )
        .order_by("pk")
        .values_list(
            "pk",
            "name",
            "min_latitude",
            "max_latitude",
            "min_longitude",
            "max_longitude",
            "created_at",
            "closed",
            "live",
            "through",
            "live_from",
        )
    )
    rows = [
        CommunityRow(pk, name, (south, north, west, east), created_at, closed + live)
        for pk, name, south, north, west, east, created_at, closed, live, _t, _l in found
    ]
    return rows, State(found[0][-2], found[0][-1]) if found else None


class Figures:
    """The dashboard's numbers for one town hall and filters, each query run once
    whatever is asked: the page asks for everything in 4 queries (3 for one community).
    For the whole commune, the communities come first: their query reads the
    aggregate's state, that the weeks' query then filters on (State)."""

    def __init__(self, town_hall: TownHall, filters: Filters) -> None:
        self.town_hall = town_hall
        self.filters = filters

    @cached_property
    def _weeks(self) -> list[tuple]:
        # One community's days are few and found by its index: the subqueries do.
        state = self._commune[1] if self.filters.community is None else None
        return _week_category_rows(self.town_hall, self.filters, state)

    @cached_property
    def _commune(self) -> tuple[list[CommunityRow], State | None]:
        return _community_rows(self.town_hall, self.filters)

    @cached_property
    def _communities(self) -> list[CommunityRow]:
        chosen = self.filters.community
        if chosen is None:
            return self._commune[0]
        # The form took it among the commune's communities: its row is known already.
        box = (chosen.min_latitude, chosen.max_latitude, chosen.min_longitude, chosen.max_longitude)
        return [
            CommunityRow(chosen.pk, chosen.name, box, chosen.created_at, self.response()["total"])
        ]

    def weekly(self) -> list[tuple[datetime.date, int]]:
        counts: dict[datetime.date, int] = defaultdict(int)
        for week, _category, alerts, _seen, _read in self._weeks:
            counts[week] += alerts
        return [(monday, counts.get(monday, 0)) for monday in mondays(self.filters)]

    def by_category(self) -> list[tuple[str, str, int]]:
        """(category, its label, count) for every category, the most frequent first."""
        counts: dict[str, int] = defaultdict(int)
        for _week, category, alerts, _seen, _read in self._weeks:
            counts[category] += alerts
        rows = [(value, str(label), counts.get(value, 0)) for value, label in AlertCategory.choices]
        return sorted(rows, key=lambda row: (-row[2], row[1]))

    def response(self) -> dict[str, int]:
        return {
            "total": sum(row[2] for row in self._weeks),
            "town_hall": sum(row[3] for row in self._weeks),
            "referents": sum(row[4] for row in self._weeks),
        }

    def by_community(self) -> tuple[list[tuple[str, int]], int]:
        with_alerts = [row for row in self._communities if row.alerts]
        with_alerts.sort(key=lambda row: (-row.alerts, row.name))
        top = [(row.name, row.alerts) for row in with_alerts[:TOP_COMMUNITIES]]
        total = sum(row.alerts for row in with_alerts)
        return top, total - sum(count for _name, count in top)

    def bounding_box(self) -> tuple[float, float, float, float] | None:
        boxes = [row.box for row in self._communities]

        def edge(index: int, choose) -> float | None:
            values = [box[index] for box in boxes if box[index] is not None]
            return choose(values) if values else None

        south = edge(0, min)
        if south is None:
            return None
        return (south, edge(1, max), edge(2, min), edge(3, max))  # type: ignore[return-value]

    def community_boxes(self) -> list[tuple[float, float, float, float]]:
        return [row.box for row in self._communities[:MAP_COMMUNITIES]]

    def places(self) -> list[tuple[float, float, int]]:
        return places(self.town_hall, self.filters)

    def growth(self) -> list[tuple[datetime.date, int, int]]:
        """(month, members, communities) at the end of each month: members are the
        memberships active at that moment (joined before, not yet ended)."""
        filters = self.filters
        edges = month_edges(filters)
        memberships = Membership.objects.filter(
            community__commune_id=self.town_hall.commune_id, joined_at__isnull=False
        )
        if filters.community is not None:
            memberships = memberships.filter(community=filters.community)
        # Counting joined_at (never null here), not the id: the index (community,
        # joined_at, ended_at) answers alone.
        members = memberships.aggregate(
            **{
                f"m{index}": Count(
                    "joined_at",
                    filter=Q(joined_at__lt=moment)
                    & (Q(ended_at__isnull=True) | Q(ended_at__gte=moment)),
                )
                for index, (_month, moment) in enumerate(edges)
            }
        )
        created = sorted(row.created_at for row in self._communities)
        return [
            (month, members[f"m{index}"], bisect.bisect_left(created, moment))
            for index, (month, moment) in enumerate(edges)
        ]


def figures(town_hall: TownHall, filters: Filters) -> Figures:
    return Figures(town_hall, filters)


def weekly(town_hall: TownHall, filters: Filters) -> list[tuple[datetime.date, int]]:
    return Figures(town_hall, filters).weekly()


def by_category(town_hall: TownHall, filters: Filters) -> list[tuple[str, str, int]]:
    """(category, its label, count) for every category, the most frequent first."""
    return Figures(town_hall, filters).by_category()


def by_community(town_hall: TownHall, filters: Filters) -> tuple[list[tuple[str, int]], int]:
    """The communities with the most alerts (name, count), and the number of alerts of
    all the others together."""
    return Figures(town_hall, filters).by_community()


def places(town_hall: TownHall, filters: Filters) -> list[tuple[float, float, int]]:
    """(latitude, longitude, count) of the alerts that had a place, on the grid."""
    return [
        (row["lat"], row["lng"], row["count"])
        for row in alerts_of(town_hall, filters)
        .filter(latitude__isnull=False)
        .values(
            lat=Round("latitude", PLACE_DECIMALS),
            lng=Round("longitude", PLACE_DECIMALS),
        )
        .annotate(count=Count("pk"))
        .order_by("-count", "lat", "lng")
    ]


def bounding_box(town_hall: TownHall, filters: Filters) -> tuple[float, float, float, float] | None:
    """(south, north, west, east) around the communities of the commune (or the one
    chosen), None when there is none."""
    return Figures(town_hall, filters).bounding_box()


def community_boxes(
    town_hall: TownHall, filters: Filters
) -> list[tuple[float, float, float, float]]:
    """(south, north, west, east) of each community, drawn under the places; a commune
    with very many communities gets the first ones only (the map would be a blur)."""
    return Figures(town_hall, filters).community_boxes()


def month_edges(filters: Filters) -> list[tuple[datetime.date, datetime.datetime]]:
    """For each month of the period, (its first day, the moment its count is taken): the
    end of the month, or the end of the period for the last one."""
    edges = []
    month = filters.start.replace(day=1)
    while month <= filters.end:
        following = (month + datetime.timedelta(days=32)).replace(day=1)
        moment = timezone.make_aware(datetime.datetime.combine(following, datetime.time.min))
        edges.append((month, min(moment, filters.until)))
        month = following
    return edges


def growth(town_hall: TownHall, filters: Filters) -> list[tuple[datetime.date, int, int]]:
    """(month, members, communities) at the end of each month."""
    return Figures(town_hall, filters).growth()


def response(town_hall: TownHall, filters: Filters) -> dict[str, int]:
    return Figures(town_hall, filters).response()


def table(town_hall: TownHall, filters: Filters) -> QuerySet:
    """The rows of the CSV export: one per week × community × category that had alerts,
    the closed days' from the aggregate and the others' from the alerts, in one query
    (a week may come twice, once from each: table_rows adds them up)."""
    closed = (
        _closed_days(town_hall, filters)
        .annotate(week=_monday("day"))
        .values("week", "community__name", "community_id", "category")
        .annotate(alerts=Sum("alerts"), seen=Sum("town_hall"), read=Sum("referents"))
        .order_by()
    )
    live = (
        _live(town_hall, filters)
        .annotate(week=_monday(TruncDate("created_at")))
        .values("week", "community__name", "community_id", "category")
        .annotate(
            alerts=Count("pk"),
            seen=Count("pk", filter=Q(town_hall_seen_at__isnull=False)),
            read=Count("pk", filter=read_by_referent()),
        )
        .order_by()
    )
    return closed.union(live, all=True).order_by(
        "week", "community__name", "community_id", "category"
    )


def table_rows(town_hall: TownHall, filters: Filters):
    labels = {value: str(label) for value, label in AlertCategory.choices}
    current = None
    for row in table(town_hall, filters).iterator(chunk_size=2000):
        key = (_as_date(row["week"]), row["community_id"], row["category"])
        if current is not None and current[0] == key:
            current[1][3:] = [
                a + b
                for a, b in zip(
                    current[1][3:], (row["alerts"], row["seen"], row["read"]), strict=True
                )
            ]
            continue
        if current is not None:
            yield tuple(current[1])
        current = (
            key,
            [
                key[0],
                row["community__name"],
                labels.get(row["category"], row["category"]),
                row["alerts"],
                row["seen"],
                row["read"],
            ],
        )
    if current is not None:
        yield tuple(current[1])
