from django.conf import settings
from django.urls import path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override, csp_report_only_override
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from .views import customers, inventory, orders, payments, shipments

# Swagger UI and Redoc style their pages inline and Redoc renders in a blob: worker; their
# scripts still come from our static files only (the Swagger UI set-up is a separate script).
DOCS_CSP = settings.CONTENT_SECURITY_POLICY | {
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "worker-src": [CSP.SELF, "blob:"],
}
docs_csp = (csp_override if settings.SECURE_CSP else csp_report_only_override)(DOCS_CSP)

app_name = "api"
urlpatterns = [
    path("orders/", orders.OrderListView.as_view(), name="orders"),
    path("orders/<str:number>/", orders.OrderDetailView.as_view(), name="order"),
    path("orders/<str:number>/cancel/", orders.CancelOrderView.as_view(), name="order_cancel"),
    path("orders/<str:number>/hold/", orders.HoldOrderView.as_view(), name="order_hold"),
    path("orders/<str:number>/release/", orders.ReleaseOrderView.as_view(), name="order_release"),
    path("orders/<str:number>/confirm/", orders.ConfirmOrderView.as_view(), name="order_confirm"),
    # --- products, stock levels, locations ---
    path("products/", inventory.ProductListView.as_view(), name="products"),
    path("products/<str:sku>/", inventory.ProductDetailView.as_view(), name="product"),
    path("locations/", inventory.LocationListView.as_view(), name="locations"),
    path("locations/<str:code>/", inventory.LocationDetailView.as_view(), name="location"),
    path("stock/", inventory.StockLevelListView.as_view(), name="stock"),
    path("stock/adjust/", inventory.AdjustStockView.as_view(), name="stock_adjust"),
    path("stock/set/", inventory.SetStockView.as_view(), name="stock_set"),
    path("stock/counts/", inventory.CountStockView.as_view(), name="stock_counts"),
    # --- customers ---
    path("customers/", customers.CustomerListView.as_view(), name="customers"),
    path("customers/<int:pk>/", customers.CustomerDetailView.as_view(), name="customer"),
    # --- payments ---
    path("payments/", payments.PaymentListView.as_view(), name="payments"),
    path("payments/<int:pk>/", payments.PaymentDetailView.as_view(), name="payment"),
    # --- shipments and tracking ---
    path("shipments/", shipments.ShipmentListView.as_view(), name="shipments"),
    path("shipments/<int:shipment_id>/", shipments.ShipmentDetailView.as_view(), name="shipment"),
    path(
        "shipments/<int:shipment_id>/tracking/",
        shipments.ShipmentTrackingView.as_view(),
        name="shipment_tracking",
    ),
    path("tracking/", shipments.TrackingView.as_view(), name="tracking"),
    # The description of the API, public: it holds no data, and integrators read it before
    # they have a token (a staff-only schema would keep it from the people who need it).
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/", docs_csp(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"
    ),
    path("redoc/", docs_csp(SpectacularRedocView.as_view(url_name="api:schema")), name="redoc"),
]
