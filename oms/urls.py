from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core.views import healthz

admin.site.site_header = "OMS back office"
admin.site.site_title = "OMS"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Password reset by e-mail: Django's views, our templates (templates/registration/).
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("orders/", include("orders.urls")),
    path("inventory/", include("inventory.urls")),
    path("customers/", include("customers.urls")),
    path("payments/", include("payments.urls")),
    path("shipping/", include("shipping.urls")),
    path("api/v1/", include("api.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("imports/", include("importer.urls")),
    path("notifications/", include("notifications.urls")),
    path("reports/", include("reports.urls")),
    path("queues/", include("queues.urls")),
    path("digests/", include("digests.urls")),
    path("documents/", include("documents.urls")),
    # the customer's order-status page: public, opened by the signed link in every e-mail
    path("status/", include("portal.urls")),
    path("", include("backoffice.urls")),
]

handler403 = "backoffice.views.permission_denied"
handler404 = "backoffice.views.page_not_found"
