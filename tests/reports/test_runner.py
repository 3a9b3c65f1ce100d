"""The reports pages: filters into Params, who sees which report, the page, its CSV (the
table's figures) and PDF (the headline figures in its text), the chart, bounded queries."""

import csv
import io
from datetime import date

import pytest
from django.http import QueryDict
from django.urls import reverse
from pypdf import PdfReader

from core.reporting import get_report
from core.roles import FINANCE, MANAGER, WAREHOUSE
from reports.charts import chart_png, chart_svg
from reports.runner import ReportFilterForm, run
from tests.reports.sales_fixture import (
    berlin,  # noqa: F401  (the fixture)
    build_shop,
    params,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("berlin")]

WEEK = "period=custom&start=2026-11-02&end=2026-11-08&compare=on"


def form(query: str, slug: str = "sales") -> ReportFilterForm:
    return ReportFilterForm(get_report(slug), QueryDict(query), "default")


@pytest.mark.parametrize(
    ("query", "start", "end"),
    [
        ("", date(2026, 10, 22), date(2026, 11, 20)),  # last 30 days, ending today
        ("period=last_7", date(2026, 11, 14), date(2026, 11, 20)),
        ("period=last_90", date(2026, 8, 23), date(2026, 11, 20)),
        ("period=this_month", date(2026, 11, 1), date(2026, 11, 20)),
        ("period=last_month", date(2026, 10, 1), date(2026, 10, 31)),
        ("start=2026-11-02&end=2026-11-08", date(2026, 11, 2), date(2026, 11, 8)),
    ],
)
def test_periods(query, start, end):
    filters = form(query)
    assert filters.is_valid(), filters.errors
    got = filters.params()
    assert (got.start, got.end, got.timezone) == (start, end, "Europe/Berlin")
    assert got.compare == (query == "")  # an untouched form compares


def test_the_previous_period_is_as_long_and_just_before():
    filters = form(WEEK)
    assert filters.is_valid()
    previous = filters.params().previous()
    assert (previous.start, previous.end) == (date(2026, 10, 26), date(2026, 11, 1))


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("period=custom&start=2026-11-08&end=2026-11-02", "end"),
        ("period=custom&start=2024-01-01&end=2026-11-02", "end"),
        ("period=custom", "start"),
        ("sku=NO-SUCH", "sku"),
        ("grain=year", "grain"),
        ("group=customer", "group"),
    ],
)
def test_invalid_filters_are_named(query, field):
    filters = form(query)
    assert not filters.is_valid()
    assert field in filters.errors


def test_filters_shown_follow_the_report():
    assert "group" in form("").fields and "sku" in form("").fields
    backlog = form("", "order-backlog").fields
    assert "start" not in backlog and "sku" not in backlog and "channel" in backlog


def test_each_role_lists_only_its_reports(client, login_as):
    login_as(WAREHOUSE)
    listed = client.get(reverse("reports:overview")).content.decode()
    assert "Order status funnel" in listed and ">Sales<" not in listed
    assert client.get(reverse("reports:detail", args=["sales"])).status_code == 403
    assert client.get(reverse("reports:csv", args=["sales"])).status_code == 403
    assert client.get(reverse("reports:detail", args=["no-such"])).status_code == 404
    login_as(FINANCE)
    assert ">Sales<" in client.get(reverse("reports:overview")).content.decode()


def test_the_page_shows_headlines_chart_and_table(client, login_as, django_assert_max_num_queries):
    build_shop()
    login_as(MANAGER)
    url = f"{reverse('reports:detail', args=['sales'])}?{WEEK}&group=channel"
    with django_assert_max_num_queries(22):  # session, user, forms' choices, 2 × 4 live queries
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "148.33" in page and "49.44" in page and "+300.0 %" in page
    assert 'src="data:image/svg+xml;base64,' in page
    assert "<td>Store</td>" in page


def test_an_invalid_filter_shows_its_error_and_no_figures(client, login_as):
    login_as(MANAGER)
    response = client.get(reverse("reports:detail", args=["sales"]), {"sku": "NO-SUCH"})
    assert response.status_code == 200
    assert "No product has the SKU NO-SUCH." in response.content.decode()
    assert response.context["result"] is None
    csv_response = client.get(reverse("reports:csv", args=["sales"]), {"sku": "NO-SUCH"})
    assert csv_response.status_code == 400


def test_the_csv_holds_the_table(client, login_as):
    build_shop()
    login_as(MANAGER)
    response = client.get(f"{reverse('reports:csv', args=['sales'])}?{WEEK}")
    assert response.status_code == 200
    got = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    result = run(get_report("sales"), params())
    assert got[0] == [column.label for column in result.columns]
    expected = [["" if value is None else str(value) for value in row] for row in result.table()]
    assert got[1:] == expected
    assert got[3][:6] == ["2026-11-03", "All channels", "USD", "2", "5", "53.33"]


def test_the_pdf_holds_the_headline_figures(client, login_as):
    build_shop()
    login_as(MANAGER)
    response = client.get(f"{reverse('reports:pdf', args=['sales'])}?{WEEK}")
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for figure in ("Sales", "148.33", "133.33", "49.44", "50.00", "2026-11-02 to 2026-11-08"):
        assert figure in text


def test_the_chart_is_accessible_svg_without_scripts():
    report = get_report("sales")
    rows = [
        {"period": date(2026, 11, 2), "channel": "Web", "currency": "USD", "revenue": 1},
        {"period": date(2026, 11, 3), "channel": "Web", "currency": "EUR", "revenue": 2},
    ]
    svg = chart_svg(report, rows)
    assert svg.startswith("<svg") and "<title>Sales</title>" in svg and "<desc>" in svg
    assert "<script" not in svg
    assert "Web USD" in svg and "Web EUR" in svg  # a series per currency
    assert chart_svg(report, []) is None
    png = chart_png(svg)
    assert png is None or png.startswith(b"\x89PNG")
