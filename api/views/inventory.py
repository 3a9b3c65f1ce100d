"""Products, locations and stock levels to read (``stock:read``); stock adjustments and counts
for ERP sync (``stock:write``), through inventory's ledger services: every change is a ledger
row, and each row is a ``stock.changed`` webhook."""

from django.db.models import QuerySet
from django_filters import CharFilter, FilterSet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.filters import SinceFilter
from inventory import selectors as inventory
from inventory.filters import ProductFilter
from inventory.models import StockLevel

from ..filtering import filtered
from ..idempotency import idempotent
from ..selectors import (
    location_for_api,
    locations_for_list,
    product_for_api,
    products_for_list,
    stock_levels_for_list,
)
from ..serializers.inventory import (
    AdjustIn,
    CountIn,
    CountsIn,
    LocationOut,
    ProductDetailOut,
    ProductOut,
    StockChangeOut,
    StockChangesOut,
    StockLevelOut,
)
from ..services import stock
from .orders import IDEMPOTENCY_KEY


class StockLevelFilter(FilterSet):
    """The stock rows an ERP syncs: of one SKU, at one location, changed since a time."""

    sku = CharFilter(field_name="product__sku")
    location = CharFilter(field_name="location__code")
    # Every write to a level's row sets ``updated_at`` (inventory.services), reservations
    # included. Not indexed: the hottest rows of placing stay HOT-updatable (no index on a
    # column that every reservation changes); a sync reads the table once per poll.
    updated_since = SinceFilter(field_name="updated_at")

    class Meta:
        model = StockLevel
        fields: list[str] = []


PRODUCT_FILTERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="SKU prefix, barcode or part of the name."),
    OpenApiParameter(
        "location", OpenApiTypes.STR, description="Only products with stock at this location."
    ),
    OpenApiParameter(
        "stock",
        OpenApiTypes.STR,
        enum=[inventory.LOW, inventory.OUT],
        description="low: at or below the reorder point; out: none available.",
    ),
    OpenApiParameter("active", OpenApiTypes.BOOL),
]
STOCK_FILTERS = [
    OpenApiParameter("sku", OpenApiTypes.STR),
    OpenApiParameter("location", OpenApiTypes.STR, description="A location's code."),
    OpenApiParameter(
        "updated_since",
        OpenApiTypes.DATETIME,
        description="Rows whose on hand changed (or that were edited) at or after this time; "
        "reservations alone do not count.",
    ),
]


class StockView(generics.GenericAPIView):
    read_scope = "stock:read"
    write_scope = "stock:write"
    staff_permission = "inventory.view_stocklevel"

    def page_of(self, rows: QuerySet) -> Response:
        """One cursor page of ``rows`` in the view's serializer."""
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ProductListView(StockView):
    serializer_class = ProductOut
    staff_permission = "inventory.view_product"

    @extend_schema(parameters=PRODUCT_FILTERS, responses=ProductOut(many=True))
    def get(self, request: Request) -> Response:
        """As the dashboard's product list, with stock totals over every location."""
        return self.page_of(filtered(ProductFilter, request, products_for_list(), sorts=("sort",)))


class ProductDetailView(StockView):
    serializer_class = ProductDetailOut
    staff_permission = "inventory.view_product"

    def get(self, request: Request, sku: str) -> Response:
        """The product with its stock at each location: on hand, reserved, available."""
        return Response(ProductDetailOut(product_for_api(sku)).data)


class LocationListView(StockView):
    serializer_class = LocationOut
    staff_permission = "inventory.view_location"

    @extend_schema(responses=LocationOut(many=True))
    def get(self, request: Request) -> Response:
        return self.page_of(locations_for_list())


class LocationDetailView(StockView):
    serializer_class = LocationOut
    staff_permission = "inventory.view_location"

    def get(self, request: Request, code: str) -> Response:
        return Response(LocationOut(location_for_api(code)).data)


class StockLevelListView(StockView):
    serializer_class = StockLevelOut

    @extend_schema(parameters=STOCK_FILTERS, responses=StockLevelOut(many=True))
    def get(self, request: Request) -> Response:
        """Stock per product and location, for ERP sync."""
        return self.page_of(filtered(StockLevelFilter, request, stock_levels_for_list()))


def parsed(serializer_class: type[serializers.Serializer], request: Request) -> dict:
    payload = serializer_class(data=request.data)
    payload.is_valid(raise_exception=True)
    return payload.validated_data


class AdjustStockView(StockView):
    serializer_class = StockChangeOut

    @extend_schema(request=AdjustIn, responses=StockChangeOut, parameters=[IDEMPOTENCY_KEY])
    @idempotent
    def post(self, request: Request) -> Response:
        """Change on hand by `delta` with a reason; refused (409) below what is reserved."""
        change = stock.adjust(data=parsed(AdjustIn, request), user=request.user)
        return Response(StockChangeOut(change).data)


class SetStockView(StockView):
    serializer_class = StockChangeOut

    @extend_schema(request=CountIn, responses=StockChangeOut, parameters=[IDEMPOTENCY_KEY])
    @idempotent
    def post(self, request: Request) -> Response:
        """Set on hand to the counted figure; the ledger records the difference (no row when
        the count matches). A count below what is reserved is refused (422, field on_hand)."""
        (change,) = stock.count(counts=[parsed(CountIn, request)], user=request.user)
        return Response(StockChangeOut(change).data)


class CountStockView(StockView):
    serializer_class = StockChangesOut

    @extend_schema(request=CountsIn, responses=StockChangesOut, parameters=[IDEMPOTENCY_KEY])
    @idempotent
    def post(self, request: Request) -> Response:
        """Many counts at once, all or nothing: an error names the item (`counts[3].on_hand`)."""
        counts = parsed(CountsIn, request)["counts"]
        changes = stock.count(counts=counts, user=request.user, bulk=True)
        return Response(StockChangesOut({"results": changes}).data)
