"""Form fields that read numbers with the strict parsers (``core.parsing``): Django's own
DecimalField and IntegerField go through ``Decimal()`` and ``int()``, which take "٣" and "²"."""

from django import forms
from django.core.exceptions import ValidationError

from .parsing import parse_money, parse_signed_int


class MoneyField(forms.DecimalField):
    """A plain non-negative amount: ASCII digits, a point, at most two decimals."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        amount = parse_money(str(value).strip())
        if amount is None:
            raise ValidationError("Enter an amount such as 12.50.", code="invalid")
        return amount


class WholeNumberField(forms.IntegerField):
    """A whole number in ASCII digits, with an optional sign."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = parse_signed_int(str(value).strip())
        if number is None:
            raise ValidationError("Enter a whole number such as 5 or -2.", code="invalid")
        return number
