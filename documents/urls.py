from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("orders/<str:number>/", views.order_panel, name="order_panel"),
    path("orders/<str:number>/issue/", views.issue, name="issue"),
    path("orders/<str:number>/reissue/", views.reissue, name="reissue"),
    path("<int:document_id>/download/", views.download, name="download"),
    path("<int:document_id>/reissue/", views.reissue_copy, name="reissue_copy"),
]
