"""A report's chart as SVG (pygal), drawn on the server from the definition's ``Chart``: the
same drawing in the page, the PDF and, as PNG (cairosvg), the e-mail. No JavaScript: the
table beside every chart is its accessible, exact version; the SVG carries a title and a
description for screen readers too. Figures are drawn as floats; the table holds the Decimals.
"""

import base64
import re
from collections import defaultdict
from html import escape
from typing import Any

import pygal
from pygal.style import Style

from core.reporting import Chart, Report

STYLE = Style(
    background="white",
    plot_background="white",
    font_family="DejaVu Sans, Helvetica, Arial, sans-serif",
    colors=("#1f5fbf", "#d9822b", "#2e8540", "#b5283a", "#6b4fbb", "#5b6770", "#008b8b"),
)
KINDS = {
    "line": pygal.Line,
    "bar": pygal.Bar,
    "stacked_bar": pygal.StackedBar,
    "funnel": pygal.HorizontalBar,  # stages top to bottom, their bars to scale
}
# pygal writes its configuration into a <script> for its tooltips, which we do not load
SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)


def series_of(
    chart: Chart, rows: list[dict[str, Any]], labels_of: dict[str, str]
) -> tuple[list, dict[str, list]]:
    """The x labels, and each series' values aligned to them (None where a series has no
    row). A series per ``chart.series`` value and per y column; per currency too when the
    rows hold several, so euros are never drawn on top of dollars."""
    labels = list(dict.fromkeys(row[chart.x] for row in rows))
    currencies = {row["currency"] for row in rows if "currency" in row}
    index = {label: position for position, label in enumerate(labels)}
    lines: dict[str, list] = defaultdict(lambda: [None] * len(labels))
    for row in rows:
        name = " ".join(
            str(part)
            for part in (
                row.get(chart.series) if chart.series else "",
                row["currency"] if len(currencies) > 1 else "",
            )
            if part
        )
        for column in chart.y:
            label = labels_of.get(column, column)
            key = f"{name} {label}".strip() if len(chart.y) > 1 else (name or label)
            value = row[column]
            lines[key][index[row[chart.x]]] = float(value) if value is not None else None
    return labels, dict(lines)


def chart_svg(report: Report, rows: list[dict[str, Any]]) -> str | None:
    """The chart of ``rows`` as an SVG document, or None when the report draws none."""
    chart = report.chart
    if chart is None or chart.kind == "none" or not rows:
        return None
    columns = {column.key: column.label for column in report.columns}
    labels, lines = series_of(chart, rows, columns)
    drawing = KINDS[chart.kind](
        style=STYLE,
        js=[],  # pygal's tooltips come from a CDN: none here
        disable_xml_declaration=True,
        width=900,
        height=360,
        show_legend=len(lines) > 1,
        legend_at_bottom=True,
        x_label_rotation=30 if len(labels) > 8 else 0,
        show_minor_x_labels=False,
        truncate_label=24,
        margin=16,
    )
    drawing.x_labels = [str(label) for label in labels]
    drawing.x_labels_major = [str(label) for label in labels[:: max(1, len(labels) // 8)]]
    for name, values in lines.items():
        drawing.add(name, values)
    svg = SCRIPT.sub("", drawing.render(is_unicode=True))
    return accessible(svg, report.title, chart, labels, columns)


def accessible(svg: str, title: str, chart: Chart, labels: list, columns: dict) -> str:
    """The SVG with a <title> and <desc> first, as screen readers read an image's name."""
    what = ", ".join(columns.get(key, key) for key in chart.y)
    span = f"{labels[0]} to {labels[-1]}" if labels else ""
    description = f"{what} by {columns.get(chart.x, chart.x).lower()} {span}. The table lists them."
    head, _, rest = svg.partition(">")
    return (
        f'{head} role="img"><title>{escape(title)}</title><desc>{escape(description)}</desc>{rest}'
    )


def data_uri(svg: str) -> str:
    """For an <img>: the page's Content-Security-Policy blocks the styles inline SVG carries,
    an SVG image's own styles it does not. WeasyPrint draws it the same way."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def chart_png(svg: str) -> bytes | None:
    """The chart as PNG for e-mail (mail programs do not show SVG), or None when cairosvg or
    the Cairo library is missing: the e-mail then carries the headline table only."""
    try:
        import cairosvg  # an optional dependency: it needs the system's Cairo
    except (ImportError, OSError):
        return None
    return cairosvg.svg2png(bytestring=svg.encode(), output_width=900)
