"""Messages are read from Django's locmem outbox (and the SMS backend's): orders paid by card
through the simulated gateway and shipped by the built-in carrier, as tests/shipping does."""

import pytest

from notifications.sms import LocmemSmsBackend
from tests.shipping.conftest import simulated_payments, tables  # noqa: F401 (fixtures)


@pytest.fixture(autouse=True)
def sms_outbox(settings) -> list[dict[str, str]]:
    settings.OMS_SMS_BACKEND = "notifications.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox.clear()
    return LocmemSmsBackend.outbox
