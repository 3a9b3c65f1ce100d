"""Every URL the resolver knows, for every role and for anonymous visitors: page, 403 or login.

The URL configuration is the table of URL → permission: each staff view states its permissions
with ``core.permissions.staff_view``. This test walks every route (htmx fragments and public
pages too), so a new URL whose view states no permission, and is not on PUBLIC below, fails.
Django's admin is left out as a block: it checks its own model permissions.
"""

import pytest
from django.core.files.base import ContentFile
from django.shortcuts import resolve_url
from django.urls import reverse

from core.permissions import permissions_for, routes, view_permissions
from core.roles import CUSTOMER_SERVICE, FINANCE, MANAGER, ROLES, WAREHOUSE
from digests.models import ReportSubscription
from documents.models import Document
from importer.models import ImportJob
from notifications.models import Notification
from payments.models import Method
from payments.services import record_manual_payment, send_payment_link
from shipping.models import AtRisk, LabelBatch, Manifest, PickList, Shipment
from tests import factories
from tests.factories import place, stock
from webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db

ADMIN_PREFIX = "admin/"

# Pages anyone may open, signed in or not. Everything else must be a staff_view.
PUBLIC = {
    "healthz",
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "payments:stripe_webhook",
    "payments:checkout_done",
    "payments:checkout_cancelled",
    "payments:simulated_checkout",
    "shipping:tracking_webhook",
    # The API's description (OpenAPI schema, Swagger UI, Redoc): no data, and integrators
    # read it before they have a token.
    "api:schema",
    "api:docs",
    "api:redoc",
}
# The e-mail providers' delivery and bounce reports (anymail), checked by their shared secret.
PUBLIC |= {route.name for route in routes() if route.name.startswith("notifications:anymail:")}
# The customer's order-status page and its invoice downloads (portal): no login, the signed link
# in their e-mails is the key, and a link that is not valid gives 404.
PUBLIC |= {"portal:order_status", "portal:document"}

# The API's endpoints authenticate by token (401, never the login page) and check scopes, not
# staff_view: tests/api/test_auth.py walks them. Its public description stays here.
API_NAMESPACE = "api:"
ALL_ROUTES = [
    route
    for route in routes()
    if not route.route.startswith(ADMIN_PREFIX)
    and (not route.name.startswith(API_NAMESPACE) or route.name in PUBLIC)
]
STAFF_ROUTES = [route for route in ALL_ROUTES if route.name not in PUBLIC]
PUBLIC_ROUTES = [route for route in ALL_ROUTES if route.name in PUBLIC]

ORDER_ENTRY = {
    "orders:create",
    "orders:create_customer_search",
    "orders:create_product_search",
    "orders:create_preview",
}
# Placing a draft and the corrections made after placing (address, ship date, shipping).
ORDER_CORRECTIONS = {
    "orders:place",
    "orders:correct_address",
    "orders:promised_date",
    "orders:shipping_charge",
}
ORDER_CHANGES = ORDER_ENTRY | ORDER_CORRECTIONS | {"orders:edit", "orders:confirm", "orders:cancel"}
STOCK_CHANGES = {"inventory:adjust", "inventory:write_off"}
MOVE_MONEY = {"payments:capture", "payments:refund", "payments:void"}
TAKE_PAYMENT = {"payments:send_link", "payments:record"}
# The Finance pages and the order page's payments panels.
SEE_PAYMENTS = {
    "payments:list",
    "payments:refund_due",
    "payments:export",
    "payments:refund_due_export",
    "payments:order_panel",
    "payments:cancellation_notice",
}
# The order page's Documents panel and downloads (Finance, Manager, Customer service), and
# issuing or re-issuing invoices (Finance, Manager).
SEE_DOCUMENTS = {"documents:order_panel", "documents:download"}
ISSUE_DOCUMENTS = {"documents:issue", "documents:reissue", "documents:reissue_copy"}
# Customer records: personal data (e-mail, phone, addresses, order history).
SEE_CUSTOMERS = {
    "customers:list",
    "customers:export",
    "customers:detail",
    "orders:customer_orders",
    "orders:customer_totals",
    "orders:customer_list_totals",
}
EXPORT = {"orders:export"}  # names and e-mails of every order listed
# The pick queue and pick lists (Customer service sees them; Finance does not), and picking.
SEE_PICKING = {
    "shipping:pick_queue",
    "shipping:pick_queue_export",
    "shipping:pick_list",
    "shipping:pick_list_print",
}
PICK = {
    "shipping:pick_list_create",
    "shipping:pick_list_scan",
    "shipping:pick_list_short",
    "shipping:pick_list_complete",
    "shipping:pick_list_cancel",
}

# Buying labels in batches and closing manifests (Warehouse, Manager).
SHIP = {
    "shipping:batch_create",
    "shipping:batch_detail",
    "shipping:batch_labels",
    "shipping:manifest_close",
}
# The manifests and the at-risk queue (Customer service owns at-risk items; Finance sees neither).
SEE_FULFILMENT_QUEUES = {
    "shipping:manifest_list",
    "shipping:manifest_export",
    "shipping:manifest_pdf",
    "shipping:at_risk_list",
    "shipping:at_risk_export",
    "shipping:at_risk_take",
    "shipping:at_risk_assign",
    "shipping:at_risk_resolve",
}

# Packing parcels, and buying labels, handing over and click & collect on the ship screen
# (Warehouse, Manager); everyone who sees shipments opens the ship screen and its downloads.
PACK_AND_SHIP = {
    "shipping:pack_station",
    "shipping:pack",
    "shipping:pack_scan",
    "shipping:pack_close",
    "shipping:quotes",
    "shipping:buy_label",
    "shipping:hand_over",
    "shipping:void_label",
    "shipping:ready_for_pickup",
    "shipping:collect",
}

# Re-sourcing an order by hand (Customer service, Manager) and the what-if replay (Manager).
RESOURCE = {"orders:resource"}
REPLAY = {"orders:sourcing_replay"}
# CSV imports (Manager only).
IMPORTS = {
    "importer:index",
    "importer:export",
    "importer:job",
    "importer:start",
    "importer:template",
}
# The Webhooks pages (Manager only).
WEBHOOKS = {
    "webhooks:list",
    "webhooks:export",
    "webhooks:detail",
    "webhooks:delivery_export",
    "webhooks:pause",
    "webhooks:resume",
    "webhooks:redeliver",
}
# The Scheduled reports pages (Manager only).
DIGESTS = {
    "digests:list",
    "digests:export",
    "digests:create",
    "digests:detail",
    "digests:edit",
    "digests:send_now",
}
# The customer messages: the order page's Communications panel, the Notifications page, a
# message as sent, the template previews (every role but Warehouse), and resending them
# (Customer service, Manager).
SEE_NOTIFICATIONS = {
    "notifications:list",
    "notifications:export",
    "notifications:order_panel",
    "notifications:message",
    "notifications:message_html",
    "notifications:previews",
    "notifications:preview",
    "notifications:preview_html",
}
RESEND = {"notifications:resend"}


def queue_pages(*slugs: str) -> set[str]:
    """Exception queues (queues app): each queue's page, its export and its owner button."""
    return {f"queues:{slug}{suffix}" for slug in slugs for suffix in ("", "-export", "-assign")}


# What each role may not open, stated plainly: the test fails if the roles migration or a
# view's permissions drift. Every URL not listed here is open to the role.
EXPECTED_DENIED = {
    MANAGER: set(),
    CUSTOMER_SERVICE: STOCK_CHANGES
    | MOVE_MONEY
    | PICK
    | SHIP
    | PACK_AND_SHIP
    | REPLAY
    | IMPORTS
    | WEBHOOKS
    | DIGESTS
    | ISSUE_DOCUMENTS
    | queue_pages("capture-due", "refunds-due", "short-picks"),
    # Warehouse: stock, picking, shipping; no money, no customer records, no export.
    WAREHOUSE: ORDER_CHANGES
    | TAKE_PAYMENT
    | MOVE_MONEY
    | SEE_PAYMENTS
    | SEE_CUSTOMERS
    | EXPORT
    | RESOURCE
    | REPLAY
    | IMPORTS
    | WEBHOOKS
    | DIGESTS
    | SEE_DOCUMENTS
    | ISSUE_DOCUMENTS
    | SEE_NOTIFICATIONS
    | RESEND
    | queue_pages("capture-due", "failed-notifications", "refunds-due", "unreconciled"),
    FINANCE: ORDER_CHANGES
    | STOCK_CHANGES
    | SEE_PICKING
    | PICK
    | SHIP
    | PACK_AND_SHIP
    | SEE_FULFILMENT_QUEUES
    | RESOURCE
    | REPLAY
    | IMPORTS
    | WEBHOOKS
    | DIGESTS
    | RESEND
    | queue_pages("at-risk", "short-picks"),
}
# The sidebar's sections: each role sees those it is not denied.
SIDEBAR = {
    "backoffice:home",
    "orders:list",
    "inventory:product_list",
    "customers:list",
    "shipping:shipment_list",
    "payments:list",
    "importer:index",
    "webhooks:list",
    "notifications:list",
    "reports:overview",
    "queues:index",
    "digests:list",
}


@pytest.fixture
def data(channel, customer, warehouse, settings, tmp_path):
    """A value for every URL keyword argument, by its name. ``pk`` is the customer's."""
    settings.MEDIA_ROOT = tmp_path
    product = factories.ProductFactory(sku="ACCESS-1")
    stock(product, warehouse, 10)
    order = place(channel=channel, customer=customer, items=[(product, 1)])
    payment = record_manual_payment(order=order, amount=order.total, method=Method.BANK_TRANSFER)
    unpaid = place(channel=channel, customer=customer, items=[(product, 1)])
    link = send_payment_link(order=unpaid)
    return {
        "number": order.number,
        "sku": product.sku,
        "pk": customer.pk,
        "payment_id": payment.pk,
        "session": link.checkout_session_id,
        "uidb64": "MQ",  # a reset link for user 1 whose token is wrong: the "not valid" page
        "token": "set-password",
        "carrier": "NOSUCH",  # a carrier we do not have: 404
        "pick_list_id": PickList.objects.create(location=warehouse).pk,
        "shipment_id": Shipment.objects.create(
            order=order, location=warehouse, weight_grams=400
        ).pk,
        "batch_id": LabelBatch.objects.create(total=0).pk,
        "manifest_id": Manifest.objects.create(
            carrier=factories.CarrierFactory(), location=warehouse
        ).pk,
        "job_id": ImportJob.objects.create(kind="products", file_name="a.csv", content="").pk,
        "import_kind": "products",
        "item_id": AtRisk.objects.create(
            order=order,
            kind=AtRisk.Kind.LATE_TO_SHIP,
            reason="access",
            deadline=order.created_at.date(),
        ).pk,
        "document_id": _document(order),
        "notification_id": Notification.objects.create(
            order=order, kind="order_received", recipient=order.email, dedupe_key="access"
        ).pk,
        "kind": "order_received",
        "code": warehouse.code,  # a location (the API's /locations/<code>/)
        **_webhook_data(),
        "digest_id": _digest(),
        "slug": "order-funnel",  # a report every role may see (reports/, orders/reports.py)
    }


def _document(order) -> int:
    """A kept document with its file (in the test's media root) to download."""
    document = Document.objects.create(order=order, kind="packing_slip")
    document.file.save("slip.pdf", ContentFile(b"%PDF-1.7 access"))
    return document.pk


def _webhook_data() -> dict:
    subscription = Subscription.objects.create(
        url="https://hooks.example/oms", events=["order.placed"], owner=factories.UserFactory()
    )
    delivery = Delivery.objects.create(
        subscription=subscription,
        event_type="order.placed",
        event_id="access",
        payload={},
        retry_until=subscription.created_at,
    )
    return {"subscription_id": subscription.pk, "delivery_id": delivery.pk}


def _digest() -> int:
    """A scheduled report of no registered report: its pages open, it is never sent here."""
    return ReportSubscription.objects.create(
        name="Access", report_slug="access", owner=factories.UserFactory()
    ).pk


def sent_to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        f"{reverse('login')}?next="
    )


def url_of(route, data: dict) -> str:
    missing = [name for name in route.kwarg_names if name not in data]
    if missing:
        pytest.fail(f"{route.name} ({route.route}): add {missing} to the data fixture")
    return reverse(route.name, kwargs={name: data[name] for name in route.kwarg_names})


def open_page(client, route, data: dict):
    """GET the URL; a POST-only view (405) is posted to with an empty form instead."""
    url = url_of(route, data)
    response = client.get(url)
    return client.post(url, {}) if response.status_code == 405 else response


def test_every_url_states_its_permissions_or_is_public():
    unnamed = [route.route for route in ALL_ROUTES if not route.name]
    assert not unnamed, f"name these URLs so the access table can refer to them: {unnamed}"
    unmarked = {route.name for route in ALL_ROUTES if view_permissions(route.view) is None}
    undeclared = sorted(unmarked - PUBLIC)
    assert not undeclared, (
        f"these URLs state no permission: wrap their views in core.permissions.staff_view, "
        f"or add them to PUBLIC if anyone may open them: {undeclared}"
    )
    stale = sorted(PUBLIC - unmarked)
    assert not stale, f"PUBLIC lists URLs that are staff views or gone: {stale}"


@pytest.mark.parametrize("route", STAFF_ROUTES, ids=[route.name for route in STAFF_ROUTES])
def test_anonymous_visitors_are_sent_to_login(client, data, route):
    response = open_page(client, route, data)
    assert sent_to_login(response), (route.name, response.status_code)


@pytest.mark.parametrize("route", PUBLIC_ROUTES, ids=[route.name for route in PUBLIC_ROUTES])
def test_public_pages_answer_anonymous_visitors(client, data, route):
    response = open_page(client, route, data)
    assert response.status_code < 500, (route.name, response.status_code)
    assert not sent_to_login(response), route.name


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_its_pages_and_403_elsewhere(login_as, data, role):
    client = login_as(role)
    denied = set()
    for route in STAFF_ROUTES:
        response = open_page(client, route, data)
        if client.user.has_perms(permissions_for(route.name)):
            assert response.status_code in (200, 302), (route.name, response.status_code)
        else:
            assert response.status_code == 403, (route.name, response.status_code)
            denied.add(route.name)
    assert denied == EXPECTED_DENIED[role]


def test_superuser_gets_every_page(login_as, data):
    client = login_as(None)
    for route in STAFF_ROUTES:
        response = open_page(client, route, data)
        assert response.status_code in (200, 302), (route.name, response.status_code)


@pytest.mark.parametrize("role", [*ROLES, None])
def test_the_sidebar_shows_the_sections_the_user_may_open(client, settings, role):
    client.force_login(factories.UserFactory(role=role))
    response = client.get(resolve_url(settings.LOGIN_REDIRECT_URL))
    shown = {section["url_name"] for section in response.context["nav_sections"]}
    # a signed-in user without a role has no permission: only the home page is open to them
    assert shown == (SIDEBAR - EXPECTED_DENIED[role] if role else {"backoffice:home"})
