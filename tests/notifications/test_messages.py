"""Each event sends exactly one message of its kind, with the right content: placed, confirmed,
shipped (one per parcel, with the tracking number and link), out for delivery, delayed,
delivered, ready for pickup, cancelled, refunded, payment link, payment failed; an event
fired twice sends once; marketing only with consent; staff alerts to their role."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from notifications import services as notifications
from notifications import tasks
from notifications.models import Kind, Notification
from orders import services as order_services
from orders.models import OrderEvent
from payments import services as payments
from payments.models import Method
from shipping import services as shipping
from shipping.models import AtRisk
from tests import factories
from tests.factories import place, stock
from tests.shipping.flow import (
    labelled,
    paid_order,
    post_tracking,
    product_in,
    scan,
    shipped_mug,
    warehouse_with_address,
)

pytestmark = pytest.mark.django_db
T = OrderEvent.Type


def kinds(order) -> list[str]:
    return list(order.notifications.order_by("pk").values_list("kind", flat=True))


@pytest.fixture
def mug(warehouse):
    product = factories.ProductFactory(sku="MUG", name="Blue mug", unit_price=Decimal("12.50"))
    stock(product, warehouse, 20)
    return product


@pytest.fixture
def placed(channel, customer, mug, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place(channel=channel, customer=customer, items=[(mug, 2)])
    return order


def test_placing_sends_one_order_received_email_with_lines_totals_and_shop(placed, mailoutbox):
    (mail,) = mailoutbox
    assert mail.to == [placed.email]
    assert mail.subject == f"We have received your order {placed.number}"
    assert "2 × Blue mug" in mail.body
    assert f"{placed.total}" in mail.body.replace(",", "")
    assert "OMS Demo Shop" in mail.body
    (html, mimetype) = mail.alternatives[0]
    assert mimetype == "text/html" and "Blue mug" in html and "<img" in html
    (notification,) = placed.notifications.all()
    assert (notification.kind, notification.status, notification.attempts) == (
        Kind.ORDER_RECEIVED,
        Notification.Status.SENT,
        1,
    )
    assert notification.body_text == mail.body
    # the timeline says so
    assert placed.events.filter(type=T.EMAIL_SENT, data__kind=Kind.ORDER_RECEIVED).count() == 1


def test_an_event_handled_twice_sends_once(placed, mailoutbox, django_capture_on_commit_callbacks):
    event = placed.events.get(type=T.PLACED)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.notify_event.delay(event.pk).result == 0
    assert len(mailoutbox) == 1
    assert placed.notifications.count() == 1


def test_confirming_sends_the_confirmed_email(
    placed, mailoutbox, django_capture_on_commit_callbacks
):
    payments.record_manual_payment(order=placed, amount=placed.total, method=Method.BANK_TRANSFER)
    with django_capture_on_commit_callbacks(execute=True):
        order_services.confirm_order(order=placed)

    assert kinds(placed) == [Kind.ORDER_RECEIVED, Kind.ORDER_CONFIRMED]
    assert mailoutbox[-1].subject == f"Your order {placed.number} is confirmed"


def test_cancelling_sends_the_reason(placed, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order_services.cancel_order(order=placed, reason="Customer changed their mind")

    assert kinds(placed) == [Kind.ORDER_RECEIVED, Kind.CANCELLED]
    assert "Customer changed their mind" in mailoutbox[-1].body


def test_a_refund_says_how_much(placed, mailoutbox, django_capture_on_commit_callbacks):
    payment = payments.record_manual_payment(
        order=placed, amount=placed.total, method=Method.BANK_TRANSFER
    )
    with django_capture_on_commit_callbacks(execute=True):
        payments.create_refund(payment=payment, amount=Decimal("5.00"), reason="Scratched")

    refund_mails = [m for m in mailoutbox if "refunded" in m.subject]
    assert len(refund_mails) == 1
    assert "5.00" in refund_mails[0].subject
    assert kinds(placed).count(Kind.REFUND_ISSUED) == 1


def test_the_payment_link_email_carries_the_link(
    channel, customer, mug, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.STRIPE_SECRET_KEY = ""
    settings.OMS_PAYMENT_GATEWAY = "simulated"
    order = place(channel=channel, customer=customer, items=[(mug, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        payment = payments.send_payment_link(order=order)

    (mail,) = mailoutbox
    assert mail.subject == f"Pay for your order {order.number}"
    assert payment.checkout_url in mail.body
    assert kinds(order) == [Kind.PAYMENT_LINK]


def test_a_declined_card_tells_the_customer_and_finance(
    placed, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.STRIPE_SECRET_KEY = ""
    settings.OMS_PAYMENT_GATEWAY = "simulated"
    finance = factories.UserFactory(role="Finance", email="finance@shop.example")
    factories.UserFactory(role="Warehouse", email="wh@shop.example")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception):  # noqa: B017
        payments.authorize_payment(order=placed, payment_method="pm_card_chargeDeclined")

    assert sorted(kinds(placed)) == sorted(
        [Kind.ORDER_RECEIVED, Kind.PAYMENT_FAILED, Kind.STAFF_PAYMENT_FAILED]
    )
    staff = placed.notifications.get(kind=Kind.STAFF_PAYMENT_FAILED)
    assert (staff.recipient, staff.customer) == (finance.email, None)
    assert [m.to for m in mailoutbox if "did not go through" in m.subject] == [[placed.email]]


# --- shipments --------------------------------------------------------------------------------


def test_the_shipped_email_holds_the_carrier_tracking_number_and_link(
    tables, simulated_payments, mailoutbox, django_capture_on_commit_callbacks
):
    shipment = shipped_mug(django_capture_on_commit_callbacks)

    (mail,) = [m for m in mailoutbox if "on its way" in m.subject]
    assert shipment.tracking_number in mail.body
    assert shipment.tracking_url and shipment.tracking_url in mail.body
    assert "Parcel Post" in mail.body
    assert "1 × " in mail.body
    notification = shipment.order.notifications.get(kind=Kind.SHIPPED)
    assert notification.shipment == shipment


def test_two_parcels_send_two_shipped_emails(
    tables, simulated_payments, mailoutbox, django_capture_on_commit_callbacks
):
    east = warehouse_with_address("WH-EAST")
    mug = product_in(east, "MUG-2", 10)
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order([(mug, 2)])
    line = order.lines.get()
    parcels = []
    for _ in range(2):
        parcel = shipping.create_shipment(order=order, location=east, quantities={line.pk: 1})
        parcel = labelled(parcel, django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            parcels.append(shipping.ship(shipment=parcel))

    shipped = [m for m in mailoutbox if "on its way" in m.subject]
    assert len(shipped) == 2
    assert [p.tracking_number in m.body for p, m in zip(parcels, shipped, strict=True)] == [
        True,
        True,
    ]
    assert order.notifications.filter(kind=Kind.SHIPPED).count() == 2


def test_tracking_sends_out_for_delivery_by_email_and_sms_then_delivered(
    tables, simulated_payments, client, mailoutbox, sms_outbox, django_capture_on_commit_callbacks
):
    shipment = shipped_mug(django_capture_on_commit_callbacks)
    order = shipment.order
    order.shipping_address["phone"] = "+1 555 0100"
    type(order).objects.filter(pk=order.pk).update(shipping_address=order.shipping_address)
    now = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        post_tracking(client, shipment.carrier, [scan(shipment, "out_for_delivery", now)])
    with django_capture_on_commit_callbacks(execute=True):
        post_tracking(client, shipment.carrier, [scan(shipment, "out_for_delivery", now)])
    with django_capture_on_commit_callbacks(execute=True):
        post_tracking(
            client, shipment.carrier, [scan(shipment, "delivered", now + timedelta(hours=3))]
        )

    subjects = [m.subject for m in mailoutbox]
    assert subjects.count(f"Your order {order.number} is out for delivery") == 1
    assert subjects.count(f"Your order {order.number} has been delivered") == 1
    assert [(s["to"], shipment.tracking_url in s["text"]) for s in sms_outbox] == [
        ("+1 555 0100", True)
    ]


def test_a_carrier_exception_apologises_once_with_the_new_estimate(
    tables, simulated_payments, client, mailoutbox, django_capture_on_commit_callbacks
):
    shipment = shipped_mug(django_capture_on_commit_callbacks)
    new_date = timezone.localdate() + timedelta(days=4)
    type(shipment).objects.filter(pk=shipment.pk).update(estimated_delivery=new_date)
    with django_capture_on_commit_callbacks(execute=True):
        post_tracking(client, shipment.carrier, [scan(shipment, "exception", timezone.now())])
    # the at-risk sweep then finds the same parcel held up: no second apology
    with django_capture_on_commit_callbacks(execute=True):
        shipping.sweep_at_risk()

    (mail,) = [m for m in mailoutbox if "delayed" in m.subject]
    assert "sorry" in mail.body and new_date.strftime("%B") in mail.body
    assert AtRisk.objects.filter(shipment=shipment).exists()


def test_ready_for_pickup_by_email_and_sms_and_no_shipped_email_once_collected(
    tables, simulated_payments, mailoutbox, sms_outbox, django_capture_on_commit_callbacks
):
    store = factories.LocationFactory(
        code="STORE-NYC", name="NYC store", kind="store", can_pickup=True, country="US"
    )
    mug = product_in(store, "MUG-P", 5)
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order([(mug, 1)])
    type(order).objects.filter(pk=order.pk).update(pickup_location=store)
    parcel = shipping.create_shipment(order=type(order).objects.get(pk=order.pk), location=store)
    with django_capture_on_commit_callbacks(execute=True):
        shipping.mark_ready_for_pickup(shipment=parcel)

    (mail,) = [m for m in mailoutbox if "ready for pickup" in m.subject]
    assert "NYC store" in mail.body
    assert ["NYC store" in s["text"] for s in sms_outbox] == [True]
    # collected at the counter: no "on its way" e-mail
    with django_capture_on_commit_callbacks(execute=True):
        shipping.collect(shipment=parcel, collected_by="Ada Lovelace")
    assert not order.notifications.filter(kind=Kind.SHIPPED).exists()


# --- consent and staff alerts -------------------------------------------------------------------


def _delivered(order, django_capture_on_commit_callbacks):
    steps = (
        order_services.confirm_order,
        order_services.start_processing,
        order_services.ship_order,
        order_services.mark_delivered,
    )
    with django_capture_on_commit_callbacks(execute=True):
        for step in steps:
            order = step(order=order)


def test_marketing_goes_out_only_with_recorded_consent(
    channel, mug, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.OMS_PAYMENT_GATEWAY = "manual"
    unwilling = factories.CustomerFactory()
    willing = factories.CustomerFactory(marketing_consent_at=timezone.now())
    orders = []
    for customer in (unwilling, willing):
        with django_capture_on_commit_callbacks(execute=True):
            order = place(channel=channel, customer=customer, items=[(mug, 1)])
        payments.record_manual_payment(order=order, amount=order.total, method=Method.BANK_TRANSFER)
        _delivered(order, django_capture_on_commit_callbacks)
        orders.append(order)

    refused = orders[0].notifications.get(kind=Kind.REVIEW_REQUEST)
    assert (refused.status, refused.error) == (
        Notification.Status.SUPPRESSED,
        "No marketing consent recorded.",
    )
    assert orders[1].notifications.get(kind=Kind.REVIEW_REQUEST).status == "sent"
    reviews = [m.to for m in mailoutbox if m.subject.startswith("How was your order")]
    assert reviews == [[orders[1].email]]
    # the transactional ones went to both
    assert all(o.notifications.get(kind=Kind.DELIVERED).status == "sent" for o in orders)


def test_a_product_at_its_reorder_point_alerts_the_warehouse_once_a_day(
    warehouse, mailoutbox, django_capture_on_commit_callbacks
):
    from inventory import services as inventory

    keeper = factories.UserFactory(role="Warehouse", email="keeper@shop.example")
    product = factories.ProductFactory(sku="LOW-1", reorder_point=5)
    stock(product, warehouse, 8)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            inventory.adjust_stock(
                product=product, location=warehouse, quantity=-2, reason="correction"
            )

    (alert,) = Notification.objects.filter(kind=Kind.STAFF_LOW_STOCK)
    assert alert.recipient == keeper.email
    assert "LOW-1" in alert.subject and "4 available" in alert.body_text


def test_the_at_risk_sweep_alerts_customer_service(
    tables, simulated_payments, mailoutbox, django_capture_on_commit_callbacks
):
    agent = factories.UserFactory(role="Customer service", email="cs@shop.example")
    shipment = shipped_mug(django_capture_on_commit_callbacks)
    type(shipment).objects.filter(pk=shipment.pk).update(
        estimated_delivery=timezone.localdate() - timedelta(days=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        shipping.sweep_at_risk()

    order = shipment.order
    assert order.notifications.filter(kind=Kind.DELAYED).count() == 1
    (alert,) = order.notifications.filter(kind=Kind.STAFF_AT_RISK)
    assert alert.recipient == agent.email


def test_a_bounced_address_is_not_written_to_again(placed, customer, mailoutbox):
    type(customer).objects.filter(pk=customer.pk).update(
        email_bounced_at=timezone.now(), email_bounce_reason="bounced: mailbox unknown"
    )
    event = placed.events.get(type=T.PLACED)
    Notification.objects.all().delete()

    (notification,) = notifications.notify_event(event_id=event.pk)
    assert notification.status == Notification.Status.SUPPRESSED
    assert "mailbox unknown" in notification.error
