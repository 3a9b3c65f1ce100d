"""Import jobs: upload, dry run, then the import itself in one transaction.

The dry run and the import run the same checks; the import runs them again inside its
transaction (the data may have changed since the dry run) and writes nothing unless every
row passes. Progress while importing is kept in the cache: the job row itself is locked by
the import's transaction, and its updates would only show once it commits.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from .exceptions import FileRefused, JobStateError, RowsRefused
from .kinds import KINDS
from .kinds.base import Problems, bulk_work, read_rows
from .models import ImportJob

Status = ImportJob.Status
MAX_FILE_CHARACTERS = 64 * 1024 * 1024


def _progress_key(job_id: int) -> str:
    return f"importer:progress:{job_id}"


def progress(job: ImportJob) -> int:
    """Rows written so far: from the cache while the import runs, else from the job."""
    if job.status == Status.IMPORTING:
        return min(cache.get(_progress_key(job.pk), 0), job.total_rows)
    return job.processed_rows


def create_job(
    *, kind: str, file_name: str, content: str, user: AbstractBaseUser | None
) -> ImportJob:
    """Store the upload and queue its dry run."""
    from . import tasks

    if kind not in KINDS:
        raise FileRefused(f"Unknown kind of import {kind!r}.", field="kind")
    if len(content) > MAX_FILE_CHARACTERS:
        raise FileRefused("The file is too large (64 MB at most).", field="file")
    job = ImportJob.objects.create(
        kind=kind, file_name=file_name[:200], content=content, created_by=user
    )
    tasks.dry_run.delay_on_commit(job.pk)
    return job


def _check(job: ImportJob):
    """(rows, plan) of the job's file; raises FileRefused or RowsRefused with every problem."""
    kind = KINDS[job.kind]
    with bulk_work():
        rows = read_rows(job.content, required=kind.required, optional=kind.optional)
        problems = Problems()
        plan = kind.check(rows, problems)
    if problems:
        raise RowsRefused(problems.sorted(), rows=len(rows))
    return rows, plan


def _refused(error: FileRefused | RowsRefused) -> list[dict]:
    if isinstance(error, RowsRefused):
        return error.problems
    return [{"row": None, "column": error.field, "message": str(error)}]


def dry_run(*, job_id: int) -> ImportJob:
    """Check every row and record what is wrong (or that all is well). Writes no data."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status != Status.CHECKING:
        return job  # already checked (a task delivered twice)
    try:
        rows, _ = _check(job)
    except (FileRefused, RowsRefused) as error:
        job.errors = _refused(error)
        job.status = Status.INVALID
        job.total_rows = error.extra.get("rows", 0)
    else:
        job.errors = []
        job.status = Status.READY
        job.total_rows = len(rows)
    job.error_count = len(job.errors)
    job.finished_at = timezone.now()
    job.save(update_fields=["errors", "error_count", "status", "total_rows", "finished_at"])
    return job


def start_import(*, job: ImportJob) -> ImportJob:
    """Queue the import of a job whose dry run passed."""
    from . import tasks

    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != Status.READY:
            raise JobStateError(
                f"Only a file whose dry run passed can be imported; this one is "
                f"{job.get_status_display().lower()}."
            )
        job.status = Status.QUEUED
        job.save(update_fields=["status"])
        tasks.run_import.delay_on_commit(job.pk)
    return job


def run_import(*, job_id: int) -> ImportJob:
    """All or nothing: check again, then write every row in one transaction.

    Safe to run twice: the job row is locked for the whole import, so a second delivery
    waits and then finds the job done (or, after a crash, finds it rolled back and redoes it).
    """
    job = ImportJob.objects.get(pk=job_id)
    if job.status not in (Status.QUEUED, Status.IMPORTING):
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=Status.IMPORTING)
    cache.set(_progress_key(job.pk), 0, timeout=24 * 3600)
    try:
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().get(pk=job_id)
            if job.status != Status.IMPORTING:
                return job
            _, plan = _check(job)
            KINDS[job.kind].write(
                plan,
                job=job,
                progress=lambda done: cache.set(_progress_key(job.pk), done, timeout=24 * 3600),
            )
            job.status = Status.DONE
            job.processed_rows = job.total_rows
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "processed_rows", "finished_at"])
    except (FileRefused, RowsRefused, IntegrityError) as error:
        errors = (
            [{"row": None, "column": "", "message": f"The database refused a row: {error}"}]
            if isinstance(error, IntegrityError)
            else _refused(error)
        )
        ImportJob.objects.filter(pk=job_id).update(
            status=Status.FAILED,
            errors=errors,
            error_count=len(errors),
            processed_rows=0,
            finished_at=timezone.now(),
        )
        job.refresh_from_db()
    finally:
        cache.delete(_progress_key(job_id))
    return job
