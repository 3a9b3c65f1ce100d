from django import forms

from .models import Location, StockMovement
from .services import ADJUSTMENT_REASONS

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

    def clean_quantity(self) -> int:
        quantity = self.cleaned_data["quantity"]
        if quantity == 0:
            raise forms.ValidationError("Enter a quantity other than zero.")
        return quantity

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("reason") == Reason.ADJUSTMENT and not cleaned.get("note", "").strip():
            self.add_error("note", "Explain why the stock is adjusted.")
        return cleaned
