from core.exceptions import DomainError


class StockError(DomainError):
    code = "stock_error"


class InsufficientStock(StockError):
    """Raised with the SKUs that are short and what is available of each."""

    code = "insufficient_stock"

    def __init__(self, shortages: list[tuple[str, int, int]]) -> None:
        self.shortages = shortages
        detail = "; ".join(
            f"{sku}: {requested} requested, {available} available"
            for sku, requested, available in shortages
        )
        super().__init__(f"Not enough stock for {detail}")
        self.args = (shortages,)


class ProductError(DomainError):
    """A product that would not be well-formed (a SKU with a slash, a duplicate SKU)."""

    code = "invalid_product"
