"""The demo's decisions, drawn from seeded random generators and the tables in ``data``:
each customer, each order's fate (final state, age, steps and when they happened), its
channel, customer, lines and shipping. Deterministic for a seed; no database writes.
"""

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from core.money import ZERO, to_money
from customers.models import Address, Customer
from inventory.models import Product
from orders.models import HoldReason, PaymentStatus
from orders.models import OrderStatus as S
from orders.services import LineRequest

from .data import (
    CANCEL_REASONS,
    CHANNELS,
    COMPANIES,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    FORCED_AGE_HOURS,
    FORCED_STATES,
    HOLD_NOTES,
    INTL_CITIES,
    INTL_STREETS,
    LAST_NAMES,
    LINE2,
    MAX_AGE_HOURS,
    PAST_HOLD_REASONS,
    PATHS,
    PREORDER_SKUS,
    RECENT_HOURS,
    STEP_HOURS,
    US_CITIES,
    US_REGION_WEIGHTS,
    US_STREETS,
)

# --- orders' fates ----------------------------------------------------------------------------


def state_weights(age_hours: float) -> dict[str, int]:
    """How likely each state is for an order this old: new orders are open, old ones done."""
    if age_hours < 12:
        return {S.DRAFT: 10, S.PLACED: 45, S.CONFIRMED: 25, S.PROCESSING: 5, S.ON_HOLD: 8,
                S.CANCELLED: 7}  # fmt: skip
    if age_hours < RECENT_HOURS:
        return {S.DRAFT: 5, S.PLACED: 20, S.CONFIRMED: 25, S.PROCESSING: 25, S.ON_HOLD: 8,
                S.CANCELLED: 6, S.SHIPPED: 8, S.PARTIALLY_SHIPPED: 3}  # fmt: skip
    if age_hours < 144:
        return {S.CONFIRMED: 3, S.PROCESSING: 10, S.ON_HOLD: 6, S.PARTIALLY_SHIPPED: 5,
                S.SHIPPED: 50, S.DELIVERED: 18, S.CANCELLED: 8}  # fmt: skip
    if age_hours < 480:
        return {S.SHIPPED: 6, S.DELIVERED: 45, S.COMPLETED: 38, S.CANCELLED: 7, S.ON_HOLD: 2,
                S.PARTIALLY_SHIPPED: 2}  # fmt: skip
    return {S.COMPLETED: 90, S.DELIVERED: 3, S.CANCELLED: 7}


def ean13(index: int) -> str:
    digits = f"08601{100 + index:07d}"
    total = sum(int(d) * (3 if position % 2 else 1) for position, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


@dataclass
class OrderPlan:
    index: int
    state: str
    start: datetime  # placed_at, or when a draft was created
    steps: tuple[str, ...]
    hold_reason: str = ""
    hold_note: str = ""
    cancel_reason: str = ""
    backorder: bool = False
    payment_status: str = PaymentStatus.PAID
    times: dict[str, datetime] = field(default_factory=dict)

    @property
    def ships_everything(self) -> bool:
        return "ship" in self.steps and self.state != S.PARTIALLY_SHIPPED


def plan_order(rng: random.Random, index: int, now: datetime) -> OrderPlan:
    """Decide an order's fate: its final state, age, the steps to get there and when."""
    if index < len(FORCED_STATES):
        state = FORCED_STATES[index]
        age = rng.uniform(*FORCED_AGE_HOURS[state])
    else:
        # Skewed to recent days (a growing shop), so the open queues have work in them.
        age = max(0.5, MAX_AGE_HOURS * rng.random() ** 1.5)
        weights = state_weights(age)
        state = rng.choices(list(weights), weights=list(weights.values()))[0]
    plan = OrderPlan(index=index, state=state, start=now - timedelta(hours=age), steps=())

    if state == S.ON_HOLD:
        plan.hold_reason = rng.choice(list(HOLD_NOTES))
        if plan.hold_reason == HoldReason.AWAITING_PAYMENT:
            prefix = ()
            plan.payment_status = PaymentStatus.UNPAID
        else:
            prefix = rng.choice(((), ("confirm",), ("confirm", "process")))
        plan.steps = (*prefix, "hold")
        plan.backorder = plan.hold_reason == HoldReason.OUT_OF_STOCK
    elif state == S.CANCELLED:
        plan.cancel_reason = rng.choice(CANCEL_REASONS)
        prefix = rng.choice(((), (), ("confirm",), ("confirm", "process"), ("hold",)))
        if plan.cancel_reason == "Payment declined":
            prefix = ()  # a declined card never gets as far as confirmation
        if "hold" in prefix:
            plan.hold_reason = rng.choice(
                (HoldReason.AWAITING_PAYMENT, HoldReason.FRAUD_RISK, HoldReason.INCORRECT_ADDRESS)
            )
        plan.steps = (*prefix, "cancel")
        plan.backorder = plan.cancel_reason.startswith("Delivery date")
        # Paid and confirmed, then cancelled: the money went back; otherwise it never came.
        refunded = "confirm" in prefix
        plan.payment_status = PaymentStatus.REFUNDED if refunded else PaymentStatus.UNPAID
    else:
        plan.steps = PATHS[state]
        if len(plan.steps) >= 2 and rng.random() < 0.07:  # held once on the way, then released
            plan.hold_reason = rng.choice(PAST_HOLD_REASONS)
            plan.steps = ("confirm", "hold", "release", *plan.steps[1:])
        # Drafts are not paid yet, nor are some new orders (the forced one, so there is one).
        unpaid_placed = state == S.PLACED and (index < len(FORCED_STATES) or rng.random() < 0.35)
        if state == S.DRAFT or unpaid_placed:
            plan.payment_status = PaymentStatus.UNPAID
        plan.backorder = state == S.PARTIALLY_SHIPPED or (
            state in (S.PLACED, S.CONFIRMED) and rng.random() < 0.1
        )
    if plan.hold_reason:
        plan.hold_note = rng.choice(HOLD_NOTES[plan.hold_reason])

    # When each step happened: squeezed to fit between the start and now.
    durations = [rng.uniform(*STEP_HOURS[step]) for step in plan.steps]
    room = age * 0.92
    if sum(durations) > room:
        durations = [hours * room / sum(durations) for hours in durations]
    moment = plan.start
    plan.times = {"place": moment}
    for step, hours in zip(plan.steps, durations, strict=True):
        moment += timedelta(hours=hours)
        plan.times[step] = moment
    add_payment_times(plan, now)
    return plan


PAYMENT_DELAY = timedelta(minutes=4)  # a card is charged, or cash taken, just after placing
REFUND_DELAY = timedelta(minutes=25)  # Finance refunds soon after the cancellation


def add_payment_times(plan: OrderPlan, now: datetime) -> None:
    """When the order was paid ("pay") and refunded ("refund"), for the payments to carry.

    Payment comes just after placing, before any later step; the refund just after the
    cancellation, before now. Each keeps to half the gap it falls in, so the order holds.
    """
    if plan.payment_status not in (PaymentStatus.PAID, PaymentStatus.REFUNDED):
        return
    place = plan.times["place"]
    later = [moment for step, moment in plan.times.items() if step != "place"]
    next_step = min(later, default=now)
    plan.times["pay"] = place + min(PAYMENT_DELAY, (next_step - place) / 2)
    if plan.payment_status == PaymentStatus.REFUNDED:
        cancelled = plan.times["cancel"]
        plan.times["refund"] = cancelled + min(REFUND_DELAY, (now - cancelled) / 2)


# --- customers -------------------------------------------------------------------------------


def customer_specs(count: int, *, seed: int, now: datetime) -> dict[str, dict]:
    """The demo customers, the same ones every run: e-mail -> fields and addresses."""
    rng = random.Random(f"{seed}:customers")
    specs: dict[str, dict] = {}
    names: set[str] = set()
    for _ in range(count):
        for _attempt in range(25):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            name = f"{first} {last}"
            if name not in names:
                break
        names.add(name)
        local = rng.choice(
            (f"{first}.{last}", f"{first[0]}{last}", f"{first}{last[0]}", f"{first}_{last}")
        )
        local = "".join(ch for ch in local.lower() if ch.isascii() and (ch.isalnum() or ch in "._"))
        email = f"{local}@{rng.choice(EMAIL_DOMAINS)}"
        while email in specs:
            email = f"{local}{rng.randint(2, 99)}@{rng.choice(EMAIL_DOMAINS)}"
        company = rng.choice(COMPANIES) if rng.random() < 0.22 else ""
        if rng.random() < 0.86:
            country = "US"
            region = rng.choices(list(US_REGION_WEIGHTS), weights=list(US_REGION_WEIGHTS.values()))[
                0
            ]
        else:
            country, region = rng.choice(list(INTL_CITIES)), ""
        shipping, phone = address_for(rng, name, country, region)
        addresses = {Address.Kind.SHIPPING: shipping}
        if company or rng.random() < 0.15:
            billing, _ = address_for(rng, company or name, country, shipping["region"])
            addresses[Address.Kind.BILLING] = billing
        specs[email] = {
            "name": name,
            "phone": phone if rng.random() < 0.9 else "",
            "company": company,
            "addresses": addresses,
            "joined": now - timedelta(days=rng.uniform(95, 900)),
        }
    return specs


def address_for(
    rng: random.Random, name: str, country: str, region: str
) -> tuple[dict[str, str], str]:
    """A plausible address in the country (and US state), and its phone number."""
    number = rng.randint(1, 2400)
    if country == "US":
        city, postal_code, area = rng.choice(US_CITIES[region])
        line1 = f"{number} {rng.choice(US_STREETS)}"
        phone = f"+1 {area}-555-01{rng.randint(0, 99):02d}"
    else:
        city, region, postal_code = rng.choice(INTL_CITIES[country])
        street = rng.choice(INTL_STREETS[country])
        number = rng.randint(1, 180)
        line1 = f"{street} {number}" if country == "DE" else f"{number} {street}"
        phone = {
            "DE": f"+49 30 {rng.randint(1000000, 9999999)}",
            "GB": f"+44 20 7946 0{rng.randint(0, 999):03d}",
            "FR": f"+33 1 99 00 {rng.randint(10, 99)} {rng.randint(10, 99)}",
            "CA": f"+1 416-555-01{rng.randint(0, 99):02d}",
        }[country]
    address = {
        "name": name,
        "line1": line1,
        "line2": rng.choice(LINE2) if rng.random() < 0.25 else "",
        "city": city,
        "region": region,
        "postal_code": postal_code,
        "country": country,
        "phone": phone,
    }
    return address, phone


# --- what each order holds --------------------------------------------------------------------


@dataclass(frozen=True)
class Demand:
    """Who orders and what: a few customers order often, a few products sell best."""

    customers: list[Customer]  # those with a default shipping address
    customer_weights: list[float]
    companies: list[Customer]  # who orders wholesale
    orderable: list[Product]  # in stock somewhere, or at least not a preorder
    popularity: dict[str, float]  # sku -> weight
    preorders: list[Product]


def plan_demand(seed: int, customers: Sequence[Customer], products: Sequence[Product]) -> Demand:
    rng = random.Random(f"{seed}:popularity")
    customer_weights = [rng.paretovariate(1.6) for _ in customers]
    orderable = [p for p in products if p.sku not in PREORDER_SKUS]
    ranks = list(range(1, len(orderable) + 1))
    rng.shuffle(ranks)
    return Demand(
        customers=list(customers),
        customer_weights=customer_weights,
        companies=[c for c in customers if c.company] or list(customers),
        orderable=orderable,
        popularity={p.sku: 1 / rank**0.5 for p, rank in zip(orderable, ranks, strict=True)},
        preorders=[p for p in products if p.sku in PREORDER_SKUS],
    )


def choose_channel(rng: random.Random, plan: OrderPlan) -> str:
    if plan.state == S.DRAFT:  # drafts are keyed in by staff
        return rng.choice(("phone", "wholesale", "phone", "pos"))
    return rng.choices([c[0] for c in CHANNELS], weights=[c[3] for c in CHANNELS])[0]


def choose_customer(rng: random.Random, demand: Demand, code: str) -> Customer:
    if code == "wholesale":
        return rng.choices(demand.companies)[0]
    return rng.choices(demand.customers, weights=demand.customer_weights)[0]


def external_id(rng: random.Random, code: str, index: int) -> str:
    """The channel's own order id, as marketplaces, the web shop and the app send one."""
    if code == "marketplace":
        return f"{rng.randint(111, 114)}-{index:07d}-{rng.randint(1000000, 9999999)}"
    if code == "web" and rng.random() < 0.7:
        return f"shop-{100000 + index}"
    if code == "app":
        return f"app-{500000 + index}"
    return ""


def plan_lines(
    rng: random.Random,
    plan: OrderPlan,
    code: str,
    demand: Demand,
    *,
    short: set[str],
    available: Callable[[Product], int],
) -> list[LineRequest]:
    """One to four products by popularity, leaving out the ``short`` SKUs; wholesale at 80 %.

    ``available`` tells the units that can still ship, so an order meant to ship in full is
    not given a line that would be backordered.
    """
    count = rng.choices((1, 2, 3, 4), weights=(45, 30, 17, 8))[0]
    pool = [p for p in demand.orderable if p.sku not in short]
    weights = [demand.popularity[p.sku] for p in pool]
    chosen: list[Product] = []
    for _ in range(count * 3):
        if len(chosen) == count or not pool:
            break
        product = rng.choices(pool, weights=weights)[0]
        if product not in chosen:
            chosen.append(product)
    lines = []
    for product in chosen:
        quantity = rng.choices((1, 2, 3), weights=(70, 22, 8))[0]
        # A backorder would leave an order meant to ship in full only partly shipped.
        if product.allow_backorder and plan.ships_everything and available(product) < quantity:
            continue
        price = product.unit_price
        if code == "wholesale":
            price = to_money(price * Decimal("0.80"))
        discount = ZERO
        if rng.random() < 0.12:
            line_total = price * quantity
            # Within what Customer service may give (OMS_CS_DISCOUNT_LIMIT_PERCENT).
            share = Decimal("0.10") if rng.random() < 0.5 else Decimal("0.05")
            discount = to_money(line_total * share)
        lines.append(
            LineRequest(
                product=product,
                quantity=quantity,
                unit_price=price if code == "wholesale" else None,
                discount=discount,
            )
        )
    if lines and plan.backorder and demand.preorders:
        lines.append(LineRequest(product=rng.choice(demand.preorders), quantity=1))
    return lines


def shipping_for(
    rng: random.Random, code: str, lines: list[LineRequest], book: dict[str, Address]
) -> Decimal:
    """What the channel charges for shipping: free in store, flat abroad, free above 75."""
    subtotal = sum(
        (
            (line.product.unit_price if line.unit_price is None else line.unit_price)
            * line.quantity
            - line.discount
            for line in lines
        ),
        ZERO,
    )
    if code == "pos":
        return ZERO
    if book[Address.Kind.SHIPPING].country != "US":
        return Decimal("19.95")
    if code == "wholesale":
        return ZERO if subtotal >= 300 else Decimal("24.00")
    if code == "marketplace":
        return rng.choice((ZERO, Decimal("5.99")))
    if subtotal >= 75 and rng.random() < 0.8:
        return ZERO
    return rng.choice((Decimal("4.95"), Decimal("4.95"), Decimal("9.95")))
