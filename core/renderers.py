"""The form renderer: Django's, with <select> drawn in Python.

Django draws a select with one template include per option, and each option's attributes with
another: a filter bar of ten selects is some 130 template renders, about a third of the orders
list's own time. ``render_select`` writes exactly the HTML of Django's ``select.html`` and
``select_option.html`` (``tests/test_form_renderer.py`` compares them), so every form of the
project, the admin's included, looks the same and renders faster.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def render_attrs(attrs: dict) -> str:
    """Django's ``attrs.html``: `` name="value"``, a bare name for True, nothing for False."""
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def render_option(option: dict) -> str:
    value, label = conditional_escape(str(option["value"])), conditional_escape(option["label"])
    return f'<option value="{value}"{render_attrs(option["attrs"])}>{label}</option>'


def render_select(widget: dict) -> str:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{render_attrs(widget["attrs"])}>']
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        # select_option.html ends with a newline, which every include keeps
        parts.extend(f"\n  {render_option(option)}\n" for option in options)
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _is_plain_select(template_name: str, context: dict) -> bool:
    """A select whose options all use Django's own option template (a widget with a template
    of its own keeps it)."""
    if template_name != SELECT_TEMPLATE:
        return False
    groups = context["widget"]["optgroups"]
    return all(
        option["template_name"] == OPTION_TEMPLATE for _, options, _ in groups for option in options
    )


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if _is_plain_select(template_name, context):
            return render_select(context["widget"])
        return super().render(template_name, context, request)
