"""Periodic housekeeping of core's own tables (celery beat)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from .idempotency import purge_used_tokens


@shared_task
def purge_used_form_tokens() -> int:
    return purge_used_tokens(older_than=timedelta(days=settings.OMS_FORM_TOKEN_DAYS))
