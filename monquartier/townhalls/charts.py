"""Small SVG charts drawn on the server: no JavaScript, readable on a 360 px phone.

Every chart is an <svg role="img"> with a <title> and a <desc> (named by
aria-labelledby), drawn in a fixed viewBox that the page scales to its width; the page
also shows the chart's numbers as a table (`Chart.headers`, `Chart.rows`), the text
alternative for whoever cannot see the drawing.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH = 360
INK = "#1f1f1f"
MUTED = "#5a5a5a"
LINE = "#d9d4cd"
BAR = "#b4470b"
SECOND = "#1d6b38"
FONT = 'font-family="inherit" font-size="12"'


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    description: str
    headers: tuple[str, ...]
    rows: list[tuple]
    svg: SafeString

    def table_body(self) -> SafeString:
        """The table's rows, as the template would write each cell ({{ cell }}:
        localized, escaped), built here: a map's table has hundreds of cells, and its
        counts and grid coordinates repeat (each value is localized once)."""
        written: dict[tuple[type, object], str] = {}

        def cell(value) -> str:
            key = (type(value), value)
            if key not in written:
                written[key] = f"<td>{conditional_escape(localize(value))}</td>"
            return written[key]

        return mark_safe(  # nosec B308 B703 # every cell escaped
            "".join(
                "<tr>" + "".join(cell(value) for value in row) + "</tr>\n      "
                for row in self.rows
            )
        )


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^n at or above `value`: the top of an axis."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(key: str, title: str, description: str, height: float, body: Sequence[str]) -> SafeString:
    return format_html(
        '<svg class="chart-svg" role="img" viewBox="0 0 {} {}" '
        'aria-labelledby="{}-title {}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        WIDTH,
        _number(height),
        key,
        key,
        key,
        title,
        key,
        description,
        mark_safe("".join(body)),  # nosec B308 B703 # numbers and constants, text escaped
    )


# The elements are written with f-strings: their numbers (_number) and colours (the
# constants above) need no escaping, and a map has hundreds of them; only text is escaped.


def _text(x: float, y: float, text: str, *, anchor: str = "start", colour: str = INK) -> str:
    return (
        f'<text x="{_number(x)}" y="{_number(y)}" text-anchor="{anchor}" fill="{colour}" '
        f"{FONT}>{conditional_escape(text)}</text>"
    )


def _rect(x: float, y: float, width: float, height: float, colour: str) -> str:
    return (
        f'<rect x="{_number(x)}" y="{_number(y)}" width="{_number(max(width, 0))}" '
        f'height="{_number(max(height, 0))}" fill="{colour}"/>'
    )


def _hline(y: float, left: float, right: float) -> str:
    return (
        f'<line x1="{_number(left)}" y1="{_number(y)}" x2="{_number(right)}" '
        f'y2="{_number(y)}" stroke="{LINE}" stroke-width="1"/>'
    )


def bars(
    key: str,
    title: str,
    description: str,
    points: Sequence[tuple[str, int]],
    headers: tuple[str, str],
) -> Chart:
    """Horizontal bars, the label above each bar: long community names stay readable
    on a narrow screen."""
    row_height = 34
    top = max((value for _label, value in points), default=0) or 1
    usable = WIDTH - 50
    body = []
    for index, (label, value) in enumerate(points):
        y = index * row_height
        body.append(_text(0, y + 12, label))
        length = usable * value / top
        body.append(_rect(0, y + 16, length, 12, BAR))
        body.append(_text(length + 4, y + 27, str(value), colour=MUTED))
    height = max(len(points) * row_height, row_height)
    return Chart(
        key, title, description, headers, list(points), _svg(key, title, description, height, body)
    )


def columns(
    key: str,
    title: str,
    description: str,
    points: Sequence[tuple[str, int]],
    headers: tuple[str, str],
    *,
    tick_labels: Sequence[str] = (),
) -> Chart:
    """Vertical columns over time (one per week). `tick_labels` holds, for each point,
    the label written under it or an empty string: a year of weeks gets a label a month."""
    height, bottom, left = 200, 170, 32
    top = nice_ceiling(max((value for _label, value in points), default=0))
    body = _axis(top, left, bottom, 150)
    slot = (WIDTH - left) / max(len(points), 1)
    for index, (_label, value) in enumerate(points):
        bar_height = 150 * value / top
        x = left + index * slot
        body.append(_rect(x + slot * 0.15, bottom - bar_height, slot * 0.7, bar_height, BAR))
        tick = tick_labels[index] if index < len(tick_labels) else ""
        if tick:
            body.append(_text(x, bottom + 16, tick, colour=MUTED))
    return Chart(
        key, title, description, headers, list(points), _svg(key, title, description, height, body)
    )


def _axis(top: float, left: float, bottom: float, span: float) -> list[str]:
    body = []
    # Counts are whole: no middle line at 2.5.
    fractions = (0, 0.5, 1) if (top / 2).is_integer() else (0, 1)
    for fraction in fractions:
        y = bottom - span * fraction
        body.append(_hline(y, left, WIDTH))
        body.append(_text(left - 4, y + 4, _number(top * fraction), anchor="end", colour=MUTED))
    return body


def line(
    key: str,
    title: str,
    description: str,
    points: Sequence[tuple[str, int]],
    headers: tuple[str, str],
    *,
    tick_labels: Sequence[str] = (),
) -> Chart:
    """A line with a dot a point (one a month), a label under every other point at most
    (`tick_labels`, short, or the points' own labels)."""
    height, bottom, left = 200, 170, 40
    top = nice_ceiling(max((value for _label, value in points), default=0))
    body = _axis(top, left, bottom, 150)
    step = (WIDTH - left - 36) / max(len(points) - 1, 1)
    coordinates = [
        (left + 14 + index * step, bottom - 150 * value / top)
        for index, (_label, value) in enumerate(points)
    ]
    if coordinates:
        body.append(
            format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>',
                " ".join(f"{_number(x)},{_number(y)}" for x, y in coordinates),
                SECOND,
            )
        )
    label_every = max(1, math.ceil(len(points) / 6))
    ticks = list(tick_labels) or [label for label, _value in points]
    for index, ((x, y), label) in enumerate(zip(coordinates, ticks, strict=True)):
        body.append(f'<circle cx="{_number(x)}" cy="{_number(y)}" r="3" fill="{SECOND}"/>')
        if index % label_every == 0:
            body.append(_text(x, bottom + 16, label, anchor="middle", colour=MUTED))
    if coordinates:
        # The latest value, written: the axis alone gives no exact number.
        (x, y), (_label, value) = coordinates[-1], points[-1]
        body.append(_text(x, y - 8, str(value), anchor="middle"))
    return Chart(
        key, title, description, headers, list(points), _svg(key, title, description, height, body)
    )


def scatter(
    key: str,
    title: str,
    description: str,
    cells: Sequence[tuple[float, float, int]],
    box: tuple[float, float, float, float] | None,
    headers: tuple[str, str, str],
    *,
    outlines: Sequence[tuple[float, float, float, float]] = (),
) -> Chart:
    """Places as dots over the commune's bounding box (south, north, west, east), a dot's
    area growing with the number of alerts at that place, over the communities' frames
    (`outlines`, boxes too). Longitudes are shrunk by the cosine of the latitude so that
    distances look right."""
    rows = list(cells)
    if box is None:
        return Chart(key, title, description, headers, rows, _svg(key, title, description, 40, []))
    south, north, west, east = box
    margin = 10
    squeeze = math.cos(math.radians((south + north) / 2))
    span_x = max((east - west) * squeeze, 1e-6)
    span_y = max(north - south, 1e-6)
    scale = min((WIDTH - 2 * margin) / span_x, (480 - 2 * margin) / span_y)
    height = span_y * scale + 2 * margin
    offset = (WIDTH - span_x * scale) / 2
    most = max((count for _lat, _lng, count in rows), default=1)
    body = [
        f'<rect x="1" y="1" width="{WIDTH - 2}" height="{_number(height - 2)}" fill="none" '
        f'stroke="{LINE}"/>'
    ]

    def point(latitude: float, longitude: float) -> tuple[float, float]:
        return (
            offset + (longitude - west) * squeeze * scale,
            height - margin - (latitude - south) * scale,
        )

    for low, high, left, right in outlines:
        x1, y1 = point(high, left)
        x2, y2 = point(low, right)
        body.append(
            f'<rect x="{_number(x1)}" y="{_number(y1)}" width="{_number(x2 - x1)}" '
            f'height="{_number(y2 - y1)}" fill="#f6f3ef" stroke="{MUTED}"/>'
        )
    for latitude, longitude, count in rows:
        x, y = point(latitude, longitude)
        radius = 1.5 + 4.5 * math.sqrt(count / most)
        body.append(
            f'<circle cx="{_number(x)}" cy="{_number(y)}" r="{_number(radius)}" fill="{BAR}" '
            f'fill-opacity="0.55" stroke="{INK}"/>'
        )
    return Chart(
        key, title, description, headers, rows, _svg(key, title, description, height, body)
    )
