"""The reports' charts as inline SVG, written here: horizontal bars, stacked when a chart has several
series. The same markup goes in the page and in the PDF (WeasyPrint draws inline SVG itself), so a
chart needs no JavaScript and no charting library.

Readable without colour: every bar is labelled with its category and its figures in words beside
it; series are told apart by pattern (solid, hatched, dotted, outline) and named in a key; dark
ink on white. Each chart is ``role="img"`` with a ``<title>`` and ``<desc>``, and the page shows its
figures as a table too.
"""

from __future__ import annotations

import re
from itertools import count

from markupsafe import Markup, escape

from .panel import Chart

WIDTH = 680
LABEL_WIDTH = 250  # the category names, left of the bars
TEXT_WIDTH = 150  # the figures, right of the bars
BAR = 18
ROW = 32
INK = "#0b0c0c"
BLUE = "#1d4f91"  # 8.6:1 against white
FONT = 'font-family="Arial, Liberation Sans, DejaVu Sans, sans-serif" font-size="11"'
_ids = count(1)


def _patterns(prefix: str) -> str:
    """Solid, hatched, dotted and outline fills, in that order of series."""
    return (
        "<defs>"
        f'<pattern id="{prefix}-1" patternUnits="userSpaceOnUse" width="6" height="6" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        f'<rect width="3" height="6" fill="{BLUE}"/></pattern>'
        f'<pattern id="{prefix}-2" patternUnits="userSpaceOnUse" width="5" height="5">'
        f'<rect width="5" height="5" fill="#ffffff"/><circle cx="2.5" cy="2.5" r="1.4" fill="{BLUE}"/></pattern>'
        "</defs>"
    )


def _fill(prefix: str, series: int) -> str:
    if series == 0:
        return f'fill="{BLUE}"'
    if series in (1, 2):
        return f'fill="url(#{prefix}-{series})" stroke="{BLUE}" stroke-width="1"'
    return f'fill="#ffffff" stroke="{INK}" stroke-width="1.5"'


def _lines(text: str, limit: int = 40) -> list[str]:
    """A category's name on up to two lines of about ``limit`` characters (the second cut short)."""
    if len(text) <= limit:
        return [text]
    cut = text.rfind(" ", 0, limit + 1)
    cut = cut if cut > 0 else limit
    rest = text[cut:].strip()
    return [text[:cut].rstrip(), rest if len(rest) <= limit else rest[: limit - 1].rstrip() + "…"]


def _words(chart: Chart, values: list[int]) -> str:
    """The figures beside a bar: "5" for one series, "3 met, 1 missed" for several (zeros left out)."""
    if len(chart.series) == 1:
        return str(values[0])
    parts = [f"{v} {name.lower()}" for v, name in zip(values, chart.series) if v]
    return ", ".join(parts) if parts else "0"


def svg(chart: Chart) -> Markup:
    """The chart as an ``<svg>`` element."""
    prefix = f"chart{next(_ids)}"
    slug = re.sub(r"[^a-z0-9]+", "-", chart.title.lower()).strip("-")
    several = len(chart.series) > 1
    key_height = ROW if several else 0
    row_height = ROW + 16 if several else ROW  # several series: the figures go under the bar
    height = key_height + max(1, len(chart.categories)) * row_height + 10
    biggest = max((sum(v) for v in chart.values), default=0) or 1
    span = WIDTH - LABEL_WIDTH - (20 if several else TEXT_WIDTH)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="report-chart" width="100%" '
           f'viewBox="0 0 {WIDTH} {height}" aria-labelledby="{prefix}-title" aria-describedby="{prefix}-desc" '
           f'data-chart="{slug}">',
           f'<title id="{prefix}-title">{escape(chart.title)}</title>',
           f'<desc id="{prefix}-desc">{escape(chart.description)} ',
           escape("; ".join(f"{c}: {_words(chart, v)}" for c, v in zip(chart.categories, chart.values))),
           "</desc>", _patterns(prefix), f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>']
    if several:  # the key: a swatch of each pattern and its name
        x = LABEL_WIDTH
        for i, name in enumerate(chart.series):
            out.append(f'<rect x="{x}" y="6" width="14" height="14" {_fill(prefix, i)}/>')
            out.append(f'<text x="{x + 19}" y="18" {FONT} fill="{INK}">{escape(name)}</text>')
            x += 30 + 7 * len(name)
    if not chart.categories:
        out.append(f'<text x="0" y="{key_height + 20}" {FONT} fill="{INK}">Nothing to show for this period</text>')
    for row, (category, values) in enumerate(zip(chart.categories, chart.values)):
        y = key_height + row * row_height + 6
        lines = _lines(category)
        first = y + 13 if len(lines) == 1 else y + 7
        out.append(f'<text x="{LABEL_WIDTH - 8}" y="{first}" text-anchor="end" {FONT} fill="{INK}">'
                   + "".join(f'<tspan x="{LABEL_WIDTH - 8}" dy="{0 if i == 0 else 13}">{escape(line)}</tspan>'
                             for i, line in enumerate(lines)) + "</text>")
        x = float(LABEL_WIDTH)
        for i, value in enumerate(values):
            if value:
                w = max(2.0, span * value / biggest)
                out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR}" {_fill(prefix, i)}/>')
                x += w
        out.append(f'<line x1="{LABEL_WIDTH}" y1="{y - 4}" x2="{LABEL_WIDTH}" y2="{y + BAR + 4}" '
                   f'stroke="{INK}" stroke-width="1"/>')
        at = f'x="{LABEL_WIDTH + 4}" y="{y + BAR + 13}"' if several else f'x="{x + 6:.1f}" y="{y + 13}"'
        out.append(f'<text {at} {FONT} fill="{INK}">{escape(_words(chart, values))}</text>')
    out.append("</svg>")
    return Markup("".join(str(part) for part in out))
