"""factory_boy factories for every model the tests build, and small helpers over services."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from customers.models import Address, Customer
from inventory import services as inventory
from inventory.models import Location, Product
from orders import services as orders
from orders.models import SalesChannel, TaxRate


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@staff.example")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "password")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    name = factory.Sequence(lambda n: f"Customer {n}")
    phone = "+1 555 0100"


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    customer = factory.SubFactory(CustomerFactory)
    name = factory.LazyAttribute(lambda a: a.customer.name)
    line1 = "1 Main Street"
    city = "New York"
    region = "NY"
    postal_code = "10001"
    country = "US"
    is_default = True


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"LOC-{n}")
    name = factory.LazyAttribute(lambda loc: f"Location {loc.code}")
    kind = Location.Kind.WAREHOUSE
    country = "US"
    priority = factory.Sequence(lambda n: 10 + n)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("sku",)

    sku = factory.Sequence(lambda n: f"SKU-{n:04d}")
    name = factory.LazyAttribute(lambda p: f"Product {p.sku}")
    unit_price = Decimal("10.00")
    cost = Decimal("4.00")
    weight_grams = 500


class SalesChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesChannel
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"channel{n}")
    name = factory.LazyAttribute(lambda c: c.code.title())
    kind = SalesChannel.Kind.WEB
    # Most tests confirm orders without paying first; payment rules have their own tests.
    allow_unpaid_confirmation = True


class TaxRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaxRate
        django_get_or_create = ("country", "region")

    country = "US"
    region = ""
    rate = Decimal("0.0500")


def stock(product: Product, location: Location, quantity: int) -> None:
    inventory.receive_stock(product=product, location=location, quantity=quantity)


def ship_to(**overrides) -> dict[str, str]:
    return {
        "name": "Ada Lovelace",
        "line1": "1 Main Street",
        "city": "New York",
        "region": "NY",
        "postal_code": "10001",
        "country": "US",
    } | overrides


def place(*, channel, customer, items, external_id: str = "", **kwargs):
    """Place an order for ``items`` = [(product, quantity), ...] shipped to New York."""
    return orders.place_order(
        channel=channel,
        customer=customer,
        lines=[orders.LineRequest(product=p, quantity=q) for p, q in items],
        shipping_address=kwargs.pop("shipping_address", ship_to()),
        external_id=external_id,
        **kwargs,
    )


def confirmed(*, channel, customer, items, ship_by=None, **kwargs):
    """Place and confirm an order for ``items`` (ready to pick), due to leave on ``ship_by``."""
    order = orders.confirm_order(
        order=place(channel=channel, customer=customer, items=items, **kwargs)
    )
    if ship_by is not None:
        type(order).objects.filter(pk=order.pk).update(ship_by=ship_by)
        order.ship_by = ship_by
    return order


class CarrierFactory(factory.django.DjangoModelFactory):
    """A built-in (rate-table) carrier with no rates: enough for a manifest or a filter."""

    class Meta:
        model = "shipping.Carrier"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"CAR{n}")
    name = factory.LazyAttribute(lambda carrier: f"Carrier {carrier.code}")
