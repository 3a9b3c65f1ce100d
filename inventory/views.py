from collections.abc import Callable, Iterable
from html import escape

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Paginator
from django.db.models import F
from django.forms import ModelChoiceField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from core.csv_export import exports, filtered_export
from core.exceptions import DomainError
from core.idempotency import run_posted
from core.pagination import capped_count_label, keyset_page
from core.permissions import staff_view
from core.references import reference_url
from core.rows import safe_rows
from core.templatetags.oms import when

from . import selectors, services
from .filters import LedgerFilter, ProductFilter
from .forms import StockAdjustmentForm, WriteOffForm
from .models import Location, Product, StockLevel, StockMovement

PRODUCTS_PER_PAGE = 50
LEDGER_PER_PAGE = 25
SORTABLE = ("sku", "name", "available")
DETAIL = "inventory/product_detail.html"


# --- product list ---------------------------------------------------------------------------


def _next_sort(current: str) -> dict[str, str]:
    """For each sortable column, the sort a click on its header asks for (toggles direction)."""
    return {field: f"-{field}" if current == field else field for field in SORTABLE}


@staff_view("inventory.view_product")
def product_list(request: HttpRequest) -> HttpResponse:
    locations = selectors.active_locations()
    product_filter = ProductFilter(request.GET, queryset=selectors.products_with_stock(locations))
    page = Paginator(product_filter.qs, PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_location_stock(page.object_list, locations)
    sort = request.GET.get("sort", "")
    context = {
        "filter": product_filter,
        "page": page,
        "locations": locations,
        "sort": sort,
        "next_sort": _next_sort(sort),
        "currency": settings.OMS_DEFAULT_CURRENCY,
    }
    template = "inventory/product_list.html"
    return render(request, f"{template}#product-table" if request.htmx else template, context)


PRODUCT_COLUMNS = (
    ("sku", "sku"),
    ("name", "name"),
    ("barcode", "barcode"),
    ("active", "is_active"),
    ("unit_price", "unit_price"),
    ("on_hand", "on_hand_total"),
    ("reserved", "reserved_total"),
    ("available", "available_total"),
    ("reorder_point", "reorder_point"),
)


@staff_view("inventory.view_product")
@require_GET
@exports("inventory:product_list")
def product_export(request: HttpRequest) -> HttpResponse:
    """The filtered products as CSV, with what is available at each active location."""
    locations = selectors.active_locations()
    per_location = [
        (f"available_{location.code}", F(f"on_hand_{location.pk}") - F(f"reserved_{location.pk}"))
        for location in locations
    ]
    return filtered_export(
        request,
        ProductFilter,
        selectors.products_with_stock(locations),
        name="products",
        columns=[*PRODUCT_COLUMNS, *per_location],
    )


# --- product detail -------------------------------------------------------------------------


# The stock and ledger tables' rows, each formatted in one pass (see core/rows.py).
STOCK_ROW = (
    "<tr>\n"
    '<td><strong>{code}</strong> <span class="muted">{name}</span>{inactive}</td>\n'
    "<td>{kind}</td>\n"
    '<td class="num">{priority}</td>\n'
    '<td class="num">{on_hand}</td>\n'
    '<td class="num">{reserved}</td>\n'
    '<td class="num">{available}</td>\n'
    "</tr>\n"
)
INACTIVE = ' <span class="badge badge-muted">Inactive</span>'
KINDS = {value: escape(label) for value, label in Location.Kind.choices}
REASONS = {value: escape(label) for value, label in StockMovement.Reason.choices}
REFERENCE_LINK = '<a href="{}">{}</a>'
NO_REFERENCE = "—"
LEDGER_ROW = (
    "<tr>\n"
    '<td class="nowrap">{created}</td>\n'
    "<td>{location}</td>\n"
    "<td>{reason}</td>\n"
    '<td class="num">{quantity:+d}</td>\n'
    '<td class="nowrap">{reference}</td>\n'
    "<td>{user}</td>\n"
    "<td>{note}</td>\n"
    "</tr>\n"
)


def _stock_rows(levels: Iterable[StockLevel]) -> list[SafeString]:
    return safe_rows(
        STOCK_ROW.format(
            code=escape(level.location.code),
            name=escape(level.location.name),
            inactive="" if level.location.is_active else INACTIVE,
            kind=KINDS[level.location.kind],
            priority=level.location.priority,
            on_hand=level.on_hand,
            reserved=level.reserved,
            available=level.available,
        )
        for level in levels
    )


def _ledger_rows(movements: Iterable[StockMovement]) -> list[SafeString]:
    return safe_rows(
        LEDGER_ROW.format(
            created=when(movement.created_at),
            location=escape(movement.location.code),
            reason=REASONS[movement.reason],
            quantity=movement.quantity,
            reference=_reference_cell(movement.reference),
            user=escape(movement.user.get_username()) if movement.user else "system",
            note=escape(movement.note),
        )
        for movement in movements
    )


def _reference_cell(reference: str) -> str:
    """``{% reference_link %}``: a link when an app claims the number, else the text, or —."""
    if not reference:
        return NO_REFERENCE
    url = reference_url(reference)
    text = escape(reference)
    return REFERENCE_LINK.format(escape(url), text) if url else text


def _stock_context(request: HttpRequest, product: Product) -> dict:
    stock = selectors.stock_summary(product)
    return {"stock": stock, "stock_rows": _stock_rows(stock.levels)}


def _ledger_context(request: HttpRequest, product: Product) -> dict:
    """One page of the filtered ledger by keyset, and a capped count: the same cost on the
    last page of 200,000 movements as on the first."""
    ledger_filter = LedgerFilter(request.GET, queryset=selectors.stock_ledger(product))
    page = keyset_page(
        ledger_filter.qs,
        sort=selectors.LEDGER_SORT,
        per_page=LEDGER_PER_PAGE,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    return {
        "ledger_filter": ledger_filter,
        "ledger_page": page,
        "ledger_rows": _ledger_rows(page.rows),
        "ledger_count": capped_count_label(ledger_filter.qs, noun="movement"),
    }


def _adjust_context(
    request: HttpRequest,
    form: StockAdjustmentForm | None = None,
    error: str = "",
    success: str = "",
) -> dict:
    if not request.user.has_perm("inventory.adjust_stock"):
        return {}
    return {
        "adjust_form": form or StockAdjustmentForm(),
        "adjust_error": error,
        "adjust_success": success,
    }


def _write_off_context(
    request: HttpRequest,
    product: Product,
    form: WriteOffForm | None = None,
    error: str = "",
    success: str = "",
) -> dict:
    if not request.user.has_perm("inventory.adjust_stock"):
        return {}
    return {
        "write_off_form": form or WriteOffForm(product=product),
        "write_off_error": error,
        "write_off_success": success,
    }


# Panels of the detail page that refresh themselves: the id htmx sends as HX-Target → context.
PANELS: dict[str, Callable[[HttpRequest, Product], dict]] = {
    "stock-panel": _stock_context,
    "ledger": _ledger_context,
}


def _render_detail_page(
    request: HttpRequest, product: Product, *, write_off: dict | None = None, **adjust
) -> HttpResponse:
    stock = _stock_context(request, product)
    # Only reserved units can be written off: without any, the page shows no such form.
    reserved = stock["stock"].reserved
    context = {
        "product": product,
        "currency": settings.OMS_DEFAULT_CURRENCY,
        **stock,
        **_ledger_context(request, product),
        **_adjust_context(request, **adjust),
        **(_write_off_context(request, product, **(write_off or {})) if reserved else {}),
    }
    _draw_location_selects(context)
    return render(request, DETAIL, context)


def _draw_location_selects(context: dict) -> None:
    """The ledger filter's and the adjustment's location selects, drawn from one read of the
    locations instead of a query each. Only their options: each field still checks a code
    that comes back against its own queryset."""
    locations = selectors.all_locations()
    _offer(context["ledger_filter"].form.fields["location"], locations)
    if adjust_form := context.get("adjust_form"):
        active = [location for location in locations if location.is_active]
        _offer(adjust_form.fields["location"], active)


def _offer(field: ModelChoiceField, locations: Iterable[Location]) -> None:
    """The options the field's own query would draw: its empty label, then code → label."""
    options = [(location.code, field.label_from_instance(location)) for location in locations]
    field.widget.choices = [("", field.empty_label), *options]


@staff_view("inventory.view_product")
def product_detail(request: HttpRequest, sku: str) -> HttpResponse:
    product = selectors.product_for_detail(sku)
    panel = request.htmx.target if request.htmx else None
    if panel in PANELS:
        context = {"product": product, **PANELS[panel](request, product)}
        return render(request, f"{DETAIL}#{panel}", context)
    return _render_detail_page(request, product)


LEDGER_EXPORT_COLUMNS = (
    ("created_at", "created_at"),
    ("location", "location__code"),
    ("reason", "reason"),
    ("quantity", "quantity"),
    ("reference", "reference"),
    ("user", "user__username"),
    ("note", "note"),
)


@staff_view("inventory.view_product")
@require_GET
@exports("inventory:product_detail")
def ledger_export(request: HttpRequest, sku: str) -> HttpResponse:
    """The product's whole stock ledger (at the location picked), newest first."""
    product = selectors.product_for_detail(sku)
    return filtered_export(
        request,
        LedgerFilter,
        selectors.stock_ledger(product),
        name=f"ledger-{product.sku}",
        columns=LEDGER_EXPORT_COLUMNS,
        keyset_sort=selectors.LEDGER_SORT,
    )


# --- stock adjustment -----------------------------------------------------------------------


def _apply_adjustment(product: Product, data: dict, user: AbstractBaseUser) -> str:
    """Record the adjustment and return the message that confirms it.

    Backorders that new stock fills show in the orders panel, which ``stockChanged`` refreshes.
    """
    movement = services.adjust_stock(
        product=product,
        location=data["location"],
        quantity=data["quantity"],
        reason=data["reason"],
        note=data["note"].strip(),
        user=user,
    )
    return (
        f"Recorded {movement.quantity:+d} × {product.sku} at {movement.location.code} "
        f"({movement.get_reason_display().lower()})."
    )


@staff_view("inventory.view_product", "inventory.adjust_stock")
@require_POST
def stock_adjust(request: HttpRequest, sku: str) -> HttpResponse:
    product = selectors.product_for_detail(sku)
    form = StockAdjustmentForm(request.POST)
    error = success = ""
    if form.is_valid():
        try:
            # A second post of the same form (a double click) adjusts nothing more.
            outcome = run_posted(
                request,
                scope=f"inventory.adjust:{product.pk}",
                work=lambda: {
                    "message": _apply_adjustment(product, form.cleaned_data, request.user)
                },
            )
            success = outcome.result["message"]
        except DomainError as domain_error:
            error = domain_error.message
    if not request.htmx:
        if success:
            messages.success(request, success)
            return redirect("inventory:product_detail", sku=product.sku)
        return _render_detail_page(request, product, form=form, error=error)
    fresh_form = None if success else form
    context = {
        "product": product,
        **_adjust_context(request, form=fresh_form, error=error, success=success),
    }
    response = render(request, f"{DETAIL}#adjust-panel", context)
    return trigger_client_event(response, "stockChanged") if success else response


# --- writing off reserved stock -------------------------------------------------------------


def _apply_write_off(product: Product, data: dict, user: AbstractBaseUser) -> str:
    """Write the units off; the orders that held them are re-sourced or backordered (their
    timelines say which) and the product's backorders panel shows it after ``stockChanged``."""
    movement = services.write_off_reserved(
        product=product,
        location=data["location"],
        quantity=data["quantity"],
        reason=data["reason"],
        user=user,
    )
    return (
        f"Wrote off {-movement.quantity} reserved × {product.sku} at {movement.location.code} "
        f"({data['reason']}); the orders holding them were re-sourced or backordered."
    )


@staff_view("inventory.view_product", "inventory.adjust_stock")
@require_POST
def write_off_reserved(request: HttpRequest, sku: str) -> HttpResponse:
    product = selectors.product_for_detail(sku)
    form = WriteOffForm(request.POST, product=product)
    error = success = ""
    if form.is_valid():
        try:
            # A second post of the same form (a double click) writes off nothing more.
            outcome = run_posted(
                request,
                scope=f"inventory.write_off:{product.pk}",
                work=lambda: {
                    "message": _apply_write_off(product, form.cleaned_data, request.user)
                },
            )
            success = outcome.result["message"]
        except DomainError as domain_error:
            error = domain_error.message
    if not request.htmx:
        if success:
            messages.success(request, success)
            return redirect("inventory:product_detail", sku=product.sku)
        return _render_detail_page(request, product, write_off={"form": form, "error": error})
    fresh_form = None if success else form
    context = {
        "product": product,
        **_write_off_context(request, product, form=fresh_form, error=error, success=success),
    }
    response = render(request, f"{DETAIL}#write-off-panel", context)
    return trigger_client_event(response, "stockChanged") if success else response
