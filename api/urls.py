from django.conf import settings
from django.urls import path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override, csp_report_only_override
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from .views import orders

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
    # --- customers ---
    # --- payments ---
    # --- shipments and tracking ---
    # The description of the API, public: it holds no data, and integrators read it before
    # they have a token (a staff-only schema would keep it from the people who need it).
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/", docs_csp(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"
    ),
    path("redoc/", docs_csp(SpectacularRedocView.as_view(url_name="api:schema")), name="redoc"),
]
