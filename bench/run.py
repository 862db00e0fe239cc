"""MonQuartier's benchmarks: the one entry point (`make bench`).

Runs every benchmark module (or those named by --only) against PostgreSQL, prints one
table of figures against the targets of TARGETS.md, and writes the same rows as JSON to
bench/results/<timestamp>.json and bench/results/latest.json.

A benchmark module exposes `run(options) -> list[dict]`, one dict per figure, made by
bench/lib/figures.py's `figure` (its docstring lists the keys).

Options are shared by every module and declared here (build_parser). Missing a target is a
result, not an error: the exit code is 0 unless something crashed.
"""

import argparse
import datetime as dt
import importlib
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/monquartier_bench"

# Name on the command line → module. Later benchmarks are added here, in running order.
BENCHMARKS: dict[str, str] = {
    "geometry": "bench.geometry",
    "fanout": "bench.fanout",
    "claims": "bench.claims",
    "scale": "bench.scale",
    "pages": "bench.pages",
    "load": "bench.load",
    "townhall": "bench.townhall",
    "weight": "bench.weight",
    "voice": "bench.voice",
    "sms_routing": "bench.sms_routing",
    "ussd": "bench.ussd",
    "api": "bench.api",
    "2g": "bench.two_g",
}

# Run as `python bench/run.py`, Python puts bench/ first on the path, where a module could
# shadow a library one; the project root is what the imports below need.
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)
elif str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Only importable once the path is right (above).
from bench.lib.database import ensure_database  # noqa: E402
from bench.lib.figures import check_rows, crash_row, print_table, write_results  # noqa: E402


def configure_environment(database_url: str) -> None:
    """Settings read the environment once, at django.setup(): set it first."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "monquartier.settings"
    # DEBUG keeps every query in memory and adds checks: not what a server runs.
    os.environ["DEBUG"] = "0"


def setup_django() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def load_modules(names: list[str]) -> dict[str, ModuleType]:
    return {name: importlib.import_module(BENCHMARKS[name]) for name in names}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Run MonQuartier's benchmarks on PostgreSQL (BENCH_DATABASE_URL)."
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(BENCHMARKS),
        help="run only this benchmark (repeat for several)",
    )
    parser.add_argument(
        "--communities",
        type=int,
        default=None,
        help="communities to load (default 70000, 5000 with --quick)",
    )
    parser.add_argument(
        "--queries",
        type=int,
        default=None,
        help="timed operations per measurement (default 2000, 300 with --quick)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="reuse the loaded data when its size already matches instead of reloading "
        "(weight: keep its database for the next run)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, for a smoke run of the benchmark code"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--workers",
        type=int,
        default=3,
        help="fanout: db_worker processes (default 3)",
    )
    parser.add_argument(
        "--alerts",
        type=int,
        default=None,
        help="fanout: alerts of the peak day (default 1357, 200 with --quick)",
    )
    parser.add_argument(
        "--smtp-sink",
        choices=("fast", "aiosmtpd"),
        default="fast",
        help="fanout: the SMTP server e-mails go to (default fast; aiosmtpd is tests/fakes/smtp.py's)",
    )
    parser.add_argument(
        "--deliveries",
        type=int,
        default=None,
        help="claims: deliveries of the queued workload (default 60000, 6000 with --quick)",
    )
    parser.add_argument(
        "--members",
        type=int,
        default=None,
        help="scale: members to load (default 1000000, 20000 with --quick)",
    )
    parser.add_argument(
        "--scale-communities",
        type=int,
        default=None,
        help="scale: communities they live in (default 20000, 400 with --quick)",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=None,
        help="pages: concurrent connections of the client (default 16)",
    )
    parser.add_argument(
        "--page-seconds",
        type=float,
        default=None,
        help="pages: seconds of measurement per page (default 10, 3 with --quick)",
    )
    parser.add_argument(
        "--load-seconds",
        type=float,
        default=None,
        help="load: seconds of load on the member pages (default 60, 20 with --quick)",
    )
    parser.add_argument(
        "--load-clients",
        type=int,
        default=None,
        help="load: concurrent clients on the member pages (default 50)",
    )
    parser.add_argument(
        "--browser-runs",
        type=int,
        default=None,
        help="2g: runs of each visit in Chromium on emulated 2G (default 5, 2 with --quick)",
    )
    return parser


def resolve_options(options: argparse.Namespace) -> argparse.Namespace:
    # Explicit sizes win over --quick's.
    if options.communities is None:
        options.communities = 5_000 if options.quick else 70_000
    if options.queries is None:
        options.queries = 300 if options.quick else 2_000
    if options.alerts is None:
        options.alerts = 200 if options.quick else 1_357
    if options.communities < 1 or options.queries < 1:
        raise SystemExit("--communities and --queries must be positive.")
    if options.workers < 1 or options.alerts < 1:
        raise SystemExit("--workers and --alerts must be positive.")
    if options.deliveries is not None and options.deliveries < 1:
        raise SystemExit("--deliveries must be positive.")
    options.only = options.only or list(BENCHMARKS)
    return options


def safe_url(database_url: str) -> str:
    """The URL without its password, fit for a results file."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(database_url)
    if parts.password is None:
        return database_url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def main(argv: list[str] | None = None) -> int:
    started = dt.datetime.now(dt.UTC)
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    configure_environment(database_url)

    # Arguments first (so --help is instant), then the database.
    parser = build_parser()
    options = resolve_options(parser.parse_args(argv))

    ensure_database(database_url)
    setup_django()
    modules = load_modules(options.only)

    rows: list[dict[str, Any]] = []
    crashed = False
    for name, module in modules.items():
        print(f"== {name}", flush=True)
        began = time.perf_counter()
        try:
            rows.extend(check_rows(name, module.run(options)))
        except Exception as error:
            # One benchmark crashing should not hide the others' figures.
            traceback.print_exc()
            rows.append(crash_row(name, error))
            crashed = True
        print(f"   {name} done in {time.perf_counter() - began:.1f} s", flush=True)

    print_table(rows)
    payload = {
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "options": vars(options),
        "database": safe_url(database_url),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "rows": rows,
    }
    path = write_results(payload, started, RESULTS)
    print(f"Results: {path.relative_to(ROOT)} (and bench/results/latest.json)")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
