"""Which cache the settings pick: Redis whenever a Redis URL is configured (every process then
shares the rate tables' version), this process's memory otherwise."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SETTINGS = PROJECT_ROOT / "oms" / "settings.py"
REDIS = "redis://redis:6379/0"
CACHE = "redis://cache:6379/1"
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"


def cache_settings(monkeypatch, env: dict[str, str]) -> dict:
    """The default cache oms/settings.py computes under ``env``, run afresh."""
    for name in ("CACHE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))["CACHES"]["default"]


@pytest.mark.parametrize(
    ("env", "backend", "location"),
    [
        pytest.param({"CACHE_URL": CACHE, "REDIS_URL": REDIS}, REDIS_CACHE, CACHE, id="both"),
        pytest.param({"REDIS_URL": REDIS}, REDIS_CACHE, REDIS, id="redis"),
        pytest.param({"CACHE_URL": CACHE}, REDIS_CACHE, CACHE, id="cache"),
        pytest.param({}, LOCMEM, None, id="neither"),
    ],
)
def test_cache_url_wins_then_redis_url_then_memory(monkeypatch, env, backend, location):
    cache = cache_settings(monkeypatch, env)

    assert cache["BACKEND"] == backend
    assert cache.get("LOCATION") == location


def test_a_cache_url_that_is_not_redis_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        cache_settings(monkeypatch, {"CACHE_URL": "memcached://cache:11211"})


def run_in_a_new_process(code: str, cache_url: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | {"CACHE_URL": cache_url}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


@pytest.mark.redis
def test_a_rate_table_change_in_one_process_is_seen_by_another():
    redis_url = os.environ["OMS_TEST_REDIS_URL"]
    read_version = (
        "from django.core.cache import cache; from shipping.rate_tables import VERSION_KEY; "
        "print(cache.get(VERSION_KEY))"
    )
    before = run_in_a_new_process(read_version, redis_url)

    run_in_a_new_process("from shipping import rate_tables; rate_tables.invalidate()", redis_url)

    after = run_in_a_new_process(read_version, redis_url)
    assert after not in ("None", before)
