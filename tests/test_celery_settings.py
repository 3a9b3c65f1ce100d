"""Which broker the settings pick: RabbitMQ over Redis, eager mode only with neither."""

import runpy
from pathlib import Path

import pytest

SETTINGS = Path(__file__).resolve().parents[1] / "oms" / "settings.py"
AMQP = "amqp://oms:oms@rabbitmq:5672//"
REDIS = "redis://redis:6379/0"


def celery_settings(monkeypatch, env: dict[str, str]) -> dict:
    """The Celery settings oms/settings.py computes under ``env``, run afresh."""
    for name in ("CELERY_BROKER_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = runpy.run_path(str(SETTINGS))
    return {
        "broker": settings["CELERY_BROKER_URL"],
        "results": settings["CELERY_RESULT_BACKEND"],
        "eager": settings["CELERY_TASK_ALWAYS_EAGER"],
        "visibility_timeout": "CELERY_BROKER_TRANSPORT_OPTIONS" in settings,
    }


@pytest.mark.parametrize(
    ("env", "broker", "results", "eager"),
    [
        pytest.param(
            {"CELERY_BROKER_URL": AMQP, "REDIS_URL": REDIS}, AMQP, REDIS, False, id="both"
        ),
        pytest.param({"CELERY_BROKER_URL": AMQP}, AMQP, None, False, id="rabbitmq"),
        pytest.param({"REDIS_URL": REDIS}, REDIS, REDIS, False, id="redis"),
        pytest.param({}, "memory://", None, True, id="neither"),
    ],
)
def test_celery_broker_url_wins_and_redis_stays_the_result_backend(
    monkeypatch, env, broker, results, eager
):
    assert celery_settings(monkeypatch, env) == {
        "broker": broker,
        "results": results,
        "eager": eager,
        "visibility_timeout": broker == REDIS,  # a Redis transport option only
    }
