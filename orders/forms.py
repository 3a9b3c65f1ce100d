"""Forms for the order detail page's actions; the services do the domain checks."""

from django import forms

from .models import HoldReason


class PanelForm(forms.Form):
    """The page holds several of these at once: each gets its own element ids."""

    id_prefix = ""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class HoldForm(PanelForm):
    id_prefix = "hold"
    reason = forms.ChoiceField(choices=HoldReason.choices)
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
