"""The reports pages: the list, a report with its filters, headlines, chart and table, and the
same report as CSV and PDF. Each report states its own permission (the runner checks it), so
the views themselves ask only for what every role has (SEE_REPORTS)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.csv_export import csv_lines, csv_response, refused
from core.permissions import staff_view

from .rendering import figures_context, pdf_bytes
from .runner import (
    ReportFilterForm,
    ReportResult,
    filter_form,
    report_for,
    run,
    visible_reports,
)

# Every role opens the reports pages; each report then asks for its own permission (the
# runner), so a role sees the reports list with only its reports on it.
SEE_REPORTS = "orders.view_order"


@require_GET
@staff_view(SEE_REPORTS)
def report_list(request: HttpRequest) -> HttpResponse:
    sections: dict[str, list] = {}
    for report in visible_reports(request.user):
        sections.setdefault(report.section, []).append(report)
    return render(request, "reports/list.html", {"sections": sections})


def _result(request: HttpRequest, slug: str) -> tuple[ReportFilterForm, ReportResult | None]:
    report = report_for(request.user, slug)
    form = filter_form(report, request.GET)
    return form, run(report, form.params()) if form.is_valid() else None


def _refused(form: ReportFilterForm) -> HttpResponse:
    """A download with invalid filters is a 400 naming them, never a report of other days."""
    return refused([f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()])


@require_GET
@staff_view(SEE_REPORTS)
def report_detail(request: HttpRequest, slug: str) -> HttpResponse:
    form, result = _result(request, slug)
    context = figures_context(result) if result else {"report": form.report, "result": None}
    return render(request, "reports/detail.html", context | {"form": form})


@require_GET
@staff_view(SEE_REPORTS)
def report_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The table as CSV: the same rows and columns as the page, unformatted numbers."""
    form, result = _result(request, slug)
    if result is None:
        return _refused(form)
    return csv_response(
        request,
        name=f"report-{result.report.slug}",
        header=[column.label for column in result.columns],
        lines=csv_lines(result.table()),
    )


@require_GET
@staff_view(SEE_REPORTS)
def report_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    form, result = _result(request, slug)
    if result is None:
        return _refused(form)
    response = HttpResponse(pdf_bytes(result), content_type="application/pdf")
    name = f"report-{result.report.slug}-{result.params.start}-{result.params.end}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
