"""Forms behind the payments panel's actions; the services check the rules, these the input."""

from decimal import Decimal

from django import forms

from core.form_fields import MoneyField

from .models import Method

MANUAL_RECEIPT_METHODS = [
    (Method.BANK_TRANSFER, Method.BANK_TRANSFER.label),
    (Method.CASH_ON_DELIVERY, Method.CASH_ON_DELIVERY.label),
    (Method.CHEQUE, Method.CHEQUE.label),
]
MIN_AMOUNT = Decimal("0.01")


def _amount(**kwargs) -> MoneyField:
    return MoneyField(max_digits=14, decimal_places=2, min_value=MIN_AMOUNT, **kwargs)


class ManualPaymentForm(forms.Form):
    method = forms.ChoiceField(choices=MANUAL_RECEIPT_METHODS, initial=Method.BANK_TRANSFER)
    amount = _amount()
    reference = forms.CharField(
        max_length=255, required=False, help_text="Bank reference, cheque number…"
    )

    def __init__(self, *args, prefix: str = "record", **kwargs) -> None:
        super().__init__(*args, prefix=prefix, **kwargs)


class CaptureForm(forms.Form):
    amount = _amount(
        required=False,
        help_text="Empty: the whole authorization.",
        widget=forms.NumberInput(attrs={"aria-label": "Capture amount", "step": "0.01"}),
    )


class RefundForm(forms.Form):
    amount = _amount()
    reason = forms.CharField(max_length=500, widget=forms.TextInput)
