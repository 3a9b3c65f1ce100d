from django.urls import path

from . import views

app_name = "shipping"
urlpatterns = [
    path("webhooks/<str:carrier>/", views.tracking_webhook, name="tracking_webhook"),
]
