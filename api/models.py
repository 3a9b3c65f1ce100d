"""Integrations (a channel, an ERP, an app), their tokens and the replay store for POSTs."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class Scope(models.TextChoices):
    ORDERS_READ = "orders:read", "Read orders"
    ORDERS_WRITE = "orders:write", "Place and change orders"
    STOCK_READ = "stock:read", "Read stock"
    STOCK_WRITE = "stock:write", "Change stock"
    CUSTOMERS_READ = "customers:read", "Read customers"
    CUSTOMERS_WRITE = "customers:write", "Change customers"
    SHIPMENTS_READ = "shipments:read", "Read shipments"
    SHIPMENTS_WRITE = "shipments:write", "Post tracking (carriers)"
    PAYMENTS_READ = "payments:read", "Read payments"


class Integration(models.Model):
    """Someone outside calling the API: what it may do (scopes) and which channel it sells on."""

    name = models.CharField(max_length=100, unique=True)
    channel = models.ForeignKey(
        "orders.SalesChannel",
        on_delete=models.PROTECT,
        related_name="integrations",
        help_text="Orders it places are this channel's.",
    )
    scopes = models.JSONField(default=list, blank=True, help_text="Scope codes, e.g. orders:read.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="integrations",
        help_text="The staff member answerable for it; its changes carry their name.",
    )
    all_channels = models.BooleanField(
        default=False,
        help_text="Reads every channel's orders (an ERP); else only its own channel's.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class IntegrationToken(models.Model):
    """A bearer token: ``<prefix>.<secret>``. Only the secret's SHA-256 is kept."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="tokens")
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.integration} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.integration.is_active


class IdempotencyRecord(models.Model):
    """The first response to a POST with an Idempotency-Key, replayed for the same key.

    ``owner`` is the token's integration (``integration:<id>``) or the staff user
    (``user:<id>``). The row is written in the request's own transaction (api.idempotency), so
    others see it only once it holds the response.
    """

    owner = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(default=0)
    body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="api_idempotency_owner_key")
        ]
        indexes = [models.Index(fields=["created_at"], name="api_idempotency_created")]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"
