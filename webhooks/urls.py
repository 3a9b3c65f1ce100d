from django.urls import path

from . import views

app_name = "webhooks"
urlpatterns = [
    path("", views.subscription_list, name="list"),
    path("export.csv", views.subscription_export, name="export"),
    path("<int:subscription_id>/", views.subscription_detail, name="detail"),
    path(
        "<int:subscription_id>/deliveries/export.csv",
        views.delivery_export,
        name="delivery_export",
    ),
    path("<int:subscription_id>/pause/", views.subscription_pause, name="pause"),
    path("<int:subscription_id>/resume/", views.subscription_resume, name="resume"),
    path("deliveries/<int:delivery_id>/redeliver/", views.delivery_redeliver, name="redeliver"),
]
