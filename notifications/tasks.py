"""Celery tasks: load ids, call a service. Each is safe to run twice: deciding finds the rows
it made before (their dedupe keys), sending finds a message already sent or claimed."""

from celery import shared_task

from . import services

MAX_RETRIES = 6  # about 1 + 2 + 4 + … + 32 minutes of trying before the message is failed
BACKOFF_SECONDS = 60


@shared_task(acks_late=True)
def notify_event(event_id: int) -> int:
    return len(services.notify_event(event_id=event_id))


@shared_task(acks_late=True)
def notify_shipment(shipment_id: int) -> int:
    return len(services.notify_shipment(shipment_id=shipment_id))


@shared_task(acks_late=True)
def notify_low_stock(product_id: int) -> int:
    return len(services.notify_low_stock(product_id=product_id))


@shared_task(acks_late=True)
def notify_invoice(order_id: int, document_id: int, document_number: str) -> int:
    notifications = services.notify_invoice(
        order_id=order_id, document_id=document_id, document_number=document_number
    )
    return len(notifications)


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def send_notification(self, notification_id: int) -> bool:
    """Send one message; a transient failure is retried with exponential backoff, and the
    last one leaves the message failed (the Notifications page lists it to retry)."""
    last_try = self.request.retries >= self.max_retries
    try:
        return services.deliver(
            notification_id=notification_id, attempt=self.request.id or "", last_try=last_try
        )
    except services.TRANSIENT as error:
        if last_try:
            return False
        raise self.retry(exc=error, countdown=BACKOFF_SECONDS * 2**self.request.retries) from error
