"""The Celery app. Configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")

# Eager tasks queued by a request wait until its response is sent (core/deferred.py).
app = Celery("oms", task_cls="core.deferred:Task")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
