from anymail import urls as anymail_urls
from django.urls import URLPattern, include, path

from . import views

app_name = "notifications"


def _tracking_webhooks() -> list[URLPattern]:
    """anymail's delivery and bounce webhooks, one per provider (not its inbound mail), each
    behind ``views.provider_webhook``: /notifications/anymail/postmark/tracking/…"""
    return [
        URLPattern(pattern.pattern, views.provider_webhook(pattern.callback), name=pattern.name)
        for pattern in anymail_urls.urlpatterns
        if pattern.name.endswith("_tracking_webhook")
    ]


urlpatterns = [
    path("", views.failures, name="list"),
    path("export.csv", views.failure_export, name="export"),
    path("orders/<str:number>/", views.order_panel, name="order_panel"),
    path("<int:notification_id>/", views.message, name="message"),
    path("<int:notification_id>/html/", views.message_html, name="message_html"),
    path("<int:notification_id>/resend/", views.resend, name="resend"),
    path("templates/", views.previews, name="previews"),
    path("templates/<slug:kind>/", views.preview, name="preview"),
    path("templates/<slug:kind>/html/", views.preview_html, name="preview_html"),
    path("anymail/", include((_tracking_webhooks(), "anymail"))),
]
