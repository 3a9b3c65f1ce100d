"""Forms of the sourcing screens: re-sourcing an order by hand, and the what-if replay's rules.

They only parse: ``resource_order`` and ``orders.replay`` check the rest.
"""

from datetime import date
from typing import Any

from django import forms

from inventory.models import Location

from .forms import PanelForm
from .models import Order
from .replay import MAX_PERIOD_DAYS, NEVER_SPLIT_CHOICES, RuleChanges, StockRule


class ResourceForm(PanelForm):
    """The whole order or one line, by the engine or from one location."""

    id_prefix = "resource"
    line = forms.TypedChoiceField(
        label="What", coerce=int, required=False, empty_value=None, choices=()
    )
    location = forms.ModelChoiceField(
        label="From",
        queryset=Location.objects.none(),
        required=False,
        empty_label="Where the sourcing engine chooses",
    )

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lines = [(line.pk, f"{line.sku} × {line.quantity}") for line in order.lines.all()]
        self.fields["line"].choices = [("", "The whole order"), *lines]
        self.fields["location"].queryset = Location.objects.filter(is_active=True).order_by(
            "priority", "code"
        )


def _parse_pairs(text: str, *, label: str, percent: bool) -> dict[str, tuple[int, bool]]:
    """``CODE=5`` lines (``CODE=10%`` where ``percent``; ``*`` for every location) to
    {code: (number, is_percent)}; an error names the first bad line."""
    pairs: dict[str, tuple[int, bool]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        code, sep, value = (part.strip() for part in line.partition("="))
        is_percent = percent and value.endswith("%")
        digits = value.removesuffix("%").strip() if is_percent else value
        if not sep or not code or not digits.isdigit() or (is_percent and int(digits) > 100):
            example = "STORE-NYC=5 or *=10%" if percent else "WH-EAST=5"
            raise forms.ValidationError(
                f"{label}, line {number} ({line[:40]}): write it as {example}."
            )
        pairs[code.upper()] = (int(digits), is_percent)
    return pairs


class ReplayForm(forms.Form):
    date_from = forms.DateField(label="Placed from", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="Placed to", widget=forms.DateInput(attrs={"type": "date"}))
    safety_stock = forms.CharField(
        label="Safety stock",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "STORE-NYC=5\n*=10%"}),
        help_text="Per location: units kept back (CODE=5) or a share of on hand (CODE=10%); "
        "* for every location. Replaces the stock rows' own safety stock.",
    )
    priorities = forms.CharField(
        label="Priorities",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "WH-WEST=5"}),
        help_text="Per location: its priority (lower is preferred) in place of its own.",
    )
    excluded = forms.ModelMultipleChoiceField(
        label="Also exclude",
        queryset=Location.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    never_split = forms.ChoiceField(label="Never split", choices=NEVER_SPLIT_CHOICES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["excluded"].queryset = Location.objects.filter(is_active=True).order_by(
            "priority", "code"
        )

    def clean_safety_stock(self) -> dict[str, tuple[int, bool]]:
        return _parse_pairs(self.cleaned_data["safety_stock"], label="Safety stock", percent=True)

    def clean_priorities(self) -> dict[str, tuple[int, bool]]:
        return _parse_pairs(self.cleaned_data["priorities"], label="Priorities", percent=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start: date | None = data.get("date_from")
        end: date | None = data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The period ends before it starts.")
        elif start and end and (end - start).days >= MAX_PERIOD_DAYS:
            self.add_error("date_to", f"Replay at most {MAX_PERIOD_DAYS} days at a time.")
        return data

    def changes(self) -> RuleChanges:
        data = self.cleaned_data
        return RuleChanges(
            safety_stock={
                code: StockRule(value, percent)
                for code, (value, percent) in data["safety_stock"].items()
            },
            priorities={code: value for code, (value, _) in data["priorities"].items()},
            excluded_codes=frozenset(location.code for location in data["excluded"]),
            never_split=data["never_split"],
        )
