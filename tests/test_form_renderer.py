"""Selects drawn in Python are exactly the HTML Django's templates draw."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from core.renderers import FormRenderer

CHOICES = [("", "Any"), ("a&b", "A <&> B"), ("2", 'Two "quoted"'), ("3", "Three")]
GROUPED = [("Fruit", [("apple", "Apple"), ("pear", "Pear")]), ("Veg", [("leek", "Leek & co")])]


class Everything(forms.Form):
    single = forms.ChoiceField(choices=CHOICES, required=False)
    multiple = forms.MultipleChoiceField(
        choices=CHOICES, widget=forms.SelectMultiple(attrs={"size": 4, "data-x": 'q"<'})
    )
    grouped = forms.ChoiceField(choices=GROUPED)
    flags = forms.ChoiceField(
        choices=CHOICES, widget=forms.Select(attrs={"disabled": True, "hidden": False})
    )
    yes_no = forms.NullBooleanField()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"single": "a&b", "multiple": ["2", "3"], "grouped": "leek", "flags": "3"},
        {"single": "nope", "multiple": ["x"], "yes_no": "true"},
    ],
)
def test_selects_render_as_django_renders_them(data):
    fast = Everything(data or None, renderer=FormRenderer())
    django = Everything(data or None, renderer=DjangoTemplates())

    for name in Everything.base_fields:
        assert str(fast[name]) == str(django[name]), name


def test_a_widget_with_an_option_template_of_its_own_keeps_it():
    class Custom(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    html = Custom(choices=CHOICES).render("custom", "", renderer=FormRenderer())

    assert html == Custom(choices=CHOICES).render("custom", "", renderer=DjangoTemplates())
