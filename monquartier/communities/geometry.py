"""Community areas: reading them from GeoJSON, checking them, measuring them, finding them.

Areas are GeoJSON Polygons in WGS84 (longitude, latitude). Surfaces (an area, the part
two areas share) are geodesic, on the WGS84 ellipsoid: right anywhere on Earth, without a
projection that could blow up far from its centre. Distances between areas are measured
in the local UTM zone, which is right because every area lies in the service area
(settings.SERVICE_AREA_BOUNDS: Côte d'Ivoire, zones 29N and 30N). No GDAL: shapely and
pyproj only, so the same code runs on SQLite and PostgreSQL.

Every input is bounded before any costly step (text length, vertex count, coordinates
inside the service area, bounding box at most RURAL_MAX_SPAN_M wide), so checking any
area takes milliseconds and files it under at most a few hundred grid cells.

Finding candidates uses a grid of 0.01° cells (CommunityCell rows): a community is filed
under every cell its bounding box touches, so the communities that could contain a point
are those of the point's cell, and those an area could overlap are those of its cells
(a range of cells: queries never spell out one condition per cell).
"""

import json
import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pyproj import Geod, Transformer
from shapely.geometry import Point, Polygon

MAX_AREA_M2 = 1_000_000
MAX_VERTICES = 250
# GeoJSON text longer than this is refused before it is parsed: 250 points with 7 decimals
# take about 12,000 characters.
MAX_AREA_TEXT = 40_000
# A community's bounding box, in metres, north-south and east-west: a neighbourhood fits
# well within it; a rural exemption lifts it to the larger one, which bounds every area.
MAX_SPAN_M = 5_000
RURAL_MAX_SPAN_M = 20_000
METRES_PER_DEGREE_LATITUDE = 110_574
METRES_PER_DEGREE_LONGITUDE_AT_EQUATOR = 111_320
OVERLAP_TOLERANCE_M2 = 10.0
TWINNING_MAX_DISTANCE_M = 3_000
CELL_DEGREES = 0.01
COORDINATE_DECIMALS = 7  # about 1 cm


class AreaError(ValidationError):
    pass


@dataclass(frozen=True)
class Bounds:
    min_longitude: float
    min_latitude: float
    max_longitude: float
    max_latitude: float


def _fail(message: str, code: str) -> AreaError:
    return AreaError(message, code=code)


def parse_area(raw) -> Polygon:
    """A GeoJSON Polygon (or a Feature holding one), as text or already decoded, to a
    valid shapely Polygon. Raises AreaError with a message for the person drawing.
    A Polygon passes through the same checks (forms hand services what they parsed).
    Every bound is checked before the step it protects, so no input makes this slow."""
    if isinstance(raw, Polygon):
        raw = to_geojson(raw)
    if isinstance(raw, str | bytes):
        if len(raw) > MAX_AREA_TEXT:
            raise _fail(
                _("Le périmètre envoyé est trop long. Redessinez-le avec moins de points."),
                "too_long",
            )
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError):
            raise _fail(_("Le périmètre envoyé est illisible. Redessinez-le."), "garbage") from None
    if isinstance(raw, dict) and raw.get("type") == "Feature":
        raw = raw.get("geometry")
    if not isinstance(raw, dict) or raw.get("type") != "Polygon":
        raise _fail(_("Le périmètre doit être un polygone."), "not_polygon")
    rings = raw.get("coordinates")
    if not isinstance(rings, list) or not rings:
        raise _fail(_("Le périmètre envoyé est illisible. Redessinez-le."), "garbage")
    if len(rings) > 1:
        raise _fail(_("Le périmètre doit être d'un seul tenant, sans trou."), "holes")
    ring = rings[0]
    if not isinstance(ring, list):
        raise _fail(_("Le périmètre envoyé est illisible. Redessinez-le."), "garbage")
    if len(ring) > MAX_VERTICES + 1:
        raise _fail(
            _("Le périmètre a trop de points (%(count)s) : %(max)s au plus.")
            % {"count": len(ring), "max": MAX_VERTICES},
            "too_many_points",
        )
    points = [_read_position(position) for position in ring]
    if len(points) > 1 and points[0] == points[-1]:
        points = points[:-1]
    distinct = list(dict.fromkeys(points))
    if len(distinct) < 3:
        raise _fail(_("Un périmètre a au moins 3 points."), "too_few_points")
    longitudes = [longitude for longitude, _latitude in distinct]
    latitudes = [latitude for _longitude, latitude in distinct]
    check_span(
        Bounds(min(longitudes), min(latitudes), max(longitudes), max(latitudes)),
        RURAL_MAX_SPAN_M,
    )
    polygon = Polygon(points)
    if polygon.convex_hull.area == 0:
        raise _fail(
            _("Les points du périmètre sont alignés : il n'entoure aucune surface."), "flat"
        )
    if not polygon.is_valid:
        raise _fail(
            _(
                "Les bords du périmètre se croisent. Déplacez les points pour qu'ils ne se coupent pas."
            ),
            "self_intersection",
        )
    return shapely.geometry.polygon.orient(polygon, sign=1.0)


def _read_position(position) -> tuple[float, float]:
    """A GeoJSON position to (longitude, latitude), rounded: finite, on the map and inside
    the service area, or AreaError."""
    if (
        not isinstance(position, list | tuple)
        or len(position) < 2
        or not all(
            isinstance(value, int | float) and not isinstance(value, bool) for value in position[:2]
        )
    ):
        raise _fail(_("Le périmètre envoyé est illisible. Redessinez-le."), "garbage")
    try:
        longitude, latitude = float(position[0]), float(position[1])
    except OverflowError:  # an integer of 400 digits
        raise _fail(_("Un point du périmètre est hors de la carte."), "out_of_range") from None
    if not (math.isfinite(longitude) and math.isfinite(latitude)):
        raise _fail(_("Le périmètre envoyé est illisible. Redessinez-le."), "garbage")
    if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
        raise _fail(_("Un point du périmètre est hors de la carte."), "out_of_range")
    west, south, east, north = settings.SERVICE_AREA_BOUNDS
    if not (west <= longitude <= east and south <= latitude <= north):
        raise _fail(
            _(
                "Un point du périmètre est hors de la Côte d'Ivoire. "
                "MonQuartier ne couvre que ce pays."
            ),
            "outside_service_area",
        )
    return round(longitude, COORDINATE_DECIMALS), round(latitude, COORDINATE_DECIMALS)


def span_m(bounds: "Bounds") -> float:
    """The larger side of the bounding box, in metres (east-west measured at the latitude
    nearest the equator, where a degree is widest)."""
    nearest_equator = min(abs(bounds.min_latitude), abs(bounds.max_latitude))
    if bounds.min_latitude < 0 < bounds.max_latitude:
        nearest_equator = 0.0
    height = (bounds.max_latitude - bounds.min_latitude) * METRES_PER_DEGREE_LATITUDE
    width = (
        (bounds.max_longitude - bounds.min_longitude)
        * METRES_PER_DEGREE_LONGITUDE_AT_EQUATOR
        * math.cos(math.radians(nearest_equator))
    )
    return max(height, width)


def check_span(bounds: "Bounds", max_span_m: float) -> None:
    span = span_m(bounds)
    if span > max_span_m:
        raise _fail(
            _(
                "Ce périmètre s'étend sur %(span)s km : une communauté tient dans un carré de "
                "%(max)s km de côté. Resserrez-le autour de votre quartier."
            )
            % {
                "span": f"{span / 1000:.1f}".replace(".", ","),
                "max": f"{max_span_m / 1000:.0f}",
            },
            "too_wide",
        )


def to_geojson(polygon: Polygon) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[x, y] for x, y in polygon.exterior.coords]],
    }


def polygon_from_geojson(area: dict) -> Polygon:
    """Areas already in the database were checked when saved: no checks here."""
    return Polygon(area["coordinates"][0])


_transformers = threading.local()


def _utm_transformer(zone: int, south: bool) -> Transformer:
    # pyproj transformers are costly to build and not to be shared between threads.
    cache = getattr(_transformers, "cache", None)
    if cache is None:
        cache = _transformers.cache = {}
    key = (zone, south)
    if key not in cache:
        epsg = (32700 if south else 32600) + zone
        cache[key] = Transformer.from_crs(4326, epsg, always_xy=True)
    return cache[key]


def _zone_for(longitude: float, latitude: float) -> tuple[int, bool]:
    zone = int((longitude + 180) // 6) + 1
    return min(max(zone, 1), 60), latitude < 0


def to_metres(geometry, *, like=None):
    """Project to the UTM zone of `like` (default: the geometry itself)."""
    reference = (like if like is not None else geometry).centroid
    transformer = _utm_transformer(*_zone_for(reference.x, reference.y))

    def project(coordinates: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coordinates[:, 0], coordinates[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometry, project)


_GEOD = Geod(ellps="WGS84")


def geodesic_area_m2(geometry) -> float:
    """The surface of the geometry's polygons on the WGS84 ellipsoid, in m² (lines and
    points, which an intersection may hold, have none)."""
    total = 0.0
    for part in shapely.get_parts(geometry):
        if isinstance(part, Polygon) and not part.is_empty:
            oriented = shapely.geometry.polygon.orient(part, sign=1.0)
            total += _GEOD.geometry_area_perimeter(oriented)[0]
    return abs(total)


def area_m2(polygon: Polygon) -> float:
    return geodesic_area_m2(polygon)


def check_size(
    polygon: Polygon, *, rural_exemption: bool = False, max_area_m2: float | None = None
) -> float:
    """The area in m², or AreaError past 1 km² or past MAX_SPAN_M (unless staff granted
    an exemption, up to its maximum `max_area_m2` when they set one), or when it cannot
    be measured."""
    area = area_m2(polygon)
    if not math.isfinite(area) or area <= 0:
        raise _fail(_("Le périmètre envoyé est illisible. Redessinez-le."), "garbage")
    if rural_exemption:
        if max_area_m2 is not None and area > max_area_m2:
            raise _fail(
                _(
                    "Ce périmètre couvre %(area)s km² : la dérogation rurale de cette "
                    "communauté permet %(max)s km² au plus."
                )
                % {
                    "area": f"{area / 1_000_000:.2f}".replace(".", ","),
                    "max": f"{max_area_m2 / 1_000_000:.2f}".replace(".", ","),
                },
                "too_large_for_exemption",
            )
        return area
    if area > MAX_AREA_M2:
        raise _fail(
            _(
                "Ce périmètre couvre %(area)s km² : une communauté couvre 1 km² au plus. "
                "Resserrez-le autour de votre quartier."
            )
            % {"area": f"{area / 1_000_000:.2f}".replace(".", ",")},
            "too_large",
        )
    check_span(bounds_of(polygon), MAX_SPAN_M)
    return area


def bounds_of(polygon: Polygon) -> Bounds:
    min_x, min_y, max_x, max_y = polygon.bounds
    return Bounds(min_longitude=min_x, min_latitude=min_y, max_longitude=max_x, max_latitude=max_y)


def cell_of(longitude: float, latitude: float) -> tuple[int, int]:
    return math.floor(longitude / CELL_DEGREES), math.floor(latitude / CELL_DEGREES)


def cell_range(bounds: Bounds) -> tuple[int, int, int, int]:
    """The cells a bounding box touches, as (min x, min y, max x, max y), bounds included."""
    min_x, min_y = cell_of(bounds.min_longitude, bounds.min_latitude)
    max_x, max_y = cell_of(bounds.max_longitude, bounds.max_latitude)
    return min_x, min_y, max_x, max_y


def cells_for(bounds: Bounds) -> list[tuple[int, int]]:
    min_x, min_y, max_x, max_y = cell_range(bounds)
    return [(x, y) for x in range(min_x, max_x + 1) for y in range(min_y, max_y + 1)]


def covers(area: dict, longitude: float, latitude: float) -> bool:
    """True when the point is inside the area or on its edge."""
    return polygon_from_geojson(area).covers(Point(longitude, latitude))


def overlap_m2(polygon: Polygon, other: Polygon) -> float:
    """The surface two areas share, in m². A shared edge shares none."""
    if not polygon.intersects(other):
        return 0.0
    return geodesic_area_m2(polygon.intersection(other))


def overlaps(polygon: Polygon, other: Polygon) -> bool:
    return overlap_m2(polygon, other) > OVERLAP_TOLERANCE_M2


def distance_m(polygon: Polygon, other: Polygon) -> float:
    return float(to_metres(polygon).distance(to_metres(other, like=polygon)))


def degrees_for_metres(metres: float, latitude: float) -> float:
    """A margin in degrees at least `metres` wide in both directions at this latitude."""
    return metres / (111_320 * max(math.cos(math.radians(latitude)), 0.1))


def pick_containing(candidates: Iterable, longitude: float, latitude: float):
    """Of candidate communities, the one whose area covers the point (lowest id wins on a
    shared edge, so the answer never depends on the order rows came in)."""
    found = [community for community in candidates if covers(community.area, longitude, latitude)]
    return min(found, key=lambda community: community.pk) if found else None
