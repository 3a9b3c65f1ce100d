"""Numbers typed into forms are read by the strict parsers: "٣" and "²" are not digits here."""

from decimal import Decimal

import pytest
from django import forms

from core.form_fields import MoneyField, WholeNumberField
from orders.forms import ShippingChargeForm
from payments.forms import ManualPaymentForm


class Sample(forms.Form):
    amount = MoneyField(required=False)
    count = WholeNumberField(required=False)


@pytest.mark.parametrize("text", ["٣", "²", "1e3", "NaN", "Infinity", "1,5", "-1", "12.345"])
def test_an_amount_that_is_not_plain_digits_is_refused(text):
    form = Sample({"amount": text})
    assert not form.is_valid()
    assert "amount" in form.errors


@pytest.mark.parametrize("text", ["٣", "①", "1e3", "1.5", "++2"])
def test_a_whole_number_that_is_not_ascii_digits_is_refused(text):
    form = Sample({"count": text})
    assert not form.is_valid()
    assert "count" in form.errors


def test_plain_values_are_read():
    form = Sample({"amount": " 12.5 ", "count": "-2"})
    assert form.is_valid()
    assert form.cleaned_data == {"amount": Decimal("12.50"), "count": -2}


def test_the_payment_and_shipping_forms_use_the_strict_amount():
    assert not ManualPaymentForm({"method": "bank_transfer", "amount": "٣"}).is_valid()
    assert isinstance(ShippingChargeForm.base_fields["shipping_total"], MoneyField)
