"""What the profiling tools (bench/profile_pages.py, bench/profile_senders.py) print of a
cProfile run: the time spent in a few named places, and the top functions."""

import cProfile
import io
import pstats

# A place: (the end of its file's path, the function's name, optionally its first line:
# cProfile names a method by its function alone, so two `__init__` of one file differ
# only by their line).
Place = tuple[str, str] | tuple[str, str, int]


def places(profiler: cProfile.Profile, named: dict[str, Place]) -> list[tuple[str, float, int]]:
    """(label, cumulative seconds, calls) of each place: the largest cumulative time of
    the functions that match (a recursive call is counted once), their calls summed."""
    raw = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    found = []
    for label, (path, function, *line) in named.items():
        cumulative, calls = 0.0, 0
        for (filename, first_line, name), (_cc, nc, _tt, ct, _callers) in raw.items():
            if filename.endswith(path) and name == function and line in ([], [first_line]):
                cumulative = max(cumulative, ct)
                calls += nc
        found.append((label, cumulative, calls))
    return found


def total_seconds(profiler: cProfile.Profile) -> float:
    """The largest cumulative time of any function: the profiled span."""
    raw = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    return max((entry[3] for entry in raw.values()), default=0.0)


def print_top(profiler: cProfile.Profile, top: int, counted: str = "") -> None:
    """cProfile's `top` functions by cumulative and by own time, indented."""
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(top)
        lines = out.getvalue().splitlines()
        start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
        print(f"   -- top {top} by {key}{f' ({counted})' if counted else ''}")
        for line in lines[start : start + top + 1]:
            print("   " + line)
