"""``manage.py seed_demo``: the data ``make demo`` serves.

Demo logins, locations, sales channels, tax rates, a catalogue whose stock is received through
the ledger, customers with addresses, and a few hundred orders in every state: the tables are
in ``demo.data``, the decisions in ``demo.planner``, the writes in ``demo.seeders``.
Deterministic (``--seed``) and idempotent: only what is missing is created, and an existing
account keeps its password unless ``--reset-demo-logins``. Refuses ``OMS_ENV=production``.
"""

from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from customers.models import Customer
from demo.data import DEMO_USERS
from demo.seeders import seed_demo
from inventory.models import Location, Product
from orders.models import FulfilmentStatus, Order, OrderStatus, SalesChannel


class Command(BaseCommand):
    help = (
        "Load demo data: logins, locations, channels, tax rates, products and stock, customers "
        "and a few hundred orders in every state. Safe to run again: creates only what is "
        "missing. Refuses to run with OMS_ENV=production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=520, help="demo orders wanted (520)")
        parser.add_argument("--customers", type=int, default=220, help="demo customers (220)")
        parser.add_argument("--seed", type=int, default=42, help="random seed (42)")
        parser.add_argument(
            "--reset-demo-logins",
            action="store_true",
            help="also set the password of demo logins that already exist back to their username",
        )

    def handle(self, *args, orders: int, customers: int, seed: int, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo refuses to run with OMS_ENV=production: it creates logins whose "
                "passwords everyone knows, and demo orders among the real ones."
            )
        if orders < 0 or customers < 0:
            raise CommandError("--orders and --customers must not be negative.")
        if orders and not customers:
            raise CommandError("Orders need customers: give --customers of at least 1.")
        seeded = seed_demo(
            orders=orders,
            customers=customers,
            seed=seed,
            reset_passwords=options["reset_demo_logins"],
        )
        if options.get("verbosity", 1) >= 1:
            self.print_summary(seeded.orders_created, kept_passwords=seeded.kept_passwords)

    def print_summary(self, created: int, *, kept_passwords: list[str]) -> None:
        write = self.stdout.write
        counts = Counter(
            dict(Order.objects.values_list("status").annotate(n=Count("pk")).order_by())
        )
        labels = dict(OrderStatus.choices)
        write(
            self.style.SUCCESS(
                f"Demo data ready: {created} new orders, {sum(counts.values())} in all; "
                f"{Product.objects.count()} products at {Location.objects.count()} locations, "
                f"{Customer.objects.count()} customers, {SalesChannel.objects.count()} channels."
            )
        )
        write("\nOrders by status:")
        for status in OrderStatus.values:
            write(f"  {labels[status]:<20} {counts.get(status, 0):>5}")
        unfilled = Order.objects.filter(fulfilment_status=FulfilmentStatus.BACKORDERED).count()
        write(f"  {'(backordered)':<20} {unfilled:>5}")
        write("\nDemo logins (password = username):")
        write(f"  {'username':<10} {'name':<16} role")
        for username, first, last, role in DEMO_USERS:
            kept = "  (existing account: own password kept)" if username in kept_passwords else ""
            write(f"  {username:<10} {first + ' ' + last:<16} {role or 'superuser'}{kept}")
        if kept_passwords:
            write("Run with --reset-demo-logins to set those back to the username.")
