"""The figures table: one row per figure, as every benchmark's `run(options)` returns them.

id      stable key for comparing runs ("geometry.containing.p99")
name    what the figure is, for people
value   the measurement (number, or text such as the database version; None if not measured)
unit    "ms", "s", "" …
target  the target as text ("≤ 5 ms"), or None for a figure reported for information
passed  whether the target is met (True for information rows; None when the target does not
        apply on this machine, say one with fewer cores than it assumes: "n/a")
note    anything needed to read the figure (query plan, sample sizes …)
"""

import datetime as dt
import json
from pathlib import Path
from typing import Any

ROW_KEYS = ("id", "name", "value", "unit", "target", "passed", "note")


def figure(
    benchmark: str,
    key: str,
    name: str,
    value: Any,
    unit: str = "",
    *,
    target: str | None = None,
    passed: bool | None = True,
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


def check_rows(benchmark: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows as they are, once checked: every key present, ids under the benchmark's
    name and none twice (so that ids stay unique across a full run, and comparable)."""
    seen: set[str] = set()
    for row in rows:
        missing = [key for key in ROW_KEYS if key not in row]
        if missing:
            raise ValueError(f"{benchmark}: row {row.get('name')!r} lacks {missing}")
        if not str(row["id"]).startswith(f"{benchmark}."):
            raise ValueError(f"{benchmark}: row id {row['id']!r} is not under {benchmark}.")
        if row["id"] in seen:
            raise ValueError(f"{benchmark}: row id {row['id']!r} comes twice")
        seen.add(row["id"])
    return rows


def crash_row(benchmark: str, error: BaseException) -> dict[str, Any]:
    return figure(
        benchmark,
        "crash",
        f"{benchmark}: crashed",
        None,
        target="runs",
        passed=False,
        note=f"{type(error).__name__}: {error}",
    )


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
            _result(row) if row["target"] else "",
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
    missed = [row for row in rows if row["target"] and row["passed"] is False]
    print(f"\n{len(missed)} target(s) missed." if missed else "\nEvery target met.")
    moot = [row for row in rows if row["target"] and row["passed"] is None]
    if moot:
        print(f"{len(moot)} target(s) not applicable on this machine (their notes say why).")


def _result(row: dict[str, Any]) -> str:
    if row["passed"] is None:
        return "n/a"
    return "pass" if row["passed"] else "FAIL"


def write_results(payload: dict[str, Any], started: dt.datetime, results: Path) -> Path:
    """bench/results/<timestamp>.json and bench/results/latest.json."""
    results.mkdir(parents=True, exist_ok=True)
    text = json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n"
    path = results / f"{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(text, encoding="utf-8")
    (results / "latest.json").write_text(text, encoding="utf-8")
    return path
