"""MonQuartier's benchmarks: the one entry point (`make bench`).

Runs every benchmark module (or those named by --only) against PostgreSQL, prints one
table of figures against the targets of TARGETS.md, and writes the same rows as JSON to
bench/results/<timestamp>.json and bench/results/latest.json.

A benchmark module exposes `run(options) -> list[dict]`, one dict per figure:

    id      stable key for comparing runs ("geometry.containing.p99")
    name    what the figure is, for people
    value   the measurement (number, or text such as the database version; None if not measured)
    unit    "ms", "s", "" …
    target  the target as text ("≤ 5 ms"), or None for a figure reported for information
    passed  whether the target is met (True for information rows)
    note    anything needed to read the figure (query plan, sample sizes …)

Options are shared by every module and declared here (build_parser). Missing a target is a
result, not an error: the exit code is 0 unless something crashed.
"""

import argparse
import datetime as dt
import importlib
import json
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
    "scale": "bench.scale",
    "pages": "bench.pages",
    "load": "bench.load",
    "weight": "bench.weight",
}

ROW_KEYS = ("id", "name", "value", "unit", "target", "passed", "note")


def figure(
    benchmark: str,
    key: str,
    name: str,
    value: Any,
    unit: str = "",
    *,
    target: str | None = None,
    passed: bool = True,
    note: str = "",
) -> dict[str, Any]:
    """One row of results (see the module docstring); `passed` matters only with a target."""
    return {
        "id": f"{benchmark}.{key}",
        "name": name,
        "value": value,
        "unit": unit,
        "target": target,
        "passed": passed,
        "note": note,
    }


# Run as `python bench/run.py`, Python puts bench/ first on the path, where a module could
# shadow a library one; the project root is what the imports below need.
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)
elif str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def configure_environment(database_url: str) -> None:
    """Settings read the environment once, at django.setup(): set it first."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "monquartier.settings"
    # DEBUG keeps every query in memory and adds checks: not what a server runs.
    os.environ["DEBUG"] = "0"


def admin_connection(database_url: str):
    """A connection to the server's `postgres` database, where databases are created and
    dropped (autocommit: CREATE DATABASE cannot run inside a transaction)."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(database_url)
    return psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    )


def database_exists(connection, name: str) -> bool:
    found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    return found.fetchone() is not None


def ensure_database(database_url: str) -> None:
    """Create the benchmark database if it does not exist yet (PostgreSQL only)."""
    import dj_database_url
    from psycopg import sql

    config = dj_database_url.parse(database_url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        return
    name = config["NAME"]
    with admin_connection(database_url) as connection:
        if not database_exists(connection, name):
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}.", flush=True)


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
    options.only = options.only or list(BENCHMARKS)
    return options


def check_rows(benchmark: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        missing = [key for key in ROW_KEYS if key not in row]
        if missing:
            raise ValueError(f"{benchmark}: row {row.get('name')!r} lacks {missing}")
    return rows


def crash_row(benchmark: str, error: BaseException) -> dict[str, Any]:
    return {
        "id": f"{benchmark}.crash",
        "name": f"{benchmark}: crashed",
        "value": None,
        "unit": "",
        "target": "runs",
        "passed": False,
        "note": f"{type(error).__name__}: {error}",
    }


def format_value(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, int):
        text = f"{value:,}".replace(",", " ")
    elif isinstance(value, float):
        text = f"{value:,.2f}".replace(",", " ") if abs(value) < 1e6 else f"{value:.3g}"
    else:
        text = str(value)
    return f"{text} {unit}".strip()


def print_table(rows: list[dict[str, Any]]) -> None:
    header = ("figure", "value", "target", "result")
    lines = [
        (
            row["name"],
            format_value(row["value"], row["unit"]),
            row["target"] or "",
            ("pass" if row["passed"] else "FAIL") if row["target"] else "",
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]

    def render(cells: tuple[str, ...]) -> str:
        return " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    print()
    print(render(header))
    print("-+-".join("-" * width for width in widths))
    for line in lines:
        print(render(line))
    notes = [(row["name"], row["note"]) for row in rows if row.get("note")]
    if notes:
        print("\nNotes:")
        for name, note in notes:
            print(f"  {name}: {note}")
    missed = [row for row in rows if row["target"] and not row["passed"]]
    print(f"\n{len(missed)} target(s) missed." if missed else "\nEvery target met.")


def write_results(payload: dict[str, Any], started: dt.datetime) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n"
    path = RESULTS / f"{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(text, encoding="utf-8")
    (RESULTS / "latest.json").write_text(text, encoding="utf-8")
    return path


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
    path = write_results(payload, started)
    print(f"Results: {path.relative_to(ROOT)} (and bench/results/latest.json)")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
