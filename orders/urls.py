from django.urls import path

from .views import detail, entry, listing, panels, sourcing

app_name = "orders"
urlpatterns = [
    path("", listing.order_list, name="list"),
    path("export.csv", listing.order_export, name="export"),
    path("bulk/", listing.order_bulk_action, name="bulk"),
    path("new/", entry.order_create, name="create"),
    path("new/customers/", entry.customer_search, name="create_customer_search"),
    path("new/products/", entry.product_search, name="create_product_search"),
    path("new/preview/", entry.order_preview, name="create_preview"),
    path("sourcing/replay/", sourcing.sourcing_replay, name="sourcing_replay"),
    path("<str:number>/", detail.order_detail, name="detail"),
    path("<str:number>/confirm/", detail.order_confirm, name="confirm"),
    path("<str:number>/hold/", detail.order_hold, name="hold"),
    path("<str:number>/release/", detail.order_release, name="release"),
    path("<str:number>/cancel/", detail.order_cancel, name="cancel"),
    path("<str:number>/note/", detail.order_note, name="note"),
    path("<str:number>/place/", detail.order_place, name="place"),
    path("<str:number>/address/", detail.order_correct_address, name="correct_address"),
    path("<str:number>/promised-date/", detail.order_promised_date, name="promised_date"),
    path("<str:number>/shipping/", detail.order_shipping_charge, name="shipping_charge"),
    path("<str:number>/edit/", entry.order_edit, name="edit"),
    path("<str:number>/resource/", sourcing.order_resource, name="resource"),
    # Panels of the customer and product pages, which load them by URL (see views/panels.py).
    path("panels/customers/", panels.customer_list_totals, name="customer_list_totals"),
    path("panels/customers/<int:pk>/totals/", panels.customer_totals, name="customer_totals"),
    path("panels/customers/<int:pk>/orders/", panels.customer_orders, name="customer_orders"),
    path(
        "panels/products/<str:sku>/backorders/",
        panels.product_backorders,
        name="product_backorders",
    ),
]
