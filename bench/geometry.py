"""Geometry benchmark: finding communities by place among 70,000 (TARGETS.md, "geography").

Loads N community areas spread over Côte d'Ivoire's towns, stored exactly as the app
stores them, then times the two questions the app asks the database about places:

- which community contains this point (lookups.community_containing): p99 ≤ 5 ms;
- the server-side check of a new area (parse the GeoJSON, check its size, look for the
  communities it overlaps: services._check_area): p99 ≤ 20 ms.

Areas do not overlap one another, as in the app: each lies inside its own cell of a
lattice of about 1.1 km (not the 0.01° grid of CommunityCell: the lattice is a little
wider, so areas straddle grid cells in every possible way, as real ones do).
"""

import argparse
import functools
import heapq
import math
import os
import random
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from shapely.geometry import Point, Polygon

from bench.lib.database import delete_strictly, table_name, truncate, vacuum_analyze
from bench.lib.figures import figure
from monquartier.communities import geometry, lookups, services
from monquartier.communities.models import Community, CommunityCell
from monquartier.places.models import Commune

CONTAINING_TARGET_MS = 5.0
OVERLAP_TARGET_MS = 20.0

# Most communities are in Abidjan's 13 communes; the other towns share the rest evenly
# (the communes file has no population to weight them by).
ABIDJAN_DISTRICT = "Abidjan"
ABIDJAN_SHARE = 0.6

# Metres per degree at Côte d'Ivoire's latitudes (4–11° N).
METRES_PER_DEGREE_LATITUDE = 110_574
METRES_PER_DEGREE_LONGITUDE_AT_EQUATOR = 111_320

# The lattice: one community per cell at most. Cells are 0.0102° × 0.0103°, at least
# 1,126 m wide at any latitude of the country.
LATTICE_LATITUDE = 0.0102
LATTICE_LONGITUDE = 0.0103
LATTICE_ORIGIN = (-9.0, 4.0)  # longitude, latitude of cell (0, 0)'s corner
# A community's area stays within this many metres of its lattice cell's centre, east-west
# and north-south, so it never reaches a neighbouring cell: two areas never share a point.
CELL_HALF_WIDTH_M = 560.0
AREA_RADIUS_M = (250.0, 500.0)
AREA_VERTICES = (6, 10)
# New areas whose overlap check is timed: about a neighbourhood, under the 1 km² cap.
NEW_AREA_M2 = (300_000.0, 900_000.0)

# Where areas may go: the country's bounding box, north of an approximate coastline
# (longitude, latitude), so that no community floats in the Gulf of Guinea.
COUNTRY_LONGITUDE = (-8.6, -2.5)
COUNTRY_LATITUDE = (4.35, 10.74)
COAST = [
    (-8.6, 4.35),
    (-7.35, 4.41),
    (-6.64, 4.73),
    (-6.09, 4.94),
    (-5.02, 5.12),
    (-4.42, 5.19),
    (-4.0, 5.23),
    (-3.74, 5.19),
    (-3.3, 5.11),
    (-2.5, 5.08),
]
_COAST_LONGITUDES = np.array([point[0] for point in COAST])
_COAST_LATITUDES = np.array([point[1] for point in COAST])

INSERT_BATCH = 2_000
WARMUP_CALLS = 50

T = TypeVar("T")


# --- results ------------------------------------------------------------------------------


_row = functools.partial(figure, "geometry")


def _join(*parts: str) -> str:
    return "; ".join(part for part in parts if part)


def _percentiles_ms(seconds: Sequence[float]) -> tuple[float, float, float]:
    p50, p99 = np.percentile(np.array(seconds) * 1000, [50, 99])
    return float(p50), float(p99), max(seconds) * 1000


# --- placing areas ------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """A lattice cell given to a commune: one community goes there."""

    commune_id: int
    commune_name: str
    column: int
    row: int

    @property
    def centre(self) -> tuple[float, float]:
        return (
            LATTICE_ORIGIN[0] + (self.column + 0.5) * LATTICE_LONGITUDE,
            LATTICE_ORIGIN[1] + (self.row + 0.5) * LATTICE_LATITUDE,
        )


def _on_land(longitude: float, latitude: float) -> bool:
    if not (COUNTRY_LONGITUDE[0] <= longitude <= COUNTRY_LONGITUDE[1]):
        return False
    if not (COUNTRY_LATITUDE[0] <= latitude <= COUNTRY_LATITUDE[1]):
        return False
    return latitude >= float(np.interp(longitude, _COAST_LONGITUDES, _COAST_LATITUDES))


def _lattice_cell(longitude: float, latitude: float) -> tuple[int, int]:
    return (
        math.floor((longitude - LATTICE_ORIGIN[0]) / LATTICE_LONGITUDE),
        math.floor((latitude - LATTICE_ORIGIN[1]) / LATTICE_LATITUDE),
    )


def _offsets_nearest_first(radius: int) -> np.ndarray:
    """Lattice offsets (dx, dy) within `radius` cells, nearest first (cells are nearly
    square in metres, so distance in cells is distance on the ground)."""
    span = np.arange(-radius, radius + 1)
    dx, dy = np.meshgrid(span, span)
    dx, dy = dx.ravel(), dy.ravel()
    keep = dx * dx + dy * dy <= radius * radius
    dx, dy = dx[keep], dy[keep]
    order = np.lexsort((dy, dx, dx * dx + dy * dy))  # ties broken the same way every run
    return np.column_stack([dx[order], dy[order]])


def _quotas(communes: Sequence[Commune], total: int) -> list[int]:
    in_abidjan = [commune.district == ABIDJAN_DISTRICT for commune in communes]
    abidjan = sum(in_abidjan)
    others = len(communes) - abidjan
    # Everything to one group when the other has no commune (staff may edit communes).
    share = ABIDJAN_SHARE if abidjan and others else float(bool(abidjan))
    weights = [share / abidjan if inside else (1 - share) / others for inside in in_abidjan]
    # Largest remainder, so that the quotas add up to exactly `total`.
    raw = [weight * total for weight in weights]
    quotas = [math.floor(value) for value in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - quotas[i], reverse=True)
    for i in by_remainder[: total - sum(quotas)]:
        quotas[i] += 1
    return quotas


def allocate_sites(communes: Sequence[Commune], total: int) -> list[Site]:
    """Give each commune its quota of free lattice cells, nearest to its centre first.

    Communes take cells in turn, the least filled (relative to its quota) first, so that
    neighbouring towns (Abidjan's communes, Grand-Bassam, Bingerville …) share the land
    between them instead of the first one taking it all."""
    quotas = _quotas(communes, total)
    # Wide enough for Abidjan's share of 70,000 (a half disc of ~200 cells: the sea).
    radius = max(60, math.ceil(2.5 * math.sqrt(max(quotas) * len(communes) / math.pi)))
    offsets = _offsets_nearest_first(radius)
    taken: set[tuple[int, int]] = set()
    at_sea: set[tuple[int, int]] = set()
    cursors = [0] * len(communes)
    origins = [_lattice_cell(commune.longitude, commune.latitude) for commune in communes]
    heap = [(0.0, i) for i, quota in enumerate(quotas) if quota]
    heapq.heapify(heap)
    sites: list[Site] = []
    filled = [0] * len(communes)
    while heap:
        _, i = heapq.heappop(heap)
        commune, (column0, row0) = communes[i], origins[i]
        while True:
            if cursors[i] >= len(offsets):
                raise RuntimeError(f"No room left around {commune.name}: widen the search.")
            dx, dy = offsets[cursors[i]]
            cursors[i] += 1
            cell = (column0 + int(dx), row0 + int(dy))
            if cell in taken or cell in at_sea:
                continue
            site = Site(commune.pk, commune.name, *cell)
            if not _on_land(*site.centre):
                at_sea.add(cell)
                continue
            break
        taken.add(cell)
        sites.append(site)
        filled[i] += 1
        if filled[i] < quotas[i]:
            heapq.heappush(heap, (filled[i] / quotas[i], i))
    return sites


def _star(rng: random.Random, radius_m: float) -> list[tuple[float, float]]:
    """An irregular polygon around (0, 0) in metres: 6–10 vertices at increasing angles
    (so its edges never cross), each at 65–100 % of the radius."""
    count = rng.randint(*AREA_VERTICES)
    step = 2 * math.pi / count
    rotation = rng.uniform(0, 2 * math.pi)
    points = []
    for k in range(count):
        angle = rotation + step * (k + rng.uniform(-0.35, 0.35))
        distance = radius_m * rng.uniform(0.65, 1.0)
        points.append((distance * math.cos(angle), distance * math.sin(angle)))
    return points


def _to_geojson(
    centre: tuple[float, float], offsets_m: Sequence[tuple[float, float]]
) -> dict[str, Any]:
    """Metres around a centre to the GeoJSON Polygon a map would send."""
    longitude, latitude = centre
    per_degree_longitude = METRES_PER_DEGREE_LONGITUDE_AT_EQUATOR * math.cos(math.radians(latitude))
    ring = [
        [longitude + x / per_degree_longitude, latitude + y / METRES_PER_DEGREE_LATITUDE]
        for x, y in offsets_m
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def community_area(rng: random.Random, site: Site) -> dict[str, Any]:
    radius = rng.uniform(*AREA_RADIUS_M)
    # Jitter the centre as far as the cell allows: areas never reach a neighbour's cell.
    slack = CELL_HALF_WIDTH_M - radius
    shift = (rng.uniform(-slack, slack), rng.uniform(-slack, slack))
    points = [(x + shift[0], y + shift[1]) for x, y in _star(rng, radius)]
    return _to_geojson(site.centre, points)


def new_area(rng: random.Random, centre: tuple[float, float]) -> dict[str, Any]:
    """A would-be community of 0.3–0.9 km² around `centre`."""
    points = _star(rng, 1.0)
    scale = math.sqrt(rng.uniform(*NEW_AREA_M2) / Polygon(points).area)
    return _to_geojson(centre, [(x * scale, y * scale) for x, y in points])


# --- loading ------------------------------------------------------------------------------


@dataclass
class LoadReport:
    reused: bool
    seconds: float = 0.0
    wipe_seconds: float = 0.0
    place_seconds: float = 0.0
    build_seconds: float = 0.0
    insert_seconds: float = 0.0
    cells: int = 0


def _batches(items: Sequence[Site], size: int) -> Iterator[Sequence[Site]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _build(rng: random.Random, site: Site, number: int) -> Community:
    # What services.create_community does, minus the membership and the history.
    polygon = geometry.parse_area(community_area(rng, site))
    area_m2 = geometry.check_size(polygon)  # also proves every area is ≤ 1 km²
    community = Community(
        name=f"Quartier {number} ({site.commune_name})",
        commune_id=site.commune_id,
        area_m2=area_m2,
    )
    lookups.store_area(community, polygon)
    return community


def _cells(community: Community) -> list[CommunityCell]:
    # The grid filing of lookups.index_cells, without its per-community delete and
    # insert (two queries × 70,000): same Bounds from the same columns, same cells_for.
    bounds = geometry.Bounds(
        community.min_longitude,
        community.min_latitude,
        community.max_longitude,
        community.max_latitude,
    )
    return [CommunityCell(community=community, x=x, y=y) for x, y in geometry.cells_for(bounds)]


def wipe() -> None:
    """Delete every community and its grid cells.

    Plain DELETEs when no other row (membership, alert …) points at a community, which is
    the case with this benchmark's own data. Otherwise (the scale data of bench/scale/, a
    million members) TRUNCATE … CASCADE on PostgreSQL, which empties every table that
    points at communities (memberships, alerts and their deliveries, posts …) and leaves
    the users; elsewhere the ORM's delete, whose cascades take those rows along, but which
    collects every row in Python (15 s for 70,000 communities alone)."""
    if connection.vendor != "postgresql":
        CommunityCell.objects.all().delete()
        Community.objects.all().delete()
        return
    deletes = [
        (f"DELETE FROM {table_name(CommunityCell)}", []),  # noqa: S608
        (f"DELETE FROM {table_name(Community)}", []),  # noqa: S608
    ]
    if not delete_strictly(deletes):
        print("   other rows point at the communities: TRUNCATE … CASCADE", flush=True)
        truncate([table_name(Community)])


def load(total: int, rng: random.Random) -> LoadReport:
    began = time.perf_counter()
    wipe()
    wipe_seconds = time.perf_counter() - began
    communes = list(Commune.objects.order_by("pk"))
    if not communes:
        raise RuntimeError("No communes: the data migration 0002_load_communes did not run.")
    sites = allocate_sites(communes, total)
    rng.shuffle(sites)  # ids in no geographic order, as they would be after years of use
    place_seconds = time.perf_counter() - began - wipe_seconds
    build_seconds = insert_seconds = 0.0
    cells = 0
    with transaction.atomic():
        for number, batch in enumerate(_batches(sites, INSERT_BATCH)):
            started = time.perf_counter()
            communities = [
                _build(rng, site, number * INSERT_BATCH + k + 1) for k, site in enumerate(batch)
            ]
            build_seconds += time.perf_counter() - started
            started = time.perf_counter()
            Community.objects.bulk_create(communities)  # PostgreSQL hands the ids back
            rows = [cell for community in communities for cell in _cells(community)]
            CommunityCell.objects.bulk_create(rows, batch_size=5_000)
            insert_seconds += time.perf_counter() - started
            cells += len(rows)
    vacuum_analyze((Community, CommunityCell))
    return LoadReport(
        reused=False,
        seconds=time.perf_counter() - began,
        wipe_seconds=wipe_seconds,
        place_seconds=place_seconds,
        build_seconds=build_seconds,
        insert_seconds=insert_seconds,
        cells=cells,
    )


def autovacuum_setting() -> str:
    if connection.vendor != "postgresql":
        return "n/a"
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        return cursor.fetchone()[0]


def grid_occupancy() -> tuple[float, int]:
    """Candidates per occupied grid cell: mean and maximum. What each lookup reads."""
    table = CommunityCell._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT avg(n)::float, max(n) FROM (SELECT count(*) AS n FROM {table} GROUP BY x, y) AS c"  # noqa: S608 (our own table name)
        )
        mean, maximum = cursor.fetchone()
    return mean or 0.0, maximum or 0


# --- queries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    pk: int
    polygon: Polygon
    centre: tuple[float, float]


def sample_communities(rng: random.Random, count: int) -> list[Sample]:
    """`count` communities drawn at random (with replacement), areas read back from the
    database so that points are tested against what is stored."""
    ids = list(Community.objects.values_list("pk", flat=True).order_by("pk"))
    chosen = [rng.choice(ids) for _ in range(count)]
    rows = Community.objects.only("area", "centre_longitude", "centre_latitude").in_bulk(
        set(chosen)
    )
    return [
        Sample(
            pk,
            geometry.polygon_from_geojson(rows[pk].area),
            (rows[pk].centre_longitude, rows[pk].centre_latitude),
        )
        for pk in chosen
    ]


def _point_inside(rng: random.Random, polygon: Polygon) -> tuple[float, float]:
    min_x, min_y, max_x, max_y = polygon.bounds
    while True:
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if polygon.contains(Point(x, y)):
            return x, y


def _near(rng: random.Random, centre: tuple[float, float], metres: float) -> tuple[float, float]:
    longitude, latitude = centre
    per_degree_longitude = METRES_PER_DEGREE_LONGITUDE_AT_EQUATOR * math.cos(math.radians(latitude))
    return (
        longitude + rng.uniform(-metres, metres) / per_degree_longitude,
        latitude + rng.uniform(-metres, metres) / METRES_PER_DEGREE_LATITUDE,
    )


@dataclass(frozen=True)
class PointQuery:
    longitude: float
    latitude: float
    expected: int | None  # the community it was drawn inside; None: anywhere around


def point_queries(rng: random.Random, count: int) -> list[PointQuery]:
    """Half drawn inside a community; half anywhere in the lattice cell around one (in
    the covered region, often in the gaps between areas), shuffled together."""
    queries = []
    for k, sample in enumerate(sample_communities(rng, count)):
        if k % 2 == 0:
            queries.append(PointQuery(*_point_inside(rng, sample.polygon), expected=sample.pk))
        else:
            queries.append(PointQuery(*_near(rng, sample.centre, CELL_HALF_WIDTH_M), None))
    rng.shuffle(queries)
    return queries


def area_queries(rng: random.Random, count: int) -> list[dict[str, Any]]:
    """New areas of 0.3–0.9 km² dropped at random among the existing ones."""
    return [
        new_area(rng, _near(rng, sample.centre, 700.0)) for sample in sample_communities(rng, count)
    ]


def check_new_area(raw: dict[str, Any]) -> bool:
    """The server-side check of a new community's area, as services.create_community runs
    it (minus the advisory lock). True when it overlaps an existing community."""
    polygon = geometry.parse_area(raw)
    try:
        services._check_area(polygon, rural_exemption=False)
    except geometry.AreaError as error:
        if error.code != "overlap":
            raise
        return True
    return False


def time_calls(call: Callable[[T], Any], warmup: Sequence[T], inputs: Sequence[T]) -> list[float]:
    """Seconds per call over `inputs`, after calls over `warmup` that fill the caches a
    running server has warm (pyproj transformers, the connection, PostgreSQL's buffers)."""
    for item in warmup:
        call(item)
    timings = []
    for item in inputs:
        started = time.perf_counter()
        call(item)
        timings.append(time.perf_counter() - started)
    return timings


class CpuWatch:
    """How much CPU the rest of the machine took while we measured, in cores.

    These machines are shared: a test suite running beside the benchmark inflates its
    tail. The total busy time of /proc/stat, minus this process's and its PostgreSQL
    backend's, is what others used. None where /proc is not readable (not Linux, or a
    database on another machine: then only the backend's share is missing)."""

    def __init__(self) -> None:
        self.others_cores: float | None = None
        self._backend = self._backend_pid()

    @staticmethod
    def _backend_pid() -> int | None:
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        try:  # the database may be on another machine, where this pid means nothing
            with open(f"/proc/{pid}/comm") as comm:
                return pid if comm.read().strip().startswith("postgres") else None
        except OSError:
            return None

    def _sample(self) -> tuple[float, float, float, float] | None:
        tick = os.sysconf("SC_CLK_TCK")
        try:
            with open("/proc/stat") as stat:
                fields = [int(value) for value in stat.readline().split()[1:]]
            backend = 0.0
            if self._backend is not None:
                with open(f"/proc/{self._backend}/stat") as stat:
                    # utime and stime are fields 14 and 15, after the ")" of the name.
                    after_name = stat.read().rsplit(")", 1)[1].split()
                backend = (int(after_name[11]) + int(after_name[12])) / tick
        except (OSError, ValueError, IndexError):
            return None
        idle = fields[3] + fields[4]  # idle and iowait
        busy = (sum(fields[:8]) - idle) / tick  # up to steal; guest time is counted in user
        own = os.times()
        return time.perf_counter(), busy, own.user + own.system, backend

    def __enter__(self) -> "CpuWatch":
        self._start = self._sample()
        return self

    def __exit__(self, *exc_info: object) -> None:
        end = self._sample()
        if self._start is None or end is None:
            return
        elapsed = end[0] - self._start[0]
        busy, own, backend = (end[i] - self._start[i] for i in (1, 2, 3))
        self.others_cores = max(busy - own - backend, 0.0) / elapsed if elapsed > 0 else None

    def note(self) -> str:
        if self.others_cores is None:
            return ""
        cores = os.cpu_count() or 1
        text = f"other processes used {self.others_cores:.1f} of {cores} cores meanwhile"
        if self.others_cores >= 0.25:
            text += ": the machine was busy, the tail is inflated; run again on a quiet machine"
        return text


# --- query plans --------------------------------------------------------------------------

_INDEX_USE = re.compile(
    r"(?:Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\S+)"
)


def plan_note(call: Callable[[], Any]) -> str:
    """Run `call` once, EXPLAIN every SELECT it sent, and say how many queries it sends
    and which indexes they use, or show the plan of any query not served by an index."""
    with CaptureQueriesContext(connection) as captured:
        call()
    selects = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].lstrip().upper().startswith("SELECT")
    ]
    if connection.vendor != "postgresql":
        return f"{len(captured)} quer{'y' if len(captured) == 1 else 'ies'} per call"
    indexes: list[str] = []
    problems: list[str] = []
    for sql in selects:
        with connection.cursor() as cursor:
            # The captured SQL has its parameters inlined (psycopg client-side binding).
            cursor.execute("EXPLAIN " + sql)
            plan = [line for (line,) in cursor.fetchall()]
        indexes += [match for line in plan for match in _INDEX_USE.findall(line)]
        if not _INDEX_USE.search("\n".join(plan)) or any("Seq Scan" in line for line in plan):
            seq = next((line.strip() for line in plan if "Seq Scan" in line), "")
            problems.append(f"plan: {plan[0].strip()}" + (f" … {seq}" if seq else ""))
    count = len(captured)
    note = f"{count} quer{'y' if count == 1 else 'ies'} per call"
    if indexes:
        note += f"; indexes: {', '.join(dict.fromkeys(indexes))}"
    if problems:
        note += "; NOT an index scan: " + " | ".join(problems)
    return note


# --- the benchmark ------------------------------------------------------------------------


def run(options: argparse.Namespace) -> list[dict[str, Any]]:
    rng = random.Random(options.seed)
    total: int = options.communities
    queries: int = options.queries
    warmup = min(WARMUP_CALLS, queries)

    existing = Community.objects.count()
    if options.keep and existing == total:
        report = LoadReport(reused=True, cells=CommunityCell.objects.count())
        print(f"   reusing {existing} communities (--keep)", flush=True)
        vacuum_analyze(
            (Community, CommunityCell)
        )  # a previous run may have been interrupted before its own
    else:
        print(f"   loading {total} communities …", flush=True)
        report = load(total, rng)
        print(f"   loaded in {report.seconds:.1f} s", flush=True)
    loaded = Community.objects.count()
    mean_candidates, max_candidates = grid_occupancy()
    vendor = f"{connection.vendor} {connection.Database.__name__}"
    if connection.vendor == "postgresql":
        version = connection.pg_version
        vendor = f"PostgreSQL {version // 10_000}.{version % 10_000}"

    # --- community containing a point
    print(f"   timing {queries} point lookups …", flush=True)
    points = point_queries(rng, queries + warmup)
    probe = points[0]
    containing_plan = plan_note(
        lambda: lookups.community_containing(probe.latitude, probe.longitude)
    )
    answers: dict[int, int | None] = {}

    def find(query: PointQuery) -> None:
        found = lookups.community_containing(query.latitude, query.longitude)
        answers[id(query)] = found.pk if found else None

    with CpuWatch() as containing_cpu:
        timings = time_calls(find, points[:warmup], points[warmup:])
    measured = points[warmup:]
    inside = [query for query in measured if query.expected is not None]
    wrong = sum(answers[id(query)] != query.expected for query in inside)
    around_found = sum(
        answers[id(query)] is not None for query in measured if query.expected is None
    )
    c50, c99, cmax = _percentiles_ms(timings)

    # --- overlap check of a new area
    print(f"   timing {queries} overlap checks …", flush=True)
    areas = area_queries(rng, queries + warmup)
    overlap_plan = plan_note(lambda: check_new_area(areas[0]))
    outcomes: list[bool] = []

    def check(raw: dict[str, Any]) -> None:
        outcomes.append(check_new_area(raw))

    with CpuWatch() as overlap_cpu:
        overlap_timings = time_calls(check, areas[:warmup], areas[warmup:])
    outcomes = outcomes[warmup:]  # the warm-up's are not part of the figures
    o50, o99, omax = _percentiles_ms(overlap_timings)

    if report.reused:
        load_value, load_note = None, "reused the rows already loaded (--keep)"
    else:
        load_value = report.seconds
        load_note = (
            f"{report.wipe_seconds:.1f} s wiping the previous rows, "
            f"{report.place_seconds:.1f} s placing, "
            f"{report.build_seconds:.1f} s building areas with the app's functions, "
            f"{report.insert_seconds:.1f} s inserting {total} communities and "
            f"{report.cells} grid cells, the rest VACUUM ANALYZE"
        )
    abidjan = Community.objects.filter(commune__district=ABIDJAN_DISTRICT).count()
    return [
        _row(
            "database",
            "database",
            vendor,
            note=f"autovacuum {autovacuum_setting()}; the benchmark runs VACUUM ANALYZE after loading",
        ),
        _row(
            "communities",
            "communities loaded",
            loaded,
            note=(
                f"{abidjan / max(loaded, 1):.0%} in Abidjan's communes; "
                f"{report.cells or CommunityCell.objects.count()} grid cells; "
                f"candidates per occupied 0.01° cell: mean {mean_candidates:.2f}, max {max_candidates}"
            ),
        ),
        _row("load", "load time", load_value, "s", note=load_note),
        _row(
            "containing.p50",
            "community containing a point, p50",
            c50,
            "ms",
            note=f"{len(timings)} lookups, half inside a community, half around one; {containing_plan}",
        ),
        _row(
            "containing.p99",
            "community containing a point, p99",
            c99,
            "ms",
            target=f"≤ {CONTAINING_TARGET_MS:g} ms",
            passed=c99 <= CONTAINING_TARGET_MS,
            note=_join(
                f"max {cmax:.2f} ms",
                containing_cpu.note(),
                f"{around_found} of {len(measured) - len(inside)} points drawn around a community fell in one",
            ),
        ),
        _row(
            "containing.wrong",
            "community containing a point, wrong answers",
            wrong,
            target="0",
            passed=wrong == 0,
            note=f"out of {len(inside)} points drawn inside a known community",
        ),
        _row(
            "overlap.p50",
            "overlap check of a new area, p50",
            o50,
            "ms",
            note=f"{len(overlap_timings)} checks of 0.3–0.9 km² areas; {overlap_plan}",
        ),
        _row(
            "overlap.p99",
            "overlap check of a new area, p99",
            o99,
            "ms",
            target=f"≤ {OVERLAP_TARGET_MS:g} ms",
            passed=o99 <= OVERLAP_TARGET_MS,
            note=_join(
                f"max {omax:.2f} ms",
                overlap_cpu.note(),
                f"{sum(outcomes)} of {len(outcomes)} overlapped a community",
            ),
        ),
    ]
