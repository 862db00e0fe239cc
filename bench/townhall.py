"""Town-hall benchmark: a partner commune the size of Abidjan's largest (issue 12).

A commune of 2,000 communities and 100,000 members (200 and 10,000 with --quick), a
partner town hall with an agent, a year of alerts (about 20 per community, a third
acknowledged by the town hall, half read by a référent), then:

1. The console's pages and the dashboard, for the agent, in this process through Django's
   test client (every middleware, the view, the templates; no network, no gunicorn): the
   server time of each request (p50, p95), the SQL queries of one request, the size of the
   HTML gzipped; and, in the same run, a bare view (`HttpResponse("ok")` with the same
   session and middleware) as the floor the ratio is taken against.
2. Twin all: the preview of every pair of the commune's communities within 3 km, timed.
3. An urgent town-hall alert to every community, sent with the app's own
   send_announcement and handed to the transports by `manage.py db_worker` processes, as
   bench/fanout.py does for an alert (same sinks, same workers, same polling): e-mail and
   push to every member, SMS to every verified mobile.

Its rows are recognisable (the commune "Bench mairie", users at @townhall.bench.invalid,
communities named "Bench mairie …") and deleted at the start and at the end. Its
communities are squares at sea (from 6.2° W, 4° N), apart from every other benchmark's.
"""

import argparse
import gzip
import random
import tempfile
import time
from datetime import timedelta
from functools import partial
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bench import fanout
from bench.lib.database import delete_strictly, table_name, vacuum_analyze
from bench.lib.figures import figure
from bench.lib.push_keys import browser_keys, vapid_key_pair
from bench.pages_site import BARE_URL
from monquartier.accounts.models import Home, Profile, User
from monquartier.alerts.models import Alert, AlertCategory, AlertRead
from monquartier.communities.models import Community, CommunityCell, Membership, Movement
from monquartier.notifications.models import Notification
from monquartier.outbox.models import Channel, Delivery, DeliveryStatus, PushSubscription
from monquartier.places.models import Commune
from monquartier.townhalls import announcements, stats, twinning
from monquartier.townhalls.models import (
    Agent,
    Announcement,
    AnnouncementCategory,
    DailyCommunityStats,
    StatsCommunity,
    StatsState,
    TownHall,
)
from tests.factories import log_in

COMMUNITIES = 2_000
QUICK_COMMUNITIES = 200
MEMBERS_EACH = 50
ALERTS_EACH = 20  # a year of alerts per community
REQUESTS = 60  # timed requests per page
QUICK_REQUESTS = 20
WARMUP_REQUESTS = 3
TIMEOUT_S = 1_800.0

NAME_PREFIX = "Bench mairie"
COMMUNE_SLUG = "bench-mairie"
EMAIL_DOMAIN = "townhall.bench.invalid"
ORIGIN = (-6.2, 4.0)
# Not the fan-out benchmark's numbers (+22507…) nor the scale data's.
MOBILE_PREFIX = "+22501"

# Issue 12 asks for the figures; the targets are the member pages' (TARGETS.md). The p95
# carries none here: measured in this process, the bare view's floor is not gunicorn's
# (bench/pages.py), so the ratio in the note is for comparing runs, not a target.
TARGET_QUERIES = 8
TARGET_GZIP_KB = 14.0
ANNOUNCEMENT_TARGET_S = 300.0  # as the peak day: everything handed over within 5 minutes

_row = partial(figure, "townhall")


# --- the data --------------------------------------------------------------------------------


def wipe() -> None:
    users = f"SELECT id FROM {table_name(User)} WHERE email LIKE %s"  # noqa: S608
    communities = f"SELECT id FROM {table_name(Community)} WHERE name LIKE %s"  # noqa: S608
    alerts = f"SELECT id FROM {table_name(Alert)} WHERE community_id IN ({communities})"  # noqa: S608
    town_halls = f"SELECT t.id FROM {table_name(TownHall)} t JOIN {table_name(Commune)} c ON c.id = t.commune_id WHERE c.slug = %s"  # noqa: S608
    chosen = table_name(Announcement.communities.through)
    announcements_sql = (
        f"SELECT id FROM {table_name(Announcement)} WHERE town_hall_id IN ({town_halls})"  # noqa: S608
    )
    user_like, name_like = f"%@{EMAIL_DOMAIN}", f"{NAME_PREFIX} %"
    statements = [
        (
            f"DELETE FROM {table_name(Delivery)} WHERE alert_id IN ({alerts}) "  # noqa: S608
            f"OR user_id IN ({users}) OR announcement_id IN ({announcements_sql})",
            [name_like, user_like, COMMUNE_SLUG],
        ),
        (f"DELETE FROM {chosen} WHERE announcement_id IN ({announcements_sql})", [COMMUNE_SLUG]),  # noqa: S608
        (
            f"DELETE FROM {table_name(Announcement)} WHERE town_hall_id IN ({town_halls})",  # noqa: S608
            [COMMUNE_SLUG],
        ),
        (f"DELETE FROM {table_name(Notification)} WHERE recipient_id IN ({users})", [user_like]),  # noqa: S608
        (
            f"DELETE FROM {table_name(AlertRead)} WHERE alert_id IN ({alerts}) OR user_id IN ({users})",  # noqa: S608
            [name_like, user_like],
        ),
        (
            f"DELETE FROM {table_name(DailyCommunityStats)} WHERE community_id IN ({communities})",  # noqa: S608
            [name_like],
        ),
        (
            f"DELETE FROM {table_name(StatsCommunity)} WHERE community_id IN ({communities})",  # noqa: S608
            [name_like],
        ),
        (f"DELETE FROM {table_name(StatsState)}", []),  # noqa: S608
        (f"DELETE FROM {table_name(Alert)} WHERE community_id IN ({communities})", [name_like]),  # noqa: S608
        (f"DELETE FROM {table_name(PushSubscription)} WHERE user_id IN ({users})", [user_like]),  # noqa: S608
        (
            f"DELETE FROM {table_name(Membership)} WHERE user_id IN ({users}) OR community_id IN ({communities})",  # noqa: S608
            [user_like, name_like],
        ),
        (f"DELETE FROM {table_name(Home)} WHERE user_id IN ({users})", [user_like]),  # noqa: S608
        (f"DELETE FROM {table_name(Profile)} WHERE user_id IN ({users})", [user_like]),  # noqa: S608
        (
            f"DELETE FROM {table_name(Movement)} WHERE community_id IN ({communities}) OR other_community_id IN ({communities})",  # noqa: S608
            [name_like, name_like],
        ),
        (
            f"DELETE FROM {table_name(CommunityCell)} WHERE community_id IN ({communities})",  # noqa: S608
            [name_like],
        ),
        (f"DELETE FROM {table_name(Community)} WHERE name LIKE %s", [name_like]),  # noqa: S608
        (f"DELETE FROM {table_name(Agent)} WHERE user_id IN ({users})", [user_like]),  # noqa: S608
        (f"DELETE FROM {table_name(TownHall)} WHERE id IN ({town_halls})", [COMMUNE_SLUG]),  # noqa: S608
        (f"DELETE FROM {table_name(User)} WHERE email LIKE %s", [user_like]),  # noqa: S608
        (f"DELETE FROM {table_name(Commune)} WHERE slug = %s", [COMMUNE_SLUG]),  # noqa: S608
        (f"DELETE FROM {table_name(DBTaskResult)}", []),  # noqa: S608
    ]
    if not delete_strictly(statements):
        Community.objects.filter(name__startswith=f"{NAME_PREFIX} ").delete()
        TownHall.objects.filter(commune__slug=COMMUNE_SLUG).delete()
        User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").delete()
        Commune.objects.filter(slug=COMMUNE_SLUG).delete()
        DBTaskResult.objects.all().delete()
    vacuum_analyze(LOADED_MODELS)


LOADED_MODELS = (
    User,
    Profile,
    Home,
    Membership,
    PushSubscription,
    Community,
    CommunityCell,
    Alert,
    AlertRead,
    Delivery,
    Announcement,
    DBTaskResult,
    DailyCommunityStats,
)


def load(communities: int, push_url: str, seed: int) -> dict[str, Any]:
    """The commune, its communities and members (bench/fanout.py's add_members), the town
    hall and its agent, a year of alerts; in one transaction, then VACUUM ANALYZE."""
    began = time.perf_counter()
    rng = random.Random(seed)
    now = timezone.now()
    keys = browser_keys(fanout.KEY_POOL)
    with transaction.atomic():
        commune = Commune.objects.create(
            name="Bench mairie",
            slug=COMMUNE_SLUG,
            district="Bench",
            region="Bench",
            latitude=ORIGIN[1] + 0.15,
            longitude=ORIGIN[0] + 0.3,
        )
        places = [fanout.Place(f"{k + 1:04d}", commune, MEMBERS_EACH) for k in range(communities)]

        def created_over_three_years(community):
            # Created over the last three years, a few this month.
            community.created_at = now - timedelta(days=rng.uniform(0, 3 * 365))

        fanout.create_communities(
            places, origin=ORIGIN, prefix=NAME_PREFIX, adjust=created_over_three_years
        )
        users = fanout.add_members(
            places,
            email_domain=EMAIL_DOMAIN,
            push_url=push_url,
            keys=keys,
            password=make_password(None),
            now=now,
            mobile_prefix=MOBILE_PREFIX,
        )
        town_hall = TownHall.objects.create(
            commune=commune,
            name="Mairie de Bench",
            starts_on=(now - timedelta(days=400)).date(),
            sms_quota_per_month=10 * len(users),
        )
        agent_user = User.objects.create_user(
            email=f"agent@{EMAIL_DOMAIN}",
            password=None,
            first_name="Agent",
            last_name="Bench",
            is_town_hall_agent=True,
        )
        agent = Agent.objects.create(user=agent_user, town_hall=town_hall, can_manage_agents=True)
        alerts = []
        categories = list(AlertCategory.values)
        year = 365 * 86_400
        for place in places:
            community = place.community
            for _k in range(ALERTS_EACH):
                sent = now - timedelta(seconds=rng.uniform(60, year))
                with_place = rng.random() < 0.6
                seen = rng.random() < 0.35
                alerts.append(
                    Alert(
                        community=community,
                        sender=rng.choice(place.users),
                        category=rng.choice(categories),
                        text=fanout.TEXT.format(n=rng.randrange(400)),
                        latitude=community.centre_latitude if with_place else None,
                        longitude=community.centre_longitude if with_place else None,
                        created_at=sent,
                        fanned_out_at=sent,
                        town_hall_seen_at=sent + timedelta(minutes=rng.uniform(2, 600))
                        if seen
                        else None,
                        town_hall_seen_by=agent_user if seen else None,
                    )
                )
        Alert.objects.bulk_create(alerts, batch_size=fanout.INSERT_BATCH)
        owners = {place.community.pk: place for place in places}
        AlertRead.objects.bulk_create(
            [
                AlertRead(
                    alert=alert,
                    user=owners[alert.community_id].users[0],  # the référent
                    read_at=alert.created_at + timedelta(minutes=5),
                )
                for alert in alerts
                if rng.random() < 0.5 and alert.sender != owners[alert.community_id].users[0]
            ],
            batch_size=fanout.INSERT_BATCH,
            ignore_conflicts=True,
        )
    # The dashboard's daily aggregate, as `manage.py backfill_dashboard_stats` builds it.
    aggregated = time.perf_counter()
    stats.backfill()
    aggregated = time.perf_counter() - aggregated
    vacuum_analyze(LOADED_MODELS)
    return {
        "town_hall": town_hall,
        "agent": agent,
        "places": places,
        "members": len(users),
        "alerts": alerts,
        "seconds": time.perf_counter() - began,
        "aggregate_seconds": aggregated,
    }


# --- the console's pages ---------------------------------------------------------------------


def _pages(loaded: dict[str, Any]) -> dict[str, str]:
    community = loaded["places"][len(loaded["places"]) // 2].community
    alert = loaded["alerts"][-1]
    return {
        "console (map and list)": reverse("townhalls:console"),
        "console: a community": reverse("townhalls:community", args=[community.pk]),
        "alerts": reverse("townhalls:alerts"),
        "alerts, live list": reverse("townhalls:alerts_fragment"),
        "an alert": reverse("townhalls:alert", args=[alert.pk]),
        "dashboard, 12 months": reverse("townhalls:dashboard"),
        "dashboard CSV": reverse("townhalls:dashboard_export"),
        "announcements": reverse("townhalls:announcements"),
        "new announcement (form)": reverse("townhalls:new_announcement"),
        "signage order (form)": reverse("townhalls:signage"),
        "twin all (preview)": reverse("townhalls:twin_all"),
        "join requests": reverse("townhalls:requests"),
    }


def _time_requests(client: Client, url: str, count: int) -> tuple[list[float], Any]:
    for _k in range(WARMUP_REQUESTS):
        _body(client.get(url))
    timings = []
    for _k in range(count):
        started = time.perf_counter()
        response = client.get(url)
        _body(response)  # a streamed response (the CSV) is timed until its last byte
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    return timings, response


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def measure_pages(loaded: dict[str, Any], count: int) -> list[dict[str, Any]]:
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="fr")
    log_in(client, loaded["agent"].user)
    rows = []
    with override_settings(ROOT_URLCONF="bench.pages_site"):
        bare, _response = _time_requests(client, BARE_URL, 4 * count)
        bare_p95 = float(np.percentile(bare, 95))
        rows.append(
            _row(
                "bare.p95",
                "town hall: bare view, server time p95 (the floor)",
                bare_p95,
                "ms",
                note=(
                    f"HttpResponse('ok') through every middleware with the agent's session, "
                    f"{len(bare)} requests in this process (Django's test client); p50 "
                    f"{median(bare):.2f} ms"
                ),
            )
        )
        for label, url in _pages(loaded).items():
            timings, response = _time_requests(client, url, count)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
                body = _body(response)  # a streamed response queries as it is read
            p50, p95 = median(timings), float(np.percentile(timings, 95))
            size = len(gzip.compress(body, 6)) / 1024
            slug = label.split(" (")[0].replace(", ", "_").replace(": ", "_").replace(" ", "_")
            html = response["Content-Type"].startswith("text/html")
            rows += [
                _row(
                    f"{slug}.p95",
                    f"town hall: {label}, server time p95",
                    p95,
                    "ms",
                    note=(
                        f"{url}; {len(timings)} requests after {WARMUP_REQUESTS} of warm-up, p50 "
                        f"{p50:.1f} ms; {p95 / bare_p95:.1f} × the bare view's p95"
                    ),
                ),
                _row(
                    f"{slug}.queries",
                    f"town hall: {label}, SQL queries",
                    len(queries),
                    target=f"≤ {TARGET_QUERIES}",
                    passed=len(queries) <= TARGET_QUERIES,
                    note="counted on one request after the timed ones",
                ),
            ]
            if html:
                rows.append(
                    _row(
                        f"{slug}.gzip",
                        f"town hall: {label}, HTML gzipped",
                        size,
                        "KB",
                        target=f"≤ {TARGET_GZIP_KB:g} KB",
                        passed=size <= TARGET_GZIP_KB,
                        note=f"{len(body) / 1024:.0f} KB before compression (gzip -6)",
                    )
                )
    return rows


def measure_twin_all_preview(loaded: dict[str, Any]) -> list[dict[str, Any]]:
    town_hall = loaded["town_hall"]
    timings = []
    for _k in range(3):
        started = time.perf_counter()
        pairs = twinning.pairs_to_twin(town_hall)
        timings.append(time.perf_counter() - started)
    members, communities = twinning.members_reached(pairs)
    return [
        _row(
            "twin_all.preview",
            "town hall: twin all, the pairs within 3 km (twinning.pairs_to_twin)",
            median(timings),
            "s",
            note=(
                f"median of 3; {len(pairs):,} pairs among {communities:,} communities "
                f"({members:,} members); the confirmation runs in a background task"
            ),
        )
    ]


# --- the announcement to every community -----------------------------------------------------


def _open_announcement_rows(announcement_id: int) -> tuple[bool, int, int]:
    """(fanned out, e-mail/push rows still open, SMS rows still open)."""
    delivery = table_name(Delivery)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT fanned_out_at IS NOT NULL FROM {table_name(Announcement)} WHERE id = %(id)s), "  # noqa: S608
            f"(SELECT count(*) FROM {delivery} WHERE announcement_id = %(id)s AND channel IN ('email', 'push') AND status IN ('queued', 'sending')), "
            f"(SELECT count(*) FROM {delivery} WHERE announcement_id = %(id)s AND channel = 'sms' AND status IN ('queued', 'sending'))",
            {"id": announcement_id},
        )
        return cursor.fetchone()


def _wait(announcement_id: int, deadline: float, workers: fanout.Workers):
    email_push_done = sms_done = None
    while time.time() < deadline:
        fanned, email_push, sms = _open_announcement_rows(announcement_id)
        now = time.time()
        if fanned:
            if email_push_done is None and not email_push:
                email_push_done = now
            if sms_done is None and not sms:
                sms_done = now
        if email_push_done and sms_done:
            break
        workers.check()
        time.sleep(0.25)
    return email_push_done, sms_done


def measure_announcement(loaded: dict[str, Any], env: fanout.Environment) -> list[dict[str, Any]]:
    agent, town_hall = loaded["agent"].user, loaded["town_hall"]
    ids = [place.community.pk for place in loaded["places"]]
    workers = fanout.Workers(env.workers, env.worker_environ(10), env.log_dir, "townhall").start()
    try:
        # Warm-up: a small announcement, so each worker has imported and connected.
        warm = announcements.send_announcement(
            agent,
            town_hall,
            urgent=True,
            category=AnnouncementCategory.WATER_CUT,
            text="Échauffement",
            community_ids=ids[:2],
        )
        if None in _wait(warm.pk, time.time() + 120, workers):
            raise RuntimeError(f"the warm-up announcement was not sent: {workers.errors()}")
        env.sinks.clear()
        meter = env.cpu_meter(workers)
        before = meter.snapshot()
        announcement = announcements.send_announcement(
            agent,
            town_hall,
            urgent=True,
            category=AnnouncementCategory.WEATHER,
            text="Alerte orage : restez à l'abri, évitez les caniveaux et les fils électriques tombés.",
            community_ids=ids,
        )
        committed = time.time()
        email_push_done, sms_done = _wait(announcement.pk, committed + TIMEOUT_S, workers)
        cpu = meter.note(before, meter.snapshot())
        sinks = env.sinks.summary()
        errors = workers.errors()
    finally:
        workers.stop()
    announcement.refresh_from_db()
    counts = dict(
        Delivery.objects.filter(announcement=announcement)
        .values_list("channel")
        .annotate(n=Count("id"))
    )
    sent = Delivery.objects.filter(
        announcement=announcement, status__in=[DeliveryStatus.SENT, DeliveryStatus.DELIVERED]
    ).count()
    fanned_ms = (announcement.fanned_out_at.timestamp() - committed) * 1000
    email_push = None if email_push_done is None else email_push_done - committed
    everything = (
        None
        if sms_done is None or email_push_done is None
        else max(sms_done, email_push_done) - committed
    )
    received = sinks["emails"] + sinks["pushes"] + sinks["sms"]
    total = sum(counts.values())
    return [
        _row(
            "announcement.email_push",
            f"town hall: urgent alert to {len(ids):,} communities, every e-mail and push handed over",
            email_push,
            "s",
            target=f"< {ANNOUNCEMENT_TARGET_S:g} s",
            passed=email_push is not None and email_push < ANNOUNCEMENT_TARGET_S,
            note=fanout._join(
                f"from send_announcement's commit; {counts.get(Channel.EMAIL, 0):,} e-mails and "
                f"{counts.get(Channel.PUSH, 0):,} pushes; the fan-out (one INSERT … SELECT) done "
                f"{fanned_ms:.0f} ms after the commit",
                f"{(counts.get(Channel.EMAIL, 0) + counts.get(Channel.PUSH, 0)) / email_push:,.0f} messages/s"
                if email_push
                else "NOT FINISHED within the time limit",
                f"{env.workers} db_worker processes",
                cpu,
            ),
        ),
        _row(
            "announcement.everything",
            "town hall: urgent alert, everything incl. SMS handed over",
            everything,
            "s",
            target=f"< {ANNOUNCEMENT_TARGET_S:g} s",
            passed=everything is not None and everything < ANNOUNCEMENT_TARGET_S,
            note=f"{counts.get(Channel.SMS, 0):,} SMS (no delay for an urgent town-hall alert), counted against the town hall's quota: {announcement.sms_count:,}",
        ),
        _row(
            "announcement.integrity",
            "town hall: urgent alert, rows not sent or not received",
            (total - sent) + abs(sent - received),
            target="0",
            passed=total == sent == received,
            note=fanout._join(
                f"{total:,} delivery rows, {sent:,} sent; the sinks received {sinks['emails']:,} "
                f"e-mails, {sinks['pushes']:,} pushes, {sinks['sms']:,} SMS",
                f"worker error: {errors}" if errors else "",
            ),
        ),
    ]


# --- the benchmark ---------------------------------------------------------------------------


def run(options: argparse.Namespace) -> list[dict[str, Any]]:
    if connection.vendor != "postgresql":
        raise RuntimeError("the town-hall benchmark needs PostgreSQL")
    quick = bool(getattr(options, "quick", False))
    communities = QUICK_COMMUNITIES if quick else COMMUNITIES
    count = QUICK_REQUESTS if quick else REQUESTS
    worker_count = getattr(options, "workers", None) or fanout.DEFAULT_WORKERS
    print("   wiping the previous run's rows …", flush=True)
    wipe()
    log_dir = Path(tempfile.mkdtemp(prefix="bench-townhall-"))
    sinks = fanout.Sinks(getattr(options, "smtp_sink", None) or "fast")
    env = fanout.Environment(sinks, vapid_key_pair()[0], worker_count, log_dir)
    rows: list[dict[str, Any]] = []
    try:
        with override_settings(ALERT_SENDER_TASKS=worker_count):
            print(f"   loading {communities:,} communities of {MEMBERS_EACH} members …", flush=True)
            loaded = load(communities, sinks.info["push_url"], getattr(options, "seed", 1))
            rows.append(
                _row(
                    "load",
                    "town hall: the commune loaded",
                    loaded["seconds"],
                    "s",
                    note=(
                        f"{communities:,} communities, {loaded['members']:,} members (e-mail, "
                        f"verified mobile, push subscription each), {len(loaded['alerts']):,} "
                        f"alerts over the last year (35 % seen by the town hall), one agent"
                        + (" (--quick; the issue's size is 2,000 communities)" if quick else "")
                    ),
                ),
            )
            rows.append(
                _row(
                    "aggregate",
                    "town hall: the dashboard's daily aggregate backfilled",
                    loaded["aggregate_seconds"],
                    "s",
                    note=(
                        f"stats.backfill() after loading: "
                        f"{DailyCommunityStats.objects.count():,} rows (community × day × category)"
                    ),
                )
            )
            print("   the console's pages …", flush=True)
            rows += measure_pages(loaded, count)
            print("   twin all: the preview …", flush=True)
            rows += measure_twin_all_preview(loaded)
            print("   an urgent alert to every community …", flush=True)
            rows += measure_announcement(loaded, env)
    finally:
        sinks.close()
        wipe()
    return rows
