"""Running a report: the filters of a query string validated into ``Params``, the rows and
headlines computed on the reporting database (the previous period's headlines too, when
comparing), and who may see which report. The page, CSV, PDF and e-mail all start here."""

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.utils import timezone

from core.reporting import (
    Column,
    Headline,
    Params,
    Report,
    all_reports,
    get_report,
    reading_reports,
)
from inventory.models import Location, Product
from orders.models import SalesChannel

from .formatting import NUMERIC_KINDS, cell_text

MAX_DAYS = 366
PRESETS = (
    ("last_7", "Last 7 days"),
    ("last_30", "Last 30 days"),
    ("last_90", "Last 90 days"),
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("custom", "Custom dates"),
)
DEFAULT_PRESET = "last_30"
GRAINS = (("day", "Day"), ("week", "Week"), ("month", "Month"))
SEGMENTS = (("", "All customers"), ("new", "New (first order)"), ("returning", "Returning"))


def preset_days(preset: str, today: date) -> tuple[date, date]:
    """The local days a preset names, both included; "last N days" end today."""
    if preset.startswith("last_") and preset[5:].isdigit():
        return today - timedelta(days=int(preset[5:]) - 1), today
    first = today.replace(day=1)
    if preset == "this_month":
        return first, today
    end = first - timedelta(days=1)  # last_month
    return end.replace(day=1), end


class ReportFilterForm(forms.Form):
    """The filters of one report, from the query string. Only those the report takes are
    fields; ``params()`` is the validated result."""

    period = forms.ChoiceField(choices=PRESETS, required=False)
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    compare = forms.BooleanField(required=False, label="Compare with the previous period")
    grain = forms.ChoiceField(choices=GRAINS, required=False, label="By")
    group = forms.ChoiceField(choices=(), required=False, label="Group by")
    channel = forms.ModelChoiceField(
        queryset=SalesChannel.objects.order_by("name"), required=False, empty_label="All channels"
    )
    location = forms.ModelChoiceField(
        queryset=Location.objects.order_by("code"), required=False, empty_label="All locations"
    )
    sku = forms.CharField(required=False, max_length=64, label="Product SKU")
    segment = forms.ChoiceField(choices=SEGMENTS, required=False, label="Customers")

    def __init__(self, report: Report, data: QueryDict, using: str) -> None:
        # an untouched form (no query string) compares, as the page opens with the defaults
        data = data.copy() if data else QueryDict("compare=on", mutable=True)
        super().__init__(data)
        self.report = report
        self.using = using
        for name, needs in (("channel", "channel"), ("location", "location")):
            self.fields[name].queryset = self.fields[name].queryset.using(using)
            if needs not in report.filters:
                del self.fields[name]
        if "period" not in report.filters:  # a report of now, as the backlog
            for name in ("period", "start", "end", "compare", "grain"):
                del self.fields[name]
        elif not any(column.key == "period" for column in report.columns):
            del self.fields["grain"]
        if "product" not in report.filters:
            del self.fields["sku"]
        if "segment" not in report.filters:
            del self.fields["segment"]
        if report.group_by_choices:
            self.fields["group"].choices = report.group_by_choices
        else:
            del self.fields["group"]

    def clean_sku(self) -> Product | None:
        sku = self.cleaned_data["sku"].strip()
        if not sku:
            return None
        product = Product.objects.using(self.using).filter(sku__iexact=sku).first()
        if product is None:
            raise forms.ValidationError(f"No product has the SKU {sku}.")
        return product

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        today = timezone.localdate()
        preset = data.get("period") or ("custom" if data.get("start") else DEFAULT_PRESET)
        if preset == "custom":
            start, end = data.get("start"), data.get("end") or today
            if start is None:
                self.add_error("start", "Pick the first day, or a period.")
                return data
            if end < start:
                self.add_error("end", "The last day comes before the first.")
            elif (end - start).days >= MAX_DAYS:
                self.add_error("end", f"Pick at most {MAX_DAYS} days.")
        else:
            start, end = preset_days(preset, today)
        data["period"], data["start"], data["end"] = preset, start, end
        return data

    def params(self) -> Params:
        data = self.cleaned_data
        pick = {
            "channels": (data["channel"].pk,) if data.get("channel") else (),
            "locations": (data["location"].pk,) if data.get("location") else (),
            "products": (data["sku"].pk,) if data.get("sku") else (),
        }
        return Params(
            start=data["start"],
            end=data["end"],
            timezone=settings.TIME_ZONE,
            grain=data.get("grain") or "day",
            group_by=data.get("group") or "",
            segment=data.get("segment") or "",
            compare=bool(data.get("compare")),
            **pick,
        )


@dataclass(frozen=True)
class ReportResult:
    report: Report
    params: Params
    rows: list[dict[str, Any]]
    headlines: list[Headline]

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.report.columns

    def table(self) -> list[list[Any]]:
        """The rows as lists in column order: the table, the CSV and the PDF show these."""
        return [[row[column.key] for column in self.columns] for row in self.rows]

    def cells(self) -> list[list[tuple[str, bool]]]:
        """The rows as the page and the PDF show them: (text, numeric) per cell, formatted
        here rather than cell by cell in the template (a 90-day table has 6,000 cells)."""
        kinds = [(column.key, column.kind, column.kind in NUMERIC_KINDS) for column in self.columns]
        return [
            [(cell_text(row[key], kind), numeric) for key, kind, numeric in kinds]
            for row in self.rows
        ]

    def numeric_columns(self) -> list[tuple[Column, bool]]:
        return [(column, column.kind in NUMERIC_KINDS) for column in self.columns]


def run(report: Report, params: Params) -> ReportResult:
    """The report's rows and headlines on the reporting database; with ``params.compare``,
    each headline carries its figure over the previous period."""
    with reading_reports() as using:
        rows = report.rows(params, using)
        headlines = report.headlines(params, using) if report.headlines else []
        if params.compare and headlines:
            before = {h.label: h.value for h in report.headlines(params.previous(), using)}
            headlines = [replace(h, previous=before.get(h.label)) for h in headlines]
    return ReportResult(report=report, params=params, rows=rows, headlines=headlines)


def may_see(user, report: Report) -> bool:
    return user.has_perm(report.permission)


def visible_reports(user) -> list[Report]:
    return [report for report in all_reports() if may_see(user, report)]


def report_for(user, slug: str) -> Report:
    """The report named ``slug``: 404 when there is none, 403 when the user may not see it."""
    report = get_report(slug)
    if report is None:
        raise Http404("No such report.")
    if not may_see(user, report):
        raise PermissionDenied
    return report


def filter_form(report: Report, data: QueryDict) -> ReportFilterForm:
    with reading_reports() as using:
        return ReportFilterForm(report, data, using)
