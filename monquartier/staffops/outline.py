"""A small drawing of areas for the staff pages: an inline SVG, no map tiles, no script.

Longitudes are scaled by the cosine of the latitude so that shapes keep their
proportions; the drawing fits a box of SIZE units."""

import math

from shapely.geometry import Polygon

SIZE = 300


def outline(shapes: list[tuple[str, Polygon]]) -> dict:
    """{"view_box": ..., "shapes": [{"label", "points"}]} for the template: each
    polygon as the `points` of an SVG polygon, in one frame, as wide and high as the shapes need."""
    if not shapes:
        return {"view_box": f"0 0 {SIZE} {SIZE}", "width": SIZE, "height": SIZE, "shapes": []}
    min_x, min_y, max_x, max_y = (
        min(polygon.bounds[0] for _label, polygon in shapes),
        min(polygon.bounds[1] for _label, polygon in shapes),
        max(polygon.bounds[2] for _label, polygon in shapes),
        max(polygon.bounds[3] for _label, polygon in shapes),
    )
    stretch = math.cos(math.radians((min_y + max_y) / 2))
    width = max((max_x - min_x) * stretch, 1e-9)
    height = max(max_y - min_y, 1e-9)
    scale = (SIZE - 20) / max(width, height)
    frame_width, frame_height = width * scale + 20, height * scale + 20

    def point(longitude: float, latitude: float) -> str:
        x = 10 + (longitude - min_x) * stretch * scale
        y = 10 + (max_y - latitude) * scale
        return f"{x:.1f},{y:.1f}"

    return {
        "view_box": f"0 0 {frame_width:.0f} {frame_height:.0f}",
        "width": round(frame_width),
        "height": round(frame_height),
        "shapes": [
            {"label": label, "points": " ".join(point(x, y) for x, y in polygon.exterior.coords)}
            for label, polygon in shapes
        ],
    }
