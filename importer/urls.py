from django.urls import path

from . import views

app_name = "importer"
urlpatterns = [
    path("", views.index, name="index"),
    path("export.csv", views.job_export, name="export"),
    path("<int:job_id>/", views.job, name="job"),
    path("<int:job_id>/import/", views.start, name="start"),
    path("templates/<slug:import_kind>.csv", views.csv_template, name="template"),
]
