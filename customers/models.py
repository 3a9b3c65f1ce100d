from django.db import models
from django.db.models.functions import Lower

from core.models import TimeStampedModel


class Customer(TimeStampedModel):
    email = models.EmailField()
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=40, blank=True)
    company = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    # Marketing e-mail only with recorded consent: when it was given (None: never, or withdrawn).
    # Order updates (transactional) go out whatever this says.
    marketing_consent_at = models.DateTimeField(null=True, blank=True)
    # The e-mail provider reported a bounce or a complaint for ``email``: nothing more is sent
    # to it while it is flagged (clear both fields once the address is corrected).
    email_bounced_at = models.DateTimeField(null=True, blank=True)
    email_bounce_reason = models.CharField(max_length=300, blank=True, db_default="")

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="customer_email_ci_unique"),
        ]
        indexes = [models.Index(fields=["name"]), models.Index(fields=["phone"])]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    def save(self, *args, **kwargs) -> None:
        self.email = self.email.strip()
        super().save(*args, **kwargs)


class Address(TimeStampedModel):
    class Kind(models.TextChoices):
        SHIPPING = "shipping", "Shipping"
        BILLING = "billing", "Billing"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SHIPPING)
    name = models.CharField(max_length=200)
    line1 = models.CharField("address line 1", max_length=200)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField("region / state", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code, e.g. US, DE")
    phone = models.CharField(max_length=40, blank=True)
    is_default = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "addresses"
        ordering = ["-is_default", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "kind"],
                condition=models.Q(is_default=True),
                name="address_one_default_per_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(country__regex=r"^[A-Z]{2}$"), name="address_country_iso2"
            ),
        ]

    def __str__(self) -> str:
        return ", ".join(part for part in (self.line1, self.city, self.country) if part)

    def as_snapshot(self) -> dict[str, str]:
        """The address frozen onto an order: later edits to the customer do not change it."""
        return {
            field: getattr(self, field)
            for field in ("name", "line1", "line2", "city", "region", "postal_code", "country")
        } | {"phone": self.phone}
