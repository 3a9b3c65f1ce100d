"""Celery tasks: load the job id, call the service. Both are safe to run twice."""

from celery import shared_task

from . import services


@shared_task
def dry_run(job_id: int) -> str:
    return services.dry_run(job_id=job_id).status


@shared_task(acks_late=True)
def run_import(job_id: int) -> str:
    return services.run_import(job_id=job_id).status
