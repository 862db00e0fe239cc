"""Fan-out benchmark: how fast an alert reaches its transports (TARGETS.md, "alert fan-out",
"peak day", "fan-out overhead").

Everything real but the outside world: PostgreSQL, `manage.py db_worker` processes (as
production runs them, `--interval 0.2`), the app's own send_alert, fan-out, senders and
transports (SMTP, Africa's Talking over HTTP, web push encrypted by pywebpush). The outside
world is local and runs in a process of its own (bench/fakes_push.py): the SMTP sink and
the fake Africa's Talking gateway of tests/fakes, and a push service answering 201.

1. Alert fan-out: one community of 1,000 active members (e-mail, verified mobile, push
   subscription each), 5 twinned communities of 1,000, a town-hall contact for the
   commune. From the commit of send_alert: (a) every e-mail and push handed over
   (≤ 5 s); (b) with ALERT_SMS_DELAY_SECONDS shortened, every SMS handed over, counted
   from the moment the SMS became due (≤ 10 s).
2. Fan-out overhead: fanout.fan_out_alert on a fresh alert of that community, timed in
   this process, against COPY of the same rows into a plain table of the same columns
   (primary key only) in the same database (≤ 5 ×).
3. Peak day: 1,357 alerts (200 with --quick), each in its own community of 57 members,
   each community twinned with another, sent in a burst: every e-mail and push handed
   over in under 5 minutes, and the SMS (shortened delay) too.

The benchmark's rows are recognisable (communities and town-hall contacts named
"Bench fan-out …", users at @fanout.bench.invalid); it deletes them at the start and at
the end, and leaves every other row alone except the task queue, which only it uses in the
benchmark database. Its communities are squares at sea (latitude 1°–2°), where the
geometry benchmark never puts any.
"""

import argparse
import contextlib
import json
import math
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from statistics import median
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bench import fakes_push, sender_floor
from bench.lib.database import delete_strictly, table_name, vacuum_analyze
from bench.lib.figures import figure
from bench.lib.processes import cpu_of, die_with_parent
from bench.lib.push_keys import BrowserKey, b64url, browser_keys, vapid_key_pair
from monquartier.accounts.models import Home, Profile, User
from monquartier.alerts import fanout
from monquartier.alerts import services as alert_services
from monquartier.alerts.models import Alert, AlertCategory, AlertRead
from monquartier.communities import geometry, lookups
from monquartier.communities.models import (
    Community,
    CommunityCell,
    Membership,
    MembershipStatus,
    Movement,
    Twinning,
    TwinningStatus,
    directory_name_for,
)
from monquartier.outbox.models import Channel, Delivery, DeliveryStatus, PushSubscription
from monquartier.places.models import Commune
from monquartier.townhalls.models import TownHallContact

# --- sizes and settings -----------------------------------------------------------------

ALERT_MEMBERS = 1_000  # the alerting community, sender included
TWINS = 5
TWIN_MEMBERS = 1_000
PEAK_ALERTS = 1_357
PEAK_ALERTS_QUICK = 200
PEAK_MEMBERS = 57  # sender included: the original's average
WARMUP_MEMBERS = 24
WARMUP_ALERTS = 3  # per worker start: every worker should have run each task once
DEFAULT_WORKERS = 3
OVERHEAD_REPEATS = 5
OVERHEAD_REPEATS_QUICK = 3

ALERT_TARGET_S = 5.0
SMS_TARGET_S = 10.0
OVERHEAD_TARGET = 5.0
PEAK_TARGET_S = 300.0
SENDER_TARGET = 2.0  # senders ÷ their floor (TARGETS.md, "senders")

# The SMS delay, shortened from production's 180 s. For the single alert it is longer than
# the e-mail/push pass should take, as production's is: the SMS figure then measures the
# SMS pass, not a queue shared with the e-mails. For the peak, the SMS overlap the e-mails.
ALERT_SMS_DELAY_S = 10
PEAK_SMS_DELAY_S = 30
WORKER_INTERVAL_S = 0.2  # docs/operations.md
POLL_S = 0.05
ALERT_TIMEOUT_S = 180.0
PEAK_TIMEOUT_S = 1_200.0

NAME_PREFIX = "Bench fan-out"
EMAIL_DOMAIN = "fanout.bench.invalid"
TOWN_HALL_COMMUNE = "cocody"
# Squares of 600 m on a lattice at sea, south of the coast (4.55° N at 7° W) yet inside
# the service area (settings.SERVICE_AREA_BOUNDS): the geometry benchmark only places
# areas on land.
ORIGIN = (-7.0, 4.0)  # longitude, latitude
LATTICE = (0.0103, 0.0102)
LATTICE_COLUMNS = 60
SQUARE_SIDE_M = 600.0
METRES_PER_DEGREE_LATITUDE = 110_574
KEY_POOL = 256  # P-256 key pairs shared by the subscriptions (encryption is per message)
INSERT_BATCH = 5_000
TEXT = (
    "Cambriolage en cours au lot {n}, deux hommes cagoulés, restez chez vous et prévenez la police"
)
FIRST_NAMES = (
    "Awa",
    "Yao",
    "Adjoua",
    "Koffi",
    "Mariam",
    "Ibrahim",
    "Aya",
    "Serge",
    "Fatou",
    "Jean",
)
LAST_NAMES = ("Koné", "Kouassi", "Traoré", "Bamba", "Yao", "Ouattara", "N'Guessan", "Diallo")


_row = partial(figure, "fanout")


def _join(*parts: str) -> str:
    return "; ".join(part for part in parts if part)


def _index_count(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = %s", [table_name(model)])
        return cursor.fetchone()[0]


def _foreign_key_count(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
            [table_name(model)],
        )
        return cursor.fetchone()[0]


# --- push keys ------------------------------------------------------------------------------


def decrypt_samples(bodies: Sequence[tuple[str, bytes]], keys: Sequence[BrowserKey]) -> str:
    """Decrypt the pushes the sink kept with the browser's private key: proof that
    pywebpush encrypted each for its subscription (RFC 8291)."""
    import http_ece

    good = 0
    problems = []
    for path, body in bodies:
        key = keys[int(path.rsplit("/", 1)[1])]
        try:
            clear = http_ece.decrypt(
                body, private_key=key.private, auth_secret=key.auth, version="aes128gcm"
            )
            payload = json.loads(clear)
            if payload.get("title") and str(payload.get("tag", "")).startswith("alert-"):
                good += 1
            else:
                problems.append(f"unexpected payload {payload!r:.80}")
        except Exception as error:
            problems.append(f"{type(error).__name__}: {error}"[:120])
    text = f"{good} of {len(bodies)} pushes kept by the sink decrypted with the browser's key"
    return text + (f" ({problems[0]})" if problems else "")


# --- the outside world ----------------------------------------------------------------------


class Sinks:
    """The SMTP sink, the fake Africa's Talking and the push sink, in a child process."""

    def __init__(self, smtp_kind: str = "fast") -> None:
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(
            target=fakes_push.serve_sinks,
            args=(child, smtp_kind),
            name="bench-sinks",
            daemon=True,
        )
        self._process.start()
        deadline = time.monotonic() + 60
        while not self._connection.poll(0.2):
            if not self._process.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sinks process did not start")
        self.info: dict[str, Any] = self._connection.recv()
        self.pid: int = self.info["pid"]

    def _ask(self, *command: str) -> Any:
        self._connection.send(command)
        answer = self._connection.recv()
        if isinstance(answer, Exception):
            raise answer
        return answer

    def summary(self) -> dict[str, Any]:
        return self._ask("summary")

    def clear(self) -> None:
        self._ask("clear")

    def bodies(self) -> list[tuple[str, bytes]]:
        return self._ask("bodies")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._connection.send(("stop",))
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(5)


# --- CPU accounting -------------------------------------------------------------------------


def _postgres_pids() -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    if comm.read().strip().startswith("postgres"):
                        pids.append(int(entry))
            except OSError:
                continue
    return pids


@dataclass
class CpuSnapshot:
    at: float
    busy: float
    processes: dict[int, float]


class CpuMeter:
    """Where the machine's CPU went during a measurement, in cores: the workers, PostgreSQL
    (every process named postgres, so this assumes the server is on this machine), the
    sinks (the stand-in outside world), this process, and everything else."""

    def __init__(
        self, groups: dict[str, Callable[[], list[int]]], reaping: tuple[str, ...] = ("PostgreSQL",)
    ) -> None:
        self.groups = groups
        # Groups whose processes' readings include their ended children: a backend whose
        # connection closed during the measurement (a worker reconnects every
        # DB_CONN_MAX_AGE) was counted nowhere, which put PostgreSQL's CPU of a long
        # measurement under "other processes".
        self.reaping = {pid for name in reaping if name in groups for pid in groups[name]()}
        self.tick = os.sysconf("SC_CLK_TCK")
        self.available = os.path.exists("/proc/stat")

    def snapshot(self) -> CpuSnapshot | None:
        if not self.available:
            return None
        with open("/proc/stat") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
        busy = (sum(fields[:8]) - fields[3] - fields[4]) / self.tick
        processes = {}
        for pid in {pid for pids in self.groups.values() for pid in pids()}:
            cpu = cpu_of(pid, self.tick, reaped=pid in self.reaping)
            if cpu is not None:
                processes[pid] = cpu
        return CpuSnapshot(time.perf_counter(), busy, processes)

    def used(self, start: CpuSnapshot | None, end: CpuSnapshot | None) -> dict[str, float]:
        """CPU seconds of each group between the two snapshots."""
        if start is None or end is None:
            return {}
        return {
            name: sum(
                end.processes.get(pid, 0.0) - start.processes.get(pid, 0.0)
                for pid in set(pids())
                if pid in end.processes
            )
            for name, pids in self.groups.items()
        }

    def note(self, start: CpuSnapshot | None, end: CpuSnapshot | None) -> str:
        if start is None or end is None or end.at <= start.at:
            return ""
        elapsed = end.at - start.at
        used = self.used(start, end)
        total = end.busy - start.busy
        others = max(total - sum(used.values()), 0.0)
        parts = ", ".join(f"{name} {seconds / elapsed:.2f}" for name, seconds in used.items())
        cores = os.cpu_count() or 1
        text = (
            f"CPU over {elapsed:.1f} s, in cores (of {cores}): {parts}, "
            f"other processes {others / elapsed:.2f}; machine busy {total / elapsed:.2f}"
        )
        if others / elapsed >= 0.25:
            text += " (other processes took a share of the machine: the time is inflated, run again when it is quiet)"
        return text


# --- workers --------------------------------------------------------------------------------


class Workers:
    """`manage.py db_worker` processes, as docs/operations.md runs them."""

    def __init__(self, count: int, environ: dict[str, str], log_dir: Path, label: str) -> None:
        self.count = count
        self.environ = environ
        self.log_dir = log_dir
        self.label = label
        self.processes: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def start(self) -> "Workers":
        command = [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "db_worker",
            "--interval",
            str(WORKER_INTERVAL_S),
            "--no-startup-delay",
            "--no-reload",
        ]
        for index in range(self.count):
            log = self.log_dir / f"{self.label}-worker-{index}.log"
            with open(log, "wb") as output:
                process = subprocess.Popen(
                    [*command, "--worker-id", f"bench-{self.label}-{index}"],
                    env=self.environ,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    cwd=settings.BASE_DIR,
                    preexec_fn=die_with_parent,
                )
            self.processes.append(process)
            self.logs.append(log)
        return self

    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    def check(self) -> None:
        for process, log in zip(self.processes, self.logs, strict=True):
            if process.poll() is not None:
                tail = log.read_text(errors="replace")[-1500:]
                raise RuntimeError(f"worker {process.pid} exited ({process.returncode}): {tail}")

    def errors(self) -> str:
        """Tracebacks the workers logged (a task that failed), the first one."""
        for log in self.logs:
            text = log.read_text(errors="replace")
            if "Traceback" in text:
                return text[text.index("Traceback") :][:800]
        return ""

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # graceful: ends the task it runs
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


# --- loading --------------------------------------------------------------------------------


@dataclass
class Place:
    label: str
    commune: Commune
    members: int
    community: Community | None = None
    users: list[User] = field(default_factory=list)

    @property
    def sender(self) -> User:
        return self.users[0]


@dataclass
class Loaded:
    alert: Place
    twins: list[Place]
    warmup: Place
    peak: list[Place]
    contact: TownHallContact
    keys: list[BrowserKey]
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


def _square(index: int, origin: tuple[float, float] = ORIGIN) -> dict[str, Any]:
    column, row = index % LATTICE_COLUMNS, index // LATTICE_COLUMNS
    longitude = origin[0] + (column + 0.5) * LATTICE[0]
    latitude = origin[1] + (row + 0.5) * LATTICE[1]
    half_lat = SQUARE_SIDE_M / 2 / METRES_PER_DEGREE_LATITUDE
    half_lng = SQUARE_SIDE_M / 2 / (111_320 * math.cos(math.radians(latitude)))
    ring = [
        [longitude - half_lng, latitude - half_lat],
        [longitude + half_lng, latitude - half_lat],
        [longitude + half_lng, latitude + half_lat],
        [longitude - half_lng, latitude + half_lat],
        [longitude - half_lng, latitude - half_lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def build_community(
    place: Place, index: int, *, origin: tuple[float, float] = ORIGIN, prefix: str = NAME_PREFIX
) -> Community:
    """A square community of the lattice at sea starting at `origin`, named `prefix` and
    the place's label."""
    # What services.create_community does, minus the membership and the history, as in
    # bench/geometry.py: the app's parse, size check and stored columns.
    polygon = geometry.parse_area(_square(index, origin))
    community = Community(
        name=f"{prefix} {place.label}",
        commune=place.commune,
        area_m2=geometry.check_size(polygon),
    )
    lookups.store_area(community, polygon)
    return community


def create_communities(
    places: list[Place],
    *,
    origin: tuple[float, float] = ORIGIN,
    prefix: str = NAME_PREFIX,
    adjust=None,
) -> list[Community]:
    """The places' communities of the lattice and their cells, inserted in bulk; each
    place gets its community. `adjust(community)` changes one before it is inserted."""
    communities = [
        build_community(place, index, origin=origin, prefix=prefix)
        for index, place in enumerate(places)
    ]
    if adjust is not None:
        for community in communities:
            adjust(community)
    Community.objects.bulk_create(communities, batch_size=INSERT_BATCH)
    for place, community in zip(places, communities, strict=True):
        place.community = community
    CommunityCell.objects.bulk_create(
        [cell for community in communities for cell in cells(community)],
        batch_size=INSERT_BATCH,
    )
    return communities


def cells(community: Community) -> list[CommunityCell]:
    bounds = geometry.Bounds(
        community.min_longitude,
        community.min_latitude,
        community.max_longitude,
        community.max_latitude,
    )
    return [CommunityCell(community=community, x=x, y=y) for x, y in geometry.cells_for(bounds)]


def add_members(
    places: Sequence[Place],
    *,
    email_domain: str,
    push_url: str,
    keys: Sequence[BrowserKey],
    password: str,
    now: datetime,
    alert_sms: Callable[[Place], bool] = lambda place: True,
    mobile_prefix: str = "+22507",
) -> list[User]:
    """`place.members` members in each place's community, in bulk: user (e-mail, verified
    mobile, 1 in 10 reading English), profile, home, active membership (the first member
    is référent), push subscription pointing at the push sink. Inside the caller's
    transaction."""
    users: list[User] = []
    owners: list[Place] = []
    number = 0
    for place in places:
        for _k in range(place.members):
            number += 1
            users.append(
                User(
                    email=f"m{number}@{email_domain}",
                    password=password,
                    first_name=FIRST_NAMES[number % len(FIRST_NAMES)],
                    last_name=LAST_NAMES[number % len(LAST_NAMES)],
                    mobile=f"{mobile_prefix}{number:08d}",
                    mobile_verified=True,
                    alert_sms=alert_sms(place),
                    language="en" if number % 10 == 0 else "fr",
                    date_joined=now,
                )
            )
            owners.append(place)
    User.objects.bulk_create(users, batch_size=INSERT_BATCH)  # PostgreSQL returns the ids
    for user, place in zip(users, owners, strict=True):
        place.users.append(user)
    # bulk_create sends no post_save: the profile the signal would have made.
    Profile.objects.bulk_create([Profile(user=user) for user in users], batch_size=INSERT_BATCH)
    Home.objects.bulk_create(
        [
            Home(
                user=user,
                commune=place.commune,
                quartier=place.community.name[:80],
                address_details=f"Lot {user.pk % 400}",
                landmark="près du château d'eau",
                latitude=place.community.centre_latitude,
                longitude=place.community.centre_longitude,
            )
            for user, place in zip(users, owners, strict=True)
        ],
        batch_size=INSERT_BATCH,
    )
    Membership.objects.bulk_create(
        [
            Membership(
                user=user,
                community=place.community,
                status=MembershipStatus.ACTIVE,
                is_referent=user is place.users[0],
                requested_at=now,
                joined_at=now,
                directory_name=directory_name_for(user),
            )
            for user, place in zip(users, owners, strict=True)
        ],
        batch_size=INSERT_BATCH,
    )
    PushSubscription.objects.bulk_create(
        [
            PushSubscription(
                user=user,
                endpoint=f"{push_url}/push/{user.pk}/{user.pk % KEY_POOL}",
                p256dh=keys[user.pk % KEY_POOL].p256dh,
                auth=b64url(keys[user.pk % KEY_POOL].auth),
                user_agent="Mozilla/5.0 (Linux; Android 13) bench",
                created_at=now,
            )
            for user in users
        ],
        batch_size=INSERT_BATCH,
    )
    return users


def load(peak_alerts: int, push_url: str) -> Loaded:
    """Communities, members (user, profile, home, membership, push subscription), twinnings
    and the town-hall contact, in bulk with the app's models, in one transaction."""
    began = time.perf_counter()
    communes = list(Commune.objects.order_by("pk"))
    by_slug = {commune.slug: commune for commune in communes}
    if TOWN_HALL_COMMUNE not in by_slug:
        raise RuntimeError(
            "No commune 'cocody': the data migration 0002_load_communes did not run."
        )
    town = by_slug[TOWN_HALL_COMMUNE]
    # The peak's communities are spread over the other communes: no town hall there, so
    # each alert goes to exactly its community and its twin, as TARGETS.md describes it.
    elsewhere = [commune for commune in communes if commune.slug != TOWN_HALL_COMMUNE]
    alert = Place("alerte", town, ALERT_MEMBERS)
    twins = [Place(f"jumelée {k + 1}", town, TWIN_MEMBERS) for k in range(TWINS)]
    warmup = Place("échauffement", town, WARMUP_MEMBERS)
    peak = [
        Place(f"pic {k + 1}", elsewhere[k % len(elsewhere)], PEAK_MEMBERS)
        for k in range(peak_alerts)
    ]
    places = [alert, *twins, warmup, *peak]
    keys = browser_keys(KEY_POOL)
    now = timezone.now()
    password = make_password(None)  # unusable, as for a neighbour registered by a référent

    with transaction.atomic():
        communities = create_communities(places)
        # The warm-up community gets no delayed SMS: nothing of it may still be waiting
        # when the measurement starts.
        users = add_members(
            places,
            email_domain=EMAIL_DOMAIN,
            push_url=push_url,
            keys=keys,
            password=password,
            now=now,
            alert_sms=lambda place: place is not warmup,
        )
        pairs = [(alert, twin) for twin in twins]
        pairs += [(peak[k], peak[k + 1]) for k in range(0, len(peak) - 1, 2)]
        if len(peak) % 2:  # an odd one out: twinned with the first (which then has two)
            pairs.append((peak[-1], peak[0]))
        Twinning.objects.bulk_create(
            [
                Twinning(
                    requester=first.community,
                    partner=second.community,
                    status=TwinningStatus.ACTIVE,
                    requested_by=first.sender,
                    decided_by=second.sender,
                    requested_at=now,
                    decided_at=now,
                )
                for first, second in pairs
                if first is not second
            ]
        )
        contact = TownHallContact.objects.create(
            commune=town,
            name=f"{NAME_PREFIX} mairie de {town.name}",
            role="Sécurité",
            email=f"mairie@{EMAIL_DOMAIN}",
            # Not a number of the scale data's town halls (+2250500NNNNNN), which share the
            # database: two contacts on one phone would look like one SMS sent twice.
            mobile="+2250599999001",
        )
    vacuum_analyze(LOADED_MODELS)
    loaded = Loaded(alert, twins, warmup, peak, contact, keys)
    loaded.seconds = time.perf_counter() - began
    loaded.counts = {
        "communities": len(communities),
        "members": len(users),
        "twinnings": len(pairs),
    }
    return loaded


LOADED_MODELS = (
    User,
    Profile,
    Home,
    Membership,
    PushSubscription,
    Community,
    CommunityCell,
    Twinning,
    TownHallContact,
    Alert,
    Delivery,
    DBTaskResult,
)


def wipe(email_domain: str = EMAIL_DOMAIN, name_prefix: str = NAME_PREFIX) -> None:
    """Delete this benchmark's rows (and the task queue), in plain DELETEs; another
    benchmark's with its own e-mail domain and name prefix (bench/claims.py).

    Foreign keys are checked at each statement: if something else points at our rows,
    the ORM's cascading delete does it instead (slow, but it leaves nothing behind)."""
    users = f"SELECT id FROM {table_name(User)} WHERE email LIKE %s"  # noqa: S608
    communities = f"SELECT id FROM {table_name(Community)} WHERE name LIKE %s"  # noqa: S608
    alerts = f"SELECT id FROM {table_name(Alert)} WHERE community_id IN ({communities})"  # noqa: S608
    contacts = f"SELECT id FROM {table_name(TownHallContact)} WHERE name LIKE %s"  # noqa: S608
    user_like, name_like = f"%@{email_domain}", f"{name_prefix} %"
    statements = [
        (
            f"DELETE FROM {table_name(Delivery)} WHERE alert_id IN ({alerts}) "  # noqa: S608
            f"OR user_id IN ({users}) OR contact_id IN ({contacts})",
            [name_like, user_like, name_like],
        ),
        (
            f"DELETE FROM {table_name(AlertRead)} WHERE alert_id IN ({alerts}) OR user_id IN ({users})",  # noqa: S608
            [name_like, user_like],
        ),
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
            f"DELETE FROM {table_name(Twinning)} WHERE requester_id IN ({communities}) OR partner_id IN ({communities})",  # noqa: S608
            [name_like, name_like],
        ),
        (
            f"DELETE FROM {table_name(CommunityCell)} WHERE community_id IN ({communities})",  # noqa: S608
            [name_like],
        ),
        (f"DELETE FROM {table_name(Community)} WHERE name LIKE %s", [name_like]),  # noqa: S608
        (f"DELETE FROM {table_name(TownHallContact)} WHERE name LIKE %s", [name_like]),  # noqa: S608
        (f"DELETE FROM {table_name(User)} WHERE email LIKE %s", [user_like]),  # noqa: S608
        # The task queue: in the benchmark database only this benchmark enqueues tasks,
        # and a task left by an interrupted run would be picked up by the next workers.
        (f"DELETE FROM {table_name(DBTaskResult)}", []),  # noqa: S608
        ("DROP TABLE IF EXISTS bench_fanout_floor", []),
        ("DROP TABLE IF EXISTS bench_fanout_floor_indexed", []),
    ]
    if not delete_strictly(statements):
        Community.objects.filter(name__startswith=f"{name_prefix} ").delete()
        User.objects.filter(email__endswith=f"@{email_domain}").delete()
        TownHallContact.objects.filter(name__startswith=f"{name_prefix} ").delete()
        DBTaskResult.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_fanout_floor")
            cursor.execute("DROP TABLE IF EXISTS bench_fanout_floor_indexed")
    vacuum_analyze(LOADED_MODELS)


# --- watching the outbox --------------------------------------------------------------------


def _open_rows_sql(channels: str) -> str:
    # One EXISTS per status, each served by its partial index (delivery_due for queued,
    # delivery_claimed for sending): cheap even with 300,000 rows in the table. "+ 0"
    # keeps the planner off the index of every alert's rows, which would walk all the rows
    # of the alerts in range to find the few still open (65 ms a poll on the peak day, and
    # a core of PostgreSQL taken from the workers).
    delivery = table_name(Delivery)
    sql = (
        "(EXISTS (SELECT 1 FROM {table} WHERE status = 'queued' AND channel IN ({channels}) "
        "AND alert_id + 0 BETWEEN %(lo)s AND %(hi)s) OR EXISTS (SELECT 1 FROM {table} "
        "WHERE status = 'sending' AND channel IN ({channels}) "
        "AND alert_id + 0 BETWEEN %(lo)s AND %(hi)s))"
    )
    return sql.format(table=delivery, channels=channels)


@dataclass
class Watch:
    """When (time.time()) the polls first saw the e-mail/push and the SMS outboxes empty."""

    email_push_done: float | None = None
    sms_done: float | None = None
    polls: int = 0
    poll_seconds: float = 0.0

    @property
    def mean_poll_ms(self) -> float:
        return 1000 * self.poll_seconds / max(self.polls, 1)


def watch(lo: int, hi: int, deadline: float, workers: Workers) -> Watch:
    """Poll every POLL_S until no alert in [lo, hi] waits for its fan-out and no delivery
    of theirs is queued or sending (on e-mail/push, then on SMS), or until the deadline.

    A time recorded is that of the end of the first poll that saw it done: an upper bound,
    at most one poll interval plus one query late."""
    sql = (
        f"SELECT (SELECT count(*) FROM {table_name(Alert)} WHERE id BETWEEN %(lo)s AND %(hi)s "  # noqa: S608
        f"AND fanned_out_at IS NULL), "
        f"{_open_rows_sql(repr(Channel.EMAIL.value) + ', ' + repr(Channel.PUSH.value))}, "
        f"{_open_rows_sql(repr(Channel.SMS.value))}"
    )
    result = Watch()
    next_check = 0.0
    with connection.cursor() as cursor:
        while time.time() < deadline:
            started = time.perf_counter()
            cursor.execute(sql, {"lo": lo, "hi": hi})
            waiting, email_push_open, sms_open = cursor.fetchone()
            now = time.time()
            elapsed = time.perf_counter() - started
            result.polls += 1
            result.poll_seconds += elapsed
            if not waiting:
                if result.email_push_done is None and not email_push_open:
                    result.email_push_done = now
                if result.sms_done is None and not sms_open:
                    result.sms_done = now
            if result.email_push_done is not None and result.sms_done is not None:
                break
            if now > next_check:
                workers.check()
                next_check = now + 1.0
            # Never more than a third of a core of PostgreSQL on polling.
            time.sleep(max(POLL_S - elapsed, 2 * elapsed))
    return result


@dataclass
class Outcome:
    by_channel: dict[str, dict[str, int]]
    last_sent: dict[str, datetime | None]
    sms_due: datetime | None
    fanned_out_last: datetime | None
    fanned_out_first: datetime | None

    def count(self, channel: str, *statuses: str) -> int:
        row = self.by_channel.get(channel, {})
        return sum(row.get(status, 0) for status in statuses) if statuses else sum(row.values())

    @property
    def rows(self) -> int:
        return sum(sum(row.values()) for row in self.by_channel.values())

    def status_text(self) -> str:
        return ", ".join(
            f"{channel}: " + " ".join(f"{count} {status}" for status, count in sorted(row.items()))
            for channel, row in sorted(self.by_channel.items())
        )


def outcome(lo: int, hi: int, sms_delay_s: int) -> Outcome:
    by_channel: dict[str, dict[str, int]] = {}
    last_sent: dict[str, datetime | None] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT channel, status, count(*), max(sent_at) FROM {table_name(Delivery)} "  # noqa: S608
            "WHERE alert_id BETWEEN %s AND %s GROUP BY channel, status",
            [lo, hi],
        )
        for channel, status, count, sent in cursor.fetchall():
            by_channel.setdefault(channel, {})[status] = count
            if sent is not None and (last_sent.get(channel) is None or sent > last_sent[channel]):
                last_sent[channel] = sent
        # When the SMS became due: fanout.alert_deliveries puts them at
        # max(created_at + delay, the fan-out's now); fanned_out_at is a hair later.
        cursor.execute(
            f"SELECT max(greatest(created_at + %s * interval '1 second', fanned_out_at)), "  # noqa: S608
            f"max(fanned_out_at), min(fanned_out_at) FROM {table_name(Alert)} WHERE id BETWEEN %s AND %s",
            [sms_delay_s, lo, hi],
        )
        sms_due, fanned_out_last, fanned_out_first = cursor.fetchone()
    return Outcome(by_channel, last_sent, sms_due, fanned_out_last, fanned_out_first)


def check_counts(result: Outcome, sinks: dict[str, Any]) -> tuple[int, str]:
    """Messages lost or duplicated between the outbox and the sinks: (problems, text)."""
    sent = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED)
    expected = {
        "emails": result.count(Channel.EMAIL, *sent),
        "pushes": result.count(Channel.PUSH, *sent),
        "sms": result.count(Channel.SMS, *sent),
    }
    not_sent = sum(
        result.count(channel) - result.count(channel, *sent) for channel in result.by_channel
    )
    # Unique messages received versus rows marked sent, channel by channel.
    unique = {
        "emails": sinks["emails"] - sinks["email_duplicates"],
        "pushes": sinks["pushes"] - sinks["push_duplicates"],
        "sms": sinks["sms"] - sinks["sms_duplicates"],
    }
    lost = sum(max(expected[kind] - unique[kind], 0) for kind in expected)
    extra = sum(max(unique[kind] - expected[kind], 0) for kind in expected)
    duplicates = sinks["email_duplicates"] + sinks["push_duplicates"] + sinks["sms_duplicates"]
    text = (
        f"{result.rows} delivery rows ({result.status_text()}); sinks received "
        f"{sinks['emails']} e-mails, {sinks['pushes']} pushes, {sinks['sms']} SMS in "
        f"{sinks['sms_requests']} gateway requests; duplicates {duplicates}, "
        f"rows sent but not received {lost}, received without a sent row {extra}, "
        f"rows not sent {not_sent}"
    )
    if sinks["push_rejected"]:
        text += f"; push sink refused {sinks['push_rejected']}: {sinks['push_rejections'][0]}"
    return duplicates + lost + extra + not_sent, text


def wait_idle(lo: int, hi: int, workers: Workers, timeout: float = 120.0) -> None:
    """Until the warm-up alerts are delivered and no task is ready or running."""
    deadline = time.time() + timeout
    done = watch(lo, hi, deadline, workers)
    if done.email_push_done is None or done.sms_done is None:
        raise RuntimeError(f"the warm-up did not finish in {timeout:.0f} s: {workers.errors()}")
    while time.time() < deadline:
        busy = (
            DBTaskResult.objects.ready().exists()
            or DBTaskResult.objects.filter(status="RUNNING").exists()
        )
        if not busy:
            return
        time.sleep(POLL_S)
    raise RuntimeError("tasks still running after the warm-up")


# --- the scenarios --------------------------------------------------------------------------


@dataclass
class Environment:
    sinks: Sinks
    vapid_key: str
    workers: int
    log_dir: Path
    # The alerts of each scenario (first id, last id) and the workers' time to hand over
    # their e-mails and pushes, for the floor that follows.
    scenarios: dict[str, tuple[int, int, float | None, float | None]] = field(default_factory=dict)

    def worker_environ(self, sms_delay_s: int) -> dict[str, str]:
        environ = {
            key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"
        }
        credentials = self.sinks.info["sms_credentials"]
        environ.update(
            DJANGO_SETTINGS_MODULE="monquartier.settings",
            DATABASE_URL=os.environ["DATABASE_URL"],
            DEBUG="0",
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(self.sinks.info["smtp_port"]),
            SMS_BACKEND="monquartier.outbox.sms.AfricasTalkingSMSBackend",
            AFRICASTALKING_API_URL=self.sinks.info["sms_api_url"],
            AFRICASTALKING_USERNAME=credentials["username"],
            AFRICASTALKING_API_KEY=credentials["api_key"],
            ALERT_SMS_DELAY_SECONDS=str(sms_delay_s),
            ALERT_SENDER_TASKS=str(self.workers),
            VAPID_PRIVATE_KEY=self.vapid_key,
            VAPID_PUBLIC_KEY="",
        )
        return environ

    def cpu_meter(self, workers: Workers) -> CpuMeter:
        return CpuMeter(
            {
                "workers": workers.pids,
                "PostgreSQL": _postgres_pids,
                "sinks": lambda: [self.sinks.pid],
                "benchmark": lambda: [os.getpid()],
            }
        )


def start_workers(
    env: Environment, loaded: Loaded, sms_delay_s: int, label: str, first_sender: int
) -> Workers:
    """Start the workers and warm them up: a few alerts in a small community (with the
    town hall: one immediate SMS each), so that each worker has imported, connected and
    compiled its templates before the measurement, as a long-running worker has."""
    workers = Workers(env.workers, env.worker_environ(sms_delay_s), env.log_dir, label).start()
    senders = loaded.warmup.users[first_sender : first_sender + WARMUP_ALERTS]
    alerts = [
        alert_services.send_alert(
            sender, category=AlertCategory.SUSPICIOUS, text=f"Échauffement {k}"
        )
        for k, sender in enumerate(senders)
    ]
    wait_idle(alerts[0].pk, alerts[-1].pk, workers)
    env.sinks.clear()
    return workers


def measure_overhead(loaded: Loaded, repeats: int) -> list[dict[str, Any]]:
    """fanout.fan_out_alert on a fresh alert, timed, against COPY of the same rows into a
    plain table (same columns, primary key only, no foreign key, no other index), one
    after the other in each round; no worker runs meanwhile. Median of `repeats` rounds
    after one warm-up round."""
    place = loaded.alert
    sender = place.users[1]  # not the alert's sender: the flood guard counts per sender
    delivery = table_name(Delivery)
    columns = [field.column for field in Delivery._meta.concrete_fields if field.column != "id"]
    column_list = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_fanout_floor")
        cursor.execute(
            f"CREATE TABLE bench_fanout_floor (LIKE {delivery} INCLUDING DEFAULTS INCLUDING IDENTITY)"
        )
        cursor.execute("ALTER TABLE bench_fanout_floor ADD PRIMARY KEY (id)")
        cursor.execute(
            "CREATE TEMP TABLE bench_fanout_floor_temp (LIKE bench_fanout_floor INCLUDING ALL)"
        )
        # For reference: the outbox's own indexes and constraints, no foreign key.
        cursor.execute("DROP TABLE IF EXISTS bench_fanout_floor_indexed")
        cursor.execute(f"CREATE TABLE bench_fanout_floor_indexed (LIKE {delivery} INCLUDING ALL)")
    fan, floor, floor_temp, floor_many, floor_indexed, sizes = [], [], [], [], [], []
    for round_ in range(repeats + 1):
        alert = Alert.objects.create(
            community=place.community,
            sender=sender,
            category=AlertCategory.BURGLARY,
            text=TEXT.format(n=round_),
        )
        started = time.perf_counter()
        rows = fanout.fan_out_alert(alert)
        fanned = time.perf_counter() - started
        values = list(
            Delivery.objects.filter(alert=alert)
            .order_by("id")
            .values_list(
                *[field.attname for field in Delivery._meta.concrete_fields if field.column != "id"]
            )
        )
        timings = []
        for table, method in (
            ("bench_fanout_floor", "copy"),
            ("bench_fanout_floor_temp", "copy"),
            ("bench_fanout_floor", "executemany"),
            ("bench_fanout_floor_indexed", "copy"),
        ):
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {table}")
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                if method == "copy":
                    with cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                        for value in values:
                            copy.write_row(value)
                else:
                    placeholders = ", ".join(["%s"] * len(columns))
                    cursor.executemany(
                        f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})",  # noqa: S608
                        values,
                    )
            timings.append(time.perf_counter() - started)
        # Leave the outbox as it was: no row, no task for the workers to come.
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {delivery} WHERE alert_id = %s", [alert.pk])  # noqa: S608
            cursor.execute(f"DELETE FROM {table_name(DBTaskResult)}")  # noqa: S608
            cursor.execute(f"VACUUM {delivery}")
        if round_ == 0:
            continue  # warm-up round
        fan.append(fanned)
        floor.append(timings[0])
        floor_temp.append(timings[1])
        floor_many.append(timings[2])
        floor_indexed.append(timings[3])
        sizes.append(rows)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_fanout_floor")
        cursor.execute("DROP TABLE IF EXISTS bench_fanout_floor_temp")
        cursor.execute("DROP TABLE IF EXISTS bench_fanout_floor_indexed")
    fan_ms, floor_ms = 1000 * median(fan), 1000 * median(floor)
    ratio = fan_ms / floor_ms
    n = sizes[0]
    return [
        _row(
            "overhead.fanout",
            f"fan-out of {n} deliveries (fanout.fan_out_alert)",
            fan_ms,
            "ms",
            note=(
                f"median of {len(fan)} rounds (min {1000 * min(fan):.0f}, max {1000 * max(fan):.0f} ms), "
                f"{n / median(fan):,.0f} rows/s: the twinnings, one INSERT … SELECT with ON "
                f"CONFLICT DO NOTHING into the outbox ({_index_count(Delivery)} indexes, "
                f"{_foreign_key_count(Delivery)} deferred foreign keys), the fanned_out_at "
                f"update, the sender tasks, the commit"
            ),
        ),
        _row(
            "overhead.floor",
            f"bulk insert of the same {n} rows into a plain table (COPY)",
            floor_ms,
            "ms",
            note=(
                f"median of {len(floor)} rounds: COPY … FROM STDIN (psycopg 3, Django's cursor) of "
                f"the very rows the fan-out wrote into a logged table of the same columns with "
                f"its primary key only, and the commit; for reference, COPY into a TEMP table "
                f"{1000 * median(floor_temp):.0f} ms, executemany of INSERTs into the plain "
                f"table {1000 * median(floor_many):.0f} ms, COPY into a copy of the outbox with "
                f"all its indexes and constraints (no foreign key) {1000 * median(floor_indexed):.0f} ms"
            ),
        ),
        _row(
            "overhead.ratio",
            "fan-out overhead (fan-out ÷ plain bulk insert)",
            ratio,
            "×",
            target=f"≤ {OVERHEAD_TARGET:g} ×",
            passed=ratio <= OVERHEAD_TARGET,
            note=(
                f"same rows, same database, same run, no worker running; against executemany "
                f"the ratio is {fan_ms / (1000 * median(floor_many)):.2f} ×"
            ),
        ),
    ]


def tasks_note(since: datetime) -> str:
    """The tasks written since `since`: the senders' (`deliver`) by channel, and the rest
    by name (each costs the workers a claim, a run and a close)."""
    counts: dict[str, int] = {}
    for path, arguments in DBTaskResult.objects.filter(enqueued_at__gte=since).values_list(
        "task_path", "args_kwargs"
    ):
        name = path.rsplit(".", 1)[-1]
        if name == "deliver":
            name = f"deliver ({arguments['kwargs'].get('channel')})"
        counts[name] = counts.get(name, 0) + 1
    listed = ", ".join(f"{count} {name}" for name, count in sorted(counts.items()))
    return f"tasks written meanwhile: {listed or 'none'}"


def single_alert(env: Environment, loaded: Loaded) -> list[dict[str, Any]]:
    place = loaded.alert
    workers = start_workers(env, loaded, ALERT_SMS_DELAY_S, "alert", 0)
    try:
        meter = env.cpu_meter(workers)
        before = meter.snapshot()
        since = timezone.now()
        alert = alert_services.send_alert(
            place.sender, category=AlertCategory.BURGLARY, text=TEXT.format(n=12)
        )
        committed = time.time()  # send_alert is atomic: it has committed when it returns
        seen = watch(alert.pk, alert.pk, committed + ALERT_TIMEOUT_S, workers)
        after = meter.snapshot()
        email_push_meter = meter.note(before, after)
        result = outcome(alert.pk, alert.pk, ALERT_SMS_DELAY_S)
        sinks = env.sinks.summary()
        decrypted = decrypt_samples(env.sinks.bodies(), loaded.keys)
        errors = workers.errors()
    finally:
        workers.stop()
    problems, counts = check_counts(result, sinks)
    tasks = tasks_note(since)
    fan_out_ms = (
        (result.fanned_out_last.timestamp() - committed) * 1000 if result.fanned_out_last else None
    )
    resolution = f"polled every {POLL_S * 1000:.0f} ms (mean poll query {seen.mean_poll_ms:.1f} ms)"

    email_push = None if seen.email_push_done is None else seen.email_push_done - committed
    env.scenarios["alert"] = (
        alert.pk,
        alert.pk,
        email_push,
        meter.used(before, after).get("workers"),
    )
    last_db = [result.last_sent.get(Channel.EMAIL), result.last_sent.get(Channel.PUSH)]
    last_db = [moment for moment in last_db if moment is not None]
    db_note = (
        f"last sent_at {max(last_db).timestamp() - committed:.2f} s after the commit"
        if last_db
        else ""
    )
    sms_due = result.sms_due.timestamp() if result.sms_due else None
    sms = None if seen.sms_done is None or sms_due is None else seen.sms_done - sms_due
    sms_sent = result.last_sent.get(Channel.SMS)
    rows = [
        _row(
            "alert.email_push",
            "alert fan-out: every push and e-mail handed over",
            email_push,
            "s",
            target=f"≤ {ALERT_TARGET_S:g} s",
            passed=email_push is not None and email_push <= ALERT_TARGET_S,
            note=_join(
                f"from send_alert's commit, {result.count(Channel.EMAIL)} e-mails and "
                f"{result.count(Channel.PUSH)} pushes ({ALERT_MEMBERS - 1} members, {TWINS} twinned "
                f"communities of {TWIN_MEMBERS}, the town hall)",
                f"fan-out done {fan_out_ms:.0f} ms after the commit"
                if fan_out_ms is not None
                else "",
                db_note,
                resolution,
                "NOT FINISHED within the time limit" if email_push is None else "",
                email_push_meter if email_push is not None else "",
                tasks,
            ),
        ),
        _row(
            "alert.sms",
            "alert fan-out: every SMS handed to the gateway, after the delay",
            sms,
            "s",
            target=f"≤ {SMS_TARGET_S:g} s",
            passed=sms is not None and sms <= SMS_TARGET_S,
            note=_join(
                f"{result.count(Channel.SMS)} SMS (members and the town hall); ALERT_SMS_DELAY_SECONDS="
                f"{ALERT_SMS_DELAY_S} instead of 180, counted from the moment they became due",
                f"last sent_at {sms_sent.timestamp() - sms_due:.2f} s after it"
                if sms_sent and sms_due
                else "",
                (
                    "e-mails and pushes were all handed over before the SMS became due"
                    if email_push is not None and sms_due and seen.email_push_done <= sms_due
                    else "the e-mail/push pass was still running when the SMS became due"
                ),
                resolution,
            ),
        ),
        _row(
            "alert.integrity",
            "alert fan-out: messages lost, duplicated or not sent",
            problems,
            target="0",
            passed=problems == 0,
            note=_join(counts, decrypted, f"worker error: {errors}" if errors else ""),
        ),
    ]
    return rows


def peak_day(env: Environment, loaded: Loaded, quick: bool) -> list[dict[str, Any]]:
    places = loaded.peak
    workers = start_workers(env, loaded, PEAK_SMS_DELAY_S, "peak", WARMUP_ALERTS)
    categories = list(AlertCategory.values)
    try:
        meter = env.cpu_meter(workers)
        before = meter.snapshot()
        since = timezone.now()
        first = None
        began = time.perf_counter()
        ids = []
        for k, place in enumerate(places):
            alert = alert_services.send_alert(
                place.sender, category=categories[k % len(categories)], text=TEXT.format(n=k)
            )
            if first is None:
                first = time.time()
            ids.append(alert.pk)
        burst = time.perf_counter() - began
        lo, hi = min(ids), max(ids)
        seen = watch(lo, hi, first + PEAK_TIMEOUT_S, workers)
        after = meter.snapshot()
        result = outcome(lo, hi, PEAK_SMS_DELAY_S)
        sinks = env.sinks.summary()
        errors = workers.errors()
    finally:
        workers.stop()
    problems, counts = check_counts(result, sinks)
    tasks = tasks_note(since)
    resolution = f"polled every {POLL_S * 1000:.0f} ms (mean poll query {seen.mean_poll_ms:.1f} ms)"
    email_push = None if seen.email_push_done is None else seen.email_push_done - first
    env.scenarios["peak"] = (lo, hi, email_push, meter.used(before, after).get("workers"))
    everything = (
        None
        if seen.sms_done is None or email_push is None
        else max(seen.sms_done, seen.email_push_done) - first
    )
    sms_due = result.sms_due.timestamp() if result.sms_due else None
    fanned = (
        f"fan-outs done {result.fanned_out_last.timestamp() - first:.1f} s after the first alert"
        if result.fanned_out_last
        else ""
    )
    emails, pushes, sms = (
        result.count(channel) for channel in (Channel.EMAIL, Channel.PUSH, Channel.SMS)
    )
    size = f"{len(places)} alerts" + (" (--quick; the target is for 1,357)" if quick else "")
    rate = ""
    if email_push:
        rate = (
            f"{emails / email_push:,.0f} e-mails/s and {pushes / email_push:,.0f} pushes/s overall"
        )
    return [
        _row(
            "peak.burst",
            "peak day: alerts sent in a burst",
            burst,
            "s",
            note=f"{size} through send_alert one after the other, {len(places) / burst:,.0f} alerts/s",
        ),
        _row(
            "peak.email_push",
            f"peak day: every e-mail and push handed over ({len(places)} alerts)",
            email_push,
            "s",
            target=f"< {PEAK_TARGET_S / 60:g} min ({PEAK_TARGET_S:g} s)",
            passed=email_push is not None and email_push < PEAK_TARGET_S,
            note=_join(
                f"from the first alert's commit; {emails} e-mails (community and twinned) and {pushes} pushes "
                f"for communities of {PEAK_MEMBERS} each twinned with another",
                fanned,
                rate,
                resolution,
                "NOT FINISHED within the time limit" if email_push is None else "",
                meter.note(before, after),
                tasks,
            ),
        ),
        _row(
            "peak.everything",
            "peak day: everything incl. SMS handed over",
            everything,
            "s",
            target=f"< {PEAK_TARGET_S / 60:g} min ({PEAK_TARGET_S:g} s)",
            passed=everything is not None and everything < PEAK_TARGET_S,
            note=_join(
                f"{sms} SMS with ALERT_SMS_DELAY_SECONDS={PEAK_SMS_DELAY_S}; the last became due "
                f"{sms_due - first:.1f} s after the first alert"
                if sms_due
                else "",
                f"SMS all handed over {seen.sms_done - sms_due:.1f} s after the last became due"
                if seen.sms_done and sms_due
                else "",
            ),
        ),
        _row(
            "peak.integrity",
            "peak day: messages lost, duplicated or not sent",
            problems,
            target="0",
            passed=problems == 0,
            note=_join(counts, f"worker error: {errors}" if errors else ""),
        ),
    ]


def senders_floor(env: Environment, key: str, label: str) -> list[dict[str, Any]]:
    """The floor of a scenario just run (bench/sender_floor.py): its messages sent again
    to the same sinks by a minimal loop without database, and the workers' time ÷ it."""
    lo, hi, sender_seconds, workers_cpu = env.scenarios[key]
    prepared = sender_floor.prepare(lo, hi)
    env.sinks.clear()
    result = sender_floor.run_floor(
        prepared,
        processes=env.workers,
        vapid_private_key=env.vapid_key,
        smtp_port=env.sinks.info["smtp_port"],
    )
    sinks = env.sinks.summary()
    env.sinks.clear()
    return sender_floor.floor_rows(
        _row, key, label, sender_seconds, workers_cpu, prepared, result, sinks, SENDER_TARGET
    )


def run(options: argparse.Namespace) -> list[dict[str, Any]]:
    if connection.vendor != "postgresql":
        raise RuntimeError("the fan-out benchmark needs PostgreSQL (SKIP LOCKED, real workers)")
    quick = bool(getattr(options, "quick", False))
    worker_count = getattr(options, "workers", None) or DEFAULT_WORKERS
    peak_alerts = getattr(options, "alerts", None) or (PEAK_ALERTS_QUICK if quick else PEAK_ALERTS)
    repeats = OVERHEAD_REPEATS_QUICK if quick else OVERHEAD_REPEATS

    print("   wiping the previous run's rows …", flush=True)
    wipe()
    log_dir = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    smtp_kind = getattr(options, "smtp_sink", None) or "fast"
    sinks = Sinks(smtp_kind)
    env = Environment(sinks, vapid_key_pair()[0], worker_count, log_dir)
    rows: list[dict[str, Any]] = []
    keep_logs = False
    try:
        with override_settings(
            ALERT_SMS_DELAY_SECONDS=ALERT_SMS_DELAY_S, ALERT_SENDER_TASKS=worker_count
        ):
            print(
                f"   loading {ALERT_MEMBERS + TWINS * TWIN_MEMBERS} members for the alert and "
                f"{peak_alerts} × {PEAK_MEMBERS} for the peak …",
                flush=True,
            )
            loaded = load(peak_alerts, sinks.info["push_url"])
            print(f"   loaded in {loaded.seconds:.1f} s", flush=True)
            rows.append(
                _row(
                    "load",
                    "fan-out: load time",
                    loaded.seconds,
                    "s",
                    note=(
                        f"{loaded.counts['members']} members (user, profile, home, membership, "
                        f"push subscription each) in {loaded.counts['communities']} communities, "
                        f"{loaded.counts['twinnings']} twinnings, with bulk_create; then VACUUM ANALYZE"
                    ),
                )
            )
            rows.append(
                _row(
                    "workers",
                    "fan-out: worker processes",
                    worker_count,
                    note=(
                        f"manage.py db_worker --interval {WORKER_INTERVAL_S:g}, ALERT_SENDER_TASKS="
                        f"{worker_count}, on {os.cpu_count()} cores shared with PostgreSQL, the sinks "
                        f"(one separate process: SMTP "
                        f"{'bench/fakes_push.FastSMTPSink' if smtp_kind == 'fast' else 'tests/fakes/smtp.SMTPSink (aiosmtpd)'}, "
                        f"tests/fakes FakeAfricasTalking, bench/fakes_push.PushSink) and this process; "
                        f"each started fresh and warmed up with {WARMUP_ALERTS} small alerts"
                    ),
                )
            )
            print(f"   timing the fan-out overhead ({repeats} rounds) …", flush=True)
            rows.extend(measure_overhead(loaded, repeats))
            print(
                f"   alert to {ALERT_MEMBERS} members + {TWINS} twinned communities, "
                f"{worker_count} workers …",
                flush=True,
            )
            rows.extend(single_alert(env, loaded))
            print("   the senders' floor for that alert …", flush=True)
            rows.extend(senders_floor(env, "alert", "alert fan-out"))
        with override_settings(
            ALERT_SMS_DELAY_SECONDS=PEAK_SMS_DELAY_S, ALERT_SENDER_TASKS=worker_count
        ):
            vacuum_analyze((Delivery, DBTaskResult, Alert))
            print(f"   peak day: {peak_alerts} alerts in a burst …", flush=True)
            rows.extend(peak_day(env, loaded, quick))
            print("   the senders' floor for the peak day …", flush=True)
            rows.extend(senders_floor(env, "peak", "peak day"))
    except Exception:
        keep_logs = True
        print(f"   worker logs kept in {log_dir}", flush=True)
        raise
    finally:
        sinks.close()
        print("   cleaning up …", flush=True)
        wipe()
        if not keep_logs:
            shutil.rmtree(log_dir, ignore_errors=True)
    return rows
