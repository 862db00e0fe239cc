"""Page weight (TARGETS.md, "page weight"): what a phone downloads, page by page.

Targets: every page's HTML ≤ 14 KB compressed (one round trip of TCP's first window);
the first visit of a page without a map ≤ 100 KB compressed in all (HTML, CSS, scripts,
icons; not map tiles nor members' photos: they are listed apart); a repeat visit
transfers only the HTML. Pages with a Leaflet map (about 45 KB of it) are held to the
HTML target only.

The site is served as in production (docs/deployment.md): DJANGO_ENV=production, static
files collected with WhiteNoise's compressed manifest storage into a temporary
STATIC_ROOT, gunicorn, and in front of it Debian's nginx with the guide's own server block
(bench/lib/nginx.py), whose access log records every byte it sends, the service
worker's requests included. Headless Chromium, set up as a low-end Android phone, visits each page twice
in one fresh browser profile: first with an empty cache (a first visit), then in a new
tab with the cache and the service worker in place (a repeat visit). Member pages are
visited logged in as a référente.

The figures the targets use are the bytes on the wire. HTML: its compressed body as
Chromium counts it (encodedBodySize), gzipped at level 6 by nginx (gunicorn compresses
nothing). A visit: every response, headers and body, as nginx sent it; static files are
WhiteNoise's .gz files, which nginx's gzip_static sends. Headers are HTTP/1.1 text here; HTTP/2 compresses them in
production, so visits weigh a little less there. The notes add Python's gzip-6 and
brotli-6 sizes of each HTML, which do not depend on any server, and what a proxy with
brotli would send.

The data live in a database of their own (BENCH_DATABASE_URL's name + "_pageweight"),
made afresh and dropped at the end (kept and reused with --keep): the demo data of
`make demo`, grown so that every list page is full (a directory page of 30 neighbours,
20 alerts, 15 posts, 30 messages, 20 conversations).

KB here are 1,024 bytes.
"""

import argparse
import functools
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import brotli
from django.conf import settings

from bench.lib.database import (
    admin_connection,
    create_database,
    database_exists,
    drop_database,
    url_with_name,
)
from bench.lib.figures import figure
from bench.lib.gunicorn import Gunicorn
from bench.lib.nginx import TILES_PREFIX, Exchange, Nginx, readable_by_nginx
from bench.lib.processes import free_port
from tests.browser.conftest import PHONE as TEST_PHONE
from tests.chromium import CHROMIUM, CHROMIUM_ARGS

KB = 1024
HTML_TARGET = 14 * KB
FIRST_VISIT_TARGET = 100 * KB
# nginx's brotli module compresses at level 6 unless told otherwise: the figure a proxy
# with brotli would send.
BROTLI_QUALITY = 6
DATABASE_SUFFIX = "_pageweight"
# After the load event, a visit is over when nothing was requested for this long. Chromium
# checks for a new service worker about 1.5 s after a navigation, and that request counts.
SETTLE_S = 3.0

# The browser tests' Chromium and phone; browsers announce brotli and gzip.
PHONE = {**TEST_PHONE, "locale": "fr-FR", "extra_http_headers": {"Accept-Encoding": "gzip, br"}}
# Not counted (TARGETS.md): map tiles and what members uploaded.
EXCLUDED = {
    "map tile": (TILES_PREFIX,),
    "member photo": ("/membres/",),
    "gazette photo or file": ("/gazette/pieces/",),
}

# The data: demo people spread over 8 quartiers, so 8 × 31 fill Riviera 2's directory
# page of 30; alerts, posts and messages beyond one page each.
PEOPLE = 8 * 31 + 8
ALERTS_PER_COMMUNITY = 24
POSTS_PER_COMMUNITY = 18
THREAD_MESSAGES = 36
CONVERSATIONS = 22


_row = functools.partial(figure, "weight")


@dataclass(frozen=True)
class Page:
    key: str
    name: str
    path: str
    member: bool
    has_map: bool = False


@dataclass
class Visit:
    exchanges: list[Exchange]
    navigation: dict[str, Any]
    quiet: bool
    html: bytes  # the document as the browser decoded it

    def document(self, path: str) -> Exchange | None:
        return next((e for e in self.exchanges if e.method == "GET" and e.path == path), None)


# --- data (runs in `manage.py shell`, against the page-weight database) -----------------


def load_data() -> None:
    """The demo data, larger, then a line `WEIGHT-DATA {json}` with the ids the pages need."""
    from django.db import transaction
    from django.test.utils import override_settings

    from monquartier.accounts.demo import DEMO_PASSWORD, create_demo_people, email_for
    from monquartier.alerts.demo import create_demo_alerts
    from monquartier.alerts.models import Alert
    from monquartier.communities import services as community_services
    from monquartier.communities.demo import COMMUNITY_NAMES, create_demo_communities
    from monquartier.communities.models import Community, Membership
    from monquartier.gazette.demo import create_demo_posts
    from monquartier.gazette.models import Post
    from monquartier.messaging import demo as messaging_demo
    from monquartier.messaging.models import Conversation

    # Argon2 takes a quarter of a second a password here: the demo people get a fast hash,
    # and only the member the browser logs in as gets a real one (below).
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        create_demo_people(count=PEOPLE)
    create_demo_communities()
    create_demo_alerts(per_community=ALERTS_PER_COMMUNITY)
    create_demo_posts(per_community=POSTS_PER_COMMUNITY)
    messaging_demo.create_demo_conversations()

    community = Community.objects.select_related("commune").get(name=COMMUNITY_NAMES["Riviera 2"])
    members = [
        membership.user
        for membership in Membership.objects.active()
        .filter(community=community)
        .select_related("user")
        .order_by("joined_at", "pk")
    ]
    awa = next(user for user in members if user.email == email_for("Awa", "Koné"))
    yao = next(user for user in members if user.email == email_for("Yao", "Kouassi"))
    others = [user for user in members if user not in (awa, yao)]
    awa.set_password(DEMO_PASSWORD)
    awa.save(update_fields=["password"])
    with transaction.atomic():
        community_services.update_community_settings(
            awa,
            community,
            validation_mode=community.validation_mode,
            public_page=True,
            presentation=(
                "Les voisins des Manguiers se préviennent et s'entraident depuis 2024 : "
                "alertes, gazette du quartier et coups de main."
            ),
        )
        # One long thread (the demo's, continued this afternoon, five minutes between
        # messages) and more than a page of conversations.
        lines = messaging_demo.NEIGHBOURS
        script = [
            ((THREAD_MESSAGES - index) / 12, index % 3, lines[index % len(lines)][2])
            for index in range(THREAD_MESSAGES)
        ]
        messaging_demo._play([awa, yao, others[0]], script)
        for neighbour in others[1 : CONVERSATIONS + 1]:
            messaging_demo._play([neighbour, awa], messaging_demo.TWINNED)
    alert = Alert.objects.visible().filter(community=community).order_by("-created_at").first()
    post = (
        Post.objects.visible()
        .filter(community=community, attachments__isnull=False)
        .order_by("-created_at")
        .first()
    )
    conversation = (
        Conversation.objects.filter(participants__user=awa)
        .filter(participants__user=yao)
        .order_by("-last_message_at")
        .first()
    )
    data = {
        "email": awa.email,
        "password": DEMO_PASSWORD,
        "community": community.pk,
        "commune": community.commune.slug,
        "alert": alert.pk,
        "post": post.pk,
        "conversation": conversation.pk,
        "neighbour": yao.pk,
        "members": len(members),
    }
    print("WEIGHT-DATA " + json.dumps(data), flush=True)


def pages_for(data: dict[str, Any]) -> list[Page]:
    community, commune = data["community"], data["commune"]
    return [
        Page("landing", "landing", "/", member=False),
        Page("login", "log-in", "/compte/login/", member=False),
        Page("signup", "sign-up", "/compte/signup/", member=False),
        Page("communes", "directory of communities", "/communautes/", member=False),
        Page("commune", "a commune's communities", f"/communautes/{commune}/", False, has_map=True),
        Page(
            "public",
            "public community page",
            f"/communautes/{commune}/{community}/",
            member=False,
            has_map=True,
        ),
        Page("charter", "help: the charter", "/charte/", member=False),
        Page("home", "member home", "/", member=True),
        Page("alerts", "alerts", "/alertes/", member=True),
        Page("alert", "an alert", f"/alertes/{data['alert']}/", member=True),
        Page("launch", "launch an alert", "/alertes/lancer/", member=True, has_map=True),
        Page("gazette", "gazette", "/gazette/", member=True),
        Page("post", "a post (with a photo)", f"/gazette/{data['post']}/", member=True),
        Page("new-post", "new post form", "/gazette/nouvelle/", member=True),
        Page("directory", "directory", f"/c/{community}/annuaire/", member=True),
        Page(
            "member",
            "a neighbour's card",
            f"/c/{community}/membres/{data['neighbour']}/",
            member=True,
        ),
        Page("info", "community information", f"/c/{community}/", member=True, has_map=True),
        Page("history", "history", f"/c/{community}/historique/", member=True),
        Page("conversations", "conversations", "/messages/", member=True),
        Page(
            "conversation",
            "a conversation",
            f"/messages/{data['conversation']}/",
            member=True,
        ),
        Page("settings", "settings", "/parametres/", member=True),
        Page("profile", "profile", "/parametres/profil/", member=True),
        Page("notifications", "notification settings", "/parametres/notifications/", True),
    ]


# --- the server -------------------------------------------------------------------------


def production_environment(
    database_url: str, static_root: Path, media_root: Path, proxy_port: int
) -> dict[str, str]:
    """What docs/deployment.md puts in /etc/monquartier.env, for 127.0.0.1 over http."""
    vapid = dict(
        line.split("=", 1)
        for line in manage(dict(os.environ), "generate_vapid_keys").splitlines()
        if line.startswith("VAPID_")
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DEBUG", "DATABASE_URL"))
    }
    env.update(
        {
            "DJANGO_ENV": "production",
            "DJANGO_SETTINGS_MODULE": "monquartier.settings",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"http://127.0.0.1:{proxy_port}",
            # nginx hands gunicorn `Host: $host`, without the port the browser's Origin has.
            "CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{proxy_port}",
            "PROTECTED_MEDIA_ACCEL_PREFIX": "/protected-media",  # the guide's nginx location
            "DATABASE_URL": database_url,
            "CACHE_URL": "db://",
            "STATIC_ROOT": str(static_root),
            "MEDIA_ROOT": str(media_root),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "SMS_BACKEND": "monquartier.outbox.sms.DevOutboxSMSBackend",
            "SHOP_PAYMENT_API_KEY": "bench",
            "SHOP_PAYMENT_SITE_ID": "bench",
            "SHOP_PAYMENT_SECRET_KEY": secrets.token_urlsafe(32),
            "SMS_WEBHOOK_SECRET": secrets.token_urlsafe(24),
            "USSD_WEBHOOK_SECRET": secrets.token_urlsafe(24),
            **vapid,
            # Plain http on 127.0.0.1: no redirect to https (nginx listens without TLS here).
            "SECURE_SSL_REDIRECT": "0",
            "MAP_TILES_URL": f"http://127.0.0.1:{proxy_port}{TILES_PREFIX}{{z}}/{{x}}/{{y}}.png",
        }
    )
    return env


def manage(env: dict[str, str], *arguments: str) -> str:
    began = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *arguments],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(
            f"manage.py {' '.join(arguments)} failed:\n{(result.stdout + result.stderr)[-2000:]}"
        )
    print(f"   manage.py {arguments[0]}: {time.perf_counter() - began:.1f} s", flush=True)
    return result.stdout


# --- the browser ------------------------------------------------------------------------

TIMING_SCRIPT = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  return {transferSize: nav.transferSize, encodedBodySize: nav.encodedBodySize,
          decodedBodySize: nav.decodedBodySize, status: nav.responseStatus};
}"""
# Member pages register the service worker after the load event; a member's next visit
# happens once it is active, so wait for it (visitors' pages have none).
WORKER_READY_SCRIPT = """() => new Promise((resolve) => {
  if (!("serviceWorker" in navigator)) { resolve("unsupported"); return; }
  const timer = setTimeout(() => resolve("timeout"), 10000);
  navigator.serviceWorker.getRegistration().then((registration) => {
    if (!registration) { clearTimeout(timer); resolve("none"); return; }
    navigator.serviceWorker.ready.then(() => { clearTimeout(timer); resolve("active"); });
  });
})"""


def visit(context, url: str, proxy: Nginx) -> Visit:
    """Open url in a new tab of this browser profile; everything it downloaded."""
    page = context.new_page()
    mark = proxy.mark()
    response = page.goto(url, wait_until="load")
    html = response.body() if response is not None else b""
    # The worker registers itself on the load event: give it a moment to start.
    page.wait_for_timeout(300)
    page.evaluate(WORKER_READY_SCRIPT)
    quiet = proxy.wait_quiet(SETTLE_S)
    navigation = page.evaluate(TIMING_SCRIPT)
    exchanges = proxy.since(mark)
    page.close()
    return Visit(exchanges, navigation, quiet, html)


def log_in(browser, base_url: str, email: str, password: str) -> dict:
    context = browser.new_context(base_url=base_url, **PHONE)
    page = context.new_page()
    page.goto("/compte/login/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Paramètres").wait_for()
    state = context.storage_state()
    context.close()
    return state


# --- figures ----------------------------------------------------------------------------


def _kb(size: int) -> float:
    return round(size / KB, 1)


def excluded_kind(exchange: Exchange) -> str | None:
    for kind, prefixes in EXCLUDED.items():
        if exchange.path.startswith(prefixes):
            return kind
    return None


HASHED_NAME = re.compile(r"\.[0-9a-f]{12}\.\w+$")


def describe(exchange: Exchange) -> str:
    """A request a repeat visit should not have made, and what explains it."""
    reasons = []
    if exchange.path == "/sw.js":
        reasons.append("the browser's check for a new service worker")
    if exchange.conditional:
        reasons.append("revalidation")
    if exchange.path.startswith("/static/"):
        if not HASHED_NAME.search(exchange.path.split("?")[0]):
            reasons.append("not a hashed name")
        if "immutable" not in exchange.cache_control:
            reasons.append("no far-future cache header")
    cache = f", Cache-Control: {exchange.cache_control or 'none'}"
    why = f" [{', '.join(reasons)}]" if reasons else ""
    return f"{exchange.path} {exchange.status} {exchange.wire_bytes} B{cache}{why}"


def brotli_static_bytes(exchange: Exchange, static_root: Path) -> int:
    """The size WhiteNoise's .br file would have on the wire instead of the .gz."""
    if not exchange.path.startswith("/static/") or exchange.content_encoding != "gzip":
        return exchange.wire_bytes
    compressed = static_root / (exchange.path.removeprefix("/static/").split("?")[0] + ".br")
    if not compressed.exists():
        return exchange.wire_bytes
    return exchange.header_bytes + compressed.stat().st_size


def page_rows(page: Page, first: Visit, repeat: Visit, static_root: Path) -> list[dict]:
    rows = []
    label = f"{'member' if page.member else 'visitor'}: {page.name}"
    document = first.document(page.path)
    if document is None or document.status != 200:
        status = document.status if document else "no request"
        return [
            _row(
                f"{page.key}.html",
                f"{label}: HTML compressed",
                None,
                target=f"≤ {HTML_TARGET // KB} KB",
                passed=False,
                note=f"{page.path}: {status}",
            )
        ]
    html = first.html
    # Chromium's count of the compressed body; nginx's also counts the chunks' sizes.
    browser_bytes = first.navigation.get("encodedBodySize")
    html_bytes = browser_bytes if isinstance(browser_bytes, int) else document.body_bytes
    rows.append(
        _row(
            f"{page.key}.html",
            f"{label}: HTML compressed",
            _kb(html_bytes),
            "KB",
            target=f"≤ {HTML_TARGET // KB} KB",
            passed=html_bytes <= HTML_TARGET,
            note=(
                f"{page.path}: {browser_bytes} B on the wire as Chromium counts it "
                f"(encodedBodySize; nginx sent {document.body_bytes} B with the chunk "
                f"framing), {document.header_bytes} B of headers; "
                f"{document.content_encoding or 'not compressed'} by nginx "
                f"(Chromium sent Accept-Encoding: {document.accept_encoding}); "
                f"Python: gzip-6 {len(gzip_bytes(html))} B, brotli-{BROTLI_QUALITY} "
                f"{len(brotli.compress(html, quality=BROTLI_QUALITY))} B, "
                f"uncompressed {len(html)} B"
            ),
        )
    )
    counted = [e for e in first.exchanges if excluded_kind(e) is None]
    excluded = [e for e in first.exchanges if excluded_kind(e) is not None]
    total = sum(e.wire_bytes for e in counted)
    with_brotli = (
        total
        - document.wire_bytes
        + document.header_bytes
        + len(brotli.compress(html, quality=BROTLI_QUALITY))
        - sum(e.wire_bytes - brotli_static_bytes(e, static_root) for e in counted)
    )
    files = ", ".join(
        f"{e.path.rsplit('/', 1)[-1] or e.path} {e.wire_bytes}" for e in counted if e != document
    )
    left_out = (
        ", ".join(f"{excluded_kind(e)} {e.path} {e.wire_bytes} B" for e in excluded) or "nothing"
    )
    rows.append(
        _row(
            f"{page.key}.first",
            f"{label}: first visit{' (map page)' if page.has_map else ''}",
            _kb(total),
            "KB",
            target=None if page.has_map else f"≤ {FIRST_VISIT_TARGET // KB} KB",
            passed=page.has_map or total <= FIRST_VISIT_TARGET,
            note=(
                ("a Leaflet map: exempt from the 100 KB target; " if page.has_map else "")
                + f"{len(counted)} requests, headers included: HTML {document.wire_bytes}, "
                f"{files or 'nothing else'} (B); left out: {left_out}; "
                f"{_kb(with_brotli)} KB if nginx also sent brotli (HTML at level "
                f"{BROTLI_QUALITY}, WhiteNoise's .br files)"
                + ("" if first.quiet else "; the network never went quiet within 15 s")
            ),
        )
    )
    again = repeat.document(page.path)
    others = [e for e in repeat.exchanges if e is not again and excluded_kind(e) is None]
    repeat_total = sum(e.wire_bytes for e in repeat.exchanges if excluded_kind(e) is None)
    rows.append(
        _row(
            f"{page.key}.repeat",
            f"{label}: repeat visit",
            _kb(repeat_total),
            "KB",
            target="HTML only",
            passed=again is not None and not others,
            note=(
                "only the HTML"
                if again is not None and not others
                else "also: " + "; ".join(describe(e) for e in others)
                if others
                else "the HTML was not requested"
            ),
        )
    )
    return rows


def gzip_bytes(data: bytes, level: int = 6) -> bytes:
    """What gzip_comp_level 6 (the guide's) makes of the bytes, with a gzip header."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()


def summary_rows(rows: list[dict], pages: list[Page]) -> list[dict]:
    def of(kind: str, maps: bool | None = None) -> list[dict]:
        keys = {p.key for p in pages if maps is None or p.has_map == maps}
        return [
            row
            for row in rows
            if row["id"].endswith(f".{kind}") and row["id"].split(".")[1] in keys
        ]

    html = [row for row in of("html") if row["value"] is not None]
    biggest = max(html, key=lambda row: row["value"]) if html else None
    first = of("first", maps=False)
    heaviest = max(first, key=lambda row: row["value"]) if first else None
    map_first = of("first", maps=True)
    repeats = of("repeat")
    return [
        _row(
            "html.max",
            "all pages: largest HTML compressed",
            biggest["value"] if biggest else None,
            "KB",
            target=f"≤ {HTML_TARGET // KB} KB",
            passed=bool(biggest) and all(row["passed"] for row in of("html")),
            note=(
                f"{biggest['name'].rsplit(':', 1)[0]}; "
                f"{sum(row['passed'] for row in of('html'))} of {len(of('html'))} pages pass"
                if biggest
                else ""
            ),
        ),
        _row(
            "first.max",
            "pages without a map: heaviest first visit",
            heaviest["value"] if heaviest else None,
            "KB",
            target=f"≤ {FIRST_VISIT_TARGET // KB} KB",
            passed=bool(heaviest) and all(row["passed"] for row in first),
            note=(
                f"{heaviest['name'].rsplit(':', 1)[0]}; {sum(r['passed'] for r in first)} of "
                f"{len(first)} pages pass; map pages (exempt): "
                + ", ".join(f"{r['name'].split(': ')[1]} {r['value']} KB" for r in map_first)
                if heaviest
                else ""
            ),
        ),
        _row(
            "repeat.failed",
            "repeat visits downloading more than the HTML",
            sum(not row["passed"] for row in repeats),
            "pages",
            target="0",
            passed=all(row["passed"] for row in repeats),
            note=f"of {len(repeats)} pages",
        ),
    ]


# --- the run ----------------------------------------------------------------------------


def prepare(env: dict[str, str], database: str, media_root: Path, keep: bool) -> dict[str, Any]:
    """Migrate and load the page-weight database (or, with --keep, reuse it as it is)."""
    data_file = media_root / "weight-data.json"
    with admin_connection(os.environ["DATABASE_URL"]) as connection:
        exists = database_exists(connection, database)
    if keep and data_file.exists() and exists:
        print(f"   reusing database {database} (--keep)", flush=True)
        return json.loads(data_file.read_text())
    print(f"   database {database}: migrating and loading the demo data …", flush=True)
    create_database(os.environ["DATABASE_URL"], database)
    shutil.rmtree(media_root, ignore_errors=True)
    media_root.mkdir(parents=True)
    manage(env, "migrate", "--noinput")
    manage(env, "createcachetable")
    output = manage(env, "shell", "-c", "from bench.weight import load_data; load_data()")
    data = json.loads(output.split("WEIGHT-DATA ", 1)[1].splitlines()[0])
    data_file.write_text(json.dumps(data))
    return data


def run(options: argparse.Namespace) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    database = f"{settings.DATABASES['default']['NAME']}{DATABASE_SUFFIX}"
    database_url = url_with_name(os.environ["DATABASE_URL"], database)
    # Uploads live as long as the database: --keep reuses both.
    media_root = Path(tempfile.gettempdir()) / f"bench-{database}-media"
    workdir = Path(tempfile.mkdtemp(prefix="bench-weight-"))
    static_root = workdir / "static"
    nginx_port = free_port()
    crashed = True
    try:
        env = production_environment(database_url, static_root, media_root, nginx_port)
        began = time.perf_counter()
        data = prepare(env, database, media_root, options.keep)
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        readable_by_nginx(static_root, media_root)
        setup_s = time.perf_counter() - began
        pages = pages_for(data)
        rows: list[dict[str, Any]] = []
        server = Gunicorn(env, workdir)
        with (
            server,
            Nginx(server.port, static_root, media_root, port=nginx_port) as proxy,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            member_state = log_in(browser, proxy.url, data["email"], data["password"])
            for page in pages:
                print(f"   {page.key} {page.path}", flush=True)
                context = browser.new_context(
                    base_url=proxy.url,
                    storage_state=member_state if page.member else None,
                    **PHONE,
                )
                first = visit(context, page.path, proxy)
                repeat = visit(context, page.path, proxy)
                context.close()
                rows.extend(page_rows(page, first, repeat, static_root))
            browser.close()
        crashed = False
        return [
            *summary_rows(rows, pages),
            *rows,
            _row(
                "setup",
                "page weight: setup",
                round(setup_s, 1),
                "s",
                note=(
                    f"own database {database} ({'kept' if options.keep else 'dropped afterwards'}): "
                    "migrate, demo data with "
                    f"{data['members']} members in the measured community, collectstatic "
                    "(CompressedManifestStaticFilesStorage); gunicorn as docs/deployment.md "
                    f"runs it ({server.workers} workers, DJANGO_ENV=production) behind "
                    "Debian's nginx with the guide's server block; Chromium "
                    f"{PHONE['viewport']['width']}×{PHONE['viewport']['height']}, "
                    f"logged in as {data['email']} (référente) for member pages"
                ),
            ),
        ]
    finally:
        if not options.keep:
            drop_database(os.environ["DATABASE_URL"], database)
            shutil.rmtree(media_root, ignore_errors=True)
        if crashed:
            print(f"   kept {workdir} (gunicorn's logs) for a look", flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
