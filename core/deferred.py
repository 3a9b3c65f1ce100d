"""Eager Celery tasks queued during a request run after its response, not inside it.

In eager mode (the demo: no broker) ``task.delay()`` runs the task on the spot, so a task queued
with ``delay_on_commit`` by a view (the order e-mail, rendered and sent) made the person who
placed the order wait for it. Here every request collects the eager tasks it queues and runs
them once its response is closed (Django's ``request_finished``: WSGI servers close the
response after sending it, and the test client does so before it returns, so tests still see
the tasks' effects). With a broker, or outside a request (commands, the shell, a worker,
service tests), tasks run exactly as Celery runs them.

The celery app makes ``Task`` its task base class (``oms/celery.py``); ``CoreConfig.ready``
connects the request signals. Runs on the request's own thread (a context variable), so it
assumes the WSGI handler, which sends both signals there.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from typing import Any

from celery.contrib.django.task import DjangoTask
from celery.utils import uuid
from django.conf import settings
from django.core.signals import request_finished, request_started

_deferred: ContextVar[list[Callable[[], Any]] | None] = ContextVar("deferred_tasks", default=None)


class Task(DjangoTask):
    """Celery's Django task (``delay_on_commit``) that, eager inside a collecting scope, waits
    for the scope to end."""

    def apply_async(self, args=None, kwargs=None, task_id=None, **options):
        pending = _deferred.get()
        if pending is None or not self.app.conf.task_always_eager:
            return super().apply_async(args, kwargs, task_id=task_id, **options)
        task_id = task_id or uuid()
        pending.append(partial(super().apply_async, args, kwargs, task_id=task_id, **options))
        return self.AsyncResult(task_id)


def start_collecting() -> None:
    """From now on this thread's eager tasks wait for ``run_collected``."""
    run_collected()  # a previous scope that was never finished still runs its tasks
    _deferred.set([])


def run_collected() -> None:
    """Run the tasks collected so far, in the order they were queued, and stop collecting.

    Tasks they queue run at once. An eager task records its own failure unless eager
    propagation is on (the tests), where the failure fails the request as it always did.
    """
    pending = _deferred.get() or []
    _deferred.set(None)
    for run in pending:
        run()


@contextmanager
def collected_tasks() -> Iterator[list[Callable[[], Any]]]:
    """Collect the eager tasks queued in the block and hand them back unrun (benchmarks time
    a service without its follow-up work, which a worker or the end of a request does)."""
    pending: list[Callable[[], Any]] = []
    token = _deferred.set(pending)
    try:
        yield pending
    finally:
        _deferred.reset(token)


def _on_request_started(**_: Any) -> None:
    if settings.OMS_DEFER_EAGER_TASKS:
        start_collecting()


def _on_request_finished(**_: Any) -> None:
    run_collected()


def connect_request_signals() -> None:
    request_started.connect(_on_request_started, dispatch_uid="core.deferred.start")
    request_finished.connect(_on_request_finished, dispatch_uid="core.deferred.finish")
