"""Run the test suite on PostgreSQL, Redis and RabbitMQ when they are reachable, else on SQLite.

DATABASE_URL / REDIS_URL / OMS_TEST_AMQP_URL pick the servers (defaults: PostgreSQL on
127.0.0.1:5432 with the test database oms_test, Redis on 127.0.0.1:6379 database 15, RabbitMQ on
127.0.0.1:5672 as guest). Unreachable services make the suite fall back to SQLite and skip the
tests that need them, unless OMS_REQUIRE_SERVICES=1, which turns that into a failure.
"""

import os
import sys

import kombu
import psycopg
import pytest
import redis
from kombu.exceptions import OperationalError

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/oms_test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672//"


def postgres_reachable(url: str) -> str:
    """Empty string when reachable, else the reason."""
    try:
        conninfo = psycopg.conninfo.conninfo_to_dict(url.replace("postgres://", "postgresql://"))
        conninfo["dbname"] = "postgres"
        with psycopg.connect(**conninfo, connect_timeout=3):
            return ""
    except psycopg.Error as error:
        return str(error).strip()


def redis_reachable(url: str) -> str:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        return str(error)
    return ""


def amqp_reachable(url: str) -> str:
    with kombu.Connection(url, connect_timeout=3) as connection:
        refused = (OperationalError, *connection.connection_errors, *connection.channel_errors)
        try:
            connection.ensure_connection(max_retries=1)
        except refused as error:
            return str(error) or type(error).__name__
    return ""


def main() -> int:
    require = os.environ.get("OMS_REQUIRE_SERVICES") == "1"
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("OMS_TEST_REDIS_URL", os.environ.get("REDIS_URL", DEFAULT_REDIS_URL))
    amqp_url = os.environ.get("OMS_TEST_AMQP_URL", DEFAULT_AMQP_URL)
    problems = []
    if database_url.startswith("postgres"):
        if reason := postgres_reachable(database_url):
            problems.append(f"PostgreSQL at {database_url} is not reachable: {reason}")
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = database_url
            os.environ.setdefault(
                "DATABASE_TEST_NAME", database_url.rsplit("/", 1)[-1] or "oms_test"
            )
    if reason := redis_reachable(redis_url):
        problems.append(f"Redis at {redis_url} is not reachable: {reason}")
    else:
        os.environ["OMS_TEST_REDIS_URL"] = redis_url
    if reason := amqp_reachable(amqp_url):
        problems.append(f"RabbitMQ at {amqp_url} is not reachable: {reason}")
        os.environ.pop("OMS_TEST_AMQP_URL", None)
    else:
        os.environ["OMS_TEST_AMQP_URL"] = amqp_url
    # The suite itself runs tasks eagerly; the worker tests talk to their broker explicitly.
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("CELERY_BROKER_URL", None)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems and require:
        print("OMS_REQUIRE_SERVICES=1: refusing to skip the tests that need them.", file=sys.stderr)
        return 1
    if problems:
        print(
            "Skipping the tests that need them; without PostgreSQL the suite runs on SQLite.",
            file=sys.stderr,
        )
    redis_used = redis_url if "OMS_TEST_REDIS_URL" in os.environ else "none"
    amqp_used = amqp_url if "OMS_TEST_AMQP_URL" in os.environ else "none"
    print(
        f"Database: {os.environ.get('DATABASE_URL', 'SQLite')}; Redis: {redis_used}; "
        f"RabbitMQ: {amqp_used}"
    )
    return pytest.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
