"""Fixtures for the payments tests: a fake Stripe that the real ``stripe`` SDK talks to over HTTP.

The fake lives in ``tests/stripe_fake.py`` (``FakeStripe``, ``sign_webhook``, ``event_payload``);
other test directories can import it, or pull these fixtures in with
``from tests.payments.conftest import fake_stripe, stripe_client``.
"""

import pytest

from tests.payments.helpers import use_stripe
from tests.stripe_fake import FakeStripe


@pytest.fixture
def fake_stripe():
    """A ``FakeStripe`` serving on ``fake_stripe.url`` (127.0.0.1, a free port) for one test.

    Aim the code under test at it, e.g. ``settings.STRIPE_API_BASE = fake_stripe.url`` with a
    ``stripe.StripeClient(key, base_addresses={"api": fake_stripe.url}, max_network_retries=…)``.
    The SDK retries by itself when ``max_network_retries`` > 0 (connection errors, 409, 5xx,
    sleeping 0.5 s+ each time, same Idempotency-Key): a test that wants to see the raw failure
    from ``fake_stripe.fail_next(...)`` must use a client with ``max_network_retries=0``;
    a test of the retry itself asserts on ``fake_stripe.requests``.
    """
    fake = FakeStripe().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def stripe_client(fake_stripe):
    """A real ``stripe.StripeClient`` aimed at the fake, with ``max_network_retries=0``."""
    return fake_stripe.client()


@pytest.fixture
def stripe_on(settings, fake_stripe):
    """The OMS aimed at the fake Stripe (the real SDK, ``settings`` restored after the test)."""
    use_stripe(settings, fake_stripe)
    return fake_stripe
