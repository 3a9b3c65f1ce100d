"""The demo shop, as tables: logins, locations, channels, tax rates, the catalogue and its
opening stock, the names and places customers are drawn from, and how orders move through
their states. The planner draws from these; nothing here touches the database.
"""

from core import roles
from inventory.models import Location
from orders.models import HoldReason, OrderEvent, SalesChannel
from orders.models import OrderStatus as S
from payments.models import Method
from shipping.models import ShippingService

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
EMAIL_STEP = {  # notifications.models.Kind: the step of the order's story each e-mail follows
    "order_received": "place",
    "order_confirmed": "confirm",
    "shipped": "ship",
    "out_for_delivery": "ship",
    "delivered": "deliver",
    "cancelled": "cancel",
}
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
    OrderEvent.Type.PAYMENT_AUTHORIZED: "pay",
    OrderEvent.Type.PAYMENT_CAPTURED: "pay",
    OrderEvent.Type.PAYMENT_RECEIVED: "pay",
    OrderEvent.Type.PAYMENT_REFUNDED: "refund",
    OrderEvent.Type.PRICE_OVERRIDDEN: "place",
    OrderEvent.Type.REFUND_DUE: "cancel",
}

# --- carriers and rate tables ---------------------------------------------------------------

# Weight brackets (upper bounds in grams) every demo rate table has, and what each bracket adds
# to a service's base price; per kg comes on top (shipping.rates: base + per_kg × kg).
RATE_BRACKETS = (
    (500, "0.00"),
    (1000, "0.60"),
    (2000, "1.40"),
    (5000, "2.90"),
    (10000, "5.50"),
    (20000, "9.80"),
)
EU_COUNTRIES = ("DE", "FR", "NL", "BE", "AT", "IT", "ES", "IE", "DK", "SE")

# Each carrier: its services (code, name, level, business days, base at the lightest bracket,
# per kg) and its zones (name, price factor, (country, postal prefix) rules, services offered
# there: None for all). A postal prefix narrows a country; the longest matching prefix wins.
CARRIERS = (
    {
        "code": "PPOST",
        "name": "Parcel Post",
        "tracking_url_template": "https://track.parcelpost.example/parcel?n={tracking_number}",
        "services": (
            ("ECO", "Economy", ShippingService.Level.ECONOMY, 5, "4.20", "0.85"),
            ("STD", "Standard", ShippingService.Level.STANDARD, 3, "6.40", "1.10"),
        ),
        "zones": (
            ("US Northeast", "1.00", (("US", "0"), ("US", "1")), None),
            ("US Central and South", "1.15", tuple(("US", str(d)) for d in range(2, 8)), None),
            ("US West", "1.30", (("US", "8"), ("US", "9")), None),
            ("Canada", "2.10", (("CA", ""),), None),
            ("United Kingdom", "2.80", (("GB", ""),), None),
            ("European Union", "3.00", tuple((country, "") for country in EU_COUNTRIES), None),
        ),
    },
    {
        "code": "SWIFT",
        "name": "Swift Express",
        "tracking_url_template": "https://swift-express.example/track/{tracking_number}",
        "services": (
            ("EXP", "Express", ShippingService.Level.EXPRESS, 2, "11.50", "1.80"),
            ("NDA", "Next Day", ShippingService.Level.NEXT_DAY, 1, "19.90", "2.60"),
        ),
        "zones": (
            (
                "New York metro",
                "0.85",
                tuple(("US", prefix) for prefix in ("100", "101", "102", "103", "104", "112")),
                None,
            ),
            ("United States", "1.00", (("US", ""),), None),
            ("Canada", "1.90", (("CA", ""),), ("EXP",)),
            (
                "Europe",
                "2.60",
                (("GB", ""), *((country, "") for country in EU_COUNTRIES)),
                ("EXP",),
            ),
        ),
    },
)
