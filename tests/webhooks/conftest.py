"""A tiny local HTTP endpoint for webhook deliveries: answers with the status codes it is
given (then 200) and keeps every request it got."""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests import factories


@dataclass
class Endpoint:
    url: str
    answers: list[int] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)


@pytest.fixture
def endpoint(settings):
    """An endpoint on 127.0.0.1, allowed by WEBHOOKS_ALLOWED_HOSTS for the test."""
    settings.WEBHOOKS_ALLOWED_HOSTS = ["127.0.0.1"]
    state = Endpoint(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            status = state.answers.pop(0) if state.answers else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/hooks/oms"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def owner():
    return factories.UserFactory(username="hook-owner", email="owner@staff.example")
