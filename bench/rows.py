"""The result rows every benchmark returns to bench/run.py (see its docstring)."""

from typing import Any


def make_row(
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
    return {
        "id": f"{benchmark}.{key}",
        "name": name,
        "value": value,
        "unit": unit,
        "target": target,
        "passed": passed,
        "note": note,
    }


def join_notes(*parts: str) -> str:
    return "; ".join(part for part in parts if part)
