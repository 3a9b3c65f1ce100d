"""Customer lifetime totals kept by triggers on orders_order (see ``CustomerOrderTotals``).

One trigger set per vendor: plpgsql on PostgreSQL (a constraint trigger deferred to the
commit), CREATE TRIGGER … WHEN on SQLite (the demo database; its upsert needs SQLite 3.24). An
order that comes to count is added to its customer's row with ``INSERT … ON CONFLICT DO
UPDATE``; one that stops counting is taken off that row with an UPDATE. The triggers are
created before the backfill, in the same transaction: CREATE TRIGGER locks orders_order against
writes until the commit, so no order written meanwhile is missed or counted twice.

On PostgreSQL a transaction that writes orders_order has trigger events pending until it
commits, and PostgreSQL refuses to ALTER the table in it: a later migration that changes orders
and then alters the table needs ``SET CONSTRAINTS orders_order_customer_totals IMMEDIATE`` first.

The counted statuses are written out here (a migration is frozen): drafts and cancelled orders
do not count, as ``orders.selectors.NOT_COUNTED_STATUSES`` says (a test holds them equal).
"""

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models

NOT_COUNTED_SQL = "('draft', 'cancelled')"

BACKFILL = f"""
INSERT INTO orders_customerordertotals (customer_id, currency, order_count, lifetime_value)
SELECT customer_id, currency, COUNT(*), SUM(total) FROM orders_order
WHERE status NOT IN {NOT_COUNTED_SQL}
GROUP BY customer_id, currency
"""  # noqa: S608 (constants only)

POSTGRESQL_TRIGGERS = [
    """
CREATE FUNCTION orders_add_customer_totals(
    p_customer bigint, p_currency varchar, p_count integer, p_value numeric
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- An order leaving updates the row it was counted in: the row proposed for an upsert must
    -- pass the CHECK (order_count >= 0) before its conflict is found.
    IF p_count < 0 THEN
        UPDATE orders_customerordertotals
        SET order_count = order_count + p_count, lifetime_value = lifetime_value + p_value
        WHERE customer_id = p_customer AND currency = p_currency;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'No customer totals for customer % in %', p_customer, p_currency;
        END IF;
    ELSE
        INSERT INTO orders_customerordertotals (customer_id, currency, order_count, lifetime_value)
        VALUES (p_customer, p_currency, p_count, p_value)
        ON CONFLICT (customer_id, currency) DO UPDATE
        SET order_count = orders_customerordertotals.order_count + EXCLUDED.order_count,
            lifetime_value = orders_customerordertotals.lifetime_value + EXCLUDED.lifetime_value;
    END IF;
END $$
""",
    f"""
CREATE FUNCTION orders_order_customer_totals() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_counts boolean := TG_OP <> 'INSERT' AND OLD.status NOT IN {NOT_COUNTED_SQL};
    new_counts boolean := TG_OP <> 'DELETE' AND NEW.status NOT IN {NOT_COUNTED_SQL};
BEGIN
    IF old_counts AND new_counts
       AND OLD.customer_id = NEW.customer_id AND OLD.currency = NEW.currency THEN
        IF NEW.total <> OLD.total THEN
            PERFORM orders_add_customer_totals(
                NEW.customer_id, NEW.currency, 0, NEW.total - OLD.total);
        END IF;
    ELSIF old_counts AND new_counts AND (NEW.customer_id, NEW.currency)
                                        < (OLD.customer_id, OLD.currency) THEN
        -- Two rows: lock them in (customer, currency) order, so that two moves the opposite
        -- way round cannot deadlock.
        PERFORM orders_add_customer_totals(NEW.customer_id, NEW.currency, 1, NEW.total);
        PERFORM orders_add_customer_totals(OLD.customer_id, OLD.currency, -1, -OLD.total);
    ELSE
        IF old_counts THEN
            PERFORM orders_add_customer_totals(OLD.customer_id, OLD.currency, -1, -OLD.total);
        END IF;
        IF new_counts THEN
            PERFORM orders_add_customer_totals(NEW.customer_id, NEW.currency, 1, NEW.total);
        END IF;
    END IF;
    RETURN NULL;
END $$
""",
    # Deferred to the commit: the totals row is then the last lock a transaction takes, held
    # only while it commits. Immediate, placing (order, then stock) and cancelling (stock,
    # then order) deadlocked on one customer's row and one product's stock.
    """
CREATE CONSTRAINT TRIGGER orders_order_customer_totals
AFTER INSERT OR UPDATE OF status, total, currency, customer_id OR DELETE ON orders_order
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION orders_order_customer_totals()
""",
]

DROP_POSTGRESQL_TRIGGERS = [
    "DROP TRIGGER IF EXISTS orders_order_customer_totals ON orders_order",
    "DROP FUNCTION IF EXISTS orders_order_customer_totals()",
    "DROP FUNCTION IF EXISTS orders_add_customer_totals(bigint, varchar, integer, numeric)",
]

# SQLite stores decimals as floating point: each sum is rounded back to cents.
SQLITE_ADD = f"""
INSERT INTO orders_customerordertotals (customer_id, currency, order_count, lifetime_value)
SELECT NEW.customer_id, NEW.currency, 1, NEW.total WHERE NEW.status NOT IN {NOT_COUNTED_SQL}
ON CONFLICT (customer_id, currency) DO UPDATE
SET order_count = order_count + 1,
    lifetime_value = ROUND(lifetime_value + excluded.lifetime_value, 2);
"""

SQLITE_REMOVE = f"""
UPDATE orders_customerordertotals
SET order_count = order_count - 1, lifetime_value = ROUND(lifetime_value - OLD.total, 2)
WHERE customer_id = OLD.customer_id AND currency = OLD.currency
AND OLD.status NOT IN {NOT_COUNTED_SQL};
"""  # noqa: S608 (constants only)

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER orders_order_customer_totals_insert AFTER INSERT ON orders_order
    BEGIN {SQLITE_ADD} END""",
    f"""CREATE TRIGGER orders_order_customer_totals_update
    AFTER UPDATE OF status, total, currency, customer_id ON orders_order
    WHEN OLD.status IS NOT NEW.status OR OLD.total IS NOT NEW.total
      OR OLD.currency IS NOT NEW.currency OR OLD.customer_id IS NOT NEW.customer_id
    BEGIN {SQLITE_REMOVE} {SQLITE_ADD} END""",
    f"""CREATE TRIGGER orders_order_customer_totals_delete AFTER DELETE ON orders_order
    BEGIN {SQLITE_REMOVE} END""",
]

DROP_SQLITE_TRIGGERS = [
    "DROP TRIGGER IF EXISTS orders_order_customer_totals_insert",
    "DROP TRIGGER IF EXISTS orders_order_customer_totals_update",
    "DROP TRIGGER IF EXISTS orders_order_customer_totals_delete",
]


TRIGGERS = {"postgresql": POSTGRESQL_TRIGGERS, "sqlite": SQLITE_TRIGGERS}
DROP_TRIGGERS = {"postgresql": DROP_POSTGRESQL_TRIGGERS, "sqlite": DROP_SQLITE_TRIGGERS}


def create_triggers_and_backfill(apps, schema_editor) -> None:
    for statement in [*TRIGGERS[schema_editor.connection.vendor], BACKFILL]:
        schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor) -> None:
    for statement in DROP_TRIGGERS[schema_editor.connection.vendor]:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0004_phone_trigram_index"),
        ("orders", "0013_open_orders_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="CustomerOrderTotals",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("currency", models.CharField(max_length=3)),
                ("order_count", models.IntegerField(default=0)),
                (
                    "lifetime_value",
                    models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=14),
                ),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="order_totals",
                        to="customers.customer",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "customer order totals",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("customer", "currency"),
                        name="customerordertotals_customer_currency",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(order_count__gte=0),
                        name="customerordertotals_count_gte_0",
                    ),
                ],
            },
        ),
        migrations.RunPython(create_triggers_and_backfill, drop_triggers),
        # The totals were read from this index; the table holds them now.
        migrations.RemoveIndex(model_name="order", name="order_customer_totals_idx"),
    ]
