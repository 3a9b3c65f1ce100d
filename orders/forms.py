"""Forms for the order pages: the detail page's actions and the new-order page's cards.

They only parse: the services do the domain checks.
"""

from typing import Any

from django import forms
from django.db.models import QuerySet

from core.form_fields import MoneyField
from core.parsing import clean_text
from customers.models import Customer

from .models import HoldReason, SalesChannel


class PanelForm(forms.Form):
    """The page holds several of these at once: each gets its own element ids."""

    id_prefix = ""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class HoldForm(PanelForm):
    id_prefix = "hold"
    # No reason is preselected: holding for the wrong reason misleads whoever releases it.
    reason = forms.ChoiceField(choices=[("", "Choose a reason…"), *HoldReason.choices])
    note = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when the reason is Other.",
    )


class CancelForm(PanelForm):
    id_prefix = "cancel"
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown on the timeline; reserved stock goes back on sale.",
    )


class NoteForm(PanelForm):
    id_prefix = "note"
    text = forms.CharField(
        label="Add note",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Internal note…"}),
    )


class PromisedDateForm(PanelForm):
    id_prefix = "promise"
    promised_ship_date = forms.DateField(
        label="Promised ship date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty to remove the promise.",
    )


class ShippingChargeForm(PanelForm):
    id_prefix = "shipping"
    shipping_total = MoneyField(
        label="Shipping charge",
        min_value=0,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
        help_text="The order total follows; payments asks for any difference.",
    )


# --- the new-order page -----------------------------------------------------------------------

MANUAL_CHANNEL_KINDS = (
    SalesChannel.Kind.PHONE,
    SalesChannel.Kind.STORE,
    SalesChannel.Kind.WHOLESALE,
)


def entry_channels() -> QuerySet[SalesChannel]:
    """Channels staff take orders for by hand; every active channel when none is set up."""
    active = SalesChannel.objects.filter(is_active=True)
    manual = active.filter(kind__in=MANUAL_CHANNEL_KINDS)
    return manual if manual.exists() else active


class HeaderForm(forms.Form):
    """The order card; its non-field errors are shown at the top of the page."""

    channel = forms.ModelChoiceField(
        queryset=SalesChannel.objects.none(), empty_label="Choose a channel…"
    )
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.all(), required=False, widget=forms.HiddenInput
    )
    shipping_total = MoneyField(
        label="Shipping",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"id": "shipping-total", "step": "0.01", "min": "0"}),
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channels = entry_channels()
        self.fields["channel"].queryset = channels
        if channels.count() == 1:
            self.fields["channel"].empty_label = None


class NewCustomerForm(forms.Form):
    """Typed values only: ``create_customer`` checks them."""

    email = forms.CharField(label="E-mail", required=False, widget=forms.EmailInput)
    name = forms.CharField(required=False)
    phone = forms.CharField(required=False)
    company = forms.CharField(required=False)


class AddressForm(forms.Form):
    """Typed values only: ``address_snapshot`` in the order services checks them."""

    name = forms.CharField(required=False)
    line1 = forms.CharField(label="Address line 1", required=False)
    line2 = forms.CharField(label="Address line 2", required=False)
    city = forms.CharField(required=False)
    region = forms.CharField(label="Region / state", required=False)
    postal_code = forms.CharField(label="Postal code", required=False)
    country = forms.CharField(
        required=False,
        # "e.g.": a bare "US" in the box reads as a value already filled in.
        widget=forms.TextInput(attrs={"maxlength": "2", "placeholder": "e.g. US", "size": "8"}),
    )
    phone = forms.CharField(required=False)

    def values(self) -> dict[str, str]:
        """The fields as typed (the live preview prices them before they are valid); text
        no address holds (a NUL, which PostgreSQL refuses, or over 255 characters) is blank."""
        return {
            name: clean_text(self[name].value() or "", max_length=255) or "" for name in self.fields
        }

    def is_blank(self) -> bool:
        return not any(self.values().values())


class AddressCorrectionForm(PanelForm, AddressForm):
    """The order page's "Correct address" dialog: the ship-to fields under their own ids."""

    id_prefix = "address"
