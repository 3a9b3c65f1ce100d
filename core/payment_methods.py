"""How a customer pays: the vocabulary shared by sales channels (which methods they accept
before the money arrives) and payments (which gateway takes each method)."""

from django.db import models


class Method(models.TextChoices):
    CARD = "card", "Card"
    WALLET = "wallet", "Wallet"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    CASH_ON_DELIVERY = "cash_on_delivery", "Cash on delivery"
    CHEQUE = "cheque", "Cheque"
    STORE_CREDIT = "store_credit", "Store credit"
    INVOICE_TERMS = "invoice_terms", "Invoice (net 30)"


# Methods whose money staff record by hand; cards and wallets go through a card gateway.
MANUAL_METHODS = frozenset(
    {
        Method.BANK_TRANSFER,
        Method.CASH_ON_DELIVERY,
        Method.CHEQUE,
        Method.STORE_CREDIT,
        Method.INVOICE_TERMS,
    }
)
