"""Every write of the notifications app: messages decided (once each), sent (never under a row
lock, never twice by a redelivered task), resent by staff, and what the provider reports."""

import smtplib
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from core.exceptions import DomainError
from customers.models import Customer
from documents import selectors as documents
from documents import services as document_services
from documents.models import Kind as DocumentKind
from inventory import selectors as inventory
from orders import events as order_events
from orders.models import Order, OrderEvent
from shipping.models import Shipment

from . import rules, tasks
from .models import Notification
from .rendering import render
from .rules import Category, Intent
from .sms import SmsError, get_backend

Channel, Status = Notification.Channel, Notification.Status
Actor = AbstractBaseUser | None

# Worth another try later: the mail server or provider could not be reached or said "not now".
TRANSIENT = (smtplib.SMTPException, OSError, AnymailAPIError, SmsError)
# A claim older than this is a task that died (its worker lost): another may take it over.
CLAIM_TIMEOUT = timedelta(minutes=15)
ERROR_LENGTH = Notification._meta.get_field("error").max_length
KEY_LENGTH = Notification._meta.get_field("dedupe_key").max_length
# What the provider's tracking says, for the log; a bounce or complaint flags the address.
FLAGGING_EVENTS = frozenset({"bounced", "complained"})
# The message never reached the inbox: it is failed (and listed to retry once fixed).
UNDELIVERED_EVENTS = frozenset({"bounced", "rejected"})


class NotificationError(DomainError):
    code = "notification"


# --- deciding -------------------------------------------------------------------------------


def notify(intents: Sequence[Intent]) -> list[Notification]:
    """Log each intent's messages (once: the dedupe key) and queue the ones to send; return
    the new rows. Called by the tasks the receivers queue, after the event's transaction."""
    created = []
    for intent in intents:
        for channel, recipient, about in _recipients(intent):
            key = f"{intent.key}:{channel}{about}"[:KEY_LENGTH]
            if Notification.objects.filter(dedupe_key=key).exists():
                continue  # decided before: not rendered again
            notification, new = Notification.objects.get_or_create(
                dedupe_key=key, defaults=_row(intent, channel, recipient)
            )
            if new:
                created.append(notification)
                if notification.status == Status.QUEUED:
                    tasks.send_notification.delay_on_commit(notification.pk)
    return created


def notify_event(*, event_id: int) -> list[Notification]:
    event = OrderEvent.objects.select_related("order__customer").filter(pk=event_id).first()
    return notify(rules.for_event(event)) if event else []


def notify_shipment(*, shipment_id: int) -> list[Notification]:
    shipment = (
        Shipment.objects.select_related("order__customer", "carrier", "location")
        .filter(pk=shipment_id)
        .first()
    )
    return notify(rules.for_shipment(shipment)) if shipment else []


def notify_low_stock(*, product_id: int) -> list[Notification]:
    """Alert the stock keepers when a product is at or below its reorder point."""
    products = inventory.low_stock(inventory.products_with_stock([]))
    product = products.filter(pk=product_id).first()
    if product is None:
        return []
    intents = rules.for_low_stock(
        sku=product.sku,
        name=product.name,
        available=product.available_total,
        reorder_point=product.reorder_point,
        on=timezone.localdate(),
    )
    return notify(intents)


def notify_invoice(*, order_id: int, document_id: int, document_number: str) -> list[Notification]:
    order = Order.objects.select_related("customer").filter(pk=order_id).first()
    if order is None:
        return []
    return notify(
        rules.for_invoice(order=order, document_id=document_id, document_number=document_number)
    )


def _recipients(intent: Intent) -> list[tuple[str, str, str]]:
    """(channel, address, what tells it apart in the key) for each message of the intent."""
    rule = intent.rule
    if rule.category == Category.STAFF:
        users = get_user_model().objects.filter(groups__name__in=rule.roles, is_active=True)
        users = users.exclude(email="").distinct().order_by("pk").values_list("pk", "email")
        return [(Channel.EMAIL, email, f":user-{pk}") for pk, email in users]
    order = intent.order
    recipients = [(Channel.EMAIL, order.email, "")]
    phone = order.shipping_address.get("phone") or order.customer.phone
    if rule.sms and phone:
        recipients.append((Channel.SMS, phone, ""))
    return recipients


def _row(intent: Intent, channel: str, recipient: str) -> dict[str, Any]:
    order, shipment = intent.order, intent.shipment
    rendered = render(
        intent.kind,
        channel=channel,
        order=order,
        lines=list(order.lines.all()) if order else (),
        shipment=shipment,
        parcel=_parcel(intent),
        context=intent.context,
    )
    customer = order.customer if order and intent.rule.category != Category.STAFF else None
    suppressed = _suppressed(intent, customer, channel, recipient)
    return {
        "order": order,
        "customer": customer,
        "shipment": shipment,
        "kind": intent.kind,
        "channel": channel,
        "recipient": recipient,
        "subject": rendered.subject,
        "body_text": rendered.text,
        "body_html": rendered.html,
        "context": intent.context,
        "status": Status.SUPPRESSED if suppressed else Status.QUEUED,
        "error": suppressed,
    }


def _parcel(intent: Intent) -> list[tuple[str, int]]:
    """What the message is about: the parcel's lines, or a shipment's units without one."""
    if intent.shipment is not None:
        rows = intent.shipment.lines.select_related("line").order_by("pk")
        return [(row.line.name, row.quantity) for row in rows]
    return [(row["sku"], row["quantity"]) for row in intent.context.get("shipped", [])]


def _suppressed(intent: Intent, customer: Customer | None, channel: str, recipient: str) -> str:
    """Why this message must not go out ("" when it may)."""
    if not recipient:
        return "No address to send to."
    if customer is None:
        return ""
    if intent.rule.category == Category.MARKETING and customer.marketing_consent_at is None:
        return "No marketing consent recorded."
    bounced = customer.email_bounced_at and recipient.lower() == customer.email.lower()
    if channel == Channel.EMAIL and bounced:
        return f"The address is flagged: {customer.email_bounce_reason or 'it bounced'}."[:200]
    return ""


# --- sending --------------------------------------------------------------------------------


def deliver(*, notification_id: int, attempt: str, last_try: bool = False) -> bool:
    """Send one queued message; returns whether it went out now.

    Claimed under the row's lock (the claim commits before anything is sent), sent with no
    lock held, then recorded. A sent message is never sent again; a redelivered task
    (``attempt``: its id) finds its own claim and carries on; any other copy finds the claim
    and does nothing. A failure is recorded and raised for the task to retry; ``last_try``:
    the task will not, so the message is marked failed."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",)).filter(pk=notification_id).first()
        )
        if notification is None or notification.status != Status.QUEUED:
            return False
        fresh = notification.claimed_at and timezone.now() - notification.claimed_at < CLAIM_TIMEOUT
        if notification.claimed_by and notification.claimed_by != attempt and fresh:
            return False
        notification.claimed_by, notification.claimed_at = attempt, timezone.now()
        notification.attempts += 1
        notification.save(update_fields=["claimed_by", "claimed_at", "attempts", "updated_at"])
    try:
        message_id = _transmit(notification)
    except AnymailRecipientsRefused as error:  # the provider will not take this address at all
        _record_failure(notification, error, final=True)
        return False
    except TRANSIENT as error:
        _record_failure(notification, error, final=last_try)
        raise
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk).update(
            status=Status.SENT,
            sent_at=timezone.now(),
            error="",
            provider_message_id=message_id[:200],
            claimed_by="",
            updated_at=timezone.now(),
        )
        if notification.customer_id and notification.channel == Channel.EMAIL:
            order_events.email_sent(
                notification.order,
                notification.kind,
                notification.recipient,
                notification=notification.pk,
            )
    return True


def _record_failure(notification: Notification, error: Exception, *, final: bool) -> None:
    """Note the error and give the claim back (the retry claims again); failed when final."""
    Notification.objects.filter(pk=notification.pk).update(
        status=Status.FAILED if final else Status.QUEUED,
        error=f"{type(error).__name__}: {error}"[:ERROR_LENGTH],
        claimed_by="",
        updated_at=timezone.now(),
    )


def _transmit(notification: Notification) -> str:
    """Hand the message to the e-mail backend or the SMS backend; the provider's message id."""
    if notification.channel == Channel.SMS:
        return get_backend().send(to=notification.recipient, text=notification.body_text)
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient],
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    attached = None
    if document_id := notification.context.get("document"):
        attached = _attach_invoice(message, notification.order, document_id)
    message.send()
    if attached is not None:
        document_services.mark_sent(document=attached)
    status = getattr(message, "anymail_status", None)  # set by anymail's backends
    return "" if status is None or status.message_id is None else str(status.message_id)


def _attach_invoice(message: EmailMultiAlternatives, order: Order, document_id: int):
    """Attach the invoice the message announces, unless a newer one (a correction) replaced
    it; the document attached, or None."""
    document = documents.latest_document(order, DocumentKind.INVOICE)
    if document is None or document.pk != document_id or not document.file:
        return None
    with document.file.open("rb") as content:
        message.attach(document.filename, content.read(), document.content_type)
    return document


# --- staff actions --------------------------------------------------------------------------

# A resend is the message as it was sent, to the same address.
COPIED_ON_RESEND = (
    "order",
    "customer",
    "shipment",
    "kind",
    "channel",
    "recipient",
    "subject",
    "body_text",
    "body_html",
    "context",
)


def resend(*, notification: Notification, token: str, actor: Actor) -> Notification:
    """A new attempt: a failed message goes back in the queue as it is; a sent one goes out
    again as a new log row (``resend_of``), the form's one-time ``token`` keeping a double
    click to one. A suppressed message stays suppressed (no consent, a flagged address)."""
    with transaction.atomic():
        locked = Notification.objects.select_for_update(of=("self",)).get(pk=notification.pk)
        if locked.status == Status.SUPPRESSED:
            raise NotificationError(f"Not sent on purpose: {locked.error}")
        if locked.status == Status.QUEUED:
            raise NotificationError("This message is still waiting to be sent.")
        if locked.status == Status.FAILED:
            locked.status, locked.claimed_by = Status.QUEUED, ""
            locked.save(update_fields=["status", "claimed_by", "updated_at"])
            tasks.send_notification.delay_on_commit(locked.pk)
            return locked
        copy = {field: getattr(locked, field) for field in COPIED_ON_RESEND}
        again, _ = Notification.objects.get_or_create(
            dedupe_key=f"resend:{locked.pk}:{token}"[:KEY_LENGTH],
            defaults=copy
            | {"resend_of": locked, "created_by": actor if actor and actor.pk else None},
        )
        if again.status == Status.QUEUED and not again.attempts:
            tasks.send_notification.delay_on_commit(again.pk)
        return again


# --- what the provider reports --------------------------------------------------------------


@transaction.atomic
def apply_delivery_report(
    *, message_id: str, event_type: str, recipient: str = "", description: str = ""
) -> Notification | None:
    """The provider's tracking webhook: note its word on the message (delivered, opened,
    bounced…); a bounce or a rejection marks the message failed, and a bounce or a complaint
    flags the customer's address so nothing more is sent to it."""
    if not message_id:
        return None
    notification = (
        Notification.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(provider_message_id=message_id)
        .first()
    )
    if notification is None:
        return None
    notification.delivery_status = event_type[:30]
    fields = ["delivery_status", "updated_at"]
    if event_type in UNDELIVERED_EVENTS:
        notification.status = Status.FAILED
        reason = description or "no reason given"
        notification.error = f"{event_type.capitalize()}: {reason}"[:ERROR_LENGTH]
        fields += ["status", "error"]
    notification.save(update_fields=fields)
    customer = notification.customer
    address = (recipient or notification.recipient).lower()
    if event_type in FLAGGING_EVENTS and customer and customer.email.lower() == address:
        Customer.objects.filter(pk=customer.pk).update(
            email_bounced_at=timezone.now(),
            email_bounce_reason=f"{event_type}: {description}".strip(": ")[:300],
        )
    return notification
