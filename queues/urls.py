from django.urls import path

from core.queues import all_queues, autodiscover

from . import views

app_name = "queues"

autodiscover()  # the queues' URLs are made from their definitions
urlpatterns = [path("", views.index, name="index")]
for _queue in all_queues():
    urlpatterns += [
        path(f"{_queue.slug}/", views.queue_page(_queue), name=_queue.slug),
        path(f"{_queue.slug}/export.csv", views.queue_export(_queue), name=f"{_queue.slug}-export"),
        path(
            f"{_queue.slug}/<int:item_id>/owner/",
            views.queue_assign(_queue),
            name=f"{_queue.slug}-assign",
        ),
    ]
