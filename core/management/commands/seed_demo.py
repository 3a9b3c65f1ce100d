"""``manage.py seed_demo``: the data ``make demo`` serves.

Demo logins, locations, sales channels, tax rates, a catalogue whose stock is received through
the ledger, customers with addresses, and a few hundred orders in every state. Orders are made
and moved only through the services, so stock, allocations, events and totals are exactly what
real orders leave behind; afterwards their timestamps are spread over the last 90 days.

Deterministic (``--seed``) and idempotent: reference data is matched on natural keys, opening
stock is received once per product and location, and only the missing demo orders are created.
"""

import logging
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import Lower
from django.test import override_settings
from django.utils import timezone

from core import roles
from core.money import ZERO, to_money
from customers.models import Address, Customer
from inventory import services as inventory
from inventory.exceptions import InsufficientStock
from inventory.models import Location, Product, StockLevel, StockMovement
from orders import services as order_services
from orders.models import (
    FulfilmentStatus,
    HoldReason,
    Order,
    OrderEvent,
    OrderStatus,
    PaymentStatus,
    SalesChannel,
    TaxRate,
)
from orders.services import LineRequest
from payments import services as payment_services
from payments.models import Method

S = OrderStatus

# --- reference data -------------------------------------------------------------------------

# username (also the password), first name, last name, group (None: superuser)
DEMO_USERS = (
    ("admin", "Alex", "Morgan", None),
    ("manager", "Maria", "Lopez", roles.MANAGER),
    ("service", "Sam", "Carter", roles.CUSTOMER_SERVICE),
    ("warehouse", "Wes", "Kowalski", roles.WAREHOUSE),
    ("finance", "Fiona", "Chen", roles.FINANCE),
)

LOCATIONS = (
    {
        "code": "WH-EAST",
        "name": "East Coast Warehouse",
        "kind": Location.Kind.WAREHOUSE,
        "line1": "200 Logistics Way",
        "city": "Edison",
        "region": "NJ",
        "postal_code": "08817",
        "country": "US",
        "priority": 10,
        "can_ship": True,
        "can_pickup": False,
    },
    {
        "code": "WH-WEST",
        "name": "West Coast Fulfilment Center",
        "kind": Location.Kind.WAREHOUSE,
        "line1": "4800 Distribution Drive",
        "city": "Reno",
        "region": "NV",
        "postal_code": "89502",
        "country": "US",
        "priority": 20,
        "can_ship": True,
        "can_pickup": False,
    },
    {
        "code": "3PL-CHI",
        "name": "ShipRight 3PL Chicago",
        "kind": Location.Kind.THIRD_PARTY,
        "line1": "1550 West Fulton Street",
        "city": "Chicago",
        "region": "IL",
        "postal_code": "60607",
        "country": "US",
        "priority": 30,
        "can_ship": True,
        "can_pickup": False,
    },
    {
        "code": "STORE-NYC",
        "name": "Flagship Store New York",
        "kind": Location.Kind.STORE,
        "line1": "145 Spring Street",
        "city": "New York",
        "region": "NY",
        "postal_code": "10012",
        "country": "US",
        "priority": 50,
        "can_ship": True,
        "can_pickup": True,
    },
    {
        "code": "DS-ACME",
        "name": "Acme Outdoor (dropship)",
        "kind": Location.Kind.DROPSHIP,
        "line1": "77 Supplier Road",
        "city": "Portland",
        "region": "OR",
        "postal_code": "97201",
        "country": "US",
        "priority": 90,
        "can_ship": True,
        "can_pickup": False,
    },
)

# code, name, kind, share of orders (weight)
CHANNELS = (
    ("web", "Web shop", SalesChannel.Kind.WEB, 38),
    ("pos", "Store POS (New York)", SalesChannel.Kind.STORE, 10),
    ("phone", "Phone orders", SalesChannel.Kind.PHONE, 10),
    ("app", "Mobile app", SalesChannel.Kind.MOBILE_APP, 16),
    ("marketplace", "Marketplace", SalesChannel.Kind.MARKETPLACE, 16),
    ("wholesale", "Wholesale", SalesChannel.Kind.WHOLESALE, 10),
)

# How each channel's customers pay; the others pay by card online.
MANUAL_PAYMENT = {
    "pos": Method.CASH_ON_DELIVERY,
    "phone": Method.BANK_TRANSFER,
    "wholesale": Method.BANK_TRANSFER,
}

# Marketplaces collect the money themselves; phone and wholesale orders may be confirmed on
# agreed bank-transfer or invoice terms. Everyone else pays before confirmation.
CHANNEL_PAYMENT_RULES = {
    "marketplace": {"allow_unpaid_confirmation": True},
    "phone": {"deferred_payment_methods": [Method.BANK_TRANSFER]},
    "wholesale": {"deferred_payment_methods": [Method.INVOICE_TERMS, Method.BANK_TRANSFER]},
}

TAX_RATES = (
    ("US", "NY", "0.08875", "New York sales tax"),
    ("US", "CA", "0.0725", "California sales tax"),
    ("US", "TX", "0.0625", "Texas sales tax"),
    ("US", "IL", "0.1025", "Illinois sales tax (Chicago)"),
    ("US", "WA", "0.065", "Washington sales tax"),
    ("DE", "", "0.19", "Germany VAT"),
    ("GB", "", "0.20", "United Kingdom VAT"),
    ("FR", "", "0.20", "France VAT"),
    ("CA", "", "0.05", "Canada GST"),
)

# sku, name, price, weight in grams. Prices are strings: money is never a float.
CATALOGUE = (
    ("APP-TEE-WHT-M", "Organic Cotton Tee, White, M", "24.00", 180),
    ("APP-TEE-WHT-L", "Organic Cotton Tee, White, L", "24.00", 190),
    ("APP-TEE-BLK-M", "Organic Cotton Tee, Black, M", "24.00", 180),
    ("APP-TEE-BLK-L", "Organic Cotton Tee, Black, L", "24.00", 190),
    ("APP-TEE-NVY-S", "Organic Cotton Tee, Navy, S", "24.00", 170),
    ("APP-HOOD-GRY-M", "Heavyweight Hoodie, Heather Grey, M", "68.00", 620),
    ("APP-HOOD-GRY-L", "Heavyweight Hoodie, Heather Grey, L", "68.00", 650),
    ("APP-HOOD-BLK-XL", "Heavyweight Hoodie, Black, XL", "68.00", 690),
    ("APP-JOG-CHR-M", "Fleece Joggers, Charcoal, M", "54.00", 480),
    ("APP-JKT-OLV-M", "Waxed Field Jacket, Olive, M", "189.00", 1350),
    ("APP-JKT-OLV-L", "Waxed Field Jacket, Olive, L", "189.00", 1400),
    ("APP-BEANIE-RST", "Merino Beanie, Rust", "29.00", 90),
    ("APP-SCF-WOOL", "Lambswool Scarf, Camel", "59.00", 220),
    ("APP-SOCK-3PK", "Everyday Crew Socks, 3-pack", "18.00", 150),
    ("APP-CAP-NVY", "Six-Panel Cap, Navy", "32.00", 110),
    ("FTW-RUN-BLU-9", "Trail Runner, Blue, US 9", "129.00", 820),
    ("FTW-RUN-BLU-10", "Trail Runner, Blue, US 10", "129.00", 840),
    ("FTW-RUN-GRY-11", "Trail Runner, Grey, US 11", "129.00", 860),
    ("FTW-CHL-BRN-10", "Leather Chelsea Boot, Brown, US 10", "219.00", 1600),
    ("FTW-SNK-BLK-9", "Canvas Sneaker, Black/White, US 9", "74.00", 700),
    ("BAG-DAY-20L-BLK", "Commuter Daypack 20 L, Black", "98.00", 900),
    ("BAG-DAY-20L-SND", "Commuter Daypack 20 L, Sand", "98.00", 900),
    ("BAG-TOTE-CNV", "Canvas Market Tote", "35.00", 420),
    ("BAG-DUF-40L", "Weekender Duffel 40 L", "145.00", 1300),
    ("BAG-SLING-OLV", "Crossbody Sling, Olive", "49.00", 300),
    ("BAG-WAL-LTH", "Leather Card Wallet, Tan", "45.00", 80),
    ("HOM-MUG-STN-350", "Stoneware Mug 350 ml, Speckled", "16.00", 380),
    ("HOM-MUG-STN-SET4", "Stoneware Mug, Set of 4", "58.00", 1600),
    ("HOM-THR-WOOL", "Wool Throw Blanket, Oatmeal", "119.00", 1400),
    ("HOM-CNDL-CDR", "Soy Candle, Cedar & Sage", "28.00", 450),
    ("HOM-CNDL-FIG", "Soy Candle, Fig Leaf", "28.00", 450),
    ("HOM-PLNT-CER-M", "Ceramic Planter, Medium", "39.00", 1900),
    ("HOM-LAMP-BRS", "Brass Desk Lamp", "149.00", 2600),
    ("HOM-TWL-BTH-WHT", "Turkish Bath Towel, White", "34.00", 650),
    ("HOM-PILL-LIN", "Linen Pillow Cover, Sage", "42.00", 300),
    ("KIT-KNF-CHF-8", "Chef's Knife, 8 inch", "89.00", 240),
    ("KIT-PAN-CI-10", "Cast Iron Skillet, 10 inch", "45.00", 2400),
    ("KIT-BRD-OAK", "Oak Cutting Board", "59.00", 1500),
    ("KIT-FRN-PRS-1L", "French Press 1 L", "42.00", 900),
    ("KIT-GRN-BUR", "Burr Coffee Grinder", "129.00", 2100),
    ("KIT-KTL-GSN", "Gooseneck Kettle", "79.00", 1100),
    ("KIT-SPC-SET6", "Spice Jar Set of 6", "36.00", 1200),
    ("KIT-ESP-NIMBUS", "Nimbus Espresso Machine", "649.00", 9800),
    ("ELE-CBL-USBC-1M", "USB-C Cable 1 m, Braided", "15.00", 45),
    ("ELE-CBL-USBC-2M", "USB-C Cable 2 m, Braided", "19.00", 70),
    ("ELE-CHG-65W", "65 W GaN Charger", "49.00", 130),
    ("ELE-PWR-10K", "Power Bank 10,000 mAh", "39.00", 210),
    ("ELE-EAR-ANC-BLK", "Wireless ANC Earbuds, Black", "149.00", 60),
    ("ELE-SPK-MINI", "Portable Bluetooth Speaker", "79.00", 540),
    ("ELE-STD-LAP", "Aluminium Laptop Stand", "59.00", 1100),
    ("ELE-KBD-MECH", "Mechanical Keyboard, 75%", "139.00", 900),
    ("ELE-MSE-WL", "Wireless Mouse", "35.00", 95),
    ("ELE-HUB-7IN1", "USB-C Hub, 7-in-1", "65.00", 120),
    ("ELE-LAMP-AURORA", "Aurora Smart Lamp", "189.00", 2200),
    ("OUT-TNT-2P", "Ultralight Tent, 2-Person", "349.00", 1800),
    ("OUT-BAG-20F", "Down Sleeping Bag, 20 F", "279.00", 1100),
    ("OUT-PAD-INS", "Insulated Sleeping Pad", "129.00", 560),
    ("OUT-STV-CMP", "Compact Camp Stove", "59.00", 380),
    ("OUT-BTL-750-FOR", "Insulated Bottle 750 ml, Forest", "34.00", 420),
    ("OUT-BTL-750-SLT", "Insulated Bottle 750 ml, Slate", "34.00", 420),
    ("OUT-HMK-SGL", "Camping Hammock", "69.00", 520),
    ("OUT-CHR-FLD", "Folding Camp Chair", "89.00", 2300),
    ("OUT-LNT-USB", "Rechargeable Lantern", "45.00", 340),
    ("OUT-TRK-POL", "Carbon Trekking Poles, Pair", "119.00", 480),
)

CATEGORY_BLURBS = {
    "APP": "Apparel, made from organic and recycled fibres.",
    "FTW": "Footwear with a one-year sole warranty.",
    "BAG": "Bags and small leather goods.",
    "HOM": "Home goods for everyday living.",
    "KIT": "Kitchen and coffee tools.",
    "ELE": "Electronics accessories.",
    "OUT": "Outdoor and camping gear.",
}

# Sold ahead of their first delivery: backorder allowed, no stock anywhere.
PREORDER_SKUS = frozenset({"KIT-ESP-NIMBUS", "ELE-LAMP-AURORA"})
# Backorder allowed although they are normally in stock.
BACKORDER_SKUS = PREORDER_SKUS | {"OUT-TNT-2P", "HOM-LAMP-BRS"}
# Low or out of stock at some locations: location code -> units received (0: none).
SCARCE_STOCK = {
    "FTW-CHL-BRN-10": {"WH-EAST": 0, "WH-WEST": 3, "3PL-CHI": 2, "STORE-NYC": 0},
    "APP-JKT-OLV-L": {"WH-EAST": 2, "3PL-CHI": 0},
    "ELE-EAR-ANC-BLK": {"WH-EAST": 4, "STORE-NYC": 0},
    "HOM-THR-WOOL": {"WH-WEST": 0, "STORE-NYC": 1},
    "KIT-GRN-BUR": {"WH-EAST": 1, "WH-WEST": 2, "3PL-CHI": 0, "STORE-NYC": 1},
    "OUT-TRK-POL": {"STORE-NYC": 0, "DS-ACME": 0},
    "BAG-DUF-40L": {"WH-EAST": 0},
}
# Opening stock per location (units, inclusive range). The dropship supplier carries outdoor gear.
OPENING_STOCK = {
    "WH-EAST": (60, 160),
    "WH-WEST": (50, 140),
    "3PL-CHI": (30, 90),
    "STORE-NYC": (8, 30),
    "DS-ACME": (20, 60),
}
DROPSHIP_PREFIX = "OUT-"
OPENING_REFERENCE = "DEMO-OPENING"

# --- customers --------------------------------------------------------------------------------

FIRST_NAMES = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas",
    "Mia", "Mason", "Amelia", "Ethan", "Harper", "Logan", "Evelyn", "Aiden", "Abigail", "Jackson",
    "Emily", "Sebastian", "Ella", "Mateo", "Chloe", "Henry", "Grace", "Daniel", "Zoe", "Samuel",
    "Priya", "Arjun", "Mei", "Hiroshi", "Fatima", "Omar", "Sofia", "Diego", "Lena", "Jonas",
    "Camille", "Hugo", "Charlotte", "Oliver", "Aisha", "Kwame", "Ingrid", "Lars", "Nora", "Ravi",
    "Yuki", "Chen", "Maya", "Gabriel", "Leah", "Isaac", "Hannah", "Julian", "Ruby", "Felix",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Clark",
    "Lewis", "Robinson", "Walker", "Young", "Patel", "Nguyen", "Kim", "Chen", "Okafor",
    "Schmidt", "Müller", "Dubois", "Moreau", "Rossi", "Novak", "Kowalski", "Larsen", "Silva",
    "Tanaka", "Sato", "Haddad", "Cohen", "O'Brien", "Murphy", "Fischer", "Weber", "Bernard",
    "Laurent", "Campbell", "Stewart", "Reid", "Fraser", "Singh", "Ali",
)  # fmt: skip
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com")
COMPANIES = (
    "Brightside Cafe Co.", "Northwind Outfitters", "Harbor & Pine Interiors", "Summit Gear Rental",
    "Copper Kettle Roasters", "Blue Ridge Boutique", "Urban Nest Living", "Trailhead Supply",
    "Maple Street Market", "Evergreen Hotels", "Lighthouse Gift Shop", "Atlas Corporate Gifts",
    "Foxglove Florist", "Riverbend Hostel", "Cedar & Stone Studio", "Orbit Coworking",
)  # fmt: skip
US_STREETS = (
    "Main Street", "Oak Avenue", "Maple Drive", "Cedar Lane", "Elm Street", "Park Avenue",
    "Washington Boulevard", "Lake Shore Drive", "Sunset Boulevard", "Broadway", "Pine Street",
    "Hillside Road", "Madison Avenue", "Highland Avenue", "Riverside Drive", "Market Street",
)  # fmt: skip
LINE2 = ("Apt 4B", "Apt 12", "Suite 200", "Unit 7", "Floor 3", "Apt 21C")
# region -> (city, postal code, phone area code)
US_CITIES = {
    "NY": (
        ("New York", "10001", "212"),
        ("Brooklyn", "11201", "718"),
        ("Buffalo", "14201", "716"),
        ("Albany", "12207", "518"),
        ("Rochester", "14604", "585"),
    ),
    "CA": (
        ("Los Angeles", "90012", "213"),
        ("San Francisco", "94103", "415"),
        ("San Diego", "92101", "619"),
        ("Sacramento", "95814", "916"),
        ("Oakland", "94607", "510"),
    ),
    "TX": (
        ("Austin", "78701", "512"),
        ("Houston", "77002", "713"),
        ("Dallas", "75201", "214"),
        ("San Antonio", "78205", "210"),
    ),
    "IL": (
        ("Chicago", "60601", "312"),
        ("Evanston", "60201", "847"),
        ("Springfield", "62701", "217"),
        ("Naperville", "60540", "630"),
    ),
    "WA": (
        ("Seattle", "98101", "206"),
        ("Tacoma", "98402", "253"),
        ("Spokane", "99201", "509"),
        ("Bellevue", "98004", "425"),
    ),
}
US_REGION_WEIGHTS = {"NY": 30, "CA": 28, "TX": 18, "IL": 14, "WA": 10}
# country -> (city, region, postal code) and street names
INTL_CITIES = {
    "DE": (("Berlin", "", "10115"), ("München", "", "80331"), ("Hamburg", "", "20095")),
    "GB": (("London", "", "EC1A 1BB"), ("Manchester", "", "M1 1AE"), ("Edinburgh", "", "EH1 1YZ")),
    "FR": (("Paris", "", "75001"), ("Lyon", "", "69002"), ("Marseille", "", "13001")),
    "CA": (
        ("Toronto", "ON", "M5H 2N2"),
        ("Vancouver", "BC", "V6B 1A1"),
        ("Montréal", "QC", "H2Y 1C6"),
    ),
}
INTL_STREETS = {
    "DE": ("Hauptstraße", "Bahnhofstraße", "Gartenweg", "Lindenallee"),
    "GB": ("High Street", "Station Road", "Church Lane", "Victoria Road"),
    "FR": ("rue de Rivoli", "avenue Victor Hugo", "rue du Marché", "boulevard Voltaire"),
    "CA": ("King Street West", "Granville Street", "Rue Saint-Paul", "Queen Street"),
}

# --- orders -------------------------------------------------------------------------------------

# The first orders cycle through every state, so even a small --orders shows them all.
FORCED_STATES = (
    S.COMPLETED,
    S.DELIVERED,
    S.SHIPPED,
    S.PARTIALLY_SHIPPED,
    S.PROCESSING,
    S.CONFIRMED,
    S.PLACED,
    S.ON_HOLD,
    S.CANCELLED,
    S.DRAFT,
)
FORCED_AGE_HOURS = {
    S.DRAFT: (1, 40),
    S.PLACED: (1, 40),
    S.CONFIRMED: (6, 40),
    S.PROCESSING: (20, 70),
    S.PARTIALLY_SHIPPED: (48, 200),
    S.SHIPPED: (48, 140),
    S.ON_HOLD: (12, 240),
    S.DELIVERED: (150, 480),
    S.COMPLETED: (500, 2100),
    S.CANCELLED: (12, 2100),
}
MAX_AGE_HOURS = 90 * 24
# Orders made fewer than this many hours ago may still be drafts or placed and unpaid: the
# periodic clean-up cancels those after OMS_STALE_ORDER_HOURS (72), so keep them well inside.
RECENT_HOURS = 46

PATHS = {
    S.DRAFT: (),
    S.PLACED: (),
    S.CONFIRMED: ("confirm",),
    S.PROCESSING: ("confirm", "process"),
    S.PARTIALLY_SHIPPED: ("confirm", "process", "ship"),
    S.SHIPPED: ("confirm", "process", "ship"),
    S.DELIVERED: ("confirm", "process", "ship", "deliver"),
    S.COMPLETED: ("confirm", "process", "ship", "deliver", "complete"),
}
# Hours each step takes after the one before it (range).
STEP_HOURS = {
    "confirm": (0.1, 3),
    "process": (2, 20),
    "ship": (4, 30),
    "deliver": (24, 110),
    "complete": (168, 320),
    "hold": (0.2, 6),
    "release": (2, 30),
    "cancel": (0.5, 30),
}

HOLD_NOTES = {
    HoldReason.AWAITING_PAYMENT: (
        "Bank transfer not received yet.",
        "Card authorisation pending with the issuer.",
    ),
    HoldReason.FRAUD_RISK: (
        "Billing and shipping countries differ; verifying with the customer.",
        "Order value far above this customer's usual; manual review.",
    ),
    HoldReason.INCORRECT_ADDRESS: (
        "Carrier flagged the postcode as invalid.",
        "Apartment number missing; e-mailed the customer.",
    ),
    HoldReason.OUT_OF_STOCK: (
        "Waiting for the next inbound delivery.",
        "Customer prefers one shipment once everything is in stock.",
    ),
    HoldReason.CUSTOMER_REQUEST: (
        "Customer asked us to wait until they are back from travel.",
        "Customer may add items; hold until Friday.",
    ),
    HoldReason.OTHER: (
        "Gift message to be confirmed with the customer.",
        "Engraving details pending.",
    ),
}
PAST_HOLD_REASONS = (
    HoldReason.FRAUD_RISK,
    HoldReason.INCORRECT_ADDRESS,
    HoldReason.CUSTOMER_REQUEST,
)
CANCEL_REASONS = (
    "Customer changed their mind",
    "Payment declined",
    "Duplicate order",
    "Customer found the item cheaper elsewhere",
    "Delivery date too late for the customer",
    "Suspected fraud",
    "Address could not be verified",
)
ORDER_NOTES = (
    "Gift wrap, please.",
    "Leave with the front desk.",
    "Please call before delivery.",
    "Birthday present: no prices on the packing slip.",
)
EMAIL_STEP = {"placed": "place", "shipped": "ship", "cancelled": "cancel"}
EVENT_STEP = {
    OrderEvent.Type.PLACED: "place",
    OrderEvent.Type.DRAFT_CREATED: "place",
    OrderEvent.Type.STOCK_RESERVED: "place",
    OrderEvent.Type.BACKORDERED: "place",
    OrderEvent.Type.CONFIRMED: "confirm",
    OrderEvent.Type.PROCESSING: "process",
    OrderEvent.Type.HELD: "hold",
    OrderEvent.Type.HOLD_RELEASED: "release",
    OrderEvent.Type.CANCELLED: "cancel",
    OrderEvent.Type.SHIPPED: "ship",
    OrderEvent.Type.DELIVERED: "deliver",
    OrderEvent.Type.COMPLETED: "complete",
}
BATCH_SIZE = 50


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
    return plan


class Command(BaseCommand):
    help = (
        "Load demo data: logins, locations, channels, tax rates, products and stock, customers "
        "and a few hundred orders in every state. Safe to run again: creates only what is missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=520, help="demo orders wanted (520)")
        parser.add_argument("--customers", type=int, default=220, help="demo customers (220)")
        parser.add_argument("--seed", type=int, default=42, help="random seed (42)")

    def handle(self, *args, orders: int, customers: int, seed: int, **options):
        if orders < 0 or customers < 0:
            raise CommandError("--orders and --customers must not be negative.")
        if orders and not customers:
            raise CommandError("Orders need customers: give --customers of at least 1.")
        self.verbosity = options.get("verbosity", 1)
        self.seed = seed
        self.now = timezone.now()

        with transaction.atomic():
            self.users = self.seed_users()
            self.locations = self.seed_locations()
            self.channels = self.seed_channels()
            self.seed_tax_rates()
            self.products = self.seed_products()
        # Order e-mails are sent by Celery tasks once each batch commits: keep them off the
        # console (or a real mail server), and the eager tasks' log lines out of the output.
        task_log = logging.getLogger("celery.app.trace")
        task_log_level = task_log.level
        task_log.setLevel(logging.WARNING)
        try:
            with override_settings(
                EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
                OMS_PAYMENT_GATEWAY="simulated",  # demo payments never reach a real gateway
            ):
                self.seed_stock()
                self.customers = self.seed_customers(customers)
                created = self.seed_orders(orders)
        finally:
            task_log.setLevel(task_log_level)
        self.print_summary(created)

    def log(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(message)

    # --- reference data -------------------------------------------------------------------

    def seed_users(self) -> dict[str, object]:
        User = get_user_model()
        users = {}
        for username, first, last, role in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = first, last
            user.email = f"{username}@oms.example"
            user.is_staff = True
            user.is_active = True
            user.is_superuser = role is None
            user.set_password(username)
            user.save()
            if role:
                group, _ = Group.objects.get_or_create(name=role)
                user.groups.set([group])
            users[username] = user
        return users

    def seed_locations(self) -> dict[str, Location]:
        locations = {}
        for data in LOCATIONS:
            values = dict(data)
            code = values.pop("code")
            locations[code], _ = Location.objects.update_or_create(
                code=code, defaults={**values, "is_active": True}
            )
        return locations

    def seed_channels(self) -> dict[str, SalesChannel]:
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

    def seed_tax_rates(self) -> None:
        for country, region, rate, name in TAX_RATES:
            TaxRate.objects.update_or_create(
                country=country, region=region, defaults={"rate": Decimal(rate), "name": name}
            )

    def seed_products(self) -> list[Product]:
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
                    "barcode": ean13(index),
                    "is_active": True,
                    "allow_backorder": sku in BACKORDER_SKUS,
                    "reorder_point": reorder_point,
                    "reorder_quantity": reorder_point * rng.choice((4, 5, 6)),
                },
            )
            products.append(product)
        return products

    def seed_stock(self) -> None:
        """Opening stock, received once per product and location through the ledger."""
        received = set(
            StockMovement.objects.filter(
                reference=OPENING_REFERENCE, reason=StockMovement.Reason.RECEIPT
            ).values_list("product_id", "location_id")
        )
        levels = set(StockLevel.objects.values_list("product_id", "location_id"))
        rng = random.Random(f"{self.seed}:stock")
        warehouse = self.users["warehouse"]
        with transaction.atomic():
            for product in self.products:
                for code, (low, high) in OPENING_STOCK.items():
                    location = self.locations[code]
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
                            user=warehouse,
                        )
                    elif key not in levels:
                        inventory.get_or_create_level(product=product, location=location)

    def seed_customers(self, count: int) -> list[Customer]:
        specs = self.customer_specs(count)
        existing = {
            c.email.lower(): c
            for c in Customer.objects.annotate(email_ci=Lower("email")).filter(
                email_ci__in=list(specs)
            )
        }
        new = [
            Customer(
                email=email,
                name=spec["name"],
                phone=spec["phone"],
                company=spec["company"],
            )
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

    def customer_specs(self, count: int) -> dict[str, dict]:
        """The demo customers, the same ones every run: e-mail -> fields and addresses."""
        rng = random.Random(f"{self.seed}:customers")
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
            local = "".join(
                ch for ch in local.lower() if ch.isascii() and (ch.isalnum() or ch in "._")
            )
            email = f"{local}@{rng.choice(EMAIL_DOMAINS)}"
            while email in specs:
                email = f"{local}{rng.randint(2, 99)}@{rng.choice(EMAIL_DOMAINS)}"
            company = rng.choice(COMPANIES) if rng.random() < 0.22 else ""
            if rng.random() < 0.86:
                country = "US"
                region = rng.choices(
                    list(US_REGION_WEIGHTS), weights=list(US_REGION_WEIGHTS.values())
                )[0]
            else:
                country, region = rng.choice(list(INTL_CITIES)), ""
            shipping, phone = self.address_for(rng, name, country, region)
            addresses = {Address.Kind.SHIPPING: shipping}
            if company or rng.random() < 0.15:
                billing, _ = self.address_for(rng, company or name, country, shipping["region"])
                addresses[Address.Kind.BILLING] = billing
            specs[email] = {
                "name": name,
                "phone": phone if rng.random() < 0.9 else "",
                "company": company,
                "addresses": addresses,
                "joined": self.now - timedelta(days=rng.uniform(95, 900)),
            }
        return specs

    @staticmethod
    def address_for(rng: random.Random, name: str, country: str, region: str):
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

    # --- orders -------------------------------------------------------------------------------

    def seed_orders(self, target: int) -> int:
        existing = Order.objects.filter(channel__in=self.channels.values()).count()
        if existing >= target:
            return 0
        self.prepare_order_context()
        timelines: dict[int, OrderPlan] = {}
        for batch_start in range(existing, target, BATCH_SIZE):
            with transaction.atomic():
                for index in range(batch_start, min(batch_start + BATCH_SIZE, target)):
                    rng = random.Random(f"{self.seed}:order:{index}")
                    plan = plan_order(rng, index, self.now)
                    order = self.create_order(rng, plan)
                    if order is not None:
                        timelines[order.pk] = plan
        self.backdate(timelines)
        return len(timelines)

    def prepare_order_context(self) -> None:
        self.address_book: dict[int, dict[str, Address]] = defaultdict(dict)
        for address in Address.objects.filter(customer__in=self.customers, is_default=True):
            self.address_book[address.customer_id][address.kind] = address
        self.customers = [
            c for c in self.customers if Address.Kind.SHIPPING in self.address_book[c.pk]
        ]
        if not self.customers:
            raise CommandError("No demo customer has a shipping address.")
        rng = random.Random(f"{self.seed}:popularity")
        self.customer_weights = [rng.paretovariate(1.6) for _ in self.customers]
        self.companies = [c for c in self.customers if c.company] or self.customers
        self.orderable = [p for p in self.products if p.sku not in PREORDER_SKUS]
        ranks = list(range(1, len(self.orderable) + 1))
        rng.shuffle(ranks)
        self.popularity = {
            p.sku: 1 / rank**0.5 for p, rank in zip(self.orderable, ranks, strict=True)
        }
        self.preorders = [p for p in self.products if p.sku in PREORDER_SKUS]

    def create_order(self, rng: random.Random, plan: OrderPlan) -> Order | None:
        if plan.state == S.DRAFT:  # drafts are keyed in by staff
            code = rng.choice(("phone", "wholesale", "phone", "pos"))
        else:
            code = rng.choices([c[0] for c in CHANNELS], weights=[c[3] for c in CHANNELS])[0]
        channel = self.channels[code]
        pool = self.companies if code == "wholesale" else self.customers
        weights = None if code == "wholesale" else self.customer_weights
        customer = rng.choices(pool, weights=weights)[0]
        book = self.address_book[customer.pk]
        external_id = self.external_id(rng, code, plan.index)
        if external_id and Order.objects.filter(channel=channel, external_id=external_id).exists():
            external_id = ""  # never hand back an existing order as if it were new
        users = self.users
        placed_by = {
            "phone": users["service"],
            "wholesale": users["service"],
            "pos": users["manager"],
        }

        short: set[str] = set()
        for _attempt in range(20):
            lines = self.pick_lines(rng, plan, code, short)
            if not lines:
                continue
            shipping_total = self.shipping_for(rng, code, lines, book)
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

    def pick_lines(
        self, rng: random.Random, plan: OrderPlan, code: str, short: set[str]
    ) -> list[LineRequest]:
        count = rng.choices((1, 2, 3, 4), weights=(45, 30, 17, 8))[0]
        pool = [p for p in self.orderable if p.sku not in short]
        weights = [self.popularity[p.sku] for p in pool]
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
            if (
                product.allow_backorder
                and plan.ships_everything
                and self.available(product) < quantity
            ):
                continue
            price = product.unit_price
            if code == "wholesale":
                price = to_money(price * Decimal("0.80"))
            discount = ZERO
            if rng.random() < 0.12:
                line_total = price * quantity
                discount = (
                    to_money(line_total * Decimal("0.10"))
                    if rng.random() < 0.5
                    else min(Decimal("5.00"), line_total)
                )
            lines.append(
                LineRequest(
                    product=product,
                    quantity=quantity,
                    unit_price=price if code == "wholesale" else None,
                    discount=discount,
                )
            )
        if lines and plan.backorder and self.preorders:
            lines.append(LineRequest(product=rng.choice(self.preorders), quantity=1))
        return lines

    @staticmethod
    def available(product: Product) -> int:
        result = StockLevel.objects.filter(
            product=product, location__is_active=True, location__can_ship=True
        ).aggregate(units=Sum(F("on_hand") - F("reserved")))
        return result["units"] or 0

    @staticmethod
    def external_id(rng: random.Random, code: str, index: int) -> str:
        if code == "marketplace":
            return f"{rng.randint(111, 114)}-{index:07d}-{rng.randint(1000000, 9999999)}"
        if code == "web" and rng.random() < 0.7:
            return f"shop-{100000 + index}"
        if code == "app":
            return f"app-{500000 + index}"
        return ""

    @staticmethod
    def shipping_for(
        rng: random.Random, code: str, lines: list[LineRequest], book: dict[str, Address]
    ) -> Decimal:
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

    def backdate(self, timelines: dict[int, OrderPlan]) -> None:
        """Spread the new orders and their timelines over the days the plans gave them.

        The services stamp everything "now"; the demo needs history. The stock ledger and the
        payments are left as written.
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

    # --- summary --------------------------------------------------------------------------

    def print_summary(self, created: int) -> None:
        if self.verbosity < 1:
            return
        counts = Counter(
            dict(Order.objects.values_list("status").annotate(n=Count("pk")).order_by())
        )
        labels = dict(OrderStatus.choices)
        self.log(
            self.style.SUCCESS(
                f"Demo data ready: {created} new orders, {sum(counts.values())} in all; "
                f"{Product.objects.count()} products at {Location.objects.count()} locations, "
                f"{Customer.objects.count()} customers, {SalesChannel.objects.count()} channels."
            )
        )
        self.log("\nOrders by status:")
        for status in OrderStatus.values:
            self.log(f"  {labels[status]:<20} {counts.get(status, 0):>5}")
        unfilled = Order.objects.filter(fulfilment_status=FulfilmentStatus.BACKORDERED).count()
        self.log(f"  {'(backordered)':<20} {unfilled:>5}")
        self.log("\nDemo logins (password = username):")
        self.log(f"  {'username':<10} {'name':<16} role")
        for username, first, last, role in DEMO_USERS:
            self.log(f"  {username:<10} {first + ' ' + last:<16} {role or 'superuser'}")
