"""The numbers of the town hall's dashboard, each counted in the database.

A fixed handful of aggregate queries, whatever the number of communities and alerts:
nothing here loops over communities or alerts in Python. Counted alerts are the visible
ones that are not corrections (a correction repeats an alert, it is no new incident),
sent in the commune's communities during the period.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet
from django.db.models.functions import Round, TruncWeek
from django.utils import timezone

from monquartier.alerts.models import Alert, AlertCategory, AlertRead
from monquartier.communities.models import Community, Membership, MembershipStatus
from monquartier.townhalls.access import communities_of
from monquartier.townhalls.models import TownHall

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


def alerts_of(town_hall: TownHall, filters: Filters) -> QuerySet[Alert]:
    alerts = Alert.objects.visible().filter(
        community__commune_id=town_hall.commune_id,
        corrects__isnull=True,
        created_at__gte=filters.since,
        created_at__lt=filters.until,
    )
    if filters.community is not None:
        alerts = alerts.filter(community=filters.community)
    return alerts


def read_by_referent() -> Exists:
    """An alert counts as seen by the référents when at least one of the current
    référents of its community opened it."""
    return Exists(
        AlertRead.objects.filter(
            alert=OuterRef("pk"),
            user__memberships__community=OuterRef("community_id"),
            user__memberships__is_referent=True,
            user__memberships__status=MembershipStatus.ACTIVE,
        )
    )


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def mondays(filters: Filters) -> list[datetime.date]:
    first = filters.start - datetime.timedelta(days=filters.start.weekday())
    count = (filters.end - first).days // 7 + 1
    return [first + datetime.timedelta(weeks=week) for week in range(count)]


def weekly(town_hall: TownHall, filters: Filters) -> list[tuple[datetime.date, int]]:
    counts = {
        _as_date(row["week"]): row["count"]
        for row in alerts_of(town_hall, filters)
        .annotate(week=TruncWeek("created_at"))
        .values("week")
        .annotate(count=Count("pk"))
        .order_by()
    }
    return [(monday, counts.get(monday, 0)) for monday in mondays(filters)]


def by_category(town_hall: TownHall, filters: Filters) -> list[tuple[str, str, int]]:
    """(category, its label, count) for every category, the most frequent first."""
    counts = dict(
        alerts_of(town_hall, filters)
        .values_list("category")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("category", "count")
    )
    rows = [(value, str(label), counts.get(value, 0)) for value, label in AlertCategory.choices]
    return sorted(rows, key=lambda row: (-row[2], row[1]))


def by_community(town_hall: TownHall, filters: Filters) -> tuple[list[tuple[str, int]], int]:
    """The communities with the most alerts (name, count), and the number of alerts of
    all the others together."""
    alerts = alerts_of(town_hall, filters)
    top = [
        (row["community__name"], row["count"])
        for row in alerts.values("community_id", "community__name")
        .annotate(count=Count("pk"))
        .order_by("-count", "community__name")[:TOP_COMMUNITIES]
    ]
    total = alerts.count()
    return top, total - sum(count for _name, count in top)


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
    communities = communities_of(town_hall)
    if filters.community is not None:
        communities = communities.filter(pk=filters.community.pk)
    box = communities.aggregate(
        south=Min("min_latitude"),
        north=Max("max_latitude"),
        west=Min("min_longitude"),
        east=Max("max_longitude"),
    )
    if box["south"] is None:
        return None
    return (box["south"], box["north"], box["west"], box["east"])


def community_boxes(
    town_hall: TownHall, filters: Filters
) -> list[tuple[float, float, float, float]]:
    """(south, north, west, east) of each community, drawn under the places; a commune
    with very many communities gets the first ones only (the map would be a blur)."""
    communities = communities_of(town_hall)
    if filters.community is not None:
        communities = communities.filter(pk=filters.community.pk)
    return list(
        communities.order_by("pk").values_list(
            "min_latitude", "max_latitude", "min_longitude", "max_longitude"
        )[:MAP_COMMUNITIES]
    )


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
    """(month, members, communities) at the end of each month: members are the
    memberships active at that moment (joined before, not yet ended)."""
    edges = month_edges(filters)
    memberships = Membership.objects.filter(
        community__commune_id=town_hall.commune_id, joined_at__isnull=False
    )
    communities = communities_of(town_hall)
    if filters.community is not None:
        memberships = memberships.filter(community=filters.community)
        communities = communities.filter(pk=filters.community.pk)
    members = memberships.aggregate(
        **{
            f"m{index}": Count(
                "pk",
                filter=Q(joined_at__lt=moment)
                & (Q(ended_at__isnull=True) | Q(ended_at__gte=moment)),
            )
            for index, (_month, moment) in enumerate(edges)
        }
    )
    created = communities.aggregate(
        **{
            f"c{index}": Count("pk", filter=Q(created_at__lt=moment))
            for index, (_month, moment) in enumerate(edges)
        }
    )
    return [
        (month, members[f"m{index}"], created[f"c{index}"])
        for index, (month, _moment) in enumerate(edges)
    ]


def response(town_hall: TownHall, filters: Filters) -> dict[str, int]:
    return alerts_of(town_hall, filters).aggregate(
        total=Count("pk"),
        town_hall=Count("pk", filter=Q(town_hall_seen_at__isnull=False)),
        referents=Count("pk", filter=read_by_referent()),
    )


def table(town_hall: TownHall, filters: Filters) -> QuerySet:
    """The rows of the CSV export: one per week × community × category that had alerts."""
    return (
        alerts_of(town_hall, filters)
        .annotate(week=TruncWeek("created_at"))
        .values("week", "community_id", "community__name", "category")
        .annotate(
            alerts=Count("pk"),
            town_hall=Count("pk", filter=Q(town_hall_seen_at__isnull=False)),
            referents=Count("pk", filter=read_by_referent()),
        )
        .order_by("week", "community__name", "community_id", "category")
    )


def table_rows(town_hall: TownHall, filters: Filters):
    labels = dict(AlertCategory.choices)
    for row in table(town_hall, filters).iterator(chunk_size=2000):
        yield (
            _as_date(row["week"]),
            row["community__name"],
            str(labels.get(row["category"], row["category"])),
            row["alerts"],
            row["town_hall"],
            row["referents"],
        )
