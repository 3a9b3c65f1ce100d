"""A form control named like a member of the form element hides that member from scripts: with a
button named "remove", ``form.remove`` is the button, and htmx's outerHTML swap of the form
(``target.remove()``) threw and left the old form on the page beside the new one. No template
and no Django form may name a control after a member the browser or htmx reads."""

import re
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.utils.module_loading import module_has_submodule

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
# HTMLFormElement and Element members that htmx, oms.js or the browser's own code call or read
SHADOWED = frozenset(
    {
        "action",
        "method",
        "target",
        "enctype",
        "encoding",
        "elements",
        "length",
        "submit",
        "requestSubmit",
        "reset",
        "remove",
        "checkValidity",
        "reportValidity",
        "noValidate",
        "id",
        "classList",
        "className",
        "attributes",
        "children",
        "parentNode",
        "parentElement",
        "tagName",
        "nodeName",
        "nodeType",
        "querySelector",
        "querySelectorAll",
        "getAttribute",
        "hasAttribute",
        "contains",
        "closest",
        "matches",
        "dispatchEvent",
        "addEventListener",
    }
)
NAME_ATTRIBUTE = re.compile(r"<(?:input|button|select|textarea)\b[^>]*\bname=\"([^\"{]+)\"", re.S)


def test_no_template_names_a_control_after_a_member_of_its_form():
    offenders = [
        f"{path.relative_to(TEMPLATES)}: name={name!r}"
        for path in TEMPLATES.rglob("*.html")
        for name in NAME_ATTRIBUTE.findall(path.read_text())
        if name in SHADOWED
    ]
    assert not offenders, offenders


def _project_forms() -> list[type[forms.BaseForm]]:
    for config in apps.get_app_configs():
        if config.path.startswith(str(TEMPLATES.parent)) and module_has_submodule(
            config.module, "forms"
        ):
            __import__(f"{config.name}.forms")
    found, todo = [], [forms.Form, forms.ModelForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in {c.name for c in apps.get_app_configs()}:
            found.append(cls)
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("form", _project_forms(), ids=lambda form: form.__qualname__)
def test_no_form_has_a_field_named_after_a_member_of_its_form(form):
    try:
        bound = form()
        names = {bound.add_prefix(name) for name in bound.fields}
    except TypeError:  # a form that needs its context: its declared fields, unprefixed
        names = set(form.base_fields)
    assert not names & SHADOWED, sorted(names & SHADOWED)
