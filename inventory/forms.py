from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator

from core.form_fields import WholeNumberField
from core.parsing import parse_signed_int

from .models import Location, Product, StockMovement
from .services import ADJUSTMENT_REASONS, WRITE_OFF_REASONS

Reason = StockMovement.Reason


class StockAdjustmentForm(forms.Form):
    location = forms.ModelChoiceField(
        queryset=Location.objects.filter(is_active=True),
        to_field_name="code",
        empty_label="Choose a location",
    )
    quantity = forms.IntegerField(
        help_text="Signed: +5 adds five units, -2 removes two.",
        widget=forms.NumberInput(attrs={"step": 1}),
    )
    reason = forms.ChoiceField(
        choices=[("", "Choose a reason")]
        + [(reason.value, reason.label) for reason in Reason if reason in ADJUSTMENT_REASONS]
    )
    note = forms.CharField(
        max_length=500,
        required=False,
        help_text="Required for an adjustment: say why (damaged, count, found…).",
    )

    def __init__(self, *args, **kwargs) -> None:
        # Its own ids: the product page also has the ledger's location filter.
        kwargs.setdefault("auto_id", "adjust_%s")
        super().__init__(*args, **kwargs)
        limit = settings.OMS_MAX_STOCK_ADJUSTMENT
        quantity = self.fields["quantity"]
        quantity.validators += [MinValueValidator(-limit), MaxValueValidator(limit)]
        quantity.widget.attrs.update(min=-limit, max=limit)
        posted = self._posted_quantity()
        if posted is not None and abs(posted) > settings.OMS_CONFIRM_STOCK_ADJUSTMENT:
            # A big change asks to be confirmed; the box confirms this very number only.
            self.fields["confirm"] = forms.BooleanField(
                required=False,
                label=f"Yes, change the stock by {posted:+,} units",
                widget=forms.CheckboxInput(attrs={"value": str(posted)}),
            )

    def _posted_quantity(self) -> int | None:
        """The quantity as posted: ASCII digits with an optional sign ("٣" and "1e3" are not,
        though ``int()`` takes the first)."""
        text = self.data.get(self.add_prefix("quantity"), "")
        return parse_signed_int(text.strip()) if isinstance(text, str) else None

    def clean_quantity(self) -> int:
        quantity = self.cleaned_data["quantity"]
        if quantity != self._posted_quantity():
            raise forms.ValidationError("Enter a whole number in digits 0-9, like +5 or -2.")
        if quantity == 0:
            raise forms.ValidationError("Enter a quantity other than zero.")
        return quantity

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("reason") == Reason.ADJUSTMENT and not cleaned.get("note", "").strip():
            self.add_error("note", "Explain why the stock is adjusted.")
        quantity = cleaned.get("quantity")
        confirmed = self.data.get(self.add_prefix("confirm")) == str(quantity)
        if "confirm" in self.fields and quantity is not None and not confirmed:
            self.add_error(
                "confirm",
                f"{quantity:+,} units is more than {settings.OMS_CONFIRM_STOCK_ADJUSTMENT:,}: "
                "tick the box to confirm the change.",
            )
        return cleaned


class WriteOffForm(forms.Form):
    """Reserved units found damaged or lost, at one of the locations holding reservations."""

    location = forms.ModelChoiceField(
        queryset=Location.objects.none(), to_field_name="code", empty_label="Choose a location"
    )
    quantity = WholeNumberField(min_value=1, widget=forms.NumberInput(attrs={"step": 1}))
    reason = forms.ChoiceField(choices=[("", "Choose a reason"), *WRITE_OFF_REASONS.items()])

    def __init__(self, *args, product: Product, **kwargs) -> None:
        kwargs.setdefault("auto_id", "writeoff_%s")
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = Location.objects.filter(
            stock_levels__product=product, stock_levels__reserved__gt=0
        )
