"""Finding products by what staff type: a SKU or barcode exactly, else the start of a SKU or
part of a name. Each is one indexed query on the products table (the Lower(sku) unique index,
the barcode index, and trigram indexes on UPPER(sku) and UPPER(name))."""

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from .models import Product


def with_sku(text: str) -> QuerySet[Product]:
    """The product whose SKU is text in any case: SKUs are unique ignoring case."""
    return Product.objects.annotate(sku_key=Lower("sku")).filter(sku_key=text.lower())


def product_text_query(text: str) -> Q:
    return Q(sku__istartswith=text) | Q(name__icontains=text) | Q(barcode=text)


def search_products(text: str, limit: int = 5) -> list[Product]:
    """The product with that SKU or barcode; else the first by SKU of those the text finds."""
    exact = with_sku(text) | Product.objects.filter(barcode=text)
    return list(exact.order_by("sku")[:limit]) or list(
        Product.objects.filter(product_text_query(text)).order_by("sku")[:limit]
    )
