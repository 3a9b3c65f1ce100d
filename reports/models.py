"""The daily sales summary the sales report reads for whole past days (issue 13, "Scale").

One row per local day (in the shop's time zone, ``settings.TIME_ZONE``), sales channel and
currency, recomputed by ``reports.summary.refresh_days`` (a beat task every few minutes for the
last two days and the days of recently cancelled orders; ``manage.py backfill_daily_sales`` for
history). ``SummarisedDay`` marks the days computed, so a day without sales is told from a day
not yet computed; the report reads the live orders for any day not marked, and for today.

No summary by product or location: an order's lines split across both, so such a table would
hold a row per line a day and save little over reading the lines (indexed by product).
"""

from django.db import models

from orders.models import MONEY


class DailySales(models.Model):
    day = models.DateField()
    channel = models.ForeignKey("orders.SalesChannel", on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(max_length=3)
    orders = models.PositiveIntegerField(default=0, help_text="placed that day, not cancelled")
    units = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(**MONEY, help_text="order totals: goods, shipping and tax")
    discounts = models.DecimalField(**MONEY)
    refunds = models.DecimalField(**MONEY, help_text="refunds completed that day")
    cancelled = models.PositiveIntegerField(default=0, help_text="placed that day, cancelled since")

    class Meta:
        verbose_name_plural = "daily sales"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "channel", "currency"], name="dailysales_day_channel_currency"
            )
        ]
        permissions = [("view_sales_report", "Can view the sales reports")]

    def __str__(self) -> str:
        return f"{self.day} {self.channel_id} {self.currency}: {self.revenue}"


class SummarisedDay(models.Model):
    day = models.DateField(primary_key=True)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.day} (computed {self.computed_at:%Y-%m-%d %H:%M})"
