"""The home page as a dashboard: today against the same weekday last week, the 30-day chart,
and the queues of the viewer's role, each number a link to its list."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from backoffice import dashboard, selectors
from notifications.models import Notification
from orders import services as orders
from orders.models import HoldReason
from reports.summary import refresh_days
from tests import factories
from tests.factories import place, stock

pytestmark = pytest.mark.django_db

HOME_URL = reverse("backoffice:home")


@pytest.fixture
def product(warehouse):
    product = factories.ProductFactory(sku="DASH-1", unit_price=Decimal("10.00"))
    stock(product, warehouse, 1000)
    return product


@pytest.fixture
def two_weeks(channel, customer, product):
    """Today: two orders (3 units, 30.00 USD) and one in EUR; a week ago: one of 1 unit."""
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    start_of_today, _ = selectors.day_bounds(timezone.localdate())
    today = max(noon, start_of_today)
    place(channel=channel, customer=customer, items=[(product, 1)], placed_at=today)
    place(channel=channel, customer=customer, items=[(product, 2)], placed_at=today)
    place(channel=channel, customer=customer, items=[(product, 1)], placed_at=today, currency="EUR")
    place(channel=channel, customer=customer, items=[(product, 1)], placed_at=today - timedelta(7))


def comparisons(panel) -> dict:
    return {
        (figure.label, figure.currency): (figure.today, figure.last_week, figure.percent)
        for figure in panel.comparisons
    }


@pytest.mark.parametrize("summarised", [False, True], ids=["live", "from the summary"])
def test_today_is_compared_with_the_same_weekday_last_week(two_weeks, summarised):
    today = timezone.localdate()
    if summarised:
        refresh_days([today - timedelta(days=n) for n in range(1, 30)])

    panel = dashboard.sales_panel(today, with_revenue=True)

    assert panel.week_before == today - timedelta(days=7)
    assert comparisons(panel) == {
        ("Orders", ""): (3, 1, Decimal("200")),
        ("Units", ""): (4, 1, Decimal("300")),
        ("Revenue", "EUR"): (Decimal("10.00"), Decimal("0.00"), None),
        ("Revenue", "USD"): (Decimal("30.00"), Decimal("10.00"), Decimal("200")),
    }
    assert len(panel.rows) == 30 * 2  # every day, per currency
    assert panel.chart.startswith("data:image/svg+xml;base64,")


def test_roles_that_do_not_handle_money_see_orders_not_revenue(two_weeks, login_as):
    response = login_as("Warehouse").get(HOME_URL)

    panel = response.context["sales"]
    assert {figure.label for figure in panel.comparisons} == {"Orders", "Units"}
    assert all("revenue" not in row for row in panel.rows)
    assert "30.00" not in response.content.decode()


def test_the_comparison_links_to_each_days_orders(two_weeks, login_as):
    html = login_as("Manager").get(HOME_URL).content.decode()

    today = timezone.localdate()
    for day in (today, today - timedelta(days=7)):
        iso = day.isoformat()
        assert f'href="{reverse("orders:list")}?placed_after={iso}&amp;placed_before={iso}"' in html


def failed_messages(count: int) -> None:
    Notification.objects.bulk_create(
        Notification(
            kind="order_received",
            recipient="x@example.com",
            status=Notification.Status.FAILED,
            dedupe_key=f"home-{n}",
        )
        for n in range(count)
    )


def test_each_role_sees_its_queues_with_counts_linking_to_them(
    login_as, channel, customer, product
):
    orders.hold_order(
        order=place(channel=channel, customer=customer, items=[(product, 1)]),
        reason=HoldReason.FRAUD_RISK,
    )
    failed_messages(2)

    service = login_as("Customer service").get(HOME_URL)
    finance = login_as("Finance").get(HOME_URL)

    counts = {entry.queue.slug: entry.label for entry in service.context["queues"]}
    assert counts["holds"] == "1" and counts["failed-notifications"] == "2"
    assert "capture-due" not in counts
    html = service.content.decode()
    assert f'<a class="stat" href="{reverse("queues:holds")}">' in html
    assert '<div class="value">1</div><div class="label">Orders on hold</div>' in html
    assert {entry.queue.slug for entry in finance.context["queues"]} == {
        "capture-due",
        "refunds-due",
        "unreconciled",
    }
    queue_page = login_as("Customer service").get(reverse("queues:holds"))
    assert len(queue_page.context["page"].rows) == 1


def test_a_long_queue_is_counted_up_to_a_cap(login_as, django_assert_max_num_queries):
    failed_messages(120)
    client = login_as("Customer service")

    with django_assert_max_num_queries(18):
        response = client.get(HOME_URL)

    (entry,) = [e for e in response.context["queues"] if e.queue.slug == "failed-notifications"]
    assert entry.label == "99+"
