from django.urls import path

from .views import webhooks

app_name = "shipping"
urlpatterns = [
    path("webhooks/<str:carrier>/", webhooks.tracking_webhook, name="tracking_webhook"),
]
