"""A report's result drawn for people: the chart for the page and PDF, the PDF (WeasyPrint),
the PNG chart for e-mail. The page, the downloads and the scheduled e-mails all use these."""

from django.template.loader import render_to_string
from django.utils import timezone

from .charts import chart_png, chart_svg, data_uri
from .runner import ReportResult


def figures_context(result: ReportResult) -> dict:
    """What templates/reports/_figures.html needs: the result and its chart as an image URL."""
    svg = chart_svg(result.report, result.rows)
    return {"report": result.report, "result": result, "chart_src": data_uri(svg) if svg else ""}


def pdf_bytes(result: ReportResult) -> bytes:
    """The report as PDF: headlines (with the change against the previous period), chart and
    table, as the page shows them."""
    from weasyprint import HTML  # imported when a PDF is drawn: it parses its stylesheets

    context = figures_context(result) | {"generated_at": timezone.now()}
    return HTML(string=render_to_string("reports/pdf.html", context)).write_pdf()


def png_chart(result: ReportResult) -> bytes | None:
    """The chart as PNG for an e-mail, or None (no chart, or no cairosvg: then the e-mail
    carries the headline table only)."""
    svg = chart_svg(result.report, result.rows)
    return chart_png(svg) if svg else None
