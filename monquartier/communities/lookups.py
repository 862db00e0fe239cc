"""Finding communities by place, through the grid cells of geometry.py."""

from monquartier.communities import geometry
from monquartier.communities.models import Community, CommunityCell

# Only what the checks read: the rest of a community row is not needed to test a point.
_GEOMETRY_FIELDS = ("id", "name", "area", "commune_id", "centre_latitude", "centre_longitude")


def _in_cells(bounds: geometry.Bounds):
    """Communities filed under the cells `bounds` touches whose bounding box meets it.
    One range of cells, whatever its size (a condition per cell once made SQLite refuse
    the query as too large)."""
    min_x, min_y, max_x, max_y = geometry.cell_range(bounds)
    community_ids = CommunityCell.objects.filter(
        x__range=(min_x, max_x), y__range=(min_y, max_y)
    ).values("community_id")
    return (
        Community.objects.filter(
            pk__in=community_ids,
            min_latitude__lte=bounds.max_latitude,
            max_latitude__gte=bounds.min_latitude,
            min_longitude__lte=bounds.max_longitude,
            max_longitude__gte=bounds.min_longitude,
        )
        .order_by()
        .only(*_GEOMETRY_FIELDS)
    )


def community_containing(latitude: float, longitude: float) -> Community | None:
    """The community whose area holds the point (edge included), or None."""
    x, y = geometry.cell_of(longitude, latitude)
    # The bounding box drops most of the cell's other communities before any JSON is read.
    candidates = (
        Community.objects.filter(
            cells__x=x,
            cells__y=y,
            min_latitude__lte=latitude,
            max_latitude__gte=latitude,
            min_longitude__lte=longitude,
            max_longitude__gte=longitude,
        )
        .order_by()
        .only(*_GEOMETRY_FIELDS)
    )
    return geometry.pick_containing(candidates, longitude, latitude)


def communities_overlapping(
    polygon, *, exclude: Community | None = None
) -> list[tuple[Community, float]]:
    """Communities sharing more than a sliver of surface with the polygon, with the
    surface shared in m²."""
    bounds = geometry.bounds_of(polygon)
    candidates = _in_cells(bounds)
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    found = []
    for community in candidates:
        shared = geometry.overlap_m2(polygon, geometry.polygon_from_geojson(community.area))
        if shared > geometry.OVERLAP_TOLERANCE_M2:
            found.append((community, shared))
    return found


def communities_near(
    polygon, *, within_m: float, exclude: Community | None = None
) -> list[tuple[Community, float]]:
    """Communities whose area lies within `within_m` metres of the polygon (touching
    ones included), nearest first."""
    bounds = geometry.bounds_of(polygon)
    margin = geometry.degrees_for_metres(within_m, bounds.max_latitude)
    wide = geometry.Bounds(
        bounds.min_longitude - margin,
        bounds.min_latitude - margin,
        bounds.max_longitude + margin,
        bounds.max_latitude + margin,
    )
    candidates = _in_cells(wide)
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    found = []
    for community in candidates:
        distance = geometry.distance_m(polygon, geometry.polygon_from_geojson(community.area))
        if distance <= within_m:
            found.append((community, distance))
    return sorted(found, key=lambda pair: (pair[1], pair[0].pk))


def store_area(community: Community, polygon) -> None:
    """Copy the polygon and what is derived from it into the community's columns; the
    caller saves the community, then files it under its cells (index_cells), in the same
    transaction."""
    bounds = geometry.bounds_of(polygon)
    centre = polygon.representative_point()
    community.area = geometry.to_geojson(polygon)
    community.min_latitude = bounds.min_latitude
    community.max_latitude = bounds.max_latitude
    community.min_longitude = bounds.min_longitude
    community.max_longitude = bounds.max_longitude
    community.centre_latitude = centre.y
    community.centre_longitude = centre.x


def index_cells(community: Community) -> None:
    bounds = geometry.Bounds(
        community.min_longitude,
        community.min_latitude,
        community.max_longitude,
        community.max_latitude,
    )
    CommunityCell.objects.filter(community=community).delete()
    CommunityCell.objects.bulk_create(
        CommunityCell(community=community, x=x, y=y) for x, y in geometry.cells_for(bounds)
    )
