"""The capacity trend chart as inline SVG, drawn on the server (R-CAP-4).

No JavaScript library and no CDN: the page carries the picture itself, so it prints, works
offline and costs no extra request.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from portal.timefmt import format_date

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 28

SERIES_COLOURS = {"knowledge_workers": "#0b5cad", "workspace_devices": "#1e7f4f"}


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def trend_svg(
    *,
    series: dict[str, Sequence[tuple[date, int]]],
    labels: dict[str, str],
    limits: dict[str, Sequence[tuple[date | datetime, int]]],
    start: date,
    end: date,
) -> SafeString:
    """Provisioned counts per resource (solid lines) under approved capacity (dashed steps).

    ``series`` and ``limits`` map a resource to (day, count) points; ``limits`` are the
    approved-capacity changes, drawn as steps that hold until the next change.
    """
    span = max(1, (end - start).days)
    values = [c for points in series.values() for _d, c in points]
    values += [c for points in limits.values() for _d, c in points]
    top = max(values or [1]) or 1
    top = int(top * 1.25) + 1  # headroom: the highest line stays clear of the legend

    def x(day: date) -> float:
        offset = min(max((day - start).days, 0), span)
        return round(LEFT + (WIDTH - LEFT - RIGHT) * offset / span, 1)

    def y(count: int) -> float:
        return round(HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * count / top, 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" class="trend-chart" width="100%" '
        f'aria-label="{escape(_("Provisioned counts against approved capacity"))}">',
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" '
        'stroke="#5d6b7a"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" stroke="#5d6b7a"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end" font-size="10">{top}</text>',
        f'<text x="{LEFT - 4}" y="{HEIGHT - BOTTOM}" text-anchor="end" font-size="10">0</text>',
        f'<text x="{LEFT}" y="{HEIGHT - 8}" font-size="10">{escape(format_date(start))}</text>',
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" text-anchor="end" font-size="10">'
        f"{escape(format_date(end))}</text>",
    ]
    for resource, steps in limits.items():
        colour = SERIES_COLOURS.get(resource, "#5d6b7a")
        points: list[str] = []
        previous: int | None = None
        for when, count in steps:
            day = _day(when)
            if previous is not None:
                points.append(f"{x(day)},{y(previous)}")
            points.append(f"{x(day)},{y(count)}")
            previous = count
        if previous is not None:
            points.append(f"{x(end)},{y(previous)}")
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-dasharray="6 4" '
                f'stroke-width="1.5" points="{" ".join(points)}" class="limit-{resource}"/>'
            )
    for resource, samples in series.items():
        colour = SERIES_COLOURS.get(resource, "#1d2733")
        if not samples:
            continue
        points = " ".join(f"{x(d)},{y(c)}" for d, c in samples)
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="{points}" '
            f'class="series-{resource}"/>'
        )
        last_day, last_count = samples[-1]
        parts.append(f'<circle cx="{x(last_day)}" cy="{y(last_count)}" r="3" fill="{colour}"/>')
    legend_x = LEFT + 8
    for i, (resource, label) in enumerate(labels.items()):
        colour = SERIES_COLOURS.get(resource, "#1d2733")
        ly = TOP + 12 + i * 14
        parts.append(
            f'<rect x="{legend_x}" y="{ly - 8}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 14}" y="{ly}" font-size="11">{escape(label)}</text>'
        )
    note = _("dashed: approved capacity")
    parts.append(
        f'<text x="{WIDTH - RIGHT}" y="{TOP + 10}" text-anchor="end" font-size="10">'
        f"{escape(note)}</text>"
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
