"""What a member feels on 2G (TARGETS.md, "2G"): Chromium on an emulated 2G network and a
slow phone, against the site served as in production.

Targets: an alert's page readable ≤ 2 s on a repeat visit and ≤ 4 s on a first visit
(opened from its notification's link, /alertes/<id>/); sending an alert confirmed ≤ 3 s.
The home page is measured too, for information.

The server is bench/weight.py's: a database of its own (BENCH_DATABASE_URL's name +
"_twog", made afresh and dropped at the end, kept with --keep), DJANGO_ENV=production,
static files collected with WhiteNoise's compressed manifest storage, gunicorn as
docs/deployment.md runs it, Debian's nginx in front with the guide's server block
(bench/lib/nginx.py), whose access log gives the bytes each visit cost on the wire. The
data are small: the demo's people and communities, some alerts and posts in each; the
member is a plain member (not a référent) of "Riviera 2".

The phone: the browser tests' Chromium and screen (tests/chromium.py, tests/browser/conftest.py), the
network emulated through the DevTools protocol (Network.emulateNetworkConditions: 250
kbit/s down, 50 kbit/s up, 300 ms added to every request, which Chromium applies per
request rather than per round trip) on the page *and* on the service worker — the
page's emulation does not reach what the worker fetches, so the benchmark attaches to
every service-worker target and emulates there too; the CPU slowed 4 × (Emulation.
setCPUThrottlingRate) to stand in for a cheap Android phone.

Visits, each run:
- first visit: a new browser profile with only the session cookie (empty cache, no
  service worker), once for each measurement;
- repeat visit: one profile per run that has visited the home page, the alert list, an
  alert and the launch page, with the service worker installed and controlling the
  pages; then a *new* alert is opened (as from its notification), the home page, and
  an alert is sent.

Figures per visit, from the navigation's start (for the sending: the tap on "Envoyer
l'alerte", which starts the POST's navigation; the redirect to the alert is part of it):
- shown: the later of (a) the element in the document, visible and not empty (the
  alert's text, the home page's first alert, the confirmation message), polled at every
  animation frame, and (b) the first contentful paint — nothing is on the screen before
  it, and Chromium runs frame callbacks while a style sheet still blocks the paint;
- the navigation's responseEnd (the HTML's last byte) and first contentful paint;
- the bytes nginx sent for the visit, headers included, the service worker's requests
  included, until the network was quiet for a second after the load event.
Median and worst of the runs; the targets are judged on the median.
"""

import argparse
import contextlib
import functools
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bench.lib.database import (
    admin_connection,
    create_database,
    database_exists,
    drop_database,
    url_with_name,
)
from bench.lib.figures import figure
from bench.lib.gunicorn import Gunicorn
from bench.lib.nginx import Nginx, readable_by_nginx
from bench.lib.processes import free_port
from bench.weight import PHONE, log_in, manage, production_environment
from tests.chromium import CHROMIUM, CHROMIUM_ARGS

DATABASE_SUFFIX = "_twog"
RUNS = 5
QUICK_RUNS = 2
KB = 1024

# The network and the phone (TARGETS.md, "2G").
DOWN_KBIT = 250
UP_KBIT = 50
LATENCY_MS = 300
CPU_SLOWDOWN = 4

ALERT_FIRST_TARGET_S = 4.0
ALERT_REPEAT_TARGET_S = 2.0
SEND_TARGET_S = 3.0

# What "shown" means on each page.
ALERT_TEXT = ".alert-text-large"
HOME_CONTENT = ".alert-list .alert-text"
CONFIRMATION = ".message--success"

# After the load event, a visit's bytes are counted until nginx saw nothing for this long.
QUIET_S = 1.0
WAIT_MS = 60_000
# send_alert lets a member send 5 alerts in 10 minutes (settings.FLOOD_LIMITS): each
# sender sends at most this many.
SENDS_PER_SENDER = 4

_row = functools.partial(figure, "2g")


@dataclass(frozen=True)
class Network:
    """What Chromium is told to emulate; None: no emulation (the quick test)."""

    down_kbit: float = DOWN_KBIT
    up_kbit: float = UP_KBIT
    latency_ms: float = LATENCY_MS
    cpu_slowdown: float = CPU_SLOWDOWN

    def conditions(self) -> dict[str, Any]:
        return {
            "offline": False,
            "latency": self.latency_ms,
            # bytes per second
            "downloadThroughput": self.down_kbit * 1000 / 8,
            "uploadThroughput": self.up_kbit * 1000 / 8,
        }

    def describe(self) -> str:
        return (
            f"{self.down_kbit:g} kbit/s down, {self.up_kbit:g} kbit/s up, {self.latency_ms:g} ms "
            f"latency per request, CPU {self.cpu_slowdown:g} × slower (a cheap Android phone)"
        )


@dataclass
class Measure:
    """One timed visit: `readable_ms` is what the figures use (see shown())."""

    readable_ms: float
    shown_ms: float
    wall_ms: float
    response_end_ms: float | None
    fcp_ms: float | None
    bytes: int
    requests: list[str]
    redirects: int = 0
    through_worker: bool = False


@dataclass
class Series:
    key: str
    name: str
    target_s: float | None
    measures: list[Measure] = field(default_factory=list)


# --- data (runs in `manage.py shell`, against the benchmark's database) -----------------


def create_data(senders: int = 3) -> dict[str, Any]:
    """The demo's people, communities, alerts and posts; the member who reads, those who
    send (plain members of Riviera 2, with a real password hash), the alerts they open."""
    from django.test.utils import override_settings

    from monquartier.accounts.demo import DEMO_PASSWORD, create_demo_people
    from monquartier.alerts.demo import create_demo_alerts
    from monquartier.alerts.models import Alert
    from monquartier.communities.demo import COMMUNITY_NAMES, create_demo_communities
    from monquartier.communities.models import Community, Membership
    from monquartier.gazette.demo import create_demo_posts

    # A fast hash for the demo people; the members the browser logs in as get a real one.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        create_demo_people(count=64)
    create_demo_communities()
    create_demo_alerts(per_community=14)
    create_demo_posts(per_community=3)
    community = Community.objects.get(name=COMMUNITY_NAMES["Riviera 2"])
    members = [
        membership.user
        for membership in Membership.objects.active()
        .filter(community=community, is_referent=False, user__email__gt="")
        .select_related("user")
        .order_by("joined_at", "pk")
    ]
    if len(members) < 1 + senders:
        raise RuntimeError(f"Riviera 2 has {len(members)} plain members, {1 + senders} needed")
    people = members[: 1 + senders]
    for person in people:
        person.set_password(DEMO_PASSWORD)
        person.save(update_fields=["password"])
    alerts = list(
        Alert.objects.visible()
        .filter(community=community)
        .order_by("-created_at")
        .values_list("pk", flat=True)
    )
    return {
        "password": DEMO_PASSWORD,
        "reader": people[0].email,
        "senders": [person.email for person in people[1:]],
        "alerts": alerts,
        "community": community.name,
        "members": len(members),
    }


def load_data(senders: int = 3) -> None:
    """create_data() in `manage.py shell`, then a line `TWOG-DATA {json}`."""
    print("TWOG-DATA " + json.dumps(create_data(senders)), flush=True)


def prepare(env: dict[str, str], database: str, workdir: Path, keep: bool, senders: int) -> dict:
    data_file = Path(tempfile.gettempdir()) / f"bench-{database}.json"
    with admin_connection(os.environ["DATABASE_URL"]) as connection:
        exists = database_exists(connection, database)
    if keep and exists and data_file.exists():
        data = json.loads(data_file.read_text())
        if len(data["senders"]) >= senders:
            print(f"   reusing database {database} (--keep)", flush=True)
            # The alerts a previous run sent would count in this run's flood limits.
            manage(env, "shell", "-c", BACKDATE % {"since": max(data["alerts"])})
            return data
    print(f"   database {database}: migrating and loading the data …", flush=True)
    create_database(os.environ["DATABASE_URL"], database)
    manage(env, "migrate", "--noinput")
    manage(env, "createcachetable")
    output = manage(
        env, "shell", "-c", f"from bench.two_g import load_data; load_data(senders={senders})"
    )
    data = json.loads(output.split("TWOG-DATA ", 1)[1].splitlines()[0])
    data_file.write_text(json.dumps(data))
    return data


BACKDATE = (
    "import datetime; from django.utils import timezone; "
    "from monquartier.alerts.models import Alert; "
    "Alert.objects.filter(pk__gt=%(since)d).update("
    "created_at=timezone.now() - datetime.timedelta(days=1))"
)


# --- the phone --------------------------------------------------------------------------


class Emulation:
    """The emulated network and CPU on every page and service worker of the browser.

    Service workers are reached through the browser's DevTools session (Target.
    attachToTarget, then messages sent into the target's session): Playwright's own
    sessions are for pages only."""

    def __init__(self, browser, network: Network | None) -> None:
        self.network = network
        self.session = browser.new_browser_cdp_session() if network else None
        self.workers: dict[str, str] = {}  # target id → session id
        self.sequence = 0

    def page(self, page) -> None:
        if self.network is None:
            return
        devtools = page.context.new_cdp_session(page)
        devtools.send("Network.enable")
        devtools.send("Network.emulateNetworkConditions", self.network.conditions())
        devtools.send("Emulation.setCPUThrottlingRate", {"rate": self.network.cpu_slowdown})

    def _to_worker(self, session_id: str, method: str, params: dict) -> None:
        self.sequence += 1
        message = {"id": self.sequence, "method": method, "params": params}
        self.session.send(
            "Target.sendMessageToTarget", {"sessionId": session_id, "message": json.dumps(message)}
        )

    def service_workers(self) -> int:
        """Emulate on every service worker running now; how many there are."""
        if self.network is None or self.session is None:
            return 0
        targets = self.session.send("Target.getTargets")["targetInfos"]
        workers = [target for target in targets if target["type"] == "service_worker"]
        for target in workers:
            session_id = self.workers.get(target["targetId"])
            if session_id is None:
                session_id = self.session.send(
                    "Target.attachToTarget", {"targetId": target["targetId"], "flatten": False}
                )["sessionId"]
                self.workers[target["targetId"]] = session_id
            self._to_worker(session_id, "Network.enable", {})
            self._to_worker(
                session_id, "Network.emulateNetworkConditions", self.network.conditions()
            )
        return len(workers)


SHOWN_SCRIPT = """(selector) => {
  const element = document.querySelector(selector);
  if (!element || !element.textContent.trim() || !element.checkVisibility()) return null;
  return performance.now();
}"""
TIMING_SCRIPT = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  return {responseEnd: nav ? nav.responseEnd : null, redirects: nav ? nav.redirectCount : 0,
          worker: nav ? nav.workerStart > 0 : false, fcp: paint ? paint.startTime : null};
}"""
WORKER_CONTROLS_SCRIPT = """async () => {
  if (!("serviceWorker" in navigator)) return false;
  await Promise.race([navigator.serviceWorker.ready, new Promise((r) => setTimeout(r, 20000))]);
  for (let i = 0; i < 200 && !navigator.serviceWorker.controller; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return navigator.serviceWorker.controller !== null;
}"""


class VisitTimedOut(RuntimeError):
    """A visit did not finish within WAIT_MS; the message says what was still loading."""


class Loading:
    """The requests a page has started and not finished, as the browser saw them."""

    def __init__(self, page) -> None:
        self.page = page
        self.began = time.perf_counter()
        self.pending: dict[Any, float] = {}
        self.failed: list[str] = []
        self._handlers = {
            "request": self._started,
            "requestfinished": self._done,
            "requestfailed": self._failed,
        }
        for event, handler in self._handlers.items():
            page.on(event, handler)

    def _started(self, request) -> None:
        self.pending[request] = time.perf_counter()

    def _done(self, request) -> None:
        self.pending.pop(request, None)

    def _failed(self, request) -> None:
        self.pending.pop(request, None)
        self.failed.append(f"{request.method} {request.url} ({request.failure})")

    def close(self) -> None:
        for event, handler in self._handlers.items():
            self.page.remove_listener(event, handler)

    def report(self, proxy: Nginx, mark: int) -> str:
        now = time.perf_counter()
        lines = [f"after {now - self.began:.1f} s, the browser still waited for:"]
        lines += [
            f"  {request.method} {request.url} (a {request.resource_type}, "
            f"for {now - started:.1f} s)"
            for request, started in self.pending.items()
        ] or ["  nothing"]
        lines += ["failed:", *(f"  {line}" for line in self.failed)] if self.failed else []
        lines.append("nginx answered meanwhile (status, its time, the app's time):")
        lines += [
            f"  {exchange.method} {exchange.path} {exchange.status} "
            f"{exchange.seconds:.3f} s {exchange.upstream or '-'}"
            for exchange in proxy.since(mark)
        ] or ["  nothing"]
        with contextlib.suppress(Exception):
            lines.append(f"nginx had {proxy.in_flight()} request(s) in flight")
        errors = proxy.errors().strip()
        lines.append(f"nginx's error log: {errors or 'empty'}")
        # The tests' live server answers from threads of this process: where they are.
        names = {thread.ident: thread.name for thread in threading.enumerate()}
        for ident, frame in sys._current_frames().items():
            if ident not in (threading.main_thread().ident, threading.get_ident()):
                stack = "".join(traceback.format_stack(frame, limit=8))
                lines.append(f"thread {names.get(ident, ident)}, where it is:\n{stack}")
        return "\n".join(lines)


def visit(page, proxy: Nginx, path: str, wait_until: str = "load", again: bool = False) -> None:
    """page.goto(path); when it times out, VisitTimedOut says which requests the browser
    still waited for, what nginx answered meanwhile and where the server's threads were.
    With `again` (a visit that only prepares a measurement), a timeout is reported as a
    warning and the visit made once more."""
    mark, loading = proxy.mark(), Loading(page)
    try:
        page.goto(path, wait_until=wait_until, timeout=WAIT_MS)
    except PlaywrightTimeoutError as error:
        report = f"{path}: {error}\n{loading.report(proxy, mark)}"
        if not again:
            raise VisitTimedOut(report) from error
        print(report, flush=True)
        warnings.warn(f"visited again after a timeout: {report}", stacklevel=2)
    else:
        return
    finally:
        loading.close()
    visit(page, proxy, path, wait_until)


def shown(page, selector: str) -> float:
    """performance.now() (from the navigation's start) when `selector` is in the page,
    visible and not empty; polled at every animation frame, across navigations. Chromium
    may run a frame's callbacks before it paints anything (while a style sheet is still
    on its way): what the figures use is the later of this and the first contentful
    paint."""
    handle = page.wait_for_function(SHOWN_SCRIPT, arg=selector, polling="raf", timeout=WAIT_MS)
    return float(handle.json_value())


def settle(page, proxy: Nginx) -> dict[str, Any]:
    with contextlib.suppress(Exception):
        page.wait_for_load_state("load", timeout=WAIT_MS)
    proxy.wait_quiet(QUIET_S, timeout_s=30)
    return page.evaluate(TIMING_SCRIPT)


def finish(page, proxy: Nginx, mark: int, shown_ms: float, began: float) -> Measure:
    wall_ms = 1000 * (time.perf_counter() - began)
    timing = settle(page, proxy)
    exchanges = proxy.since(mark)
    fcp = timing["fcp"]
    return Measure(
        # Nothing is on the screen before the first contentful paint.
        readable_ms=max(shown_ms, fcp) if fcp is not None else shown_ms,
        shown_ms=shown_ms,
        wall_ms=wall_ms,
        response_end_ms=timing["responseEnd"],
        fcp_ms=timing["fcp"],
        bytes=sum(exchange.wire_bytes for exchange in exchanges),
        requests=[
            f"{exchange.method} {exchange.path.split('?')[0]} {exchange.status} "
            f"{exchange.wire_bytes} B"
            for exchange in exchanges
        ],
        redirects=timing["redirects"],
        through_worker=timing["worker"],
    )


def open_page(page, proxy: Nginx, emulation: Emulation, path: str, selector: str) -> Measure:
    emulation.service_workers()
    mark = proxy.mark()
    began = time.perf_counter()
    visit(page, proxy, path, wait_until="commit")
    return finish(page, proxy, mark, shown(page, selector), began)


def send_alert(page, proxy: Nginx, emulation: Emulation, text: str) -> Measure:
    """On the launch page (already open): fill the form, tap send, until confirmed."""
    page.locator("input[name=category]").first.check()
    page.locator("textarea[name=text]").fill(text)
    emulation.service_workers()
    proxy.wait_quiet(0.3, timeout_s=10)
    mark = proxy.mark()
    began = time.perf_counter()
    page.get_by_role("button", name="Envoyer l'alerte").click(no_wait_after=True)
    return finish(page, proxy, mark, shown(page, CONFIRMATION), began)


def new_page(browser, base_url: str, state: dict, emulation: Emulation):
    context = browser.new_context(base_url=base_url, storage_state=state, **PHONE)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    emulation.page(page)
    return context, page


# --- the runs ---------------------------------------------------------------------------


def sign_in(browser, base_url: str, data: dict, senders: int) -> dict[str, dict]:
    """email → the browser state (session cookie) of each member, signed in through the
    form, without emulation."""
    people = [data["reader"], *data["senders"][:senders]]
    return {email: log_in(browser, base_url, email, data["password"]) for email in people}


def measure(
    browser, proxy: Nginx, data: dict, states: dict[str, dict], runs: int, network: Network | None
) -> tuple[dict[str, Series], list[str]]:
    emulation = Emulation(browser, network)
    series = {
        key: Series(key, name, target)
        for key, name, target in [
            ("alert.first", "alert from its notification, first visit", ALERT_FIRST_TARGET_S),
            ("alert.repeat", "alert from its notification, repeat visit", ALERT_REPEAT_TARGET_S),
            ("home.first", "home page, first visit", None),
            ("home.repeat", "home page, repeat visit", None),
            ("send.first", "sending an alert, first visit", SEND_TARGET_S),
            ("send.repeat", "sending an alert, repeat visit", SEND_TARGET_S),
        ]
    }
    reader = states[data["reader"]]
    alerts = data["alerts"]
    problems: list[str] = []
    sends = 0

    def sender() -> dict:
        nonlocal sends
        email = data["senders"][sends // SENDS_PER_SENDER]
        sends += 1
        return states[email]

    for run in range(runs):
        print(f"   run {run + 1}/{runs}: first visits …", flush=True)
        first_alert, warm_alert, repeat_alert = (
            alerts[(3 * run + offset) % len(alerts)] for offset in range(3)
        )
        context, page = new_page(browser, proxy.url, reader, emulation)
        series["alert.first"].measures.append(
            open_page(page, proxy, emulation, f"/alertes/{first_alert}/", ALERT_TEXT)
        )
        context.close()
        context, page = new_page(browser, proxy.url, reader, emulation)
        series["home.first"].measures.append(open_page(page, proxy, emulation, "/", HOME_CONTENT))
        context.close()
        context, page = new_page(browser, proxy.url, sender(), emulation)
        visit(page, proxy, "/alertes/lancer/", again=True)
        series["send.first"].measures.append(
            send_alert(
                page,
                proxy,
                emulation,
                f"Moto sans plaque devant l'école, deux hommes en noir ({run + 1}, première visite)",
            )
        )
        context.close()

        print(f"   run {run + 1}/{runs}: repeat visits …", flush=True)
        context, page = new_page(browser, proxy.url, sender(), emulation)
        for path in ("/", "/alertes/", f"/alertes/{warm_alert}/", "/alertes/lancer/"):
            emulation.service_workers()
            visit(page, proxy, path, again=True)
            if not page.evaluate(WORKER_CONTROLS_SCRIPT):
                problems.append(f"run {run + 1}: no service worker controls {path}")
        proxy.wait_quiet(QUIET_S, timeout_s=30)
        if not emulation.service_workers():
            problems.append(f"run {run + 1}: no service worker to emulate the network in")
        # The launch page is open and the cache warm: send first, then read.
        series["send.repeat"].measures.append(
            send_alert(
                page,
                proxy,
                emulation,
                f"Moto sans plaque devant l'école, deux hommes en noir ({run + 1}, visite suivante)",
            )
        )
        series["alert.repeat"].measures.append(
            open_page(page, proxy, emulation, f"/alertes/{repeat_alert}/", ALERT_TEXT)
        )
        series["home.repeat"].measures.append(open_page(page, proxy, emulation, "/", HOME_CONTENT))
        context.close()
    return series, problems


def _s(ms: float | None) -> str:
    return "—" if ms is None else f"{ms / 1000:.2f} s"


def _median(values: list[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return statistics.median(known) if known else None


def series_rows(item: Series, network: Network | None) -> list[dict[str, Any]]:
    measures = item.measures
    if not measures:
        return [
            _row(f"{item.key}.shown", f"2G: {item.name}", None, target="measured", passed=False)
        ]
    shown_values = [m.readable_ms for m in measures]
    median_s = statistics.median(shown_values) / 1000
    worst_s = max(shown_values) / 1000
    worst = max(measures, key=lambda m: m.readable_ms)
    target = f"≤ {item.target_s:g} s" if item.target_s is not None else None
    passed = item.target_s is None or median_s <= item.target_s
    what = "confirmation shown" if item.key.startswith("send") else "content shown"
    runs = ", ".join(_s(value) for value in shown_values)
    first = measures[0]
    return [
        _row(
            f"{item.key}.shown.median",
            f"2G: {item.name}: {what}, median",
            round(median_s, 2),
            "s",
            target=target,
            passed=passed,
            note=(
                f"{len(measures)} runs: {runs} (the later of the element shown and the first "
                f"contentful paint; the element alone: {', '.join(_s(m.shown_ms) for m in measures)}; "
                f"seen from Playwright, tap or navigation to the wait's end: "
                f"{', '.join(_s(m.wall_ms) for m in measures)}); "
                + (network.describe() if network else "no network emulation")
                + (f"; {first.redirects} redirect" if first.redirects else "")
                + ("; served through the service worker" if first.through_worker else "")
            ),
        ),
        _row(
            f"{item.key}.shown.worst",
            f"2G: {item.name}: {what}, worst",
            round(worst_s, 2),
            "s",
            note=(
                (f"the target ({target}) is judged on the median; " if target else "")
                + f"the worst run's requests: {'; '.join(worst.requests) or 'none'}"
            ),
        ),
        _row(
            f"{item.key}.response_end",
            f"2G: {item.name}: navigation's responseEnd, median",
            round(_median([m.response_end_ms for m in measures]) / 1000, 2)
            if _median([m.response_end_ms for m in measures]) is not None
            else None,
            "s",
            note="the last byte of the page's HTML, from the navigation's start",
        ),
        _row(
            f"{item.key}.fcp",
            f"2G: {item.name}: first contentful paint, median",
            round(_median([m.fcp_ms for m in measures]) / 1000, 2)
            if _median([m.fcp_ms for m in measures]) is not None
            else None,
            "s",
            note=f"runs: {', '.join(_s(m.fcp_ms) for m in measures)}",
        ),
        _row(
            f"{item.key}.bytes",
            f"2G: {item.name}: bytes transferred, median",
            round(statistics.median(m.bytes for m in measures) / KB, 1),
            "KB",
            note=(
                "as nginx sent them (headers included, service worker's requests included), "
                f"until the network was quiet for {QUIET_S:g} s after the load event; first run: "
                + ("; ".join(first.requests) or "nothing")
            ),
        ),
    ]


def run(options: argparse.Namespace) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    runs = getattr(options, "browser_runs", None) or (
        QUICK_RUNS if getattr(options, "quick", False) else RUNS
    )
    network: Network | None = getattr(options, "network", Network())
    keep = bool(getattr(options, "keep", False))
    workers = getattr(options, "web_workers", None)
    senders = -(-2 * runs // SENDS_PER_SENDER)
    database = f"{settings.DATABASES['default']['NAME']}{DATABASE_SUFFIX}"
    database_url = url_with_name(os.environ["DATABASE_URL"], database)
    workdir = Path(tempfile.mkdtemp(prefix="bench-twog-"))
    static_root = workdir / "static"
    media_root = workdir / "media"
    media_root.mkdir()
    nginx_port = free_port()
    crashed = True
    try:
        env = production_environment(database_url, static_root, media_root, nginx_port)
        # Required in production since bench/weight.py's environment was written.
        env.setdefault("USSD_WEBHOOK_SECRET", secrets.token_urlsafe(24))
        began = time.perf_counter()
        data = prepare(env, database, workdir, keep, senders)
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        readable_by_nginx(static_root, media_root)
        setup_s = time.perf_counter() - began
        server = Gunicorn(env, workdir, workers=workers)
        with (
            server,
            Nginx(server.port, static_root, media_root, port=nginx_port) as proxy,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            states = sign_in(browser, proxy.url, data, senders)
            series, problems = measure(browser, proxy, data, states, runs, network)
            browser.close()
        rows = [row for item in series.values() for row in series_rows(item, network)]
        crashed = False
        return [
            *rows,
            _row(
                "service_worker",
                "2G: repeat visits under the service worker's control",
                not problems,
                target="yes",
                passed=not problems,
                note="; ".join(problems) or "every repeat visit's page was controlled",
            ),
            _row(
                "setup",
                "2G: setup",
                round(setup_s, 1),
                "s",
                note=(
                    f"own database {database} ({'kept' if keep else 'dropped afterwards'}): "
                    f"the demo's communities, {data['members']} plain members in "
                    f"{data['community']}, {len(data['alerts'])} alerts there; collectstatic "
                    "(compressed manifest storage); gunicorn as docs/deployment.md runs it "
                    f"({server.workers} workers, DJANGO_ENV=production) behind Debian's nginx "
                    "with the guide's server block; Chromium "
                    f"{PHONE['viewport']['width']}×{PHONE['viewport']['height']}, "
                    + (network.describe() if network else "no network emulation")
                    + f"; {runs} runs; the alerts sent are saved with their fan-out task, "
                    "no worker sends them"
                ),
            ),
        ]
    finally:
        if not keep:
            drop_database(os.environ["DATABASE_URL"], database)
        if crashed:
            print(f"   kept {workdir} (gunicorn's logs) for a look", flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
