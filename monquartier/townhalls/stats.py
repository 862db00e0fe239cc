"""The dashboard's daily aggregate (DailyCommunityStats), kept up to date.

The dashboard and its CSV read the closed days (up to StatsState.through) from the
aggregate and the rest from the alerts themselves, so their figures are the live ones.
A closed day changes when one of its alerts is seen by the town hall, opened by a
member, hidden, sent after a hold, corrected or deleted, and all of a community's days
when its référents change: `update` (every minute, outbox/scheduler.py) counts again
the days these touched since its last run, and closes yesterday after midnight.
`backfill` (manage.py backfill_dashboard_stats) counts every day again.

A day is always counted whole (its rows deleted and written again in one transaction,
the upsert making two concurrent runs harmless): running twice changes nothing.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from monquartier.alerts.models import Alert, AlertRead
from monquartier.communities.models import Membership, MembershipStatus
from monquartier.townhalls.models import (
    DailyCommunityStats,
    StatsCommunity,
    StatsPendingDay,
    StatsState,
)

# Changes are looked for from a little before the last run: a transaction that began
# before it may commit after it.
MARGIN = datetime.timedelta(minutes=2)
# The backfill counts this many days in one query.
CHUNK_DAYS = 31

Pair = tuple[int, datetime.date]


def day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def counted_alerts():
    """The alerts the dashboard counts (dashboard.alerts_of, without the commune)."""
    return Alert.objects.visible().filter(corrects__isnull=True)


def read_by_referent() -> Exists:
    """At least one of the current référents of the alert's community opened it."""
    return Exists(
        AlertRead.objects.filter(
            alert=OuterRef("pk"),
            user__memberships__community=OuterRef("community_id"),
            user__memberships__is_referent=True,
            user__memberships__status=MembershipStatus.ACTIVE,
        )
    )


def _rows(alerts) -> list[DailyCommunityStats]:
    return [
        DailyCommunityStats(
            community_id=row["community_id"],
            day=row["day"],
            category=row["category"],
            alerts=row["alerts"],
            town_hall=row["town_hall"],
            referents=row["referents"],
        )
        for row in alerts.annotate(day=TruncDate("created_at"))
        .values("community_id", "day", "category")
        .annotate(
            alerts=Count("pk"),
            town_hall=Count("pk", filter=Q(town_hall_seen_at__isnull=False)),
            referents=Count("pk", filter=read_by_referent()),
        )
        .order_by()
    ]


def _write(stale, rows: list[DailyCommunityStats]) -> int:
    with transaction.atomic():
        stale.delete()
        DailyCommunityStats.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["community", "day", "category"],
            update_fields=["alerts", "town_hall", "referents"],
        )
    return len(rows)


def recount_days(pairs: Iterable[Pair]) -> int:
    """Count again each (community, day); returns the rows written."""
    by_day: dict[datetime.date, set[int]] = defaultdict(set)
    for community_id, day in pairs:
        by_day[day].add(community_id)
    written = 0
    for day, communities in sorted(by_day.items()):
        since, until = day_start(day), day_start(day + datetime.timedelta(days=1))
        alerts = counted_alerts().filter(
            community_id__in=communities, created_at__gte=since, created_at__lt=until
        )
        stale = DailyCommunityStats.objects.filter(community_id__in=communities, day=day)
        written += _write(stale, _rows(alerts))
    return written


def recount_communities(communities: list[int], through: datetime.date) -> int:
    """Count again every day of these communities up to `through` (included)."""
    alerts = counted_alerts().filter(
        community_id__in=communities,
        created_at__lt=day_start(through + datetime.timedelta(days=1)),
    )
    stale = DailyCommunityStats.objects.filter(community_id__in=communities, day__lte=through)
    return _write(stale, _rows(alerts))


def recount_period(start: datetime.date, end: datetime.date) -> int:
    """Count again every day from start to end (included) of every community."""
    written = 0
    first = start
    while first <= end:
        last = min(end, first + datetime.timedelta(days=CHUNK_DAYS - 1))
        alerts = counted_alerts().filter(
            created_at__gte=day_start(first),
            created_at__lt=day_start(last + datetime.timedelta(days=1)),
        )
        stale = DailyCommunityStats.objects.filter(day__gte=first, day__lte=last)
        written += _write(stale, _rows(alerts))
        first = last + datetime.timedelta(days=1)
    return written


def referent_keys() -> dict[int, str]:
    """Each community's current référents, as a short text to compare."""
    keys: dict[int, list[str]] = defaultdict(list)
    for community_id, user_id in (
        Membership.objects.filter(is_referent=True, status=MembershipStatus.ACTIVE)
        .order_by("community_id", "user_id")
        .values_list("community_id", "user_id")
    ):
        keys[community_id].append(str(user_id))
    return {community_id: ",".join(users) for community_id, users in keys.items()}


def _save_referent_keys(changed: dict[int, str]) -> None:
    StatsCommunity.objects.bulk_create(
        [StatsCommunity(community_id=pk, referents=key) for pk, key in changed.items()],
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["community"],
        update_fields=["referents"],
    )


def changed_referents() -> dict[int, str]:
    current = referent_keys()
    known = dict(StatsCommunity.objects.values_list("community_id", "referents"))
    return {
        pk: current.get(pk, "")
        for pk in set(current) | set(known)
        if current.get(pk, "") != known.get(pk, "")
    }


def touched_since(since: datetime.datetime, before: datetime.datetime) -> set[Pair]:
    """The (community, day) of the alerts sent before `before` that changed since
    `since`: sent, seen by the town hall, hidden, corrected or opened by a référent."""

    def pairs(rows) -> set[Pair]:
        return {(pk, timezone.localtime(moment).date()) for pk, moment in rows}

    changed = Alert.objects.filter(created_at__lt=before).filter(
        Q(created_at__gte=since)
        | Q(fanned_out_at__gte=since)
        | Q(town_hall_seen_at__gte=since)
        | Q(hidden_at__gte=since)
    )
    corrected = Alert.objects.filter(
        created_at__gte=since, corrects__isnull=False, corrects__created_at__lt=before
    )
    # Only a référent's read changes a figure: their reads are few, found by reader.
    read = AlertRead.objects.filter(
        read_at__gte=since,
        alert__created_at__lt=before,
        user__in=Membership.objects.filter(is_referent=True, status=MembershipStatus.ACTIVE).values(
            "user_id"
        ),
    )
    return (
        pairs(changed.values_list("community_id", "created_at"))
        | pairs(corrected.values_list("corrects__community_id", "corrects__created_at"))
        | pairs(read.values_list("alert__community_id", "alert__created_at"))
    )


def _state_for(today: datetime.date, now: datetime.datetime) -> StatsState:
    yesterday = today - datetime.timedelta(days=1)
    return StatsState(through=yesterday, live_from=day_start(today), scanned_at=now)


def backfill(start: datetime.date | None = None) -> int:
    """Count every day again, from `start` (the first alert's day by default) to
    yesterday; the dashboard then reads them from the aggregate."""
    now = timezone.now()
    today = timezone.localdate(now)
    if start is None:
        first = Alert.objects.order_by("created_at").values_list("created_at", flat=True).first()
        start = timezone.localtime(first).date() if first else today
    with transaction.atomic():
        StatsState.objects.select_for_update().first()
        written = recount_period(start, today - datetime.timedelta(days=1))
        DailyCommunityStats.objects.filter(day__lt=start).delete()
        _save_referent_keys(changed_referents())
        StatsPendingDay.objects.all().delete()
        StatsState.objects.all().delete()
        _state_for(today, now).save()
    return written


def update(period: str = "") -> str:
    """The scheduler's job: count again what changed since the last run; after
    midnight, close the days since the last closed one."""
    now = timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        state = StatsState.objects.select_for_update().first()
        if state is None:
            written = backfill()
            return f"backfilled: {written} rows"
        pairs = {
            pair
            for pair in touched_since(state.scanned_at - MARGIN, state.live_from)
            if pair[1] <= state.through
        }
        pending = list(StatsPendingDay.objects.values_list("pk", "community_id", "day"))
        pairs |= {(community, day) for _pk, community, day in pending if day <= state.through}
        written = recount_days(pairs)
        StatsPendingDay.objects.filter(pk__in=[pk for pk, _c, _d in pending]).delete()
        changed = changed_referents()
        if changed:
            written += recount_communities(list(changed), state.through)
            _save_referent_keys(changed)
        closed = 0
        yesterday = today - datetime.timedelta(days=1)
        if state.through < yesterday:
            start = state.through + datetime.timedelta(days=1)
            written += recount_period(start, yesterday)
            closed = (yesterday - start).days + 1
        new = _state_for(today, now)
        state.through = max(state.through, new.through)
        state.live_from = max(state.live_from, new.live_from)
        state.scanned_at = now
        state.save()
    return (
        f"{len(pairs)} days counted again, {len(changed)} communities' référents changed, "
        f"{closed} days closed, {written} rows written"
    )


def mark_deleted(alert: Alert) -> None:
    """An alert of a closed day is deleted: its day is counted again at the next run."""
    StatsPendingDay.objects.bulk_create(
        [
            StatsPendingDay(
                community_id=alert.community_id, day=timezone.localtime(alert.created_at).date()
            )
        ],
        ignore_conflicts=True,
    )


def recount_moved(communities: list[int]) -> int:
    """Count again every closed day of communities whose alerts staff moved in bulk (a
    merge, staffops.services.merge_communities): the per-minute job looks for changed
    alerts, and a bulk move changes none of the dates it reads. Nothing to do while the
    aggregate was never built (the dashboard then counts everything live)."""
    state = StatsState.objects.first()
    if state is None:
        return 0
    return recount_communities(communities, state.through)
