"""Carriers, their services and rate tables, and the built-in carrier's record of its labels.

A rate table is per carrier: zones say where a destination is (country, optionally a postal-code
prefix; the longest matching prefix wins), rates say what a service costs to a zone for a
weight bracket (the lightest bracket at least as heavy as the parcel), as base + per kg.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from core.countries import is_country
from core.models import TimeStampedModel

TRACKING_PLACEHOLDER = "{tracking_number}"
_NOT_ALPHANUMERIC = re.compile(r"[^0-9A-Z]")


def normalize_postal_code(value: str) -> str:
    """``"sw1a 1aa"`` → ``"SW1A1AA"``, ``"10012-1234"`` → ``"100121234"``: prefixes compare on
    letters and digits only, whatever spacing or dashes an address was typed with."""
    return _NOT_ALPHANUMERIC.sub("", (value or "").upper())


def default_currency() -> str:
    return settings.OMS_DEFAULT_CURRENCY


class TrackingStatus(models.TextChoices):
    """Where a parcel is, in our words; each adapter maps its carrier's statuses onto these."""

    LABEL_CREATED = "label_created", "Label created"
    IN_TRANSIT = "in_transit", "In transit"
    OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
    DELIVERED = "delivered", "Delivered"
    EXCEPTION = "exception", "Exception"
    RETURNED_TO_SENDER = "returned_to_sender", "Returned to sender"
    CANCELLED = "cancelled", "Cancelled"


class Carrier(TimeStampedModel):
    class Adapter(models.TextChoices):
        RATE_TABLE = "rate_table", "Rate tables (built in, offline)"
        EASYPOST = "easypost", "EasyPost"

    code = models.CharField(
        max_length=20,
        unique=True,
        help_text="Short code; its letters start the built-in carrier's tracking numbers. "
        "For EasyPost, the carrier's name at EasyPost (USPS, UPS, FedEx…).",
    )
    name = models.CharField(max_length=100)
    adapter = models.CharField(max_length=20, choices=Adapter.choices, default=Adapter.RATE_TABLE)
    currency = models.CharField(max_length=3, default=default_currency)
    tracking_url_template = models.CharField(
        max_length=300,
        blank=True,
        help_text="The carrier's tracking page, with {tracking_number} where the number goes, "
        "e.g. https://carrier.example/track?n={tracking_number}",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="carrier_currency_iso"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        template = self.tracking_url_template
        if template and TRACKING_PLACEHOLDER not in template:
            raise ValidationError(
                {"tracking_url_template": f"Put {TRACKING_PLACEHOLDER} where the number goes."}
            )
        if template and not template.startswith(("https://", "http://")):
            raise ValidationError({"tracking_url_template": "Give a web address (https://…)."})

    def tracking_url(self, tracking_number: str) -> str:
        """The carrier's public tracking page for a parcel; empty when the carrier has none."""
        if not self.tracking_url_template or not tracking_number:
            return ""
        return self.tracking_url_template.replace(TRACKING_PLACEHOLDER, tracking_number)


class ShippingService(TimeStampedModel):
    class Level(models.TextChoices):
        ECONOMY = "economy", "Economy"
        STANDARD = "standard", "Standard"
        EXPRESS = "express", "Express"
        NEXT_DAY = "next_day", "Next day"

    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="services")
    code = models.CharField(
        max_length=40, help_text="For EasyPost, the service's name there (Priority, Ground…)."
    )
    name = models.CharField(max_length=100)
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.STANDARD)
    transit_days = models.PositiveSmallIntegerField(help_text="Business days from pickup.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["carrier__name", "transit_days", "code"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "code"], name="service_carrier_code"),
            models.CheckConstraint(
                condition=Q(transit_days__gte=0), name="service_transit_days_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier.name} {self.name}"


class ShippingZone(TimeStampedModel):
    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="zones")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["carrier__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "name"], name="zone_carrier_name"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier.name}: {self.name}"


def _zone_of(row: models.Model) -> "ShippingZone | None":
    """A rule's or rate's zone, also while the admin adds it with a zone not saved yet."""
    try:
        return row.zone
    except ShippingZone.DoesNotExist:
        return None


class ZoneRule(models.Model):
    """A country, or the part of it whose postal codes start with ``postal_prefix``.

    ``carrier`` repeats the zone's carrier so the database can hold the rule that a destination
    is in one zone per carrier: one rule per (carrier, country, prefix).
    """

    zone = models.ForeignKey(ShippingZone, on_delete=models.CASCADE, related_name="rules")
    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="+", editable=False)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code, e.g. US, DE")
    postal_prefix = models.CharField(
        max_length=10, blank=True, help_text="Blank: the whole country. Letters and digits only."
    )

    class Meta:
        ordering = ["country", "postal_prefix"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "country", "postal_prefix"], name="zone_rule_one_zone"
            ),
            models.CheckConstraint(
                condition=Q(country__regex=r"^[A-Z]{2}$"), name="zone_rule_country_iso2"
            ),
            models.CheckConstraint(
                condition=Q(postal_prefix__regex=r"^[0-9A-Z]*$"), name="zone_rule_prefix_alnum"
            ),
        ]
        indexes = [models.Index(fields=["country", "postal_prefix"], name="zone_rule_lookup")]

    def __str__(self) -> str:
        return f"{self.country} {self.postal_prefix or '(all)'}"

    def save(self, *args, **kwargs) -> None:
        self.carrier_id = self.zone.carrier_id
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.country = (self.country or "").strip().upper()
        self.postal_prefix = normalize_postal_code(self.postal_prefix)
        if not is_country(self.country):
            raise ValidationError({"country": f"{self.country!r} is not an ISO country code."})
        zone = _zone_of(self)
        if zone is None or zone.carrier_id is None:
            return
        self.carrier_id = zone.carrier_id
        taken = (
            ZoneRule.objects.filter(
                carrier_id=self.carrier_id, country=self.country, postal_prefix=self.postal_prefix
            )
            .exclude(pk=self.pk)
            .select_related("zone")
            .first()
        )
        if taken is not None:
            where = f"{self.country} {self.postal_prefix}".strip()
            raise ValidationError(
                {"postal_prefix": f"{where} is already in the zone {taken.zone.name}."}
            )


class Rate(models.Model):
    """What a service costs to a zone for parcels up to ``max_weight_grams``."""

    service = models.ForeignKey(ShippingService, on_delete=models.CASCADE, related_name="rates")
    zone = models.ForeignKey(ShippingZone, on_delete=models.CASCADE, related_name="rates")
    max_weight_grams = models.PositiveIntegerField(
        "up to (grams)", validators=[MinValueValidator(1)], help_text="The bracket's upper bound."
    )
    base = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    per_kg = models.DecimalField(
        "per kg", max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["zone", "service", "max_weight_grams"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "zone", "max_weight_grams"], name="rate_bracket"
            ),
            models.CheckConstraint(condition=Q(base__gte=0), name="rate_base_gte_0"),
            models.CheckConstraint(condition=Q(per_kg__gte=0), name="rate_per_kg_gte_0"),
            models.CheckConstraint(
                condition=Q(max_weight_grams__gt=0), name="rate_max_weight_gt_0"
            ),
        ]
        indexes = [models.Index(fields=["zone", "max_weight_grams"], name="rate_lookup")]

    def __str__(self) -> str:
        return f"{self.service} to {self.zone.name} up to {self.max_weight_grams} g"

    def clean(self) -> None:
        zone = _zone_of(self)
        if self.service_id is None or zone is None or zone.carrier_id is None:
            return
        if self.service.carrier_id != zone.carrier_id:
            raise ValidationError(
                {"service": f"Pick a service of {zone.carrier.name}, the zone's carrier."}
            )


class CarrierLabel(TimeStampedModel):
    """A label the built-in rate-table carrier issued: the carrier's own record, as a real
    carrier keeps one, so its tracking numbers are unique and voids and tracking answer from it.
    The OMS's shipments keep their own copy of the number."""

    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="labels")
    service = models.ForeignKey(ShippingService, on_delete=models.PROTECT, related_name="+")
    tracking_number = models.CharField(max_length=40)
    reference = models.CharField(max_length=100, blank=True, help_text="The shipper's reference.")
    weight_grams = models.PositiveIntegerField()
    cost = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "tracking_number"], name="carrier_label_tracking_number"
            ),
            models.CheckConstraint(condition=Q(cost__gte=0), name="carrier_label_cost_gte_0"),
        ]

    def __str__(self) -> str:
        return self.tracking_number


class CarrierScan(models.Model):
    """A tracking event of a built-in carrier's label (recorded by the demo mode or a webhook)."""

    label = models.ForeignKey(CarrierLabel, on_delete=models.CASCADE, related_name="scans")
    event_id = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=20, choices=TrackingStatus.choices)
    occurred_at = models.DateTimeField()
    message = models.CharField(max_length=300, blank=True)
    location = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["label", "occurred_at"], name="carrier_scan_label")]

    def __str__(self) -> str:
        return f"{self.label.tracking_number} {self.status} at {self.occurred_at:%Y-%m-%d %H:%M}"
