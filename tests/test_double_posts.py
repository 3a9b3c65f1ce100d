"""A double click is one effect: every form that creates something posts a one-time token, and
a second post with it answers as the first did (``core.idempotency``)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import idempotency
from core.models import IdempotencyKey
from core.tasks import purge_used_form_tokens
from customers.models import Customer
from inventory.models import StockLevel, StockMovement
from orders.models import Order, SalesChannel
from payments import services as payments
from payments.models import Method, Payment, Refund
from tests import factories
from tests.factories import stock
from tests.orders.test_concurrency import run_concurrently
from tests.payments.helpers import make_order

CREATE = reverse("orders:create")
HTMX = {"HX-Request": "true"}
ADA = {"new-email": "ada@example.com", "new-name": "Ada Lovelace", "new-phone": "+1 555 0100"}


@pytest.fixture
def phone():
    return factories.SalesChannelFactory(code="phone", name="Phone", kind=SalesChannel.Kind.PHONE)


@pytest.fixture
def mug(warehouse):
    product = factories.ProductFactory(sku="MUG", name="Mug", unit_price=Decimal("12.50"))
    stock(product, warehouse, 10)
    return product


def new_order_form(channel, product, token: str, *, customer=None) -> dict:
    data = {
        idempotency.FIELD: token,
        "channel": channel.pk,
        "customer": customer.pk if customer else "",
        "sku": [product.sku],
        "quantity": ["2"],
        "shipping-name": "Ada Lovelace",
        "shipping-line1": "1 Main Street",
        "shipping-city": "New York",
        "shipping-postal_code": "10001",
        "shipping-country": "US",
    }
    return data | ({} if customer else ADA)


def received(order) -> Payment:
    return payments.record_manual_payment(
        order=order,
        amount=Decimal("100.00"),
        method=Method.BANK_TRANSFER,
        reference="BANK-1",
        actor=factories.UserFactory(),
    )


def reserved(product) -> int:
    return sum(level.reserved for level in StockLevel.objects.filter(product=product))


def rendered_token(html: str) -> str:
    return re.search(rf'name="{idempotency.FIELD}" value="([^"]+)"', html).group(1)


# --- New order ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_new_order_page_renders_a_fresh_token_each_time(login_as):
    client = login_as("Customer service")

    first, second = (rendered_token(client.get(CREATE).content.decode()) for _ in range(2))

    assert first != second
    assert idempotency.TOKEN.fullmatch(first)


@pytest.mark.django_db
def test_a_second_post_of_new_order_lands_on_the_first_order_for_a_new_customer(
    login_as, phone, mug
):
    client = login_as("Customer service")
    data = new_order_form(phone, mug, idempotency.new_token())

    first = client.post(CREATE, data)
    second = client.post(CREATE, data, headers=HTMX)

    order = Order.objects.get()
    assert first["Location"] == reverse("orders:detail", args=[order.number])
    # the second answer goes to the same order: no "customer already exists", no second order
    assert second["HX-Redirect"] == first["Location"]
    assert Customer.objects.count() == 1
    assert reserved(mug) == 2


@pytest.mark.django_db
def test_a_new_order_post_without_a_token_places_nothing(login_as, phone, mug):
    client = login_as("Customer service")
    data = new_order_form(phone, mug, idempotency.new_token())
    del data[idempotency.FIELD]

    response = client.post(CREATE, data)

    assert response.status_code == 200
    assert "This form is out of date: reload the page and try again." in response.content.decode()
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_a_refused_post_leaves_its_token_for_the_corrected_form(login_as, phone, mug):
    client = login_as("Customer service")
    token = idempotency.new_token()
    too_many = new_order_form(phone, mug, token) | {"quantity": ["11"]}

    refused = client.post(CREATE, too_many)
    placed = client.post(CREATE, new_order_form(phone, mug, token))

    assert refused.status_code == 200
    assert placed.status_code == 302
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_a_token_is_answered_only_to_the_user_and_form_it_was_made_for(login_as, phone, mug):
    token = idempotency.new_token()
    login_as("Customer service").post(CREATE, new_order_form(phone, mug, token))
    other = Client()
    other.force_login(factories.UserFactory(role="Customer service"))

    response = other.post(
        CREATE, new_order_form(phone, mug, token, customer=Customer.objects.get())
    )

    assert "already sent from another page" in response.content.decode()
    assert Order.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_of_one_new_order_form_place_one_order(warehouse):
    # given one user's New order form, posted twice at the same moment (a double click)
    channel = factories.SalesChannelFactory(code="phone", kind=SalesChannel.Kind.PHONE)
    product = factories.ProductFactory(sku="MUG", unit_price=Decimal("12.50"))
    stock(product, warehouse, 10)
    customer = factories.CustomerFactory()
    user = factories.UserFactory(is_superuser=True)
    data = new_order_form(channel, product, idempotency.new_token(), customer=customer)

    def post(_index: int) -> str:
        client = Client()
        client.force_login(user)
        return client.post(CREATE, data)["Location"]

    locations = run_concurrently(2, post)

    # then one order reserved its stock once, and both answers go to it
    order = Order.objects.get()
    assert locations == [reverse("orders:detail", args=[order.number])] * 2
    assert reserved(product) == 2
    assert order.lines.get().allocations.count() == 1


# --- the payments panel ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_second_post_of_a_manual_payment_records_nothing_more(login_as):
    order = make_order()  # 100.00 USD
    client = login_as("Finance")
    url = reverse("payments:record", args=[order.number])
    panel = client.get(reverse("payments:order_panel", args=[order.number])).content.decode()
    data = {
        "record-method": Method.BANK_TRANSFER,
        "record-amount": "40.00",
        idempotency.FIELD: rendered_token(panel),
    }

    first = client.post(url, data, headers=HTMX)
    second = client.post(url, data, headers=HTMX)

    payment = Payment.objects.get()
    assert payment.amount == Decimal("40.00")
    assert first.status_code == second.status_code == 200
    assert 'data-amount="balance"><strong>60.00 USD' in second.content.decode()


@pytest.mark.django_db
def test_a_second_post_of_a_refund_refunds_nothing_more(login_as):
    order = make_order()
    payment = received(order)
    client = login_as("Finance")
    data = {
        f"refund-{payment.pk}-amount": "30.00",
        f"refund-{payment.pk}-reason": "Damaged mug",
        idempotency.FIELD: idempotency.new_token(),
    }

    for _ in range(2):
        client.post(reverse("payments:refund", args=[payment.pk]), data, headers=HTMX)

    payment.refresh_from_db()
    assert Refund.objects.count() == 1
    assert payment.refunded_amount == Decimal("30.00")


# --- stock adjustment --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_second_post_of_a_stock_adjustment_moves_nothing_more(login_as, warehouse, mug):
    client = login_as("Warehouse")
    url = reverse("inventory:adjust", args=[mug.sku])
    page = client.get(reverse("inventory:product_detail", args=[mug.sku])).content.decode()
    data = {
        "location": warehouse.code,
        "quantity": "5",
        "reason": "correction",
        "note": "",
        idempotency.FIELD: rendered_token(page),
    }

    first = client.post(url, data, headers=HTMX)
    second = client.post(url, data, headers=HTMX)

    assert StockMovement.objects.filter(product=mug, reason="correction").count() == 1
    assert StockLevel.objects.get(product=mug, location=warehouse).on_hand == 15
    assert "Recorded +5 × MUG" in first.content.decode()
    assert "Recorded +5 × MUG" in second.content.decode()


@pytest.mark.django_db
def test_used_tokens_are_purged_once_older_than_the_retention():
    # given one token used 8 days ago and one used now
    user = factories.UserFactory()
    old = IdempotencyKey.objects.create(token="a" * 43, scope="test", user=user)
    IdempotencyKey.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    IdempotencyKey.objects.create(token="b" * 43, scope="test", user=user)

    # when the periodic purge runs (retention: 7 days by default)
    deleted = purge_used_form_tokens()

    # then only the old one is gone
    assert deleted == 1
    assert list(IdempotencyKey.objects.values_list("token", flat=True)) == ["b" * 43]


def test_a_token_older_than_the_retention_is_refused_as_out_of_date():
    # a form rendered 8 days ago: its used-token record may have been purged since
    issued = int((timezone.now() - timedelta(days=8)).timestamp())
    old = f"{issued:08x}{idempotency.new_token()[8:]}"

    with pytest.raises(idempotency.StaleForm):
        idempotency.posted_token(QueryDict(f"{idempotency.FIELD}={old}"))
    fresh = idempotency.new_token()
    assert idempotency.posted_token(QueryDict(f"{idempotency.FIELD}={fresh}")) == fresh
