from django.urls import path

from . import views

app_name = "inventory"
urlpatterns = [
    path("", views.product_list, name="product_list"),
    path("export.csv", views.product_export, name="product_export"),
    path("<str:sku>/", views.product_detail, name="product_detail"),
    path("<str:sku>/ledger/export.csv", views.ledger_export, name="ledger_export"),
    path("<str:sku>/adjust/", views.stock_adjust, name="adjust"),
    path("<str:sku>/write-off/", views.write_off_reserved, name="write_off"),
]
