"""``{% idempotency_field %}``: the one-time token of a form that creates something."""

from django import template
from django.utils.html import format_html

from core.idempotency import FIELD, new_token

register = template.Library()


@register.simple_tag
def idempotency_field() -> str:
    """A hidden input with a fresh token, made each time the form renders."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())
