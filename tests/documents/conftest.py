"""Fixtures for the documents tests: files in a temporary media root, and a paid order."""

from decimal import Decimal

import pytest

from payments import services as payments
from tests import factories


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def order_to_invoice(*, channel, customer, warehouse, shipping="4.90", **kwargs):
    """A placed order of two products (taxed by ``ny_tax`` when the test asks for it) and a
    shipping charge, unpaid."""
    kettle = factories.ProductFactory(
        sku="KETTLE-1", name="Copper kettle", unit_price=Decimal("39.50")
    )
    mugs = factories.ProductFactory(sku="MUG-4", name="Stoneware mugs", unit_price=Decimal("12.25"))
    factories.stock(kettle, warehouse, 50)
    factories.stock(mugs, warehouse, 50)
    return factories.place(
        channel=channel,
        customer=customer,
        items=[(kettle, 1), (mugs, 3)],
        shipping_total=Decimal(shipping),
        **kwargs,
    )


@pytest.fixture
def order(channel, customer, warehouse, ny_tax):
    return order_to_invoice(channel=channel, customer=customer, warehouse=warehouse)


def pay(order, amount=None):
    """Record a bank transfer of ``amount`` (all of it by default): the capture that issues
    the invoice under OMS_INVOICE_ON="capture"."""
    return payments.record_manual_payment(
        order=order, amount=amount or order.total, method="bank_transfer", reference="T-1"
    )
