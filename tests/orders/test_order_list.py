"""The orders list: filters, sort, keyset pages, capped count, bulk actions and CSV export."""

import csv
import html
import io
import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders import services
from orders.models import HoldReason, Order, OrderEvent, OrderStatus
from orders.views import listing
from tests import factories
from tests.factories import place, stock

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def product(warehouse):
    product = factories.ProductFactory()
    stock(product, warehouse, 10_000)
    return product


@pytest.fixture
def make_orders(channel, customer, product):
    """Place ``count`` orders, the first one the newest, an hour apart."""

    def make(count: int, *, newest: datetime | None = None, **kwargs) -> list[Order]:
        newest = newest or timezone.now()
        orders = []
        for index in range(count):
            order = place(channel=channel, customer=customer, items=[(product, 1)], **kwargs)
            placed_at = newest - timedelta(hours=index)
            Order.objects.filter(pk=order.pk).update(placed_at=placed_at)
            orders.append(order)
        return orders

    return make


def numbers_in(response) -> list[str]:
    """Order numbers in the table, top to bottom."""
    return re.findall(r">(SO-\d+)</a>", response.content.decode())


def link(response, rel: str) -> str:
    match = re.search(rf'rel="{rel}" href="([^"]+)"', response.content.decode())
    assert match, f"no {rel} link"
    return html.unescape(match[1])


def list_url(**query) -> str:
    return reverse("orders:list") + ("?" + "&".join(f"{k}={v}" for k, v in query.items()))


# --- access --------------------------------------------------------------------------------


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("orders:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_warehouse_role_sees_the_list_with_every_column(login_as, channel, customer, product):
    order = place(channel=channel, customer=customer, items=[(product, 3)])
    client = login_as("Warehouse")

    response = client.get(reverse("orders:list"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" in page
    assert f'href="{reverse("orders:detail", args=[order.number])}"' in page
    assert customer.name in page
    assert customer.email not in page  # customer records are not Warehouse's (tests/test_roles.py)
    assert channel.name in page
    assert '<td class="num">3</td>' in page
    assert f"{order.total:,.2f} {order.currency}" in page
    assert "1 order</strong>" in page


def test_rows_escape_what_customers_typed_and_show_badges_and_hold_reasons(
    login_as, channel, product
):
    sneaky = factories.CustomerFactory(name='<b>Bold</b> & "Co"', email="x'<i>@example.com")
    order = place(channel=channel, customer=sneaky, items=[(product, 2)])
    services.hold_order(order=order, reason=HoldReason.FRAUD_RISK, note="check")

    page = login_as().get(reverse("orders:list")).content.decode()

    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &quot;Co&quot;" in page
    assert '<br><span class="muted">x&#x27;&lt;i&gt;@example.com</span>' in page
    assert "<b>Bold</b>" not in page
    assert '<span class="badge badge-warn">On hold</span>' in page
    assert '<br><span class="muted">High fraud risk</span>' in page
    assert f'aria-label="Select {order.number}"' in page


# --- filters -------------------------------------------------------------------------------


def test_filter_by_several_statuses(login_as, make_orders):
    _placed, confirmed, cancelled = make_orders(3)
    services.confirm_order(order=confirmed)
    services.cancel_order(order=cancelled, reason="Customer changed their mind")

    response = login_as().get(list_url(status="confirmed") + "&status=cancelled")

    assert set(numbers_in(response)) == {confirmed.number, cancelled.number}


def test_filter_by_channel_code(login_as, customer, product, make_orders):
    (web_order,) = make_orders(1)
    phone = factories.SalesChannelFactory(code="phone")
    phone_order = place(channel=phone, customer=customer, items=[(product, 1)])

    response = login_as().get(list_url(channel="phone"))

    assert numbers_in(response) == [phone_order.number]
    assert web_order.number not in response.content.decode()


def test_filter_by_placed_date_range_includes_both_days(login_as, make_orders):
    newest = datetime(2025, 3, 10, 12, tzinfo=timezone.get_current_timezone())
    orders = make_orders(5, newest=newest)
    for days_ago, order in enumerate(orders):
        Order.objects.filter(pk=order.pk).update(placed_at=newest - timedelta(days=days_ago))

    response = login_as().get(list_url(placed_after="2025-03-07", placed_before="2025-03-09"))

    assert numbers_in(response) == [orders[1].number, orders[2].number, orders[3].number]


@pytest.mark.parametrize(
    "search",
    [
        lambda order, customer: order.number.lower(),
        lambda order, customer: str(int(order.number.removeprefix("SO-"))),
        lambda order, customer: "CHAN-77",
    ],
    ids=["number in lower case", "bare digits", "external id"],
)
def test_search_finds_one_order_by_number_or_external_id(
    login_as, channel, customer, product, make_orders, search
):
    make_orders(2)
    order = place(channel=channel, customer=customer, items=[(product, 1)], external_id="CHAN-77")

    response = login_as().get(list_url(q=search(order, customer)))

    assert numbers_in(response) == [order.number]


def test_search_by_customer_email_prefix_and_name(login_as, channel, product, make_orders):
    make_orders(2)
    grace = factories.CustomerFactory(name="Grace Hopper", email="grace@navy.example")
    order = place(channel=channel, customer=grace, items=[(product, 1)])
    client = login_as()

    by_email = client.get(list_url(q="GRACE@nav"))
    by_name = client.get(list_url(q="hopp"))

    assert numbers_in(by_email) == [order.number]
    assert numbers_in(by_name) == [order.number]


def test_search_by_sku_in_any_case(login_as, channel, customer, warehouse, make_orders):
    make_orders(2)
    grinder = factories.ProductFactory(sku="CF-GRND-BURR")
    stock(grinder, warehouse, 10)
    order = place(channel=channel, customer=customer, items=[(grinder, 1)])

    response = login_as().get(list_url(q="cf-grnd-burr"))

    assert numbers_in(response) == [order.number]


def test_search_by_customer_phone_and_company(login_as, channel, product, make_orders):
    make_orders(2)
    acme = factories.CustomerFactory(phone="+44 20 7946 0958", company="Acme Roasters Ltd")
    order = place(channel=channel, customer=acme, items=[(product, 1)])
    client = login_as()

    by_phone = client.get(reverse("orders:list"), {"q": "+44 20 7946 0958"})
    by_company = client.get(reverse("orders:list"), {"q": "acme roast"})

    assert numbers_in(by_phone) == [order.number]
    assert numbers_in(by_company) == [order.number]


def test_search_by_channel_name(login_as, customer, product, make_orders):
    make_orders(2)
    store = factories.SalesChannelFactory(code="store-soho", name="SoHo Store")
    order = place(channel=store, customer=customer, items=[(product, 1)])

    response = login_as().get(list_url(q="soho store"))

    assert numbers_in(response) == [order.number]


def test_search_placeholder_promises_what_it_finds(login_as):
    page = login_as().get(reverse("orders:list")).content.decode()

    assert 'placeholder="Order no., SKU, e-mail, name, phone, company, channel"' in page


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_an_invalid_filter_value_shows_the_error_and_no_rows(login_as, make_orders, htmx):
    make_orders(2)

    response = login_as().get(list_url(total_min="lots"), **(HTMX if htmx else {}))

    page = response.content.decode()
    assert response.status_code == 200
    assert numbers_in(response) == []
    assert "Total from: Enter a number." in page
    assert "0 orders" in page


def test_an_invalid_sort_falls_back_to_the_default_and_still_lists(login_as, make_orders):
    orders = make_orders(2)

    response = login_as().get(list_url(o="bogus"))

    assert numbers_in(response) == [o.number for o in orders]


def test_filter_has_backorders(login_as, channel, customer, make_orders):
    make_orders(2)
    scarce = factories.ProductFactory(allow_backorder=True)
    backordered = place(channel=channel, customer=customer, items=[(scarce, 2)])

    client = login_as()
    with_backorders = client.get(list_url(has_backorders="true"))
    without = client.get(list_url(has_backorders="false"))

    assert numbers_in(with_backorders) == [backordered.number]
    assert backordered.number not in numbers_in(without)
    assert len(numbers_in(without)) == 2


def test_filter_by_allocation_location(login_as, channel, customer, product, second_warehouse):
    at_a = place(channel=channel, customer=customer, items=[(product, 1)])
    only_at_b = factories.ProductFactory()
    stock(only_at_b, second_warehouse, 5)
    at_b = place(channel=channel, customer=customer, items=[(only_at_b, 1), (only_at_b, 1)])
    client = login_as()

    assert numbers_in(client.get(list_url(location="WH-B"))) == [at_b.number]
    assert numbers_in(client.get(list_url(location="WH-A"))) == [at_a.number]


def test_late_to_ship_view_lists_open_orders_past_their_promised_date(login_as, make_orders):
    late, on_time, shipped_late = make_orders(3)
    yesterday = timezone.localdate() - timedelta(days=1)
    Order.objects.filter(pk__in=[late.pk, shipped_late.pk]).update(promised_ship_date=yesterday)
    Order.objects.filter(pk=on_time.pk).update(promised_ship_date=timezone.localdate())
    Order.objects.filter(pk=shipped_late.pk).update(status=OrderStatus.SHIPPED)

    response = login_as().get(list_url(late="true"))

    assert numbers_in(response) == [late.number]
    assert re.search(r'class="active" aria-current="page">Late to ship<', response.content.decode())


def test_on_hold_view_lists_hold_reasons_and_filters_by_one(login_as, make_orders):
    fraud, address, _not_held = make_orders(3)
    services.hold_order(order=fraud, reason=HoldReason.FRAUD_RISK)
    services.hold_order(order=address, reason=HoldReason.INCORRECT_ADDRESS)
    client = login_as()

    on_hold = client.get(list_url(on_hold="true"))
    fraud_only = client.get(list_url(on_hold="true", hold_reason="fraud_risk"))

    assert set(numbers_in(on_hold)) == {fraud.number, address.number}
    assert "High fraud risk</a>" in on_hold.content.decode()
    assert numbers_in(fraud_only) == [fraud.number]
    page = fraud_only.content.decode()
    assert re.search(r'class="active" aria-current="page">On hold<', page)
    assert re.search(r'class="active" aria-current="page">High fraud risk<', page)


# --- htmx, sort, pages, count --------------------------------------------------------------


def test_htmx_request_gets_only_the_table_and_the_saved_views(login_as, make_orders):
    _placed, cancelled = make_orders(2)
    services.cancel_order(order=cancelled, reason="Duplicate")

    # As the filter form sends it: every field, most of them blank.
    form = "q=&status=cancelled&payment_status=&channel=&has_backorders=&on_hold=&per_page=50"
    response = login_as().get(f"{reverse('orders:list')}?{form}", **HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page and 'id="order-filters"' not in page
    assert page.lstrip().startswith('<div id="order-table"')
    assert 'id="saved-views" hx-swap-oob="true"' in page
    assert numbers_in(response) == [cancelled.number]
    assert re.search(r'class="active" aria-current="page">Cancelled<', page)
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [("-placed_at", [0, 1, 2]), ("placed_at", [2, 1, 0]), ("total", [1, 2, 0])],
)
def test_sort(login_as, channel, customer, product, sort, expected):
    orders = [
        place(channel=channel, customer=customer, items=[(product, quantity)])
        for quantity in (5, 1, 3)
    ]
    for hours_ago, order in enumerate(orders):
        placed_at = timezone.now() - timedelta(hours=hours_ago)
        Order.objects.filter(pk=order.pk).update(placed_at=placed_at)

    response = login_as().get(list_url(o=sort))

    assert numbers_in(response) == [orders[index].number for index in expected]


def test_keyset_pages_follow_each_other_without_overlap(login_as, make_orders):
    orders = make_orders(30)
    # Two orders placed at the same instant: the id breaks the tie, neither is lost.
    Order.objects.filter(pk=orders[25].pk).update(placed_at=orders[24].placed_at)
    expected = [o.number for o in Order.objects.order_by("-placed_at", "-pk")]
    client = login_as()

    first = client.get(list_url(per_page=25))
    second = client.get(link(first, "next"))
    back = client.get(link(second, "prev"))

    assert numbers_in(first) == expected[:25]
    assert numbers_in(second) == expected[25:]
    assert 'rel="next"' not in second.content.decode()
    assert numbers_in(back) == expected[:25]
    assert 'rel="prev"' not in back.content.decode()


def test_keyset_pages_by_total_ascending(login_as, channel, customer, product):
    orders = [
        place(channel=channel, customer=customer, items=[(product, quantity)])
        for quantity in range(30, 0, -1)
    ]
    client = login_as()

    first = client.get(list_url(o="total", per_page=25))
    second = client.get(link(first, "next"))

    assert numbers_in(first) + numbers_in(second) == [o.number for o in reversed(orders)]


def test_malformed_cursor_shows_the_first_page(login_as, make_orders):
    orders = make_orders(2)

    response = login_as().get(list_url(after="not-a-date|12"))

    assert numbers_in(response) == [o.number for o in orders]


def test_count_is_capped_and_never_counts_the_whole_table(login_as, make_orders, monkeypatch):
    make_orders(5)
    monkeypatch.setattr(listing, "COUNT_CAP", 3)
    client = login_as()

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("orders:list"))

    assert "3+ orders" in response.content.decode()
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 4" in counts[0]


def test_query_count_is_bounded_and_independent_of_the_number_of_orders(
    login_as, make_orders, django_assert_max_num_queries
):
    make_orders(5)
    client = login_as("Customer service")
    url = list_url(q="customer", status="placed", channel="web", location="WH-A")

    # Free text resolves its kind of key first (order number, SKU, channel, customer ids),
    # one small indexed query each, before the page's queries.
    with django_assert_max_num_queries(15) as few:
        assert client.get(url).status_code == 200
    make_orders(55)
    with django_assert_max_num_queries(15) as many:
        response = client.get(url)

    assert len(numbers_in(response)) == 50
    assert len(few.captured_queries) == len(many.captured_queries)
    # DISTINCT would make the database sort every matching row before it can pick a page.
    assert not [q for q in many.captured_queries if "DISTINCT" in q["sql"].upper()]


# --- bulk actions --------------------------------------------------------------------------


def test_bulk_confirm_reports_each_order_and_writes_events(login_as, make_orders):
    first, second, cancelled = make_orders(3)
    services.cancel_order(order=cancelled, reason="Fraud")
    client = login_as("Customer service")

    response = client.post(
        reverse("orders:bulk"),
        {"bulk_action": "confirm", "ids": [first.pk, second.pk, cancelled.pk]},
        **HTMX,
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert f"{first.number} confirmed" in page
    assert f"{second.number} confirmed" in page
    assert f"{cancelled.number} is cancelled: it cannot be confirmed." in page
    assert "2 done, 1 refused" in page
    assert "ordersChanged" in json.loads(response["HX-Trigger"])
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses[first.pk] == statuses[second.pk] == OrderStatus.CONFIRMED
    assert statuses[cancelled.pk] == OrderStatus.CANCELLED
    events = OrderEvent.objects.filter(type=OrderEvent.Type.CONFIRMED)
    assert sorted(events.values_list("order_id", "actor_id")) == sorted(
        [(first.pk, client.user.pk), (second.pk, client.user.pk)]
    )


def test_bulk_hold_puts_orders_on_hold_with_the_reason(login_as, make_orders):
    orders = make_orders(2)
    client = login_as("Warehouse")

    response = client.post(
        reverse("orders:bulk"),
        {"bulk_action": "hold", "hold_reason": "fraud_risk", "ids": [o.pk for o in orders]},
        **HTMX,
    )

    assert "2 done, 0 refused" in response.content.decode()
    assert set(Order.objects.values_list("status", "hold_reason")) == {
        (OrderStatus.ON_HOLD, HoldReason.FRAUD_RISK)
    }


def test_bulk_cancel_without_a_reason_says_so_once_and_changes_nothing(login_as, make_orders):
    orders = make_orders(3)

    response = login_as("Manager").post(
        reverse("orders:bulk"), {"bulk_action": "cancel", "ids": [o.pk for o in orders]}, **HTMX
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("A cancellation needs a reason.") == 1
    assert "0 done, 3 refused" in page  # every selected order is counted
    assert "HX-Trigger" not in response
    assert not Order.objects.filter(status=OrderStatus.CANCELLED).exists()


def test_bulk_results_count_orders_not_found_among_the_refused(login_as, make_orders):
    (order,) = make_orders(1)

    response = login_as("Customer service").post(
        reverse("orders:bulk"),
        {"bulk_action": "confirm", "ids": [order.pk, 990001, 990002]},
        **HTMX,
    )

    page = response.content.decode()
    assert "1 done, 2 refused" in page
    assert "2 selected order(s) not found." in page


def test_bulk_hold_has_no_preselected_reason(login_as, make_orders):
    make_orders(1)

    page = login_as("Customer service").get(reverse("orders:list")).content.decode()

    select = re.search(r'<select name="hold_reason"[^>]*>\s*<option value="">', page)
    assert select, "the bulk hold reason must start empty"


def test_bulk_action_needs_its_own_permission(login_as, make_orders):
    orders = make_orders(1)

    response = login_as("Warehouse").post(
        reverse("orders:bulk"),
        {"bulk_action": "cancel", "cancel_reason": "x", "ids": [orders[0].pk]},
    )

    assert response.status_code == 403
    assert Order.objects.get(pk=orders[0].pk).status == OrderStatus.PLACED


def test_bulk_action_is_capped_at_500_orders(login_as, make_orders):
    (order,) = make_orders(1)
    ids = [order.pk, *range(10_000, 10_500)]

    response = login_as().post(
        reverse("orders:bulk"), {"bulk_action": "confirm", "ids": ids}, **HTMX
    )

    assert "At most 500 orders per bulk action; 501 were selected." in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PLACED


def test_bulk_action_must_be_posted(login_as):
    assert login_as().get(reverse("orders:bulk")).status_code == 405


# --- CSV export ----------------------------------------------------------------------------


def test_export_streams_the_filtered_rows_as_csv(login_as, channel, product, make_orders):
    make_orders(2)
    shady = factories.CustomerFactory(name="=HYPERLINK(1)", email="shady@example.com")
    wanted = place(channel=channel, customer=shady, items=[(product, 4)], shipping_total=5)
    Order.objects.filter(pk=wanted.pk).update(placed_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC))

    response = login_as("Finance").get(reverse("orders:export") + "?q=shady@")

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["number", "placed_at", "status"]
    assert rows[1:] == [
        [
            wanted.number,
            "2025-01-02T03:04:05+00:00",  # ISO 8601 with the offset
            "placed",
            "unpaid",
            "allocated",
            "web",
            "'=HYPERLINK(1)",
            "shady@example.com",
            "4",
            "40.00",
            "0.00",
            "5.00",
            str(wanted.tax_total),
            str(wanted.total),
            "USD",
        ]
    ]
    assert wanted.total == Decimal("45.00") + wanted.tax_total


def test_export_of_an_invalid_filter_is_a_400_naming_it_never_every_order(login_as, make_orders):
    make_orders(2)

    response = login_as("Finance").get(reverse("orders:export") + "?placed_after=yesterday")

    assert response.status_code == 400
    assert response.content.decode() == "Placed from: Enter a valid date."


def test_export_starts_with_a_utf8_bom_only_when_asked(login_as, make_orders):
    make_orders(1)
    client = login_as("Finance")

    with_bom = b"".join(client.get(reverse("orders:export") + "?bom=1").streaming_content)
    without = b"".join(client.get(reverse("orders:export")).streaming_content)

    assert with_bom.startswith(b"\xef\xbb\xbfnumber,placed_at,")
    assert without.startswith(b"number,placed_at,")


def test_list_links_to_the_export_with_the_current_filters(login_as, make_orders):
    make_orders(1)

    response = login_as().get(list_url(status="placed", after="x|1"))

    assert f'href="{reverse("orders:export")}?status=placed"' in response.content.decode()


def test_export_needs_login(client):
    assert client.get(reverse("orders:export")).status_code == 302


def test_company_search_has_its_trigram_index():
    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'customer_company_trgm'")
        (definition,) = cursor.fetchone()

    assert "gin_trgm_ops" in definition and "upper" in definition.lower()
