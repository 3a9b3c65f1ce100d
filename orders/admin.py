"""Orders are read in the admin and changed only through ``orders.services``.

Money, status, totals and address snapshots are read-only; staff may edit the order's notes and
promised ship date, and confirm or cancel orders with actions that call the services.
"""

from collections.abc import Callable

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from core.admin import ReadOnlyAdminMixin, ReadOnlyInline
from core.exceptions import DomainError
from core.roles import VIEW_CUSTOMERS
from inventory.search import with_sku

from . import services
from .models import (
    Allocation,
    CustomerOrderTotals,
    Order,
    OrderEvent,
    OrderLine,
    SalesChannel,
    TaxRate,
)
from .numbers import parse_order_number
from .search import matching_orders

TIMESTAMPS = ("created_at", "updated_at")
ADMIN_CANCEL_REASON = "Cancelled from admin"


class SearchByOrderOrSku:
    """Admin search of rows that belong to an order line: by the order's number or the line's
    SKU, exactly, each on an index (the search box of the Django admin would otherwise OR an
    icontains over joined tables and read every row)."""

    order_path = "order"
    sku_path = "product"

    def get_search_results(self, request, queryset: QuerySet, search_term: str):
        text = search_term.strip()
        if not text:
            return queryset, False
        if number := parse_order_number(text):
            by_number = queryset.filter(**{f"{self.order_path}__number": number})
            if by_number.exists():
                return by_number, False
        if not self.sku_path:
            return queryset.none(), False
        products = with_sku(text).values_list("pk", flat=True)
        return queryset.filter(**{f"{self.sku_path}__in": list(products)}), False


@admin.register(SalesChannel)
class SalesChannelAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "currency", "capture_policy", "is_active")
    list_filter = ("kind", "is_active", "currency", "capture_policy")
    search_fields = ("code", "name")
    ordering = ("name",)
    readonly_fields = TIMESTAMPS
    fields = (
        "code",
        "name",
        "kind",
        "currency",
        "is_active",
        "capture_policy",
        "allow_unpaid_confirmation",
        "deferred_payment_methods",
        "never_split",
        "excluded_locations",
        *TIMESTAMPS,
    )
    filter_horizontal = ("excluded_locations",)


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ("country", "region", "rate", "percent", "name")
    list_filter = ("country",)
    search_fields = ("country", "region", "name")
    ordering = ("country", "region")

    @admin.display(description="percent", ordering="rate")
    def percent(self, obj: TaxRate) -> str:
        return f"{obj.rate * 100:.2f}%"


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = (
        "sku",
        "name",
        "quantity",
        "unit_price",
        "discount",
        "tax_rate",
        "tax_amount",
        "line_total",
        "quantity_allocated",
        "quantity_backordered",
        "quantity_shipped",
        "quantity_returned",
    )
    ordering = ("pk",)


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ("created_at", "type", "message", "actor")
    ordering = ("-created_at", "-pk")
    verbose_name_plural = "timeline (newest first)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


def _format_address(snapshot: dict, *, phone: bool = True) -> str:
    if not snapshot:
        return "—"
    city_line = " ".join(
        part for part in (snapshot.get("postal_code"), snapshot.get("city")) if part
    )
    parts = [
        snapshot.get("name"),
        snapshot.get("line1"),
        snapshot.get("line2"),
        city_line,
        snapshot.get("region"),
        snapshot.get("country"),
        snapshot.get("phone") if phone else None,
    ]
    return format_html_join(mark_safe("<br>"), "{}", ((part,) for part in parts if part))


ORDER_READONLY = (
    "number",
    "channel",
    "external_id",
    "customer",
    "email",
    "status",
    "payment_status",
    "fulfilment_status",
    "currency",
    "subtotal",
    "discount_total",
    "shipping_total",
    "tax_total",
    "total",
    "placed_at",
    "shipping_address_display",
    "billing_address_display",
    "allocations_summary",
    "hold_reason",
    "hold_note",
    "held_by",
    "status_before_hold",
    "cancel_reason",
    *TIMESTAMPS,
)
# Customer data, for users who may see customer records: the rest (Warehouse) ship to the name
# and address on the order and see those only. Each field is dropped, or swapped for its
# replacement, in the form, the list and the search.
CUSTOMER_DATA = {
    "customer": None,
    "email": None,
    "billing_address_display": None,
    "shipping_address_display": "ship_to_display",
    "customer__email": None,
    "customer__name": None,
}


def _without_customer_data(fields) -> tuple[str, ...]:
    return tuple(
        CUSTOMER_DATA.get(field, field) for field in fields if CUSTOMER_DATA.get(field, field)
    )


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "placed_at",
        "customer",
        "channel",
        "status",
        "payment_status",
        "fulfilment_status",
        "total",
        "currency",
    )
    list_filter = (
        "status",
        "payment_status",
        "fulfilment_status",
        "channel",
        "hold_reason",
        "placed_at",
    )
    list_select_related = ("customer", "channel")
    search_fields = ("number", "external_id", "customer__email", "customer__name")  # see below
    search_help_text = "Order number, channel order id, SKU, channel, or a customer's e-mail, name"
    ordering = ("-placed_at", "-pk")
    # No date_hierarchy: its year links are a DISTINCT over every row (0.26 s at 1M orders);
    # the date filter's ranges are read on the index.
    show_full_result_count = False
    list_per_page = 50
    readonly_fields = (*ORDER_READONLY, "ship_to_display")
    fieldsets = (
        (None, {"fields": ("number", "channel", "external_id", "customer", "email", "placed_at")}),
        ("Status", {"fields": ("status", "payment_status", "fulfilment_status")}),
        (
            "Hold and cancellation",
            {
                "fields": (
                    "hold_reason",
                    "hold_note",
                    "held_by",
                    "status_before_hold",
                    "cancel_reason",
                ),
                "classes": ("collapse",),
            },
        ),
        (
            "Money",
            {
                "fields": (
                    "currency",
                    "subtotal",
                    "discount_total",
                    "shipping_total",
                    "tax_total",
                    "total",
                )
            },
        ),
        ("Addresses", {"fields": ("shipping_address_display", "billing_address_display")}),
        ("Stock", {"fields": ("allocations_summary",)}),
        ("Editable", {"fields": ("promised_ship_date", "notes")}),
        ("Record", {"fields": TIMESTAMPS, "classes": ("collapse",)}),
    )
    inlines = (OrderLineInline, OrderEventInline)
    actions = ("confirm_selected_orders", "cancel_selected_orders")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("customer", "channel")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.has_perm(VIEW_CUSTOMERS):
            return fieldsets
        return [
            (name, {**options, "fields": _without_customer_data(options["fields"])})
            for name, options in fieldsets
        ]

    def get_list_display(self, request):
        list_display = super().get_list_display(request)
        if request.user.has_perm(VIEW_CUSTOMERS):
            return list_display
        return _without_customer_data(list_display)

    def get_search_results(self, request, queryset, search_term):
        """The dashboard's search (``orders.search``); by e-mail or phone only for those who may
        see customers."""
        by_contact = request.user.has_perm(VIEW_CUSTOMERS)
        return matching_orders(queryset, search_term, by_contact=by_contact), False

    # Orders are placed through the service (dashboard, API, channels), never hand-built here,
    # and never deleted: deleting would strand their reserved stock.
    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        """Write only the fields edited here, so a service's concurrent change is never undone."""
        if not change:  # unreachable while adding is refused; kept for safety
            super().save_model(request, obj, form, change)
        elif form.changed_data:
            obj.save(update_fields=[*form.changed_data, "updated_at"])

    def has_confirm_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("orders.confirm_order")

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("orders.cancel_order")

    @admin.display(description="ship to")
    def shipping_address_display(self, obj: Order) -> str:
        return _format_address(obj.shipping_address)

    @admin.display(description="ship to")
    def ship_to_display(self, obj: Order) -> str:
        return _format_address(obj.shipping_address, phone=False)

    @admin.display(description="bill to")
    def billing_address_display(self, obj: Order) -> str:
        return _format_address(obj.billing_address)

    @admin.display(description="reserved stock")
    def allocations_summary(self, obj: Order) -> str:
        rows = (
            Allocation.objects.filter(line__order=obj)
            .order_by("line_id", "location__priority", "location__code")
            .values_list("quantity", "line__sku", "location__code")
        )
        lines = [(f"{quantity} × {sku} @ {code}",) for quantity, sku, code in rows]
        if not lines:
            return "No units reserved."
        return format_html_join(mark_safe("<br>"), "{}", lines)

    def _run_on_each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Order],
        operation: Callable[[Order], object],
        done: str,
    ) -> None:
        """Call the service once per order, each in its own transaction; report every outcome."""
        for order in queryset.order_by("pk"):
            try:
                operation(order)
            except DomainError as error:
                self.message_user(request, f"{order.number}: {error}", messages.WARNING)
            else:
                self.message_user(request, f"{order.number} {done}.", messages.SUCCESS)

    @admin.action(permissions=["confirm"], description="Confirm selected orders")
    def confirm_selected_orders(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._run_on_each(
            request,
            queryset,
            lambda order: services.confirm_order(order=order, actor=request.user),
            "confirmed",
        )

    @admin.action(permissions=["cancel"], description="Cancel selected orders")
    def cancel_selected_orders(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._run_on_each(
            request,
            queryset,
            lambda order: services.cancel_order(
                order=order, reason=ADMIN_CANCEL_REASON, actor=request.user
            ),
            "cancelled",
        )


@admin.register(OrderLine)
class OrderLineAdmin(SearchByOrderOrSku, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "order",
        "sku",
        "name",
        "quantity",
        "unit_price",
        "line_total",
        "quantity_allocated",
        "quantity_backordered",
        "quantity_shipped",
        "quantity_returned",
    )
    list_select_related = ("order",)
    search_fields = ("sku", "order__number")
    ordering = ("-pk",)
    show_full_result_count = False
    fields = (
        "order",
        "product",
        "sku",
        "name",
        "quantity",
        "unit_price",
        "discount",
        "tax_rate",
        "tax_amount",
        "line_total",
        "net_total",
        "quantity_allocated",
        "quantity_backordered",
        "quantity_shipped",
        "quantity_returned",
    )
    readonly_fields = ("net_total",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order", "product")

    @admin.display(description="net total")
    def net_total(self, obj: OrderLine):
        return obj.net_total


@admin.register(Allocation)
class AllocationAdmin(SearchByOrderOrSku, ReadOnlyAdminMixin, admin.ModelAdmin):
    order_path, sku_path = "line__order", "line__product"

    list_display = ("order_number", "sku", "location", "quantity")
    list_filter = ("location",)
    list_select_related = ("line__order", "location")
    search_fields = ("line__sku", "line__order__number")
    ordering = ("-pk",)
    show_full_result_count = False
    fields = ("order_number", "line", "location", "quantity")
    readonly_fields = ("order_number",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("line__order", "location")

    @admin.display(description="order", ordering="line__order__number")
    def order_number(self, obj: Allocation) -> str:
        return obj.line.order.number

    @admin.display(description="SKU", ordering="line__sku")
    def sku(self, obj: Allocation) -> str:
        return obj.line.sku


@admin.register(OrderEvent)
class OrderEventAdmin(SearchByOrderOrSku, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The order timeline, like the stock ledger: browse it, never rewrite it."""

    sku_path = ""  # events belong to orders, not lines

    list_display = ("created_at", "order", "type", "message", "actor")
    list_filter = ("type", "created_at")
    list_select_related = ("order", "actor")
    search_fields = ("order__number",)
    ordering = ("-created_at", "-pk")
    # No date_hierarchy: its year links are a DISTINCT over every row (0.26 s at 1M orders);
    # the date filter's ranges are read on the index.
    show_full_result_count = False
    fields = ("order", "type", "message", "actor", "data", "created_at")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order", "actor")


@admin.register(CustomerOrderTotals)
class CustomerOrderTotalsAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Derived state the database triggers keep: browse it, never edit it."""

    list_display = ("customer", "currency", "order_count", "lifetime_value")
    list_select_related = ("customer",)
    ordering = ("-pk",)
    show_full_result_count = False
    fields = ("customer", "currency", "order_count", "lifetime_value")
