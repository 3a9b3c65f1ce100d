"""Orders paid by card through the simulated gateway and shipped by the built-in carrier, as
tests/shipping does, for the order-status page."""

from tests.shipping.conftest import simulated_payments, tables  # noqa: F401 (fixtures)
