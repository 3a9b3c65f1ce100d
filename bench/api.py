"""Benchmark of issue 11: API order intake per second, over HTTP, against a one-insert API view
on the same server.

    .venv/bin/python bench/api.py                       # 10 s per view, 2 rounds
    .venv/bin/python bench/api.py --seconds 20 --workers 4 --clients 8 --json /tmp/api.json
    make bench-api ARGS="--seconds 20"

Data: the PostgreSQL database ``oms_bench_api`` (prefix from BENCH_DATABASE_URL, default
``postgres://postgres@127.0.0.1:5432/``), created if missing and migrated; bench/placing.py's
catalogue (a location, a web channel, 50 products with a million units free each, topped up
at every run); the integration ``bench-api`` (orders:read, orders:write) owned by the user
``bench-api``, with a new token at every run. The orders and customers the run creates stay.

Server: gunicorn, ``--workers`` sync workers on a free port of 127.0.0.1, with the settings
``bench.api_settings`` (the product's, whose URLconf adds ``/bench/one-insert/``), DEBUG off,
``OMS_API_RATE`` raised out of the way, and Redis (BENCH_REDIS_URL, default database 12) as
the cache (so every worker counts the throttle in one place, as in production) and as the
Celery broker: the tasks an order queues (its e-mail) are queued and not run, as with a
worker elsewhere, and purged afterwards.

Load: ``--clients`` threads in this process, each on its own connection (reopened whenever
gunicorn's sync worker closes it), POSTing back to back for ``--seconds``:

- ``one_insert``: ``POST /bench/one-insert/``, the same authentication, scope permission,
  throttle and renderer around one INSERT (an ``IdempotencyRecord``, deleted afterwards);
- ``orders``: ``POST /api/v1/orders/``, 3 lines (3 different products, 1–3 units, the
  channel's prices), a new customer (a new e-mail) and a new external id each time, with a
  new ``Idempotency-Key``; only a 201 counts.

Each round warms both up (2 s), then measures one-insert and orders in turn; ``--rounds``
rounds (2), each figure keeping its best. It prints requests/s, median and p95 latency and
errors of both, and their ratio. Clients, gunicorn and PostgreSQL share the machine's cores,
so the figures are only as steady as the machine is idle, and lower than on a server with
the clients elsewhere.
"""

import argparse
import contextlib
import http.client
import itertools
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: bench/ is first on the path, not the repo
    sys.path.insert(0, str(REPO))

from bench import pages  # noqa: E402

DATABASE = "oms_bench_api"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
INTEGRATION = "bench-api"
ORDERS_PATH = "/api/v1/orders/"
ONE_INSERT_PATH = "/bench/one-insert/"
LINES_PER_ORDER = 3
WARM_UP_SECONDS = 2.0
RATE = "1000000/min"


def main() -> None:
    args = parse_args()
    prefix = os.environ.get("BENCH_DATABASE_URL", pages.DEFAULT_PREFIX).rsplit("/", 1)[0]
    configure(f"{prefix}/{DATABASE}", os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    from bench import data

    data.ensure_database()
    data.setup_django()
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"=== API bench · {DATABASE} · gunicorn {args.workers} workers · {args.clients} clients"
        f" · {args.seconds:g} s × {args.rounds} rounds · load average {load} ===",
        flush=True,
    )
    setup = prepare()
    try:
        with server(args.workers) as port:
            results = run(port, setup, args)
    finally:
        clean_up(setup)
    print_summary(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results | {"load_average": load}, indent=2))
        print(f"figures written to {args.json}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per view and round (10)")
    parser.add_argument("--rounds", type=int, default=2, help="each figure keeps its best (2)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (3)")
    parser.add_argument("--clients", type=int, default=6, help="concurrent clients (6)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", help="also write the figures to this file")
    return parser.parse_args()


def configure(database_url: str, redis_url: str) -> None:
    """This process's settings (bench/pages.py's) and the server's: Redis for the cache and the
    broker, the throttle out of the way."""
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        sys.exit(f"Redis at {redis_url} (BENCH_REDIS_URL) is not reachable: {error}")
    pages.configure_environment(database_url, REPO)
    os.environ["CACHE_URL"] = redis_url
    os.environ["CELERY_BROKER_URL"] = redis_url
    os.environ["OMS_API_RATE"] = RATE
    os.environ.pop("REDIS_URL", None)  # no result backend: nobody waits for a task's result


# --- data -------------------------------------------------------------------------------------


def prepare() -> dict:
    """placing.py's catalogue, topped up; the bench integration and a new token."""
    from django.contrib.auth import get_user_model

    from api.models import Integration, Scope
    from api.services import issue_token
    from bench import placing

    catalogue = placing.ensure_catalogue()
    owner, _ = get_user_model().objects.get_or_create(
        username=INTEGRATION, defaults={"is_staff": True}
    )
    integration, _ = Integration.objects.update_or_create(
        name=INTEGRATION,
        defaults={
            "channel": catalogue["channel"],
            "owner": owner,
            "scopes": [Scope.ORDERS_READ, Scope.ORDERS_WRITE],
            "is_active": True,
        },
    )
    products = [
        (product.sku, str(product.unit_price))
        for sku, product in catalogue["products"].items()
        if sku not in (placing.HOT_SKU, placing.RAW_SKU)
    ]
    return {
        "integration": integration,
        "token": issue_token(integration=integration).plain,
        "products": products,
        "run": secrets.token_hex(4),
    }


def order_body(products: list[tuple[str, str]], run: str, number: int, rng: random.Random) -> dict:
    """A channel order of 3 lines for a customer never seen before."""
    from bench import placing

    return {
        "external_id": f"BENCH-API-{run}-{number}",
        "customer": {"email": f"api-{run}-{number}@bench.example", "name": f"Bench {number}"},
        "lines": [
            {"sku": sku, "quantity": rng.randint(1, 3), "unit_price": price}
            for sku, price in rng.sample(products, LINES_PER_ORDER)
        ],
        "shipping_address": placing.ADDRESS,
    }


def clean_up(setup: dict) -> None:
    """The one-insert rows, the run's idempotency records and the queued tasks go; the orders
    stay (their stock is topped up at the next run)."""
    from api.models import IdempotencyRecord
    from bench.api_urls import OWNER
    from oms.celery import app

    owners = (OWNER, f"integration:{setup['integration'].pk}")
    IdempotencyRecord.objects.filter(owner__in=owners).delete()
    purged = app.control.purge()
    print(f"cleaned up: one-insert rows and idempotency records, {purged} queued tasks", flush=True)


# --- the server -------------------------------------------------------------------------------


@contextlib.contextmanager
def server(workers: int):
    """gunicorn with the bench settings on a free port; stopped (TERM, then KILL after 10 s)
    on the way out, errors and Ctrl-C included."""
    port = pages.free_port()
    command = [str(REPO / ".venv" / "bin" / "gunicorn"), "oms.wsgi", "--workers", str(workers)]
    command += ["--bind", f"127.0.0.1:{port}", "--chdir", str(REPO), "--log-level", "warning"]
    settings = {
        "DJANGO_SETTINGS_MODULE": "bench.api_settings",
        "PYTHONPATH": str(REPO),
        "PYTHONWARNINGS": "ignore:No directory at:UserWarning",
    }
    process = subprocess.Popen(command, env=os.environ | settings)  # noqa: S603
    try:
        pages.wait_until_up(port, process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the load ---------------------------------------------------------------------------------


class Client(threading.Thread):
    """POSTs the bodies ``make_body`` gives to ``path``, back to back, until the end; a
    response of ``expected`` status counts, anything else is an error (the first is kept)."""

    def __init__(self, port, path, headers, make_body, expected, start_together, seconds):
        super().__init__(daemon=True)
        self.port, self.path, self.headers = port, path, headers
        self.make_body, self.expected = make_body, expected
        self.start_together, self.seconds = start_together, seconds
        self.timings: list[float] = []
        self.errors = 0
        self.first_error = ""

    def run(self) -> None:
        connection = None
        self.start_together.wait()
        deadline = time.perf_counter() + self.seconds
        while time.perf_counter() < deadline:
            body = json.dumps(self.make_body()).encode()
            headers = self.headers | {"Idempotency-Key": secrets.token_hex(16)}
            connection = connection or http.client.HTTPConnection("127.0.0.1", self.port)
            started = time.perf_counter()
            try:
                connection.request("POST", self.path, body=body, headers=headers)
                response = connection.getresponse()
                answer = response.read()
            except (OSError, http.client.HTTPException) as error:
                self.error(repr(error))
                connection.close()
                connection = None
                continue
            if response.status == self.expected:
                self.timings.append((time.perf_counter() - started) * 1000)
            else:
                self.error(f"HTTP {response.status}: {answer[:300].decode(errors='replace')}")
            if response.will_close:
                connection.close()
                connection = None
        if connection:
            connection.close()

    def error(self, description: str) -> None:
        self.errors += 1
        self.first_error = self.first_error or description


def drive(port: int, path: str, setup: dict, make_body, seconds: float, clients: int) -> dict:
    headers = {
        "Authorization": f"Bearer {setup['token']}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    start = threading.Barrier(clients)
    users = [Client(port, path, headers, make_body, 201, start, seconds) for _ in range(clients)]
    for user in users:
        user.start()
    for user in users:
        user.join()
    timings = [t for user in users for t in user.timings]
    errors = [user.first_error for user in users if user.first_error]
    if not timings:
        raise RuntimeError(f"no POST {path} succeeded: {errors[:1]}")
    return {
        "path": path,
        "requests_per_s": round(len(timings) / seconds, 1),
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(pages.percentile(timings, 0.95), 1),
        "requests": len(timings),
        "errors": sum(user.errors for user in users),
        "first_error": errors[0] if errors else "",
    }


def run(port: int, setup: dict, args: argparse.Namespace) -> dict:
    """``--rounds`` rounds of one-insert then orders; each keeps its best round (most req/s)."""
    rng = random.Random(args.seed)
    numbers = itertools.count(1)
    lock = threading.Lock()

    def next_order() -> dict:
        with lock:  # the threads share the generator and its numbers
            return order_body(setup["products"], setup["run"], next(numbers), rng)

    # The one-insert view gets an empty JSON object; each order is a new one.
    bodies = {"one_insert": (ONE_INSERT_PATH, dict), "orders": (ORDERS_PATH, next_order)}
    best: dict[str, dict] = {}
    for number in range(1, args.rounds + 1):
        for name, (path, make_body) in bodies.items():
            if number == 1:
                drive(port, path, setup, make_body, WARM_UP_SECONDS, args.clients)
            figures = drive(port, path, setup, make_body, args.seconds, args.clients)
            print(f"round {number}  {line(name, figures)}", flush=True)
            if figures["requests_per_s"] > best.get(name, {}).get("requests_per_s", 0):
                best[name] = figures
    ratio = best["orders"]["requests_per_s"] / best["one_insert"]["requests_per_s"]
    return best | {
        "ratio_percent": round(100 * ratio, 1),
        "workers": args.workers,
        "clients": args.clients,
        "seconds": args.seconds,
        "rounds": args.rounds,
    }


def line(name: str, figures: dict) -> str:
    text = (
        f"{name:10}  POST {figures['path']:22} {figures['requests_per_s']:8.1f} req/s"
        f"  median {figures['median_ms']:6.1f} ms  p95 {figures['p95_ms']:6.1f} ms"
        f"  errors {figures['errors']}"
    )
    return text + (f"  (first: {figures['first_error']})" if figures["first_error"] else "")


def print_summary(results: dict) -> None:
    print("\nbest of each:")
    for name in ("one_insert", "orders"):
        print("  " + line(name, results[name]))
    print(
        f"  order intake ÷ one insert: {results['ratio_percent']:.1f} % of the requests/s"
        f" (3 lines, a new customer, an Idempotency-Key)"
    )


if __name__ == "__main__":
    main()
