"""The Imports page: upload a CSV and choose its kind, read the dry run's report, import.

A job's page polls itself with htmx while its dry run or import runs, so the progress bar
comes back after a reload (the state is in the job, and the progress in the cache)."""

import tablib
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.csv_export import csv_export, exports
from core.exceptions import DomainError
from core.permissions import staff_view

from . import services
from .forms import UploadForm
from .kinds import KINDS
from .models import ImportJob

PERMISSION = "importer.run_import"
RECENT_JOBS = 30
ERRORS_SHOWN = 500
POLL_SECONDS = 1


@staff_view(PERMISSION)
def index(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data
        try:
            job = services.create_job(
                kind=upload["kind"],
                file_name=request.FILES["file"].name,
                content=upload["file"],
                user=request.user,
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            return redirect("importer:job", job_id=job.pk)
    jobs = (
        ImportJob.objects.select_related("created_by")
        .defer("content", "errors")
        .order_by("-created_at", "-id")[:RECENT_JOBS]
    )
    return render(
        request,
        "importer/imports.html",
        {
            "form": form,
            "jobs": jobs,
            "kinds": [(name, kind.columns) for name, kind in KINDS.items()],
        },
    )


JOB_COLUMNS = (
    ("job", "pk"),
    ("kind", "kind"),
    ("file_name", "file_name"),
    ("status", "status"),
    ("rows", "total_rows"),
    ("processed", "processed_rows"),
    ("errors", "error_count"),
    ("created_by", "created_by__username"),
    ("created_at", "created_at"),
    ("finished_at", "finished_at"),
)


@require_GET
@staff_view(PERMISSION)
@exports("importer:index")
def job_export(request: HttpRequest) -> HttpResponse:
    """Every import job, newest first, not only the recent ones the page lists."""
    return csv_export(request, ImportJob.objects.all(), name="imports", columns=JOB_COLUMNS)


@require_GET
@staff_view(PERMISSION)
def job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(ImportJob.objects.defer("content"), pk=job_id)
    template = "importer/job.html#job-status" if request.htmx else "importer/job.html"
    return render(
        request,
        template,
        {
            "job": job,
            "progress": services.progress(job),
            "errors": job.errors[:ERRORS_SHOWN],
            "errors_hidden": max(0, len(job.errors) - ERRORS_SHOWN),
            "poll_seconds": POLL_SECONDS,
        },
    )


@require_POST
@staff_view(PERMISSION)
def start(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(ImportJob.objects.defer("content"), pk=job_id)
    try:
        services.start_import(job=job)
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("importer:job", job_id=job.pk)


@require_GET
@staff_view(PERMISSION)
def csv_template(request: HttpRequest, import_kind: str) -> HttpResponse:
    """The header row of a kind, and one example row."""
    if import_kind not in KINDS:
        raise Http404
    spec = KINDS[import_kind]
    dataset = tablib.Dataset(spec.example, headers=list(spec.columns))
    response = HttpResponse(dataset.export("csv"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{import_kind}-template.csv"'
    return response
