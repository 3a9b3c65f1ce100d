"""Periodic housekeeping of the API's own tables (celery beat)."""

from celery import shared_task

from .idempotency import purge_records


@shared_task
def purge_idempotency_records() -> int:
    return purge_records()
