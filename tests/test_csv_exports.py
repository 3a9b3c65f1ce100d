"""Every list page of the dashboard has a CSV export (core/csv_export.py): the rule, and each
export's header, filters, defused formulas, bounded queries and permission.

The rule: a list page is a sidebar section, a named page whose name ends in ``list``,
``queue``, ``index`` or ``due`` (and takes no URL argument), an exception queue's page (named
by its slug), or a detail page listed in LISTS_ON_DETAIL_PAGES. Each must have an export view
marked ``@exports(<its name>)`` at a URL ending in ``export.csv``, needing at least the list's
permissions.
"""

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from backoffice.context_processors import SECTIONS
from core.csv_export import cell, csv_response, exported_list, streamed_rows
from core.permissions import permissions_for, routes
from core.queues import all_queues, get_queue
from core.roles import ROLES
from customers.models import Customer
from digests.models import ReportRun, ReportSubscription
from importer.models import ImportJob
from inventory.services import receive_stock
from notifications.models import Kind, Notification
from orders.models import Order, PaymentStatus
from payments.models import Payment
from queues import exports as queue_exports
from queues.services import assign_item
from shipping.models import AtRisk, Manifest, Shipment
from tests import factories
from tests.factories import confirmed, place, stock
from webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db

# the dashboard: tiles and counts, no rows; the reports menu: links to reports, each with its
# own CSV download (reports:csv), no rows of its own; the queues menu: each queue with its
# count, the rows on each queue's own page (exported there)
NOT_A_LIST = {"backoffice:home", "reports:overview", "queues:index"}
LISTS_ON_DETAIL_PAGES = {
    "webhooks:detail": "the delivery log",
    "inventory:product_detail": "the stock ledger",
}
# Lists whose apps are still being built by others as this is written: their owner adds the
# export and takes the entry out (the test below fails once the export exists).
AWAITING_AN_EXPORT: dict[str, str] = {}
LIST_NAME = re.compile(r"(^|_)(list|queue|index|due)$")
EXPORTS = {route.name: route for route in routes() if exported_list(route.view)}
MAX_QUERIES = 12


def list_pages() -> set[str]:
    named = {
        route.name
        for route in routes()
        if route.name
        and not route.name.startswith(("admin:", "api:"))
        and not route.kwarg_names
        and LIST_NAME.search(route.name.rpartition(":")[2])
    }
    sidebar = {section.url_name for section in SECTIONS}
    queues = {f"queues:{queue.slug}" for queue in all_queues()}
    return (named | sidebar | queues | set(LISTS_ON_DETAIL_PAGES)) - NOT_A_LIST


def export_of(list_name: str) -> str | None:
    return next((name for name, r in EXPORTS.items() if exported_list(r.view) == list_name), None)


# --- the rule ------------------------------------------------------------------------------


def test_every_list_page_has_a_csv_export():
    missing = sorted(
        name for name in list_pages() - set(AWAITING_AN_EXPORT) if export_of(name) is None
    )
    assert not missing, (
        f"these list pages have no CSV export: add a view marked @exports(<list name>) "
        f"(core/csv_export.py) at <list>/export.csv: {missing}"
    )


def test_what_awaits_an_export_still_does():
    done = sorted(name for name in AWAITING_AN_EXPORT if export_of(name) is not None)
    assert not done, f"take these out of AWAITING_AN_EXPORT: {done}"


def test_each_export_is_an_export_csv_url_behind_its_lists_permissions():
    pages = {route.name: route for route in routes() if route.name}
    for name, route in EXPORTS.items():
        listed = exported_list(route.view)
        assert listed in pages, f"{name} exports {listed!r}, which is no URL"
        assert route.route.endswith("export.csv"), route.route
        assert set(permissions_for(listed)) <= set(permissions_for(name)), name
        assert route.kwarg_names == pages[listed].kwarg_names, name


# --- the data of each export ---------------------------------------------------------------


@dataclass
class World:
    """What every export's rows hang on: two locations, a channel, a carrier, a product
    stocked at the first (to order) and one stocked nowhere (for its ledger), a superuser."""

    warehouse: object
    second: object
    channel: object
    carrier: object
    product: object
    unstocked: object
    user: object
    serial: list[int] = field(default_factory=lambda: [0])

    def next(self) -> int:
        self.serial[0] += 1
        return self.serial[0]

    def order(self, customer_name: str) -> Order:
        customer = factories.CustomerFactory(name=customer_name)
        return place(channel=self.channel, customer=customer, items=[(self.product, 1)])


@pytest.fixture
def world(warehouse, second_warehouse, channel, login_as):
    product = factories.ProductFactory(sku="WORLD-1", name="Plain thing")
    stock(product, warehouse, 1000)
    client = login_as(None)
    return World(
        warehouse=warehouse,
        second=second_warehouse,
        channel=channel,
        carrier=factories.CarrierFactory(code="PPOST", name="Parcel Post"),
        product=product,
        unstocked=factories.ProductFactory(sku="LEDGER-1"),
        user=client.user,
    )


def text(matching: bool, world: World, what: str) -> str:
    """A matching row's text starts like a formula (defused in the CSV); another row's not."""
    return f"=MATCH {what} {world.next()}" if matching else f"OTHER {what} {world.next()}"


def products(world: World, matching: bool) -> None:
    product = factories.ProductFactory(
        sku=f"EXP-{world.next()}", name=text(matching, world, "lamp" if matching else "chair")
    )
    stock(product, world.warehouse, 5)


def ledger(world: World, matching: bool) -> None:
    """Movements of one product: received at the first location, or at the second."""
    receive_stock(
        product=world.unstocked,
        location=world.warehouse if matching else world.second,
        quantity=1,
        note=text(matching, world, "delivery"),
    )


def customers(world: World, matching: bool) -> None:
    factories.CustomerFactory(name=text(matching, world, "lamp" if matching else "chair"))


def payments(world: World, matching: bool) -> None:
    Payment.objects.create(
        order=world.order(text(matching, world, "buyer")),
        gateway="manual",
        method="bank_transfer",
        status="failed" if matching else "captured",
        amount=Decimal("10.00"),
        currency="USD",
        failure_message=text(matching, world, "declined"),
    )


def refunds_due(world: World, matching: bool) -> None:
    order = world.order(text(matching, world, "buyer"))
    if matching:
        Order.objects.filter(pk=order.pk).update(payment_status=PaymentStatus.REFUND_DUE)


def shipments(world: World, matching: bool) -> None:
    Shipment.objects.create(
        order=world.order("Someone"),
        location=world.warehouse if matching else world.second,
        carrier=world.carrier,
        weight_grams=500,
        label_error=text(matching, world, "no label"),
    )


def manifests(world: World, matching: bool) -> None:
    carrier = factories.CarrierFactory(
        code=f"C{world.next()}", name=text(matching, world, "carrier")
    )
    Manifest.objects.create(carrier=carrier, location=world.warehouse if matching else world.second)


def at_risk(world: World, matching: bool) -> None:
    AtRisk.objects.create(
        order=world.order("Someone"),
        kind=AtRisk.Kind.LATE_TO_SHIP if matching else AtRisk.Kind.LATE_DELIVERY,
        reason=text(matching, world, "late"),
        deadline=timezone.localdate(),
    )


def pick_queue(world: World, matching: bool) -> None:
    product = factories.ProductFactory(
        sku=f"PICK-{world.next()}", name=text(matching, world, "mug")
    )
    stock(product, world.warehouse if matching else world.second, 5)
    customer = factories.CustomerFactory()
    factories.AddressFactory(customer=customer)
    confirmed(channel=world.channel, customer=customer, items=[(product, 1)])


def subscription(world: World, name: str) -> Subscription:
    return Subscription.objects.get_or_create(
        url=f"https://hooks.example/{name}", events=["order.placed"], owner=world.user
    )[0]


def webhooks(world: World, matching: bool) -> None:
    if matching:  # the list has no filter: every subscription is a matching row
        sub = subscription(world, f"s{world.next()}")
        Subscription.objects.filter(pk=sub.pk).update(paused_reason=text(True, world, "paused"))


def deliveries(world: World, matching: bool) -> None:
    sub = subscription(world, "listed" if matching else "another")
    Delivery.objects.create(
        subscription=sub,
        event_type="order.placed",
        event_id=f"evt-{world.next()}",
        payload={},
        retry_until=timezone.now() + timedelta(days=1),
        last_error=text(matching, world, "refused"),
    )


def import_jobs(world: World, matching: bool) -> None:
    if matching:  # no filter
        ImportJob.objects.create(
            kind="products",
            file_name=text(True, world, "file.csv"),
            content="",
            created_by=world.user,
        )


def failed_message(world: World, matching: bool, *, failed: bool = True) -> Notification:
    return Notification.objects.create(
        kind=Kind.ORDER_RECEIVED,
        recipient=f"buyer{world.next()}@example.com",
        status=Notification.Status.FAILED if failed else Notification.Status.SENT,
        attempts=5,
        error=text(matching, world, "bounced"),
        dedupe_key=f"export-{world.next()}",
    )


def notifications(world: World, matching: bool) -> None:
    """The page lists the failed messages: a sent one is no row of it."""
    failed_message(world, matching, failed=matching)


def digests(world: World, matching: bool) -> None:
    if matching:  # no filter
        subscription = ReportSubscription.objects.create(
            name=text(True, world, "weekly"), report_slug="sales-summary", owner=world.user
        )
        subscription.recipient_users.add(world.user)
        ReportRun.objects.create(
            subscription=subscription,
            scheduled_for=timezone.now(),
            status=ReportRun.Status.SENT,
        )


def my_queue_items(world: World, matching: bool) -> None:
    """Failed messages in their queue; "mine": those given to the user."""
    message = failed_message(world, matching)
    if matching:
        queue = get_queue("failed-notifications")
        assign_item(queue=queue, item_id=message.pk, owner=world.user, actor=world.user)


@dataclass(frozen=True)
class Case:
    export: str
    make: Callable[[World, bool], None]
    header: tuple[str, ...]  # the first columns
    query: str = ""  # formatted with the world as ``w``
    args: Callable[[World], list] = lambda world: []

    def url(self, world: World) -> str:
        return reverse(self.export, args=self.args(world)) + self.query.format(w=world)


CASES = [
    Case("inventory:product_export", products, ("sku", "name"), "?q=lamp&sort=-name"),
    Case(
        "inventory:ledger_export",
        ledger,
        ("created_at", "location", "reason", "quantity"),
        "?location=WH-A",
        args=lambda w: [w.unstocked.sku],
    ),
    Case("customers:export", customers, ("name", "email", "phone"), "?q=lamp"),
    Case("payments:export", payments, ("order", "channel"), "?status=failed"),
    Case("payments:refund_due_export", refunds_due, ("order", "customer_name", "status")),
    Case("shipping:shipment_export", shipments, ("shipment", "order"), "?location=WH-A"),
    Case("shipping:manifest_export", manifests, ("manifest", "location"), "?location=WH-A"),
    Case(
        "shipping:at_risk_export",
        at_risk,
        ("order", "shipment", "kind"),
        "?kind=late_to_ship",
    ),
    Case(
        "shipping:pick_queue_export",
        pick_queue,
        ("order", "ship_by", "sku", "product"),
        "?location={w.warehouse.pk}",
    ),
    Case("webhooks:export", webhooks, ("url", "events", "owner")),
    Case(
        "webhooks:delivery_export",
        deliveries,
        ("delivery", "event_type"),
        args=lambda w: [subscription(w, "listed").pk],
    ),
    Case("importer:export", import_jobs, ("job", "kind", "file_name")),
    Case("notifications:export", notifications, ("notification", "created_at", "order")),
    Case("digests:export", digests, ("name", "report", "frequency", "next_run_at")),
    Case(
        "queues:failed-notifications-export",
        my_queue_items,
        queue_exports.HEADER,
        "?mine=1",
    ),
]
IDS = [case.export for case in CASES]


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


QUEUE_EXPORTS = {f"queues:{queue.slug}-export": queue for queue in all_queues()}


def test_the_cases_cover_every_export():
    """Every queue's export is the same view of its definition: one queue stands for them in
    CASES, and each is opened below."""
    covered = {case.export for case in CASES} | {"orders:export"} | set(QUEUE_EXPORTS)
    assert covered == set(EXPORTS)


@pytest.mark.parametrize("name", sorted(QUEUE_EXPORTS))
def test_each_queue_exports_its_items_behind_its_permission(client, world, name):
    """An empty queue is its header; a user without the queue's permission gets a 403."""
    header, *rows = rows_of(client.get(reverse(name)))
    client.force_login(factories.UserFactory(role=None))

    assert tuple(header) == queue_exports.HEADER
    assert rows == []
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_export_has_its_header_and_only_the_rows_its_filters_show(client, world, case):
    for _ in range(2):
        case.make(world, True)
    case.make(world, False)

    response = client.get(case.url(world))
    header, *rows = rows_of(response)

    name = response["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="[A-Za-z0-9._-]+-\d{4}-\d\d-\d\d\.csv"', name), name
    assert tuple(header[: len(case.header)]) == case.header
    assert len(rows) == 2, rows
    assert all(any("MATCH" in cell for cell in row) for row in rows), rows
    assert all(len(row) == len(header) for row in rows)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cells_that_look_like_formulas_are_defused(client, world, case):
    case.make(world, True)

    cells = [cell for row in rows_of(client.get(case.url(world)))[1:] for cell in row]

    assert any(cell.startswith("'=MATCH") for cell in cells), cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells), cells


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_export_runs_the_same_few_queries_for_one_row_and_many(
    client, world, case, django_assert_max_num_queries
):
    case.make(world, True)
    with django_assert_max_num_queries(MAX_QUERIES) as one:
        assert len(rows_of(client.get(case.url(world)))) == 2
    for _ in range(4):
        case.make(world, True)

    with django_assert_max_num_queries(MAX_QUERIES) as many:
        assert len(rows_of(client.get(case.url(world)))) == 6

    assert len(one.captured_queries) == len(many.captured_queries)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_role_without_the_lists_permission_is_refused(client, world, case):
    needed = permissions_for(case.export)
    without = [
        role
        for role in ROLES
        if not all(
            Group.objects.filter(name=role, permissions__codename=p.split(".")[1]).exists()
            for p in needed
        )
    ]
    user = factories.UserFactory(role=without[0] if without else None)
    client.force_login(user)

    assert not user.has_perms(needed)
    assert client.get(case.url(world)).status_code == 403


def test_an_invalid_filter_is_a_400_naming_it_not_every_row(client, world):
    products(world, True)

    response = client.get(reverse("inventory:product_export") + "?location=NOWHERE")

    assert response.status_code == 400
    assert "Stocked at" in response.content.decode()


def test_the_product_export_has_a_column_per_active_location(client, world):
    products(world, True)

    header, *rows = rows_of(client.get(reverse("inventory:product_export") + "?q=lamp"))

    assert header[-2:] == ["available_WH-A", "available_WH-B"]
    assert rows[0][-2:] == ["5", "0"]


def test_the_export_starts_with_a_byte_order_mark_only_when_asked(client, world):
    plain = client.get(reverse("customers:export"))
    marked = client.get(reverse("customers:export") + "?bom=1")

    assert next(iter(plain.streaming_content)).startswith(b"name,")
    assert next(iter(marked.streaming_content)).startswith("\ufeffname,".encode())


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("-3", "'-3"),
        ("+1 555", "'+1 555"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        (-3, "-3"),
        (Decimal("-1.50"), "-1.50"),
        (None, ""),
        (True, "true"),
        (["order.placed", "order.shipped"], "order.placed order.shipped"),
        (["=1+1"], "'=1+1"),
    ],
)
def test_text_is_defused_numbers_are_not(value, written):
    assert cell(value) == written


def test_a_name_with_quotes_makes_a_safe_file_name(rf):
    response = csv_response(rf.get("/"), name='ledger-A"B; C', header=["x"], lines=[])

    assert response["Content-Disposition"].startswith('attachment; filename="ledger-A-B-C-')


def test_rows_come_through_a_server_side_cursor_in_a_transaction(world):
    """Constant memory on PostgreSQL: DISABLE_SERVER_SIDE_CURSORS would load every row."""
    if connection.vendor != "postgresql":
        pytest.skip("server-side cursors are PostgreSQL's")
    for _ in range(3):
        customers(world, True)
    rows = streamed_rows(Customer.objects.values_list("name"))

    next(rows)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors WHERE name LIKE '_django_curs_%%'")
        (open_cursors,) = cursor.fetchone()
    rest = list(rows)

    assert open_cursors == 1
    assert len(rest) == 2


# --- the link on each list page ------------------------------------------------------------


def detail_args(name: str, world: World) -> list:
    if name == "webhooks:detail":
        return [subscription(world, "linked").pk]
    return [world.product.sku] if name == "inventory:product_detail" else []


@pytest.mark.parametrize("name", sorted(list_pages() - set(AWAITING_AN_EXPORT)))
def test_the_list_links_to_its_export_with_its_filters_and_not_its_page(client, world, name):
    export, args = export_of(name), detail_args(name, world)

    page = client.get(reverse(name, args=args) + "?page=2&after=x&kept=1")

    assert page.status_code == 200
    assert f'href="{reverse(export, args=args)}?kept=1" download>Export CSV</a>' in page.text
