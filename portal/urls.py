from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("<str:token>/", views.order_status, name="order_status"),
    path("<str:token>/documents/<int:document_id>/", views.document, name="document"),
]
