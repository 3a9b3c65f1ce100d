"""Real Celery worker processes for tests: the code a deployment runs, on the test database."""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

from celery import Celery
from django.db import connection

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def worker_database_url() -> str:
    """The test database, as a DATABASE_URL for a process of its own."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


class WorkerProcesses:
    """``celery worker`` processes consuming one fresh queue, so parallel runs never meet.

    Each runs the pool production runs, prefork (one child here): the child runs the task while
    the parent talks to the broker. Each is a process group of its own, to be killed whole.
    """

    def __init__(self) -> None:
        self.queue = f"test-{uuid.uuid4().hex[:8]}"
        self.processes: list[subprocess.Popen] = []

    def start(
        self, *, broker_url: str, result_backend: str = "", env: Mapping[str, str] | None = None
    ) -> subprocess.Popen:
        """Start a worker; ``env`` adds settings (environment variables) of its own."""
        worker_env = os.environ | {
            "DATABASE_URL": worker_database_url(),
            "CELERY_BROKER_URL": broker_url,
            "REDIS_URL": result_backend,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            **(env or {}),
        }
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "oms",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-Q",
                self.queue,
                "-n",  # a node name of its own: no remote-control mailbox shared with others
                f"{self.queue}-{len(self.processes)}@%h",
                "-l",
                "warning",
            ],
            cwd=PROJECT_ROOT,
            env=worker_env,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        """SIGKILL a worker and its pool children at once, as when its container dies."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        """Kill every worker left.

        They are idle by now, and a warm shutdown waits for the event loop to wake up, up to
        10 s on RabbitMQ.
        """
        for process in self.processes:
            self.kill(process)


def broker_client(broker_url: str, result_backend: str | None = None) -> Celery:
    """A Celery app that sends tasks to the workers.

    Not made the current app: the shared tasks of every later test would follow it to the
    broker instead of running eagerly.
    """
    return Celery(broker=broker_url, backend=result_backend, set_as_current=False)


def wait_until(condition: Callable[[], bool], *, timeout: float, interval: float = 0.1) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; returns whether it held."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True
