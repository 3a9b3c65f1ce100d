from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="overview"),
    path("<slug:slug>/", views.report_detail, name="detail"),
    path("<slug:slug>.csv", views.report_csv, name="csv"),
    path("<slug:slug>.pdf", views.report_pdf, name="pdf"),
]
