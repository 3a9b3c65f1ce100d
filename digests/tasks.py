"""Celery tasks: a few lines each, safe to run twice (a run is claimed before it is sent, and a
run that was sent is never claimed again)."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def send_due_digests() -> int:
    """Every minute (beat): create the runs that are due and queue them, with any whose task
    was lost. The number queued."""
    return services.schedule_due_runs()


@shared_task(bind=True, acks_late=True, max_retries=services.MAX_ATTEMPTS)
def send_run(self, run_id: int) -> str:
    """Send one run; a mail server that cannot take it is retried with exponential backoff."""
    try:
        return services.deliver_run(run_id=run_id)
    except services.SendFailed as error:
        raise self.retry(exc=error, countdown=error.extra["retry_in"]) from error
