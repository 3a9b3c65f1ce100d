"""The demo's writes: reference data matched on natural keys, opening stock received through
the ledger, customers, and orders made and moved only through the services, so stock,
allocations, events and totals are exactly what real orders leave behind; afterwards their
timestamps are spread over the days the planner gave them.
"""

import logging
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Case, F, Sum, Value, When
from django.db.models.functions import Lower
from django.test import override_settings
from django.utils import timezone

from core.money import to_money
from customers.models import Address, Customer
from documents import services as documents
from inventory import services as inventory
from inventory.exceptions import InsufficientStock
from inventory.models import Location, Product, StockLevel, StockMovement
from orders import services as order_services
from orders.models import HoldReason, Order, OrderEvent, PaymentStatus, SalesChannel, TaxRate
from orders.models import OrderStatus as S
from payments import services as payment_services
from payments.models import Payment
from shipping import rate_tables
from shipping.models import Box, Carrier, Rate, ShippingService, ShippingZone, ZoneRule

from . import planner
from .data import (
    BACKORDER_SKUS,
    CARRIERS,
    CATALOGUE,
    CATEGORY_BLURBS,
    CHANNEL_PAYMENT_RULES,
    CHANNELS,
    DEMO_USERS,
    DROPSHIP_PREFIX,
    EMAIL_STEP,
    EVENT_STEP,
    LOCATIONS,
    MANUAL_PAYMENT,
    OPENING_REFERENCE,
    OPENING_STOCK,
    ORDER_NOTES,
    PREORDER_SKUS,
    RATE_BRACKETS,
    SCARCE_STOCK,
    TAX_RATES,
)
from .digest import seed_weekly_digest
from .planner import OrderPlan

BATCH_SIZE = 50

# --- reference data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogins:
    users: dict[str, AbstractBaseUser]  # username -> user
    kept_passwords: list[str]  # existing accounts whose own password was left alone


def seed_users(*, reset_passwords: bool) -> DemoLogins:
    """The demo logins with their names and roles.

    A new login gets its demo password (the username). An existing account keeps its
    password unless ``reset_passwords``: a demo name may belong to a real person's account.
    """
    User = get_user_model()
    users, kept = {}, []
    for username, first, last, role in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username)
        user.first_name, user.last_name = first, last
        user.email = f"{username}@oms.example"
        user.is_staff = True
        user.is_active = True
        user.is_superuser = role is None
        if created or reset_passwords:
            user.set_password(username)
        elif not user.check_password(username):
            kept.append(username)
        user.save()
        if role:
            group, _ = Group.objects.get_or_create(name=role)
            user.groups.set([group])
        users[username] = user
    return DemoLogins(users=users, kept_passwords=kept)


def seed_locations() -> dict[str, Location]:
    locations = {}
    for data in LOCATIONS:
        values = dict(data)
        code = values.pop("code")
        locations[code], _ = Location.objects.update_or_create(
            code=code, defaults={**values, "is_active": True}
        )
    return locations


def seed_channels() -> dict[str, SalesChannel]:
    channels = {}
    for code, name, kind, _ in CHANNELS:
        channels[code], _ = SalesChannel.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "currency": "USD",
                "is_active": True,
                **CHANNEL_PAYMENT_RULES.get(code, {}),
            },
        )
    return channels


def seed_tax_rates() -> None:
    for country, region, rate, name in TAX_RATES:
        TaxRate.objects.update_or_create(
            country=country, region=region, defaults={"rate": Decimal(rate), "name": name}
        )


def seed_carriers() -> list[Carrier]:
    """The demo carriers with their services, zones and rate tables (the built-in adapter)."""
    carriers = []
    for spec in CARRIERS:
        carrier, _ = Carrier.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "adapter": Carrier.Adapter.RATE_TABLE,
                "currency": "USD",
                "tracking_url_template": spec["tracking_url_template"],
                "is_active": True,
            },
        )
        services = {}
        prices = {}
        for code, name, level, days, base, per_kg in spec["services"]:
            services[code], _ = ShippingService.objects.update_or_create(
                carrier=carrier,
                code=code,
                defaults={"name": name, "level": level, "transit_days": days, "is_active": True},
            )
            prices[code] = (Decimal(base), Decimal(per_kg))
        for zone_name, factor, rules, offered in spec["zones"]:
            zone, _ = ShippingZone.objects.get_or_create(carrier=carrier, name=zone_name)
            for country, prefix in rules:
                ZoneRule.objects.update_or_create(
                    carrier=carrier, country=country, postal_prefix=prefix, defaults={"zone": zone}
                )
            zone_services = [services[code] for code in offered or services]
            seed_rates(zone, zone_services, prices, Decimal(factor))
        carriers.append(carrier)
    return carriers


def seed_rates(
    zone: ShippingZone,
    services: list[ShippingService],
    prices: dict[str, tuple[Decimal, Decimal]],
    factor: Decimal,
) -> None:
    """One rate per service and weight bracket: the service's price times the zone's factor,
    plus the bracket's surcharge."""
    rates = [
        Rate(
            service=service,
            zone=zone,
            max_weight_grams=grams,
            base=to_money(prices[service.code][0] * factor + Decimal(surcharge)),
            per_kg=to_money(prices[service.code][1] * factor),
        )
        for service in services
        for grams, surcharge in RATE_BRACKETS
    ]
    Rate.objects.bulk_create(
        rates,
        update_conflicts=True,
        unique_fields=["service", "zone", "max_weight_grams"],
        update_fields=["base", "per_kg"],
    )
    # bulk_create sends no signals: tell every process's rate tables, once the rates commit
    transaction.on_commit(rate_tables.invalidate)


def seed_products() -> list[Product]:
    products = []
    for index, (sku, name, price, weight) in enumerate(CATALOGUE):
        rng = random.Random(sku)  # the catalogue does not depend on --seed
        unit_price = Decimal(price)
        reorder_point = rng.choice((5, 10, 15, 20, 25))
        product, _ = Product.objects.update_or_create(
            sku=sku,
            defaults={
                "name": name,
                "description": f"{name}. {CATEGORY_BLURBS[sku[:3]]}",
                "unit_price": unit_price,
                "cost": to_money(unit_price * Decimal(rng.randint(38, 55)) / 100),
                "weight_grams": weight,
                "barcode": planner.ean13(index),
                "is_active": True,
                "allow_backorder": sku in BACKORDER_SKUS,
                "reorder_point": reorder_point,
                "reorder_quantity": reorder_point * rng.choice((4, 5, 6)),
            },
        )
        products.append(product)
    return products


def seed_stock(
    *,
    products: list[Product],
    locations: dict[str, Location],
    seed: int,
    user: AbstractBaseUser,
) -> None:
    """Opening stock, received once per product and location through the ledger."""
    received = set(
        StockMovement.objects.filter(
            reference=OPENING_REFERENCE, reason=StockMovement.Reason.RECEIPT
        ).values_list("product_id", "location_id")
    )
    levels = set(StockLevel.objects.values_list("product_id", "location_id"))
    rng = random.Random(f"{seed}:stock")
    with transaction.atomic():
        for product in products:
            for code, (low, high) in OPENING_STOCK.items():
                location = locations[code]
                quantity = rng.randint(low, high)
                not_carried = code == "DS-ACME" and not product.sku.startswith(DROPSHIP_PREFIX)
                if product.sku in PREORDER_SKUS or not_carried:
                    quantity = 0
                quantity = SCARCE_STOCK.get(product.sku, {}).get(code, quantity)
                key = (product.pk, location.pk)
                if quantity and key not in received:
                    inventory.receive_stock(
                        product=product,
                        location=location,
                        quantity=quantity,
                        reference=OPENING_REFERENCE,
                        note="Opening stock (demo data)",
                        user=user,
                    )
                elif key not in levels:
                    inventory.get_or_create_level(product=product, location=location)


def seed_customers(specs: dict[str, dict]) -> list[Customer]:
    """The planned customers (e-mail -> spec), created where missing, with their addresses."""
    existing = {
        c.email.lower(): c
        for c in Customer.objects.annotate(email_ci=Lower("email")).filter(email_ci__in=list(specs))
    }
    new = [
        Customer(email=email, name=spec["name"], phone=spec["phone"], company=spec["company"])
        for email, spec in specs.items()
        if email not in existing
    ]
    with transaction.atomic():
        created = Customer.objects.bulk_create(new)
        for customer in created:
            joined = specs[customer.email]["joined"]
            customer.created_at = customer.updated_at = joined
        Customer.objects.bulk_update(created, ["created_at", "updated_at"])
        customers = {**existing, **{c.email: c for c in created}}
        with_address = set(
            Address.objects.filter(
                customer__in=customers.values(), kind=Address.Kind.SHIPPING, is_default=True
            ).values_list("customer_id", flat=True)
        )
        addresses = []
        for email, spec in specs.items():
            customer = customers[email]
            if customer.pk in with_address:
                continue
            for kind, data in spec["addresses"].items():
                addresses.append(Address(customer=customer, kind=kind, is_default=True, **data))
        Address.objects.bulk_create(addresses)
    return [customers[email] for email in specs]


# --- orders -----------------------------------------------------------------------------------


class OrderSeeder:
    """Places the planned orders through the services and walks each to its planned state."""

    def __init__(
        self,
        *,
        users: dict[str, AbstractBaseUser],
        channels: dict[str, SalesChannel],
        customers: list[Customer],
        products: list[Product],
        seed: int,
        now: datetime,
    ) -> None:
        self.users = users
        self.channels = channels
        self.seed = seed
        self.now = now
        self.address_book: dict[int, dict[str, Address]] = defaultdict(dict)
        for address in Address.objects.filter(customer__in=customers, is_default=True):
            self.address_book[address.customer_id][address.kind] = address
        shippable = [c for c in customers if Address.Kind.SHIPPING in self.address_book[c.pk]]
        if not shippable:
            raise CommandError("No demo customer has a shipping address.")
        self.demand = planner.plan_demand(seed, shippable, products)

    def seed_orders(self, target: int, *, existing: int) -> int:
        """Orders ``existing`` to ``target`` of the plan, in batches; how many were made.

        They are placed oldest first, so order numbers (a database sequence) follow placement
        time as they do in a real shop.
        """
        planned = []
        for index in range(existing, target):
            rng = random.Random(f"{self.seed}:order:{index}")
            planned.append((rng, planner.plan_order(rng, index, self.now)))
        planned.sort(key=lambda pair: (pair[1].start, pair[1].index))
        timelines: dict[int, OrderPlan] = {}
        for batch_start in range(0, len(planned), BATCH_SIZE):
            with transaction.atomic():
                for rng, plan in planned[batch_start : batch_start + BATCH_SIZE]:
                    order = self.create_order(rng, plan)
                    if order is not None:
                        timelines[order.pk] = plan
        self.backdate(timelines)
        return len(timelines)

    def create_order(self, rng: random.Random, plan: OrderPlan) -> Order | None:
        code = planner.choose_channel(rng, plan)
        channel = self.channels[code]
        customer = planner.choose_customer(rng, self.demand, code)
        book = self.address_book[customer.pk]
        external_id = planner.external_id(rng, code, plan.index)
        if external_id and Order.objects.filter(channel=channel, external_id=external_id).exists():
            external_id = ""  # never hand back an existing order as if it were new
        users = self.users
        placed_by = {
            "phone": users["service"],
            "wholesale": users["manager"],  # trade prices are a price override
            "pos": users["manager"],
        }

        short: set[str] = set()
        for _attempt in range(20):
            lines = planner.plan_lines(
                rng, plan, code, self.demand, short=short, available=shippable_units
            )
            if not lines:
                continue
            shipping_total = planner.shipping_for(rng, code, lines, book)
            try:
                order = order_services.place_order(
                    channel=channel,
                    customer=customer,
                    lines=lines,
                    shipping_address=book[Address.Kind.SHIPPING],
                    billing_address=book.get(Address.Kind.BILLING),
                    external_id=external_id,
                    shipping_total=shipping_total,
                    notes=rng.choice(ORDER_NOTES) if rng.random() < 0.06 else "",
                    promised_ship_date=None
                    if plan.state == S.DRAFT
                    else timezone.localtime(plan.start + timedelta(days=2)).date(),
                    placed_at=plan.start,
                    draft=plan.state == S.DRAFT,
                    actor=placed_by.get(code, users["service"] if plan.state == S.DRAFT else None),
                )
                break
            except InsufficientStock as error:
                short.update(sku for sku, _, _ in error.shortages)
        else:
            return None
        if plan.payment_status in (PaymentStatus.PAID, PaymentStatus.REFUNDED):
            self.pay(order, code)
        for step in plan.steps:
            order = self.run_step(step, order, plan)
        if plan.payment_status == PaymentStatus.REFUNDED:
            self.refund(order, plan.cancel_reason)
        return order

    def pay(self, order: Order, code: str) -> None:
        """Pay the way the channel does: cards online (simulated gateway), by hand elsewhere."""
        if code in MANUAL_PAYMENT:
            payment_services.record_manual_payment(
                order=order,
                amount=order.total,
                method=MANUAL_PAYMENT[code],
                reference=f"DEMO-{order.number}",
                actor=self.users["finance"],
            )
            return
        payment = payment_services.authorize_payment(
            order=order, payment_method="4242 4242 4242 4242"
        )
        payment_services.capture_payment(payment=payment)

    def refund(self, order: Order, reason: str) -> None:
        for payment in order.payments.filter(captured_amount__gt=F("refunded_amount")):
            payment_services.create_refund(
                payment=payment,
                amount=payment.captured_amount - payment.refunded_amount,
                reason=reason,
                actor=self.users["finance"],
            )

    def run_step(self, step: str, order: Order, plan: OrderPlan) -> Order:
        users = self.users
        hold_actor = {
            HoldReason.AWAITING_PAYMENT: users["finance"],
            HoldReason.FRAUD_RISK: users["finance"],
            HoldReason.OUT_OF_STOCK: users["warehouse"],
        }.get(plan.hold_reason, users["service"])
        s = order_services
        match step:
            case "confirm":
                return s.confirm_order(order=order, actor=users["service"])
            case "process":
                return s.start_processing(order=order, actor=users["warehouse"])
            case "ship":
                return s.ship_order(order=order, actor=users["warehouse"])
            case "deliver":
                return s.mark_delivered(order=order, actor=None)
            case "complete":
                return s.complete_order(order=order, actor=None)
            case "hold":
                return s.hold_order(
                    order=order, reason=plan.hold_reason, note=plan.hold_note, actor=hold_actor
                )
            case "release":
                return s.release_hold(order=order, actor=hold_actor)
            case "cancel":
                fraud = plan.cancel_reason in ("Payment declined", "Suspected fraud")
                actor = users["finance"] if fraud else users["service"]
                return s.cancel_order(order=order, reason=plan.cancel_reason, actor=actor)
        raise ValueError(f"unknown step {step!r}")

    def backdate(self, timelines: dict[int, OrderPlan]) -> None:
        """Spread the new orders and their timelines over the days the plans gave them.

        The services stamp everything "now"; the demo needs history, and every record of an
        order tells the same one: its events, its payments and refunds, and the stock it took
        out of the ledger when it shipped.
        """
        ids = list(timelines)
        for start in range(0, len(ids), 200):
            chunk = ids[start : start + 200]
            with transaction.atomic():
                orders = list(Order.objects.filter(pk__in=chunk).only("pk", "created_at"))
                for order in orders:
                    plan = timelines[order.pk]
                    order.created_at = plan.start
                    order.updated_at = max(plan.times.values())
                Order.objects.bulk_update(orders, ["created_at", "updated_at"])
                events = list(
                    OrderEvent.objects.filter(order_id__in=chunk).only(
                        "pk", "order_id", "type", "data"
                    )
                )
                for event in events:
                    times = timelines[event.order_id].times
                    if event.type == OrderEvent.Type.EMAIL_SENT:
                        step = EMAIL_STEP.get(event.data.get("kind"), "place")
                        moment = times.get(step, times["place"]) + timedelta(seconds=90)
                        event.created_at = min(moment, self.now)
                    else:
                        step = EVENT_STEP.get(event.type)
                        event.created_at = times.get(step, max(times.values()))
                OrderEvent.objects.bulk_update(events, ["created_at"], batch_size=500)
                backdate_payments(chunk, timelines)
                backdate_shipments(chunk, timelines)


def backdate_payments(order_ids: list[int], timelines: dict[int, OrderPlan]) -> None:
    """Payments at the plan's "pay" moment, refunds (and their transactions) at "refund"."""
    for payment in Payment.objects.filter(order_id__in=order_ids).only("pk", "order_id"):
        times = timelines[payment.order_id].times
        paid, refunded = times["pay"], times.get("refund")
        Payment.objects.filter(pk=payment.pk).update(
            created_at=paid,
            updated_at=refunded or paid,
            authorized_at=Case(When(authorized_at__isnull=False, then=Value(paid))),
            captured_at=Case(When(captured_at__isnull=False, then=Value(paid))),
        )
        payment.transactions.filter(refund__isnull=True).update(
            created_at=paid, attempted_at=Case(When(attempted_at__isnull=False, then=Value(paid)))
        )
        if refunded:
            payment.refunds.update(
                created_at=refunded,
                completed_at=Case(When(completed_at__isnull=False, then=Value(refunded))),
            )
            payment.transactions.filter(refund__isnull=False).update(
                created_at=refunded,
                attempted_at=Case(When(attempted_at__isnull=False, then=Value(refunded))),
            )


def backdate_shipments(order_ids: list[int], timelines: dict[int, OrderPlan]) -> None:
    """The ledger's sale rows of each shipped order at the moment it shipped."""
    numbers = dict(Order.objects.filter(pk__in=order_ids).values_list("number", "pk"))
    for number, pk in numbers.items():
        if shipped := timelines[pk].times.get("ship"):
            StockMovement.objects.filter(reference=number, reason=StockMovement.Reason.SALE).update(
                created_at=shipped
            )


def shippable_units(product: Product) -> int:
    """Units of the product free to ship from active locations that ship."""
    result = StockLevel.objects.filter(
        product=product, location__is_active=True, location__can_ship=True
    ).aggregate(units=Sum(F("on_hand") - F("reserved")))
    return result["units"] or 0


# --- all of it --------------------------------------------------------------------------------


# The demo box catalogue: code, name, length × width × height (mm), tare (g), max content (g).
BOXES = [
    ("MAILER", "Padded mailer", 250, 180, 30, 20, 1000),
    ("BOX-S", "Small box", 230, 160, 100, 120, 5000),
    ("BOX-M", "Medium box", 350, 250, 150, 250, 12000),
    ("BOX-L", "Large box", 500, 400, 300, 500, 25000),
]


def seed_boxes() -> list[Box]:
    """The boxes packers choose from (editable in the admin afterwards: created only once)."""
    return [
        Box.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "length_mm": length,
                "width_mm": width,
                "height_mm": height,
                "tare_grams": tare,
                "max_weight_grams": max_grams,
            },
        )[0]
        for code, name, length, width, height, tare, max_grams in BOXES
    ]


@dataclass(frozen=True)
class Seeded:
    orders_created: int
    kept_passwords: list[str]  # demo logins that existed and kept their password


def seed_demo(*, orders: int, customers: int, seed: int, reset_passwords: bool) -> Seeded:
    """Everything the demo needs, creating only what is missing."""
    now = timezone.now()
    with transaction.atomic():
        logins = seed_users(reset_passwords=reset_passwords)
        locations = seed_locations()
        channels = seed_channels()
        seed_tax_rates()
        seed_carriers()
        seed_boxes()
        products = seed_products()
        seed_weekly_digest(logins.users["manager"])
    # Order e-mails are sent by Celery tasks once each batch commits: keep them off the
    # console (or a real mail server), and the eager tasks' log lines out of the output.
    task_log = logging.getLogger("celery.app.trace")
    task_log_level = task_log.level
    task_log.setLevel(logging.WARNING)
    try:
        # Months of invoices are numbered now and drawn when first downloaded.
        with (
            override_settings(
                EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
                OMS_PAYMENT_GATEWAY="simulated",  # demo payments never reach a real gateway
            ),
            documents.drawing_on_demand(),
        ):
            seed_stock(
                products=products, locations=locations, seed=seed, user=logins.users["warehouse"]
            )
            specs = planner.customer_specs(customers, seed=seed, now=now)
            demo_customers = seed_customers(specs)
            existing = Order.objects.filter(channel__in=channels.values()).count()
            created = 0
            if existing < orders:
                order_seeder = OrderSeeder(
                    users=logins.users,
                    channels=channels,
                    customers=demo_customers,
                    products=products,
                    seed=seed,
                    now=now,
                )
                created = order_seeder.seed_orders(orders, existing=existing)
    finally:
        task_log.setLevel(task_log_level)
    return Seeded(orders_created=created, kept_passwords=logins.kept_passwords)
