from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from core.views import healthz

admin.site.site_header = "OMS back office"
admin.site.site_title = "OMS"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
