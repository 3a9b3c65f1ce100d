"""Every document of every order: invoices and credit notes (legal: numbered without gaps,
immutable once issued), and the confirmations, slips and labels that are kept for the record.

A legal document keeps ``content``, the snapshot of what it says (seller, buyer, lines, tax
breakdown, totals, terms) taken in the transaction that numbered it; its PDF is drawn from that
snapshot, so drawing it again gives the same document whatever the order has become since.
"""

from django.conf import settings
from django.db import models

from core.exceptions import DomainError

MONEY = {"max_digits": 14, "decimal_places": 2}


class Kind(models.TextChoices):
    ORDER_CONFIRMATION = "order_confirmation", "Order confirmation"
    INVOICE = "invoice", "Invoice"
    PACKING_SLIP = "packing_slip", "Packing slip"
    SHIPPING_LABEL = "shipping_label", "Shipping label"
    PICK_LIST = "pick_list", "Pick list"
    CREDIT_NOTE = "credit_note", "Credit note"
    RETURN_SLIP = "return_slip", "Return slip"


# Kinds the law wants numbered from a gapless sequence and never changed once issued.
LEGAL_KINDS = frozenset({Kind.INVOICE, Kind.CREDIT_NOTE})
NUMBER_PREFIXES = {Kind.INVOICE: "INV", Kind.CREDIT_NOTE: "CN"}
# What may still be written to an issued legal document: its PDF once (it is drawn after the
# numbering transaction commits) and when it was sent.
WRITABLE_ONCE = frozenset({"file", "sha256"})
WRITABLE = frozenset({"sent_at"})


class DocumentImmutable(DomainError):
    def __init__(
        self,
        message: str = "An issued invoice or credit note cannot be changed: "
        "issue a credit note and a new invoice instead.",
        code: str = "immutable",
    ):
        super().__init__(message, code)


class DocumentCounter(models.Model):
    """The last number given to a legal kind in a year. Taken under ``select_for_update`` in
    the transaction that issues the document, so a rolled-back issue gives its number back
    and the numbers have no gaps (a database sequence would leave them)."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    year = models.PositiveSmallIntegerField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="documentcounter_kind_year")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.value}"


def document_path(document: "Document", filename: str) -> str:
    return f"documents/{document.created_at:%Y/%m}/{filename}"


class Document(models.Model):
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    number = models.CharField(max_length=30, blank=True, help_text="Invoices and credit notes.")
    key = models.CharField(
        max_length=100,
        blank=True,
        help_text="What issued it (invoice:<order>, refund:<refund>, label:<shipment>…): the "
        "same event issues one document however often it is delivered. Empty: by hand.",
    )
    content = models.JSONField(default=dict, blank=True, help_text="What the document says.")
    currency = models.CharField(max_length=3, blank=True)
    total = models.DecimalField(**MONEY, null=True, blank=True)
    file = models.FileField(upload_to=document_path, blank=True, max_length=200)
    content_type = models.CharField(max_length=50, default="application/pdf")
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        help_text="Credit notes: the invoice they correct.",
    )
    refund = models.ForeignKey(
        "payments.Refund",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    shipment = models.ForeignKey(
        "shipping.Shipment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=~models.Q(number=""), name="document_number"
            ),
            models.UniqueConstraint(
                fields=["key"], condition=~models.Q(key=""), name="document_key"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=sorted(LEGAL_KINDS)) | ~models.Q(number=""),
                name="document_legal_kinds_numbered",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=Kind.CREDIT_NOTE) | models.Q(corrects__isnull=False),
                name="document_credit_note_corrects_invoice",
            ),
        ]
        indexes = [
            models.Index(fields=["order", "kind", "-created_at"], name="document_order_kind_idx"),
            models.Index(fields=["kind", "-created_at"], name="document_kind_idx"),
        ]
        permissions = [("issue_document", "Can issue and re-issue documents")]

    def __str__(self) -> str:
        return self.number or f"{self.get_kind_display()} {self.pk}"

    def save(self, *args, **kwargs) -> None:
        """An issued invoice or credit note may only get its PDF (once) and its sent time
        (migration 0003's trigger holds the same rule for writes that bypass the model)."""
        if self.pk is not None and self.is_legal:
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= WRITABLE_ONCE | WRITABLE:
                raise DocumentImmutable()
            stored = type(self).objects.filter(pk=self.pk).values_list("file", flat=True).get()
            if stored and set(fields) & WRITABLE_ONCE:
                raise DocumentImmutable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_legal:
            raise DocumentImmutable("An issued invoice or credit note cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_legal(self) -> bool:
        return self.kind in LEGAL_KINDS

    @property
    def filename(self) -> str:
        extension = "pdf" if self.content_type == "application/pdf" else "txt"
        return f"{self.number or f'{self.kind}-{self.order_id}-{self.pk}'}.{extension}"
