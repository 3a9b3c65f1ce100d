from django.urls import path

from . import views

app_name = "digests"
urlpatterns = [
    path("", views.subscription_list, name="list"),
    path("export.csv", views.subscription_export, name="export"),
    path("new/", views.subscription_create, name="create"),
    path("<int:digest_id>/", views.subscription_detail, name="detail"),
    path("<int:digest_id>/edit/", views.subscription_edit, name="edit"),
    path("<int:digest_id>/send/", views.subscription_send_now, name="send_now"),
]
