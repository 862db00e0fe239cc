"""Where a member page's time goes, in this process (issue 16, item 1).

Not a benchmark of its own (`make bench` does not run it): a tool to read before changing a
page. It serves the member pages of bench/pages.py with Django's test client, in-process,
with the production settings bench/pages.py gives gunicorn (DJANGO_ENV=production, the
Redis cache, cached_db sessions), to sampled members of the scale data already loaded in
BENCH_DATABASE_URL (load a small size first: `bench/run.py --only scale --members 5000
--scale-communities 100`). For each page and for the bare view it prints:

- the mean time of a request, the queries of one request;
- each middleware's own time (its time minus the time of the middlewares inside it, from
  timing shims put between every two of them);
- with `--profile`, cProfile's top functions by cumulative and by own time, and the share
  of the time spent in a few places named in the issue (template rendering, model
  instantiation, phone-number parsing, the session and the user).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/pages_bench \
        .venv/bin/python bench/profile_pages.py --requests 200 --profile
"""

import argparse
import cProfile
import functools
import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_SHIM = "bench.profile_pages.Shim"
_spans: dict[int, float] = {}


class Shim:
    """Records how long everything inside it took, under its position in the chain."""

    position = 0
    total = 1  # shims in the chain; Django builds it from the innermost out, once a client

    def __init__(self, get_response):
        self.get_response = get_response
        self.index = Shim.total - 1 - Shim.position % Shim.total
        Shim.position += 1

    def __call__(self, request):
        started = time.perf_counter()
        try:
            return self.get_response(request)
        finally:
            _spans[self.index] = _spans.get(self.index, 0.0) + time.perf_counter() - started


def configure() -> None:
    from bench.run import DEFAULT_DATABASE_URL

    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    secret = secrets.token_urlsafe(32)
    os.environ.pop("DEBUG", None)
    os.environ.update(
        DJANGO_ENV="production",
        DJANGO_SETTINGS_MODULE="bench.pages_settings",
        DATABASE_URL=database_url,
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="testserver,127.0.0.1",
        CACHE_URL=os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/11"),
        SMS_BACKEND="monquartier.outbox.sms.AfricasTalkingSMSBackend",
        SMS_WEBHOOK_SECRET=secret,
        USSD_WEBHOOK_SECRET=secret,
        SHOP_PAYMENT_API_KEY="bench",
        SHOP_PAYMENT_SITE_ID="bench",
        SHOP_PAYMENT_SECRET_KEY=secret,
        VAPID_PRIVATE_KEY="bench",
        VAPID_PUBLIC_KEY="bench",
        SITE_URL="https://127.0.0.1",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page")
    parser.add_argument("--members", type=int, default=20, help="members sampled")
    parser.add_argument("--page", action="append", help="only this page (repeatable)")
    parser.add_argument("--profile", action="store_true", help="cProfile each page")
    parser.add_argument(
        "--sql", action="store_true", help="print each query of one request and its time"
    )
    parser.add_argument("--top", type=int, default=25, help="functions listed per profile")
    options = parser.parse_args()
    configure()

    import django
    from django.conf import settings

    django.setup()
    # The timing shims between every two middlewares, outermost first.
    chain = list(settings.MIDDLEWARE)
    settings.MIDDLEWARE = [item for name in chain for item in (_SHIM, name)] + [_SHIM]
    from bench import profile_pages as shims  # the module the settings name, not __main__

    shims.Shim.total = len(chain) + 1

    from django.test import Client

    from bench import scale
    from bench.pages import PROXY_HEADERS, open_sessions
    from bench.pages_site import BARE_URL

    members = scale.sample_members(options.members, 1)
    cookies = open_sessions(members, settings.SECRET_KEY)
    pages = options.page or ["bare", *scale.PAGES]
    headers = {
        f"HTTP_{key.upper().replace('-', '_')}": value for key, value in PROXY_HEADERS.items()
    }
    clients = {}
    for member in members:
        client = Client(**headers)
        # The session's cookie and the CSRF cookie (bench/pages.py's open_sessions).
        for item in cookies[member.user_id].split("; "):
            name, value = item.split("=", 1)
            client.cookies[name] = value
        clients[member.user_id] = client

    def get(page: str, member):
        url = BARE_URL if page == "bare" else member.urls[page]
        return clients[member.user_id].get(url, secure=True)

    for page in pages:
        for member in members:  # warm-up: templates compiled, rows in the buffers
            status = get(page, member).status_code
            if status != 200:
                raise SystemExit(f"{page}: {status} for member {member.user_id}")
        timing = get(page, members[0])["Server-Timing"]
        queries = timing.rsplit('desc="', 1)[1].rstrip('"')
        if options.sql:
            print_queries(page, functools.partial(get, page, members[0]))
        spans = shims._spans
        spans.clear()
        profiler = cProfile.Profile() if options.profile else None
        started, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        for index in range(options.requests):
            get(page, members[index % len(members)])
        if profiler:
            profiler.disable()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        count = options.requests
        print(
            f"\n== {page}: {1000 * elapsed / count:.2f} ms a request, of which "
            f"{1000 * cpu / count:.2f} ms of this process's CPU; {queries} queries"
        )
        spans = [shims._spans.get(index, 0.0) for index in range(len(chain) + 1)]
        for index, name in enumerate(chain):
            own = spans[index] - spans[index + 1]
            print(f"   {1000 * own / count:6.2f} ms  {name}")
        print(f"   {1000 * spans[-1] / count:6.2f} ms  the view (template included)")
        if profiler:
            report(profiler, count, options.top)


def print_queries(page: str, request) -> None:
    """Each query of one request (after the warm-up), the slowest first: mean ms of 20."""
    from django.db import connection

    seen: dict[str, list[float]] = {}

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seen.setdefault(sql, []).append(time.perf_counter() - started)

    with connection.execute_wrapper(wrapper):
        for _ in range(20):
            request()
    print(f"\n-- {page}: its queries, mean ms of 20 requests")
    for sql, times in sorted(seen.items(), key=lambda item: -sum(item[1])):
        print(f"   {1000 * sum(times) / 20:6.2f} ms ×{len(times) / 20:g}  {sql[:400]}")


_PLACES = {
    "templates (Template.render)": ("django/template/base.py", "render"),
    "model instances (Model.from_db)": ("django/db/models/base.py", "from_db"),
    "phone numbers (phonenumbers.parse)": ("phonenumbers/phonenumberutil.py", "parse"),
    "SQL (cursor.execute)": ("django/db/backends/utils.py", "_execute"),
    "session load": ("django/contrib/sessions/backends/cached_db.py", "load"),
    "user (get_user)": ("django/contrib/auth/__init__.py", "get_user"),
    "gettext / translation": ("django/utils/translation/trans_real.py", "gettext"),
    "reverse()": ("django/urls/base.py", "reverse"),
}


def report(profiler: cProfile.Profile, count: int, top: int) -> None:
    from bench.lib import profiling

    print("   where (cumulative ms a request; calls a request):")
    for label, cumulative, calls in profiling.places(profiler, _PLACES):
        print(f"   {1000 * cumulative / count:6.2f} ms  {calls / count:6.1f}  {label}")
    profiling.print_top(profiler, top, f"{count} requests")


if __name__ == "__main__":
    main()
