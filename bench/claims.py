"""Claims benchmark: do the outbox's claims scale with the worker processes, or contend?
(issue 16, item 4; docs/operations.md, "Scale-out").

One queued workload, the same twice: 60,000 deliveries (6,000 with --quick, or
--deliveries), push and e-mail to every member of 60 communities of 500 (a tenth of
that with --quick), one alert each, written straight into the outbox in one INSERT …
SELECT and committed together with the sender tasks (`wake_senders`, one copy per worker
and channel). It is handed over by N `db_worker` processes (N = --workers, the fan-out
benchmark's, 3 by default), then by 2N, each set started fresh and warmed up.

The workers are production's `manage.py db_worker --interval 0.2`, run through
bench/claims_worker.py, which times each call of `outbox.sender.claim` (one statement:
WITH claimed AS (UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING …)
SELECT … joined to the members' columns) and logs it. The outside world is
bench/fanout.py's: the SMTP sink and the push sink in a process of their own; pushes are
encrypted by pywebpush as in production.

Measured for each set, from the commit until no row of the workload is queued or sending
(polled every 50 ms, bench/fanout.watch):
- deliveries per second and claims per second (claims that returned rows);
- the claim's mean time as the worker saw it (round trip, transaction and commit), its
  p95, and the claims that came back empty or short;
- lock waits: pg_stat_activity sampled every 50 ms in a thread of this process (backends
  of this database with wait_event_type 'Lock', and which statement waits), and the
  ungranted locks of pg_locks; pg_stat_statements' mean time of the claim when that
  extension is loaded (it is optional: the row says when it is not);
- where the CPU went (bench/fanout.CpuMeter): on a machine with fewer cores than
  workers + PostgreSQL, twice the workers cannot go twice as fast, whatever the claims do.

Then the ratio of the deliveries per second, 2N ÷ N: the claims scale when it is ≥ 1.6
on a machine with enough cores (2N + 2 or more); the note gives the cores.

Its rows are its own: communities named "Bench claims …", users at
@claims.bench.invalid; it deletes them at the start and at the end, and empties the task
queue, as the fan-out benchmark does (run it in a database no other benchmark uses at
the same time).
"""

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bench import fanout
from bench.lib.database import table_name, vacuum_analyze
from bench.lib.figures import figure
from bench.lib.processes import die_with_parent
from bench.lib.push_keys import browser_keys, vapid_key_pair
from monquartier.accounts.models import Home, Profile, User
from monquartier.alerts.fanout import COMMUNITY
from monquartier.alerts.models import Alert, AlertCategory, AlertStatus
from monquartier.communities.models import Community, CommunityCell, Membership
from monquartier.outbox.models import Channel, Delivery, DeliveryStatus, PushSubscription
from monquartier.outbox.sender import BATCH_SIZE
from monquartier.outbox.services import wake_senders
from monquartier.outbox.tasks import deliver
from monquartier.places.models import Commune

# --- sizes and settings -----------------------------------------------------------------

DELIVERIES = 60_000
DELIVERIES_QUICK = 6_000
MEMBERS_EACH = 500  # members of a community, its sender included
MEMBERS_EACH_QUICK = 100
CHANNELS = (Channel.PUSH, Channel.EMAIL)  # per member; SMS is off for every member here
WARMUP_ROWS_PER_WORKER = 400  # two push and two e-mail batches of 100 per worker
SAMPLE_S = 0.05
TIMEOUT_S = 900.0
RATIO_TARGET = 1.6

NAME_PREFIX = "Bench claims"
EMAIL_DOMAIN = "claims.bench.invalid"
MOBILE_PREFIX = "+22501"  # not the fan-out's (+22507) nor the scale data's
# Communities at sea, south of the other benchmarks' lattices (which start at latitude 4°)
# and inside SERVICE_AREA_BOUNDS (3.85° at the south): 60 a row, 0.0102° each.
ORIGIN = (-2.7, 3.86)

_row = partial(figure, "claims")


# --- loading ----------------------------------------------------------------------------


@dataclass
class Loaded:
    places: list[fanout.Place]
    warmup: fanout.Place
    members: int
    seconds: float


def sizes(options: argparse.Namespace) -> tuple[int, int]:
    """(communities, members each) of a workload of about --deliveries rows."""
    quick = bool(getattr(options, "quick", False))
    deliveries = getattr(options, "deliveries", None) or (DELIVERIES_QUICK if quick else DELIVERIES)
    members = MEMBERS_EACH_QUICK if quick else MEMBERS_EACH
    members = min(members, 1 + max(deliveries // len(CHANNELS), 1))
    per_community = (members - 1) * len(CHANNELS)  # the sender gets nothing
    return max(math.ceil(deliveries / per_community), 1), members


def load(communities: int, members: int, max_workers: int, push_url: str) -> Loaded:
    """The communities and their members (bench/fanout.py's add_members), in bulk, in one
    transaction, plus a warm-up community big enough to give each worker a few batches."""
    began = time.perf_counter()
    communes = list(Commune.objects.order_by("pk"))
    if not communes:
        raise RuntimeError("No commune: the data migration 0002_load_communes did not run.")
    places = [
        fanout.Place(f"{k + 1:03d}", communes[k % len(communes)], members)
        for k in range(communities)
    ]
    warmup_members = 1 + WARMUP_ROWS_PER_WORKER * max_workers // len(CHANNELS)
    warmup = fanout.Place("échauffement", communes[0], warmup_members)
    everyone = [*places, warmup]
    keys = browser_keys(fanout.KEY_POOL)
    with transaction.atomic():
        fanout.create_communities(everyone, origin=ORIGIN, prefix=NAME_PREFIX)
        users = fanout.add_members(
            everyone,
            email_domain=EMAIL_DOMAIN,
            push_url=push_url,
            keys=keys,
            password=make_password(None),
            now=timezone.now(),
            alert_sms=lambda place: False,
            mobile_prefix=MOBILE_PREFIX,
        )
    vacuum_analyze(LOADED_MODELS)
    return Loaded(places, warmup, len(users), time.perf_counter() - began)


LOADED_MODELS = (
    User,
    Profile,
    Home,
    Membership,
    PushSubscription,
    Community,
    CommunityCell,
    Alert,
    Delivery,
    DBTaskResult,
)


def wipe() -> None:
    """Delete this benchmark's rows and the task queue (bench/fanout.wipe, with our names)."""
    fanout.wipe(EMAIL_DOMAIN, NAME_PREFIX)


# --- the workload -----------------------------------------------------------------------

# Push and e-mail to every member but the sender, due now: what alerts/fanout.py writes
# for a community's members (minus SMS, off for them, and twinnings, none here).
_QUEUE = (
    "INSERT INTO {delivery} (alert_id, user_id, channel, address, audience, due_at, status, "
    "attempts, provider_id, last_error, created_at) "
    "SELECT a.id, u.id, c.channel, CASE WHEN c.channel = %s THEN u.email ELSE '' END, %s, "
    "%s, %s, 0, '', '', %s "
    "FROM {alert} a JOIN {membership} m ON m.community_id = a.community_id "
    "JOIN {user} u ON u.id = m.user_id "
    "CROSS JOIN (VALUES (%s), (%s)) AS c(channel) "
    "WHERE a.id BETWEEN %s AND %s AND u.id <> a.sender_id "
    "ORDER BY a.id, u.id, c.channel"
)


def queue(places: list[fanout.Place], copies: int, label: str) -> tuple[int, int, int, float]:
    """One alert per place and its push and e-mail rows, queued, with `copies` sender
    tasks per channel, in one transaction. Returns (first alert, last alert, rows, the
    time.time() of the commit)."""
    now = timezone.now()
    with transaction.atomic():
        alerts = Alert.objects.bulk_create(
            [
                Alert(
                    community=place.community,
                    sender=place.sender,
                    category=AlertCategory.BURGLARY,
                    text=fanout.TEXT.format(n=index) + f" ({label})",
                    status=AlertStatus.SENT,
                    created_at=now,
                    fanned_out_at=now,
                )
                for index, place in enumerate(places)
            ]
        )
        lo, hi = min(a.pk for a in alerts), max(a.pk for a in alerts)
        sql = _QUEUE.format(
            delivery=table_name(Delivery),
            alert=table_name(Alert),
            membership=table_name(Membership),
            user=connection.ops.quote_name(table_name(User)),
        )
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                [
                    Channel.EMAIL,
                    COMMUNITY,
                    now,
                    DeliveryStatus.QUEUED,
                    now,
                    Channel.PUSH,
                    Channel.EMAIL,
                    lo,
                    hi,
                ],
            )
            rows = cursor.rowcount
        wake_senders(CHANNELS, copies=copies)
    return lo, hi, rows, time.time()


# --- workers ----------------------------------------------------------------------------


class ClaimWorkers(fanout.Workers):
    """bench/fanout.py's workers, started through bench/claims_worker.py, each with its
    claims log."""

    def start(self) -> "ClaimWorkers":
        command = [
            sys.executable,
            "-m",
            "bench.claims_worker",
            "--interval",
            str(fanout.WORKER_INTERVAL_S),
            "--no-startup-delay",
            "--no-reload",
        ]
        self.claim_logs: list[Path] = []
        for index in range(self.count):
            log = self.log_dir / f"{self.label}-worker-{index}.log"
            claims = self.log_dir / f"{self.label}-worker-{index}.claims"
            environ = {**self.environ, "BENCH_CLAIMS_LOG": str(claims)}
            with open(log, "wb") as output:
                process = subprocess.Popen(
                    [*command, "--worker-id", f"bench-{self.label}-{index}"],
                    env=environ,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    cwd=settings.BASE_DIR,
                    preexec_fn=die_with_parent,
                )
            self.processes.append(process)
            self.logs.append(log)
            self.claim_logs.append(claims)
        return self

    def claims(self, since: float, until: float) -> list[tuple[float, float, str, int]]:
        """(started at, seconds, channel, rows) of the claims that started in the window."""
        found = []
        for path in self.claim_logs:
            if not path.exists():
                continue
            for line in path.read_text(encoding="ascii").splitlines():
                parts = line.split()
                if len(parts) != 4:
                    continue
                started = float(parts[0])
                if since <= started <= until:
                    found.append((started, float(parts[1]), parts[2], int(parts[3])))
        return found


def database_url() -> str:
    """The URL of the database this process uses (a test's database in the tests)."""
    config = connection.settings_dict
    user = quote(config.get("USER") or "", safe="")
    password = config.get("PASSWORD") or ""
    credentials = f"{user}:{quote(password, safe='')}@" if password else f"{user}@" if user else ""
    host = config.get("HOST") or "127.0.0.1"
    port = f":{config['PORT']}" if config.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{config['NAME']}"


# --- sampling the locks -----------------------------------------------------------------


@dataclass
class LockSamples:
    samples: int = 0
    with_lock_wait: int = 0  # samples where at least one backend waited on a lock
    lock_waiters: int = 0  # backends waiting on a lock, summed over the samples
    claim_lock_waiters: int = 0  # of which running the outbox claim
    ungranted: int = 0  # pg_locks rows not granted, summed over the samples
    ungranted_max: int = 0
    active: int = 0  # active backends, summed over the samples
    waits: Counter = field(default_factory=Counter)  # (type:event, statement) → count
    error: str = ""

    def mean_active(self) -> float:
        return self.active / max(self.samples, 1)

    def text(self) -> str:
        if self.error:
            return f"sampling failed: {self.error}"
        share = 100 * self.with_lock_wait / max(self.samples, 1)
        top = ", ".join(f"{what} {count}" for what, count in self.waits.most_common(4))
        locks = ", ".join(
            f"{what} {count}"
            for what, count in self.waits.most_common()
            if what.startswith("Lock:")
        )
        return (
            f"{self.samples} samples of pg_stat_activity every {SAMPLE_S * 1000:.0f} ms: "
            f"{self.with_lock_wait} ({share:.1f} %) with a backend waiting on a lock "
            f"({self.lock_waiters} waiting backends in all, {self.claim_lock_waiters} of them "
            f"in the outbox claim); pg_locks not granted: {self.ungranted} in all, at most "
            f"{self.ungranted_max} at once; {self.mean_active():.1f} active backends on "
            f"average; lock waits: {locks or 'none'}; most frequent waits: {top or 'none'}"
        )


_ACTIVITY = (
    "SELECT wait_event_type, wait_event, "
    "CASE WHEN query LIKE 'WITH claimed AS (UPDATE %%' THEN 'outbox claim' "
    "WHEN query LIKE 'SELECT %%FOR UPDATE SKIP LOCKED%%' THEN 'task claim' "
    "WHEN query LIKE 'UPDATE %%FROM unnest(%%' THEN 'outcomes' "
    "ELSE left(split_part(query, ' ', 1), 12) END "
    "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
    "AND state = 'active'"
)
_UNGRANTED = (
    "SELECT count(*) FROM pg_locks WHERE NOT granted AND database = "
    "(SELECT oid FROM pg_database WHERE datname = current_database())"
)


class LockSampler(threading.Thread):
    """pg_stat_activity and pg_locks every SAMPLE_S, on a connection of its own."""

    def __init__(self) -> None:
        super().__init__(name="bench-claims-locks", daemon=True)
        self.result = LockSamples()
        self._stop_event = threading.Event()

    def run(self) -> None:
        import psycopg

        config = connection.settings_dict
        try:
            with psycopg.connect(
                dbname=config["NAME"],
                user=config.get("USER") or None,
                password=config.get("PASSWORD") or None,
                host=config.get("HOST") or None,
                port=config.get("PORT") or None,
                autocommit=True,
            ) as db:
                while not self._stop_event.is_set():
                    began = time.perf_counter()
                    self._sample(db)
                    self._stop_event.wait(max(SAMPLE_S - (time.perf_counter() - began), 0.005))
        except Exception as error:  # reported in the row, never a crash of the run
            self.result.error = f"{type(error).__name__}: {error}"[:200]

    def _sample(self, db) -> None:
        result = self.result
        rows = db.execute(_ACTIVITY).fetchall()
        ungranted = db.execute(_UNGRANTED).fetchone()[0]
        result.samples += 1
        result.active += len(rows)
        result.ungranted += ungranted
        result.ungranted_max = max(result.ungranted_max, ungranted)
        waiting = 0
        for kind, event, statement in rows:
            if kind is None:
                continue
            result.waits[f"{kind}:{event} ({statement})"] += 1
            if kind == "Lock":
                waiting += 1
                if statement == "outbox claim":
                    result.claim_lock_waiters += 1
        result.lock_waiters += waiting
        if waiting:
            result.with_lock_wait += 1

    def stop(self) -> LockSamples:
        self._stop_event.set()
        self.join(10)
        return self.result


# --- pg_stat_statements (optional) ------------------------------------------------------


def statement_stats() -> tuple[int, float] | None:
    """(calls, total ms) of the outbox claim in pg_stat_statements, None without it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'")
        if cursor.fetchone() is None:
            return None
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(sum(calls), 0), coalesce(sum(total_exec_time), 0) "
                "FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE "
                "datname = current_database()) AND query LIKE %s",
                ["WITH claimed AS (UPDATE %"],
            )
            calls, total = cursor.fetchone()
    except Exception:
        return None  # installed but not in shared_preload_libraries
    return int(calls), float(total)


# --- one set of workers -----------------------------------------------------------------


@dataclass
class Round:
    workers: int
    rows: int
    seconds: float | None
    claims: list[tuple[float, float, str, int]]
    locks: LockSamples
    cpu: str
    problems: int
    counts: str
    errors: str
    statements: tuple[int, float] | None
    worker_cores: float | None = None  # cores the workers used meanwhile

    @property
    def per_worker_core(self) -> float | None:
        """Deliveries per second and per core the workers used: what more workers cannot
        change when the claims do not contend."""
        if not self.deliveries_per_s or not self.worker_cores:
            return None
        return self.deliveries_per_s / self.worker_cores

    @property
    def deliveries_per_s(self) -> float | None:
        return self.rows / self.seconds if self.seconds else None

    @property
    def filled(self) -> list[tuple[float, float, str, int]]:
        return [claim for claim in self.claims if claim[3] > 0]

    @property
    def claims_per_s(self) -> float | None:
        return len(self.filled) / self.seconds if self.seconds else None

    def claim_ms(self) -> tuple[float | None, float | None]:
        times = sorted(1000 * claim[1] for claim in self.filled)
        if not times:
            return None, None
        p95 = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]
        return statistics.fmean(times), p95


def hand_over(
    env: fanout.Environment, loaded: Loaded, count: int, label: str, max_workers: int
) -> Round:
    workers = ClaimWorkers(count, env.worker_environ(60), env.log_dir, label)
    workers.environ["DATABASE_URL"] = database_url()
    workers.start()
    try:
        # Warm-up: each worker imports, connects and renders before the measurement.
        lo, hi, _rows, _at = queue([loaded.warmup], count, f"{label} échauffement")
        fanout.wait_idle(lo, hi, workers)
        env.sinks.clear()
        vacuum_analyze((Delivery, DBTaskResult, Alert))
        before_statements = statement_stats()
        meter = env.cpu_meter(workers)
        sampler = LockSampler()
        sampler.start()
        before = meter.snapshot()
        lo, hi, rows, committed = queue(loaded.places, count, label)
        seen = fanout.watch(lo, hi, committed + TIMEOUT_S, workers)
        after = meter.snapshot()
        locks = sampler.stop()
        done = seen.email_push_done
        after_statements = statement_stats()
        result = fanout.outcome(lo, hi, 0)
        sinks = env.sinks.summary()
        errors = workers.errors()
    finally:
        workers.stop()
    problems, counts = fanout.check_counts(result, sinks)
    worker_cores = None
    if before is not None and after is not None and after.at > before.at:
        used = sum(
            after.processes[pid] - before.processes.get(pid, 0.0)
            for pid in workers.pids()
            if pid in after.processes
        )
        worker_cores = used / (after.at - before.at)
    statements = None
    if before_statements is not None and after_statements is not None:
        statements = (
            after_statements[0] - before_statements[0],
            after_statements[1] - before_statements[1],
        )
    return Round(
        workers=count,
        rows=rows,
        seconds=None if done is None else done - committed,
        claims=workers.claims(committed, done or time.time()),
        locks=locks,
        cpu=meter.note(before, after),
        problems=problems,
        counts=counts,
        errors=errors,
        statements=statements,
        worker_cores=worker_cores,
    )


def round_rows(key: str, result: Round) -> list[dict[str, Any]]:
    n = result.workers
    mean_ms, p95_ms = result.claim_ms()
    empty = sum(1 for claim in result.claims if claim[3] == 0)
    short = sum(1 for claim in result.filled if claim[3] < BATCH_SIZE[claim[2]])
    by_channel = Counter(claim[2] for claim in result.filled)
    if result.statements is None:
        statements = "pg_stat_statements not available (not in shared_preload_libraries)"
    else:
        calls, total = result.statements
        statements = (
            f"pg_stat_statements: {calls} claims, {total / max(calls, 1):.2f} ms each in the server"
        )
    unfinished = "NOT FINISHED within the time limit" if result.seconds is None else ""
    return [
        _row(
            f"{key}.deliveries_per_s",
            f"claims, {n} workers: deliveries handed over per second",
            result.deliveries_per_s,
            "/s",
            note=fanout._join(
                f"{result.rows} push and e-mail rows, from the commit until none is queued "
                f"or sending: {result.seconds:.1f} s"
                if result.seconds
                else "",
                unfinished,
                result.cpu,
            ),
        ),
        _row(
            f"{key}.claims_per_s",
            f"claims, {n} workers: claims per second",
            result.claims_per_s,
            "/s",
            note=(
                f"{len(result.filled)} claims that returned rows "
                f"({', '.join(f'{channel} {c}' for channel, c in sorted(by_channel.items()))}), "
                f"{short} of them short of a full batch (the end of a channel's queue, "
                f"or rows another worker held: SKIP LOCKED passes them), {empty} empty"
            ),
        ),
        _row(
            f"{key}.claim_ms",
            f"claims, {n} workers: the claim's mean time",
            mean_ms,
            "ms",
            note=fanout._join(
                f"as the worker saw it (UPDATE … IN (SELECT … FOR UPDATE SKIP LOCKED) "
                f"RETURNING id, its transaction and commit); p95 {p95_ms:.1f} ms"
                if p95_ms is not None
                else "",
                statements,
            ),
        ),
        _row(
            f"{key}.lock_waits",
            f"claims, {n} workers: samples with a lock wait",
            result.locks.with_lock_wait,
            note=result.locks.text(),
        ),
        _row(
            f"{key}.integrity",
            f"claims, {n} workers: messages lost, duplicated or not sent",
            result.problems,
            target="0",
            passed=result.problems == 0 and result.seconds is not None,
            note=fanout._join(
                result.counts, f"worker error: {result.errors}" if result.errors else ""
            ),
        ),
    ]


def ratio_row(single: Round, double: Round) -> dict[str, Any]:
    cores = os.cpu_count() or 1
    ratio = None
    if single.deliveries_per_s and double.deliveries_per_s:
        ratio = double.deliveries_per_s / single.deliveries_per_s
    enough = cores >= double.workers + 2
    claims_ratio = (
        double.claims_per_s / single.claims_per_s
        if single.claims_per_s and double.claims_per_s
        else None
    )
    single_ms, _ = single.claim_ms()
    double_ms, _ = double.claim_ms()
    note = fanout._join(
        f"deliveries per second with {double.workers} workers ÷ with {single.workers}, the same "
        f"workload; claims per second {claims_ratio:.2f} ×"
        if claims_ratio
        else "",
        f"claim mean {single_ms:.1f} → {double_ms:.1f} ms" if single_ms and double_ms else "",
        f"the workers used {single.worker_cores:.2f} → {double.worker_cores:.2f} cores: "
        f"{single.per_worker_core:,.0f} → {double.per_worker_core:,.0f} deliveries per second "
        "per core of the workers (steady when the claims do not contend)"
        if single.per_worker_core and double.per_worker_core
        else "",
        f"lock-wait samples {single.locks.with_lock_wait} of {single.locks.samples} → "
        f"{double.locks.with_lock_wait} of {double.locks.samples}",
        f"this machine has {cores} cores for {double.workers} workers, PostgreSQL, the sinks "
        "and this process: "
        + (
            "enough for the target to apply"
            if enough
            else f"fewer than the {double.workers + 2} the target assumes, so the ratio is "
            "bound by CPU, not by the claims (the lock-wait rows say whether they contend)"
        ),
    )
    return _row(
        "ratio",
        f"claims: throughput {double.workers} ÷ {single.workers} workers",
        ratio,
        "×",
        target=f"≥ {RATIO_TARGET:g} × (with ≥ {double.workers + 2} cores)",
        # On fewer cores the ratio measures the machine, not the claims: not judged.
        passed=(ratio is not None and ratio >= RATIO_TARGET) if enough else None,
        note=note,
    )


def run(options: argparse.Namespace) -> list[dict[str, Any]]:
    if connection.vendor != "postgresql":
        raise RuntimeError("the claims benchmark needs PostgreSQL (SKIP LOCKED, real workers)")
    if type(deliver.get_backend()).__name__ != "DatabaseBackend":
        raise RuntimeError(
            "the claims benchmark needs the database task backend (the workers' queue)"
        )
    single = getattr(options, "workers", None) or fanout.DEFAULT_WORKERS
    double = 2 * single
    communities, members = sizes(options)
    print("   wiping the previous run's rows …", flush=True)
    wipe()
    log_dir = Path(tempfile.mkdtemp(prefix="bench-claims-"))
    sinks = fanout.Sinks(getattr(options, "smtp_sink", None) or "fast")
    env = fanout.Environment(sinks, vapid_key_pair()[0], single, log_dir)
    keep_logs = False
    try:
        print(f"   loading {communities} communities of {members} members …", flush=True)
        loaded = load(communities, members, double, sinks.info["push_url"])
        print(f"   loaded in {loaded.seconds:.1f} s", flush=True)
        rounds = []
        for count, key in ((single, "n"), (double, "2n")):
            print(f"   {count} workers …", flush=True)
            rounds.append(hand_over(env, loaded, count, key, double))
            vacuum_analyze((Delivery, DBTaskResult, Alert))
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
    rows = [
        _row(
            "workload",
            "claims: queued workload",
            rounds[0].rows,
            "deliveries",
            note=(
                f"push and e-mail to the members of {communities} communities of {members} "
                f"(one alert each, the sender excluded), queued in one INSERT … SELECT and "
                f"committed with {len(CHANNELS)} × workers `deliver` tasks; loaded "
                f"{loaded.members} members in {loaded.seconds:.1f} s; manage.py db_worker "
                f"--interval {fanout.WORKER_INTERVAL_S:g} through bench/claims_worker.py, "
                f"{single} then {double} processes, each set fresh and warmed up; "
                f"{os.cpu_count()} cores"
            ),
        ),
    ]
    for key, result in zip(("n", "2n"), rounds, strict=True):
        rows.extend(round_rows(key, result))
    rows.append(ratio_row(*rounds))
    return rows
