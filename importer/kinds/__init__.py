"""The kinds of CSV import, by ``ImportJob.kind``."""

from .base import ImportKind
from .catalogue import CustomersImport, ProductsImport
from .orders import OrdersImport
from .stock import StockImport

KINDS: dict[str, ImportKind] = {
    kind.name: kind for kind in (ProductsImport(), CustomersImport(), StockImport(), OrdersImport())
}
