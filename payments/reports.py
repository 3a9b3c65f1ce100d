"""Payments report: the money that moved over the period, per currency — captured (successful
capture calls and recorded receipts), refunded (refunds completed), what authorizations of the
period still hold uncaptured, and the disputes opened.

Each figure is dated by its own event in the params' local days: a capture by its transaction,
a refund by its completion, a dispute by when it was opened, an authorization by when it was
given. Amounts are never summed across currencies.
"""

from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from core.reporting import (
    Chart,
    Column,
    Headline,
    Params,
    Report,
    day_bounds,
    register,
    shared,
)
from payments.models import CAPTURABLE_STATUSES, Payment, PaymentTransaction, Refund

PERMISSION = "payments.view_payment"
MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Value(Decimal("0.00"))
GROUPS = {"method": "method", "gateway": "gateway"}
ALL = "All"


def _sum_of(queryset: QuerySet, field: str) -> Coalesce:
    """The sum of ``field`` over ``queryset``'s rows of the outer payment."""
    total = (
        queryset.filter(payment=OuterRef("pk"))
        .order_by()
        .values("payment")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=MONEY), ZERO)


def _events(params: Params) -> dict[str, Any]:
    start, end = day_bounds(params)
    captures = PaymentTransaction.objects.filter(
        kind=PaymentTransaction.Kind.CAPTURE,
        outcome=PaymentTransaction.Outcome.SUCCEEDED,
        created_at__gte=start,
        created_at__lt=end,
    )
    refunds = Refund.objects.filter(
        status=Refund.Status.SUCCEEDED, completed_at__gte=start, completed_at__lt=end
    )
    return {
        "captures": captures,
        "refunds": refunds,
        "disputed": Q(disputed_at__gte=start, disputed_at__lt=end),
        "open": Q(status__in=CAPTURABLE_STATUSES, authorized_at__gte=start, authorized_at__lt=end),
    }


@shared
def payment_rows(params: Params, using: str) -> list[dict[str, Any]]:
    events = _events(params)
    # the payments with an event in the period, each kind found by its own index
    touched = (
        events["captures"]
        .order_by()
        .values("payment_id")
        .union(
            events["refunds"].order_by().values("payment_id"),
            Payment.objects.filter(events["disputed"]).order_by().values("pk"),
            Payment.objects.filter(events["open"]).order_by().values("pk"),
        )
    )
    payments = Payment.objects.using(using).filter(pk__in=touched)
    if params.channels:
        payments = payments.filter(order__channel_id__in=params.channels)
    group = GROUPS.get(params.group_by)
    return list(
        payments.order_by()
        .values("currency", group=F(group) if group else Value(ALL))
        .annotate(
            captured=Sum(_sum_of(events["captures"], "amount"), output_field=MONEY),
            refunded=Sum(_sum_of(events["refunds"], "amount"), output_field=MONEY),
            outstanding=Coalesce(
                Sum(
                    F("authorized_amount") - F("captured_amount"),
                    filter=events["open"],
                    output_field=MONEY,
                ),
                ZERO,
            ),
            disputes=Count("pk", filter=events["disputed"]),
            disputed=Coalesce(
                Sum(
                    Coalesce("dispute_amount", "captured_amount"),
                    filter=events["disputed"],
                    output_field=MONEY,
                ),
                ZERO,
            ),
        )
        .annotate(net=F("captured") - F("refunded"))
        .order_by("currency", "group")
    )


def payment_headlines(params: Params, using: str) -> list[Headline]:
    """Per currency (a handful of rows): captured, refunded, outstanding; disputes counted."""
    rows = payment_rows(replace(params, group_by=""), using)
    money = [
        Headline(f"{label} ({row['currency']})", row[key], kind="money")
        for row in rows
        for key, label in (
            ("captured", "Captured"),
            ("refunded", "Refunded"),
            ("outstanding", "Outstanding"),
        )
    ]
    return [*money, Headline("Disputes", sum(row["disputes"] for row in rows))]


register(
    Report(
        slug="payments",
        title="Payments captured, refunded and outstanding",
        section="Payments",
        description="Per currency: money captured and refunded in the period, what "
        "authorizations given in the period still hold uncaptured, and the disputes opened "
        "(with their amounts).",
        columns=(
            Column("currency", "Currency"),
            Column("group", "Method or gateway"),
            Column("captured", "Captured", "money"),
            Column("refunded", "Refunded", "money"),
            Column("net", "Net captured", "money"),
            Column("outstanding", "Outstanding authorizations", "money"),
            Column("disputes", "Disputes", "int"),
            Column("disputed", "Disputed amount", "money"),
        ),
        rows=payment_rows,
        headlines=payment_headlines,
        chart=Chart("bar", x="currency", y=("captured", "refunded", "outstanding")),
        permission=PERMISSION,
        group_by_choices=(("", "Currency only"), ("method", "Method"), ("gateway", "Gateway")),
        filters=("period", "channel"),
    )
)
