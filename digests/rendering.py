"""A run's e-mail: the report's headline figures, chart and table for the period the run covers,
inline (text, and HTML with the chart as a PNG), and the PDF or CSV attached.

Everything is the reports app's: its filter form reads the subscription's query string, its
runner computes the figures on the reporting database (with the previous period's, when the
filters compare), its chart and PDF functions draw them. Only the period is the schedule's: the
full one before the run's slot, in the subscriber's time zone (``schedule.covered_days``)."""

from dataclasses import dataclass, replace
from email.message import MIMEPart

from django.conf import settings
from django.http import QueryDict
from django.template.loader import render_to_string

from core.csv_export import csv_lines
from core.reporting import Report, get_report
from notifications.rendering import shop
from reports.rendering import pdf_bytes, png_chart
from reports.runner import ReportFilterForm, ReportResult, filter_form, run

from .exceptions import DigestError, UnknownReport
from .models import Format, ReportRun, ReportSubscription
from .schedule import covered_days

# The schedule sets the period; a period in the saved query string is not the digest's.
PERIOD_KEYS = ("period", "start", "end")
INLINE_ROWS = 31  # a month of days in the e-mail itself; the attachment holds every row
CHART_CID = "chart"


@dataclass(frozen=True)
class Digest:
    subject: str
    text: str
    html: str
    attachments: tuple[MIMEPart | tuple[str, bytes, str], ...]


def report_of(subscription: ReportSubscription) -> Report:
    report = get_report(subscription.report_slug)
    if report is None:
        message = f"There is no report {subscription.report_slug!r}."
        raise UnknownReport(message, field="report_slug")
    return report


def filters_from_query(query: str) -> dict[str, list[str]]:
    """A report page's query string as the subscription keeps it (each key's non-empty values),
    without the period, which the schedule sets."""
    kept = {}
    for key, values in QueryDict(query).lists():
        if key not in PERIOD_KEYS and (present := [value for value in values if value]):
            kept[key] = present
    return kept


def checked_filters(report: Report, query: str) -> ReportFilterForm:
    """The report's filter form on the query; DigestError naming the fields it refuses."""
    form = filter_form(report, QueryDict(query))
    if not form.is_valid():
        refused = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
        raise DigestError(f"The filters do not fit the report ({refused}).", field="query")
    return form


def result_of(run_: ReportRun) -> ReportResult:
    subscription = run_.subscription
    report = report_of(subscription)
    form = checked_filters(report, subscription.filters_query)
    start, end = covered_days(
        scheduled_for=run_.scheduled_for,
        frequency=subscription.frequency,
        timezone=subscription.timezone,
    )
    params = replace(form.params(), start=start, end=end, timezone=subscription.timezone)
    return run(report, params)


def _chart(result: ReportResult) -> MIMEPart | None:
    png = png_chart(result)
    if png is None:
        return None
    part = MIMEPart()
    part.set_content(png, "image", "png", disposition="inline", cid=f"<{CHART_CID}>")
    return part


def build(run_: ReportRun) -> Digest:
    """The run's e-mail: subject, text, HTML and its attachments (chart image, PDF or CSV)."""
    subscription = run_.subscription
    result = result_of(run_)
    params = result.params
    period = f"{params.start}" if params.start == params.end else f"{params.start} to {params.end}"
    subject = f"{subscription.name}: {result.report.title}, {period}"
    chart = _chart(result)
    context = {
        "subject": subject,
        "shop": shop(),
        "site_url": settings.OMS_SITE_URL.rstrip("/"),
        "subscription": subscription,
        "report": result.report,
        "result": result,
        "period": period,
        "inline_rows": result.table()[:INLINE_ROWS],
        "row_count": len(result.rows),
        "chart_cid": CHART_CID if chart else "",
    }
    attachments: list[MIMEPart | tuple[str, bytes, str]] = [chart] if chart else []
    stem = f"{result.report.slug}-{params.start}-{params.end}"
    if subscription.format == Format.PDF:
        attachments.append((f"{stem}.pdf", pdf_bytes(result), "application/pdf"))
    elif subscription.format == Format.CSV:
        header = [column.label for column in result.columns]
        body = b"".join(csv_lines([header, *result.table()]))
        attachments.append((f"{stem}.csv", body, "text/csv"))
    return Digest(
        subject=subject,
        text=render_to_string("emails/digest.txt", context),
        html=render_to_string("emails/digest.html", context),
        attachments=tuple(attachments),
    )
