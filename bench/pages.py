"""Page speed: the member pages served by gunicorn as in production, logged in, on the scale
data (TARGETS.md, "member pages" and "scale").

1. The scale data of bench/scale/ (loaded if the database does not hold it yet).
2. gunicorn as docs/deployment.md runs it (bench/lib/gunicorn.py reads the guide's command
   line: `--workers 2×cores`, sync workers, `--max-requests 2000 --max-requests-jitter
   200 --preload --timeout 30`, access log on), with DJANGO_ENV=production:
   DEBUG off, WhiteNoise serving the collected, hashed static files, the Redis cache,
   Argon2, secure cookies behind a proxy that says X-Forwarded-Proto: https. The settings
   are the project's plus bench/pages_site.py: a Server-Timing middleware (Django's time,
   SQL time and query count) and a bare `HttpResponse("ok")` view.
3. Sampled members logged in by sessions written straight into the session table (which
   production's cached_db engine reads through Redis), as django.contrib.auth.login fills
   them; one member also logs in through the real form, to prove the known password and
   Argon2 work. For the town hall's console and dashboard, a partner town hall of the
   commune with the most communities and its agents, logged in with their second factor
   (bench/pages_agents.py).
4. For each page in turn, then the bare view before and after them: `connections`
   concurrent clients (bench/http_client.py, a process of its own) for `seconds`, each
   request for a random sampled member (a random agent for the town-hall pages). Each
   page twice (VARIANTS): plain GETs ("repeat visit": a server-side page cache may answer
   them), then GETs with `Cache-Control: no-cache`, as a browser's reload ("rendered": the
   page must be rendered). Figures: requests/s per core (the CPU that
   gunicorn and PostgreSQL used meanwhile, measured in /proc), p95 of the server time
   (gunicorn's own request time, %(D)s of its access log), queries per page (from the
   Server-Timing header), the ratio to the bare view.
"""

import argparse
import contextlib
import dataclasses
import functools
import http.client
import multiprocessing
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import numpy as np
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test.utils import override_settings

from bench import http_client, pages_agents, scale
from bench.lib.cookies import browser_cookies
from bench.lib.figures import figure
from bench.lib.gunicorn import Gunicorn
from bench.lib.processes import cpu_of
from bench.lib.push_keys import vapid_key_pair
from bench.pages_site import BARE_URL
from monquartier.accounts.models import User

CONNECTIONS = 16
PAGE_SECONDS = 10.0
QUICK_PAGE_SECONDS = 3.0
WARMUP_SECONDS = 1.5
MEMBERS_SAMPLED = 200
QUICK_MEMBERS_SAMPLED = 40
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/11")

# TARGETS.md, "member pages": ratios to the bare view of the same run (an absolute figure
# is not stable on these shared machines). Without the bare view's p95 (bench/api.py),
# the p95 falls back to the absolute TARGET_P95_MS.
TARGET_P95_MS = 20.0
TARGET_P95_RATIO = 2.0
TARGET_QUERIES = 8
TARGET_RATIO = 0.5

# What nginx adds in front of gunicorn (docs/deployment.md): the scheme, the visitor; and
# what a phone's browser or app asks for. The load client (aiohttp) asks for gzip by
# itself: the visits that prime the cache (http.client, which asks for `identity`) must
# too, or the API's first answer to each member in a phase is rendered again (its cached
# answer is stored compressed, and bound to whether the app takes gzip).
PROXY_HEADERS = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-For": "192.0.2.10",
    "Accept-Language": "fr",
    "Accept-Encoding": "gzip, deflate",
}


_row = functools.partial(figure, "pages")


def join_notes(*parts: str) -> str:
    return "; ".join(part for part in parts if part)


# --- the production-like environment --------------------------------------------------------


@dataclass
class Production:
    """The environment gunicorn (and collectstatic) get: DJANGO_ENV=production with every
    setting it requires, fresh secrets for the run."""

    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(64))
    webhook_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    vapid: tuple[str, str] = field(default_factory=vapid_key_pair)
    cache_url: str = CACHE_URL

    def environ(self, **extra: str) -> dict[str, str]:
        environ = {
            key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"
        }
        environ.pop("DEBUG", None)  # production refuses it on, and defaults it off
        # A server writes its bytecode files once and reads them at every start; without
        # them every process gunicorn starts compiles the whole application again.
        environ.pop("PYTHONDONTWRITEBYTECODE", None)
        environ.update(
            DJANGO_ENV="production",
            DJANGO_SETTINGS_MODULE="bench.pages_settings",
            SECRET_KEY=self.secret_key,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            DATABASE_URL=os.environ["DATABASE_URL"],
            CACHE_URL=self.cache_url,
            SMS_BACKEND="monquartier.outbox.sms.AfricasTalkingSMSBackend",
            SMS_WEBHOOK_SECRET=self.webhook_secret,
            USSD_WEBHOOK_SECRET=self.webhook_secret,
            SHOP_PAYMENT_API_KEY="bench",
            SHOP_PAYMENT_SITE_ID="bench",
            SHOP_PAYMENT_SECRET_KEY=self.webhook_secret,
            VAPID_PRIVATE_KEY=self.vapid[0],
            VAPID_PUBLIC_KEY=self.vapid[1],
            SITE_URL="https://127.0.0.1",
        )
        environ.update(extra)
        return environ


def _static_sources() -> list[Path]:
    roots = [
        Path(item[1] if isinstance(item, tuple) else item) for item in settings.STATICFILES_DIRS
    ]
    return [path for root in roots for path in root.rglob("*") if path.is_file()]


def collect_static(environ: dict[str, str]) -> float | None:
    """The hashed, compressed files WhiteNoise serves in production (docs/deployment.md).
    Skipped (None) when the manifest is newer than every source file: compressing them
    all again takes a minute."""
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists():
        newest = max((path.stat().st_mtime for path in _static_sources()), default=0.0)
        if newest < manifest.stat().st_mtime:
            return None
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "collectstatic", "--noinput"],
        env=environ,
        cwd=settings.BASE_DIR,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


# --- logging members in ---------------------------------------------------------------------


def open_sessions(members: Sequence[scale.Member], secret_key: str) -> dict[int, str]:
    """user id → the Cookie header of a session in the database session store, filled as
    django.contrib.auth.login does (user id, backend, hash of the password hash), signed
    with the server's SECRET_KEY."""
    users = User.objects.in_bulk([member.user_id for member in members])
    cookies = {}
    with override_settings(SECRET_KEY=secret_key):
        for member in members:
            user = users[member.user_id]
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            cookies[user.pk] = browser_cookies(session.session_key)
    return cookies


_CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def log_in_through_the_form(server: Gunicorn, email: str, password: str) -> tuple[int, float]:
    """A real log-in: the form's page (CSRF cookie and token), then the POST, checked by
    Argon2. (status of the POST, its duration in ms)."""
    client = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        client.request("GET", "/compte/login/", headers=PROXY_HEADERS)
        response = client.getresponse()
        page = response.read()
        cookie = "; ".join(
            value.split(";", 1)[0]
            for name, value in response.getheaders()
            if name.lower() == "set-cookie"
        )
        token = _CSRF_INPUT.search(page)
        if response.status != 200 or token is None:
            return response.status, 0.0
        origin = f"https://127.0.0.1:{server.port}"
        body = urlencode(
            {"csrfmiddlewaretoken": token.group(1).decode(), "login": email, "password": password}
        )
        started = time.perf_counter()
        client.request(
            "POST",
            "/compte/login/",
            body=body,
            headers={
                **PROXY_HEADERS,
                "Cookie": cookie,
                "Origin": origin,
                "Referer": f"{origin}/compte/login/",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        answer = client.getresponse()
        answer.read()
        return answer.status, (time.perf_counter() - started) * 1000
    finally:
        client.close()


# --- the client process ---------------------------------------------------------------------


class LoadClient:
    """bench/http_client.py in a child process (spawned: no Django in it)."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(
            target=http_client.serve, args=(child,), name="bench-http-client", daemon=True
        )
        self._process.start()
        if not self._connection.poll(60):
            raise RuntimeError("the HTTP client process did not start")
        self.pid: int = self._connection.recv()["pid"]

    def run(
        self,
        base: str,
        targets: Sequence[http_client.Target],
        *,
        connections: int,
        seconds: float,
        warmup: float = 0.0,
        seed: int = 1,
        timeout: float = 10.0,
    ) -> dict[str, Any]:
        self._connection.send(
            {
                "base": base,
                "targets": [vars(target) for target in targets],
                "headers": PROXY_HEADERS,
                "connections": connections,
                "seconds": seconds,
                "warmup": warmup,
                "seed": seed,
                "timeout": timeout,
            }
        )
        answer = self._connection.recv()
        if isinstance(answer, Exception):
            raise answer
        return answer

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._connection.send({"stop": True})
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(5)


# --- CPU accounting -------------------------------------------------------------------------


def _machine_busy_seconds() -> float | None:
    try:
        with open("/proc/stat") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except OSError:
        return None
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def _backend_database(pid: int) -> str | None:
    """The database a PostgreSQL backend serves, from its title
    ("postgres: user database host(port) state"); None for anything else."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            title = cmdline.read().replace(b"\0", b" ").decode(errors="replace").split()
    except OSError:
        return None
    if not title or title[0] != "postgres:":
        return None
    words = title[1:]
    if words and words[0].endswith(":"):  # the cluster's name ("15/main:"), when set
        words = words[1:]
    return words[1] if len(words) >= 3 else None


class DatabaseCpu(threading.Thread):
    """The CPU of the PostgreSQL backends serving one database, polled every 0.2 s while it
    runs: backends come and go with gunicorn's workers (max-requests), and a backend that
    exits takes its CPU time with it. A backend seen at the first poll counts from there,
    a newer one from its start; one that exits loses at most its last 0.2 s."""

    def __init__(self, database: str) -> None:
        super().__init__(daemon=True)
        self.database = database
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self._mine: dict[int, bool] = {}
        self._halt = threading.Event()
        self._first_poll = True
        self._tick = os.sysconf("SC_CLK_TCK")

    def _poll(self) -> None:
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            pid = int(entry)
            if pid not in self._mine:
                self._mine[pid] = _backend_database(pid) == self.database
            if not self._mine[pid]:
                continue
            cpu = cpu_of(pid, self._tick)
            if cpu is None:
                continue
            self.first.setdefault(pid, cpu if self._first_poll else 0.0)
            self.last[pid] = cpu
        self._first_poll = False

    def run(self) -> None:
        while not self._halt.is_set():
            self._poll()
            self._halt.wait(0.2)

    def finish(self) -> float:
        self._halt.set()
        self.join(5)
        self._poll()
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


@dataclass
class CpuShare:
    seconds: float
    server: float  # gunicorn, cores
    database: float  # PostgreSQL backends of the benchmark database, cores
    client: float
    others: float | None  # everything else on the machine, cores

    @property
    def server_cores(self) -> float:
        return self.server + self.database

    def note(self) -> str:
        cores = os.cpu_count() or 1
        text = (
            f"CPU in cores (of {cores}): gunicorn {self.server:.2f}, PostgreSQL {self.database:.2f}, "
            f"client {self.client:.2f}"
        )
        if self.others is not None:
            text += f", other processes {self.others:.2f}"
            if self.others >= 0.25:
                text += " (the machine was shared: run again on a quiet one)"
        return text


class Measure:
    """Where the CPU went during one phase."""

    def __init__(self, server: Gunicorn, database: str) -> None:
        self.server = server
        self.database = database

    def __enter__(self) -> "Measure":
        self._watch = DatabaseCpu(self.database)
        self._watch.start()
        self._busy = _machine_busy_seconds()
        self._server = self.server.cpu_seconds()
        self._own = sum(os.times()[:2])
        self._began = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.elapsed = time.perf_counter() - self._began
        self.server_seconds = self.server.cpu_seconds() - self._server
        self.database_seconds = self._watch.finish()
        self.own_seconds = sum(os.times()[:2]) - self._own
        busy = _machine_busy_seconds()
        self.busy_seconds = None if busy is None or self._busy is None else busy - self._busy

    def share(self, client_seconds: float, span: float) -> CpuShare:
        # The client measures its own span (without its start and stop); the rest over ours.
        elapsed = self.elapsed
        others = None
        if self.busy_seconds is not None:
            known = self.server_seconds + self.database_seconds + client_seconds + self.own_seconds
            others = max(self.busy_seconds - known, 0.0) / elapsed
        return CpuShare(
            seconds=span,
            server=self.server_seconds / elapsed,
            database=self.database_seconds / elapsed,
            client=client_seconds / elapsed,
            others=others,
        )


# --- phases ---------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    return float(np.percentile(np.array(values), q)) if values else None


@dataclass
class PhaseResult:
    label: str
    answers: int
    errors: int
    error_kinds: dict[str, int]
    seconds: float
    cpu: CpuShare
    server_ms: list[float]
    client_ms: list[float]
    app_ms: list[float]
    db_ms: list[float]
    queries: list[int]
    other_statuses: dict[str, int]
    by_label: dict[str, dict[str, Any]]

    @property
    def rate(self) -> float:
        return self.answers / self.seconds if self.seconds else 0.0

    @property
    def per_core(self) -> float | None:
        cores = self.cpu.server_cores
        return self.rate / cores if cores > 0 else None


def prime(server: Gunicorn, targets: Sequence[http_client.Target]) -> None:
    """Each target once, one after the other: the visit that a repeat visit repeats (a
    random warm-up reaches only some of them)."""
    address = urlsplit(server.base)
    connection_ = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    try:
        for target in targets:
            headers = {**PROXY_HEADERS, **target.headers}
            if target.cookie:
                headers["Cookie"] = target.cookie
            if target.authorization:
                headers["Authorization"] = target.authorization
            connection_.request("GET", target.url, headers=headers)
            connection_.getresponse().read()
    finally:
        connection_.close()


def run_phase(
    client: LoadClient,
    server: Gunicorn,
    label: str,
    targets: Sequence[http_client.Target],
    *,
    connections: int,
    seconds: float,
    warmup: float,
    seed: int,
    primed: bool = False,
) -> PhaseResult:
    if primed:
        prime(server, targets)
    if warmup:
        client.run(server.base, targets, connections=connections, seconds=warmup, seed=seed)
    offset = server.log_offset()
    with Measure(server, connection.settings_dict["NAME"]) as measure:
        result = client.run(
            server.base, targets, connections=connections, seconds=seconds, seed=seed + 1
        )
    time.sleep(0.2)  # the access log of the last requests
    server_ms, statuses = server.server_times(offset)
    merged: dict[str, Any] = {
        "answers": 0,
        "errors": 0,
        "error_kinds": {},
        "latencies_ms": [],
        "app_ms": [],
        "db_ms": [],
        "queries": [],
    }
    for stats in result["labels"].values():
        merged["answers"] += stats["answers"]
        merged["errors"] += stats["errors"]
        for kind, count in stats["error_kinds"].items():
            merged["error_kinds"][kind] = merged["error_kinds"].get(kind, 0) + count
        for key in ("latencies_ms", "app_ms", "db_ms", "queries"):
            merged[key] += stats[key]
    return PhaseResult(
        label=label,
        answers=merged["answers"],
        errors=merged["errors"],
        error_kinds=merged["error_kinds"],
        seconds=result["seconds"],
        cpu=measure.share(result["client_cpu_seconds"], result["seconds"]),
        server_ms=server_ms,
        client_ms=merged["latencies_ms"],
        app_ms=merged["app_ms"],
        db_ms=merged["db_ms"],
        queries=merged["queries"],
        other_statuses=statuses,
        by_label=result["labels"],
    )


# --- the benchmark --------------------------------------------------------------------------


@dataclass
class Site:
    """Everything a page benchmark needs running: the data, gunicorn, the client."""

    report: scale.Report
    members: list[scale.Member]
    cookies: dict[int, str]
    production: Production
    server: Gunicorn
    client: LoadClient
    log_dir: Path
    static_seconds: float | None
    login: tuple[int, float]

    def targets(self, page: str) -> list[http_client.Target]:
        return [
            http_client.Target(page, member.urls[page], self.cookies[member.user_id])
            for member in self.members
        ]

    def bare_targets(self) -> list[http_client.Target]:
        return [
            http_client.Target("bare", BARE_URL, self.cookies[member.user_id])
            for member in self.members
        ]

    def anonymous_bare_targets(self) -> list[http_client.Target]:
        return [http_client.Target("bare, no session", BARE_URL)]

    def phase(
        self,
        label: str,
        targets,
        *,
        connections: int,
        seconds: float,
        seed: int,
        primed: bool = False,
    ) -> "PhaseResult":
        """One timed phase of requests to `targets` (run_phase), announced. `primed`: each
        target visited once first (a repeat visit's phase)."""
        print(f"   {label}: {connections} connections for {seconds:g} s …", flush=True)
        return run_phase(
            self.client,
            self.server,
            label,
            targets,
            connections=connections,
            seconds=seconds,
            warmup=WARMUP_SECONDS,
            seed=seed,
            primed=primed,
        )

    def close(self, keep_logs: bool = False) -> None:
        self.client.close()
        self.server.stop()
        if keep_logs:
            print(f"   gunicorn logs kept in {self.log_dir}", flush=True)
        else:
            shutil.rmtree(self.log_dir, ignore_errors=True)


def start_site(options: argparse.Namespace, sampled: int, label: str) -> Site:
    """Data, sessions, collected static files, gunicorn and the client process."""
    report = scale.ensure_loaded(options)
    seed = getattr(options, "seed", 1)
    members = scale.sample_members(sampled, seed)
    production = Production()
    log_dir = Path(tempfile.mkdtemp(prefix=f"bench-{label}-"))
    print("   collecting static files (production storage) …", flush=True)
    static_seconds = collect_static(
        production.environ(DJANGO_SETTINGS_MODULE="monquartier.settings")
    )
    cookies = open_sessions(members, production.secret_key)
    server = Gunicorn(production.environ(), log_dir)  # the guide's 2 × cores workers
    print(
        f"   gunicorn: {server.workers} workers × {server.threads} threads on port {server.port} …",
        flush=True,
    )
    server.start()
    try:
        login = log_in_through_the_form(server, members[0].email, scale.PASSWORD)
        client = LoadClient()
    except Exception:
        server.stop()
        raise
    return Site(
        report, members, cookies, production, server, client, log_dir, static_seconds, login
    )


def warm_up(
    site: Site,
    pages: Sequence[str],
    seconds: float,
    connections: int,
    seed: int,
    *,
    extra: Sequence[http_client.Target] = (),
) -> None:
    """Every page of every sampled member (and the `extra` targets), as a running server
    has seen them: templates compiled, connections open, the members' rows in
    PostgreSQL's buffers."""
    targets = [target for page in pages for target in site.targets(page)] + list(extra)
    site.client.run(site.server.base, targets, connections=connections, seconds=seconds, seed=seed)


# Each page twice (issue 16, item 1): a plain GET, which the page cache (core/pagecache.py)
# answers when the member saw the page and it has not changed ("repeat visit": each member
# visits each page once before the phase; the row ids of the runs before the variants), and the same GET carrying what a browser's reload sends,
# `Cache-Control: no-cache`, which must render the page ("rendered"). (id suffix, name, headers)
VARIANTS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("", "repeat visit", {}),
    ("rendered", "rendered (Cache-Control: no-cache)", http_client.RENDER),
)


def with_headers(
    targets: Sequence[http_client.Target], headers: dict[str, str]
) -> list[http_client.Target]:
    return [
        dataclasses.replace(target, headers={**target.headers, **headers}) for target in targets
    ]


def agent_targets(town: pages_agents.TownHallSite) -> dict[str, list[http_client.Target]]:
    """page → one target per agent of the partner town hall."""
    return {
        page: [http_client.Target(page, url, town.cookies[agent.pk]) for agent in town.agents]
        for page, url in town.urls().items()
    }


def mean_p95(*phases: PhaseResult) -> float | None:
    """The mean of the phases' server-time p95 (the bare view's, before and after)."""
    values = [
        value for value in (percentile(item.server_ms, 95) for item in phases) if value is not None
    ]
    return sum(values) / len(values) if values else None


def ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} ms"


def page_rows(
    page: str,
    result: PhaseResult,
    bare_per_core: float | None,
    bare_rate: float,
    bare_p95: float | None = None,
    *,
    name: str = "",
    benchmark: str = "pages",
) -> list[dict[str, Any]]:
    """The four rows of a page: ids from `benchmark` and `page`, names from `name` (`page`
    if empty). Another benchmark measuring the same pages (bench/api.py) names itself, so
    that a full run's ids stay unique."""
    name = name or page
    row = functools.partial(figure, benchmark)
    per_core = result.per_core
    p50, p95 = percentile(result.server_ms, 50), percentile(result.server_ms, 95)
    c50, c95 = percentile(result.client_ms, 50), percentile(result.client_ms, 95)
    a95 = percentile(result.app_ms, 95)
    db50 = percentile(result.db_ms, 50)
    ratio = per_core / bare_per_core if per_core and bare_per_core else None
    p95_limit = TARGET_P95_RATIO * bare_p95 if bare_p95 else TARGET_P95_MS
    p95_target = (
        f"≤ {TARGET_P95_RATIO:g} × bare ({p95_limit:.1f} ms)"
        if bare_p95
        else f"≤ {TARGET_P95_MS:g} ms"
    )
    most = max(result.queries) if result.queries else None
    least = min(result.queries) if result.queries else None
    errors = join_notes(
        f"{result.errors} errors: {result.error_kinds}" if result.errors else "",
        f"statuses other than 200 in the access log: {result.other_statuses}"
        if result.other_statuses
        else "",
    )
    return [
        row(
            f"{page}.per_core",
            f"{name}: requests/s per core",
            per_core,
            "req/s",
            # No target of its own (TARGETS.md: the ratio decides); errors still fail it.
            passed=not result.errors,
            note=join_notes(
                f"{result.rate:.0f} req/s over {result.seconds:.1f} s ({result.answers} answers) "
                f"÷ {result.cpu.server_cores:.2f} cores used by gunicorn and PostgreSQL",
                result.cpu.note(),
                errors,
            ),
        ),
        row(
            f"{page}.p95",
            f"{name}: server time p95",
            p95,
            "ms",
            target=p95_target,
            passed=p95 is not None and p95 <= p95_limit,
            note=(
                f"gunicorn's request time (%(D)s): p50 {ms(p50)}; Django (Server-Timing) p95 "
                f"{ms(a95)}, SQL p50 {ms(db50)}; seen by the client (queueing included): "
                f"p50 {ms(c50)}, p95 {ms(c95)}"
            ),
        ),
        row(
            f"{page}.queries",
            f"{name}: SQL queries",
            most,
            target=f"≤ {TARGET_QUERIES}",
            passed=most is not None and most <= TARGET_QUERIES,
            note=f"the most any request of the page sent (the fewest: {least}), counted in the server",
        ),
        row(
            f"{page}.ratio",
            f"{name}: share of the bare view's throughput",
            None if ratio is None else 100 * ratio,
            "%",
            target=f"≥ {100 * TARGET_RATIO:g} %",
            passed=ratio is not None and ratio >= TARGET_RATIO,
            note=(
                f"per core, against the bare view's {bare_per_core:.0f} req/s per core"
                if bare_per_core
                else ""
            )
            + (f"; in raw req/s: {100 * result.rate / bare_rate:.0f} %" if bare_rate else ""),
        ),
    ]


def run(options: argparse.Namespace) -> list[dict[str, Any]]:
    if connection.vendor != "postgresql":
        raise RuntimeError("the page benchmark needs PostgreSQL")
    quick = bool(getattr(options, "quick", False))
    seed = getattr(options, "seed", 1)
    connections = getattr(options, "connections", None) or CONNECTIONS
    seconds = getattr(options, "page_seconds", None) or (
        QUICK_PAGE_SECONDS if quick else PAGE_SECONDS
    )
    sampled = QUICK_MEMBERS_SAMPLED if quick else MEMBERS_SAMPLED
    site = start_site(options, sampled, "pages")
    rows: list[dict[str, Any]] = []
    keep_logs = False
    try:
        print("   partner town hall, agents, dashboard aggregate …", flush=True)
        town = pages_agents.prepare(site.production.secret_key)
        by_page = {page: site.targets(page) for page in scale.PAGES} | agent_targets(town)
        print("   warming up …", flush=True)
        warm_up(
            site,
            scale.PAGES,
            2 * WARMUP_SECONDS,
            connections,
            seed,
            extra=[target for page in pages_agents.AGENT_PAGES for target in by_page[page]],
        )

        phase = partial(site.phase, connections=connections, seconds=seconds, seed=seed)

        bare_before = phase("bare view", site.bare_targets())
        # (row id, row name) → the phase
        results = {
            (f"{page}.{suffix}" if suffix else page, f"{page}, {name}"): phase(
                f"{page}, {name}", with_headers(targets, headers), primed=not suffix
            )
            for page, targets in by_page.items()
            for suffix, name, headers in VARIANTS
        }
        bare_after = phase("bare view", site.bare_targets())
        anonymous = phase("bare view, no session", site.anonymous_bare_targets())
        bare_rates = [item.rate for item in (bare_before, bare_after)]
        per_cores = [item.per_core for item in (bare_before, bare_after) if item.per_core]
        bare_rate = sum(bare_rates) / 2
        bare_per_core = sum(per_cores) / len(per_cores) if per_cores else None
        rows += info_rows(site, connections, seconds)
        rows.append(town_hall_row(town))
        rows.append(
            _row(
                "bare.per_core",
                "bare Django view: requests/s per core",
                bare_per_core,
                "req/s",
                note=join_notes(
                    f"HttpResponse('ok') through every middleware, mean of a run before the "
                    f"pages ({bare_before.per_core or 0:.0f} per core, {bare_before.rate:.0f} req/s) and "
                    f"after them ({bare_after.per_core or 0:.0f}, {bare_after.rate:.0f} req/s)",
                    bare_before.cpu.note(),
                    f"server time p95 {ms(percentile(bare_before.server_ms, 95))} before, "
                    f"{ms(percentile(bare_after.server_ms, 95))} after (the pages' p95 target: "
                    f"{TARGET_P95_RATIO:g} × their mean)",
                ),
            )
        )
        rows.append(
            _row(
                "bare_anonymous.per_core",
                "bare Django view without a session: requests/s per core",
                anonymous.per_core,
                "req/s",
                note=join_notes(
                    f"the same view for a visitor (no cookie: no session nor user to load), "
                    f"{anonymous.rate:.0f} req/s; for reference, not the ratios' base",
                    anonymous.cpu.note(),
                ),
            )
        )
        bare_p95 = mean_p95(bare_before, bare_after)
        for (key, name), result in results.items():
            rows += page_rows(key, result, bare_per_core, bare_rate, bare_p95, name=name)
        phases = [bare_before, *results.values(), bare_after, anonymous]
        errors = sum(item.errors for item in phases)
        rows.append(
            _row(
                "errors",
                "pages: errors (not 200, timeouts, broken connections)",
                errors,
                target="0",
                passed=errors == 0,
                note="; ".join(
                    f"{item.label}: {item.error_kinds}" for item in phases if item.errors
                ),
            )
        )
    except Exception:
        keep_logs = True
        raise
    finally:
        site.close(keep_logs)
    return rows


def town_hall_row(town: pages_agents.TownHallSite) -> dict[str, Any]:
    return _row(
        "town_hall",
        "pages: partner town hall (console, dashboard)",
        town.town_hall.name,
        note=(
            f"the commune with the most communities ({town.communities}), made a partner for "
            f"the benchmark (bench/pages_agents.py, kept for the next run); {len(town.agents)} "
            f"agents with an authenticator app (TOTP), each request for a random one, logged "
            f"in by sessions written as the log-in leaves them after the password and the code "
            f"(allauth's records of both steps); the dashboard's daily aggregate brought up to "
            f"date by the scheduler's job (townhalls.stats.update: {town.aggregate}) in "
            f"{town.aggregate_seconds:.1f} s; both pages with their default filters"
        ),
    )


def info_rows(site: Site, connections: int, seconds: float) -> list[dict[str, Any]]:
    status, login_ms = site.login
    community_sizes = {}
    for member in site.members:
        community_sizes[member.community_id] = community_sizes.get(member.community_id, 0) + 1
    return [
        _row(
            "setup",
            "pages: server",
            f"gunicorn {site.server.workers}×{site.server.threads}",
            note=(
                f"{' '.join(site.server.command[2:])}; DJANGO_ENV=production (DEBUG off, "
                f"WhiteNoise with collected hashed files — "
                + (
                    "collectstatic skipped: up to date"
                    if site.static_seconds is None
                    else f"collectstatic {site.static_seconds:.1f} s"
                )
                + f" —, "
                f"cache {site.production.cache_url}, Argon2, secure cookies; the client sends "
                f"X-Forwarded-Proto: https as nginx does), sessions read through Redis (cached_db); settings "
                f"bench/pages_settings.py = the project's + a Server-Timing middleware and the "
                f"bare view"
            ),
        ),
        _row(
            "members",
            "pages: members sampled",
            len(site.members),
            note=(
                f"from the scale data ({site.report.members} members, {site.report.communities} "
                f"communities); {len(community_sizes)} communities, 10 % of the members from the "
                f"largest ({site.report.largest_community} members); logged in by sessions written "
                f"into the session store; a real log-in through the form answered {status} in "
                f"{login_ms:.0f} ms (Argon2); {connections} concurrent connections, "
                f"{seconds:g} s per page after {WARMUP_SECONDS:g} s of warm-up, a new connection "
                f"per request (nginx's default to its upstream)"
            ),
        ),
    ]
