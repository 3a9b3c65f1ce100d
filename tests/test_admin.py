"""The Django admin: every page renders, the ledgers are read-only, actions go through services."""

from datetime import date

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.messages import constants as message_levels
from django.urls import reverse

from core.models import NumberSequence
from inventory.models import StockLevel, StockMovement
from orders import services
from orders.models import Order, OrderStatus
from tests import factories

pytestmark = pytest.mark.django_db

OUR_APPS = {"core", "customers", "inventory", "orders"}


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def messages_of(response) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in response.context["messages"]]


@pytest.fixture
def product(warehouse, second_warehouse):
    product = factories.ProductFactory(sku="ADM-1")
    factories.stock(product, warehouse, 3)
    factories.stock(product, second_warehouse, 2)  # neither holds an order of 4 alone
    return product


@pytest.fixture
def order(channel, customer, address, product):
    """Four units: three reserved at WH-A and one at WH-B, so the order has two allocations."""
    order = factories.place(channel=channel, customer=customer, items=[(product, 4)])
    services.add_note(order=order, text="Customer asked for gift wrap.")
    return order


@pytest.fixture
def every_model(order, ny_tax):
    NumberSequence.objects.get_or_create(name="admin_test")  # PostgreSQL never writes one


def test_every_registered_model_has_a_working_changelist_and_change_page(admin_client, every_model):
    # given one row of each of our models (and whatever the third-party apps have)
    checked = []
    for model in admin.site._registry:
        # when a superuser opens the list
        response = admin_client.get(changelist_url(model))
        # then it renders
        assert response.status_code == 200, model

        obj = model._default_manager.order_by("pk").first()
        if model._meta.app_label in OUR_APPS:
            assert obj is not None, f"the test data has no {model.__name__}"
        if obj is None:
            continue
        response = admin_client.get(change_url(obj))
        assert response.status_code == 200, model
        checked.append(model.__name__)

    assert {
        "Customer",
        "Address",
        "Product",
        "Location",
        "StockLevel",
        "StockMovement",
        "SalesChannel",
        "TaxRate",
        "Order",
        "OrderLine",
        "Allocation",
        "OrderEvent",
        "NumberSequence",
    } <= set(checked)


def test_searches_and_filters_render(admin_client, order):
    for model, query in [
        (Order, {"q": order.customer.email}),
        (Order, {"status__exact": "placed", "channel__id__exact": order.channel_id}),
        (StockMovement, {"q": "ADM-1", "reason__exact": "receipt"}),
        (StockLevel, {"q": "ADM-1"}),
    ]:
        response = admin_client.get(changelist_url(model), query)
        assert response.status_code == 200
        assert response.context["cl"].result_count >= 1, (model, query)


def test_order_page_lists_allocations_lines_and_newest_event_first(admin_client, order):
    response = admin_client.get(change_url(order))

    content = response.content.decode()
    assert "3 × ADM-1 @ WH-A" in content
    assert "1 × ADM-1 @ WH-B" in content
    assert "Customer asked for gift wrap." in content
    assert content.index("Customer asked for gift wrap.") < content.index("Order placed via")


def test_stock_ledger_cannot_be_added_changed_or_deleted(admin_client, product):
    movement = StockMovement.objects.order_by("pk").first()
    add_url = reverse("admin:inventory_stockmovement_add")

    assert admin_client.get(add_url).status_code == 403
    response = admin_client.post(
        add_url,
        {
            "product": product.pk,
            "location": movement.location_id,
            "quantity": 100,
            "reason": "receipt",
        },
    )
    assert response.status_code == 403
    delete_url = reverse("admin:inventory_stockmovement_delete", args=[movement.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403

    # viewing is allowed, but the page has no save button and a POST changes nothing
    page = admin_client.get(change_url(movement))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    admin_client.post(change_url(movement), {"quantity": 100})
    movement.refresh_from_db()
    assert movement.quantity == 3  # the first receipt, at WH-A
    assert StockMovement.objects.count() == 2


def test_stock_levels_are_read_only(admin_client, product):
    level = StockLevel.objects.first()
    assert admin_client.get(reverse("admin:inventory_stocklevel_add")).status_code == 403
    admin_client.post(change_url(level), {"on_hand": 999, "reserved": 0})
    level.refresh_from_db()
    assert level.on_hand != 999
    # and the product page's inline offers no way to add or edit stock rows
    page = admin_client.get(change_url(product))
    assert b'name="stock_levels-0-on_hand"' not in page.content
    (inline,) = page.context["inline_admin_formsets"]
    assert (inline.has_add_permission, inline.has_change_permission) == (False, False)
    assert inline.has_delete_permission is False
    assert len(inline.formset.forms) == 2  # both locations are shown


def test_orders_cannot_be_added_or_deleted_in_the_admin(admin_client, order):
    assert admin_client.get(reverse("admin:orders_order_add")).status_code == 403
    delete_url = reverse("admin:orders_order_delete", args=[order.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403


def test_order_form_edits_only_notes_and_promised_date(admin_client, order):
    data = {
        "notes": "Leave at the back door.",
        "promised_ship_date": "2030-01-15",
        # attempts to change read-only fields are ignored
        "status": "shipped",
        "total": "0.00",
        "lines-TOTAL_FORMS": "0",
        "lines-INITIAL_FORMS": "0",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    response = admin_client.post(change_url(order), data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    before_total = order.total
    order.refresh_from_db()
    assert order.notes == "Leave at the back door."
    assert order.promised_ship_date == date(2030, 1, 15)
    assert order.status == OrderStatus.PLACED
    assert order.total == before_total


def test_confirm_action_confirms_placed_orders_and_warns_about_refusals(
    admin_client, channel, customer, order, product
):
    cancelled = factories.place(channel=channel, customer=customer, items=[(product, 1)])
    services.cancel_order(order=cancelled, reason="Changed mind")

    response = admin_client.post(
        changelist_url(Order),
        {"action": "confirm_selected_orders", "_selected_action": [order.pk, cancelled.pk]},
        follow=True,
    )

    assert response.status_code == 200
    order.refresh_from_db()
    cancelled.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    assert order.events.filter(type="confirmed").count() == 1
    assert cancelled.status == OrderStatus.CANCELLED
    sent = messages_of(response)
    assert (message_levels.SUCCESS, f"{order.number} confirmed.") in sent
    warnings = [text for level, text in sent if level == message_levels.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{cancelled.number}: ")


def test_cancel_action_cancels_through_the_service_and_frees_stock(admin_client, order):
    response = admin_client.post(
        changelist_url(Order),
        {"action": "cancel_selected_orders", "_selected_action": [order.pk]},
        follow=True,
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.cancel_reason == "Cancelled from admin"
    assert not StockLevel.objects.filter(reserved__gt=0).exists()
    assert (message_levels.SUCCESS, f"{order.number} cancelled.") in messages_of(response)


def test_actions_need_the_custom_permissions(client, order):
    # given staff who may view and change orders but not confirm or cancel them
    user = factories.UserFactory()
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="orders", codename__in=["view_order", "change_order"]
        )
    )
    client.force_login(user)

    page = client.get(changelist_url(Order))
    assert page.status_code == 200
    assert b"confirm_selected_orders" not in page.content
    assert b"cancel_selected_orders" not in page.content

    # when they post the action anyway, nothing happens
    client.post(
        changelist_url(Order),
        {"action": "confirm_selected_orders", "_selected_action": [order.pk]},
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED


def test_actions_offered_to_a_customer_service_role(client, order):
    user = factories.UserFactory(role="Customer service")
    client.force_login(user)

    page = client.get(changelist_url(Order))

    assert b"confirm_selected_orders" in page.content
    assert b"cancel_selected_orders" in page.content


@pytest.mark.parametrize("count", [5, 20])
def test_order_changelist_runs_a_bounded_number_of_queries(
    admin_client, django_assert_max_num_queries, channel, warehouse, count
):
    product = factories.ProductFactory(sku="BULK-1")
    factories.stock(product, warehouse, 100)
    for _ in range(count):
        customer = factories.CustomerFactory()
        factories.place(channel=channel, customer=customer, items=[(product, 1)])
    admin_client.get(changelist_url(Order))  # warm the session, content types and caches

    with django_assert_max_num_queries(10):
        response = admin_client.get(changelist_url(Order))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count


def test_customer_form_refuses_two_default_addresses_of_one_kind(admin_client, customer):
    row = {"kind": "shipping", "is_default": "on", "line1": "1 Main St", "city": "Austin"}
    data = {
        "name": customer.name,
        "email": customer.email,
        "addresses-TOTAL_FORMS": "2",
        "addresses-INITIAL_FORMS": "0",
    }
    for index, name in enumerate(["Home", "Office"]):
        data |= {f"addresses-{index}-{key}": value for key, value in row.items()}
        data |= {f"addresses-{index}-name": name, f"addresses-{index}-country": "US"}

    response = admin_client.post(change_url(customer), data)

    assert response.status_code == 200
    assert "Only one default address per kind" in response.content.decode()
    assert not customer.addresses.exists()

    # one default and one other is fine
    del data["addresses-1-is_default"]
    assert admin_client.post(change_url(customer), data).status_code == 302
    assert customer.addresses.count() == 2
