"""Small presentation helpers shared by every dashboard template."""

from datetime import date, datetime
from decimal import Decimal

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from core import permissions
from core.references import reference_url

register = template.Library()

BADGE_TONES = {
    "draft": "muted",
    "placed": "info",
    "confirmed": "info",
    "processing": "accent",
    "partially_shipped": "accent",
    "shipped": "ok",
    "delivered": "ok",
    "completed": "ok",
    "on_hold": "warn",
    "cancelled": "muted",
    "unpaid": "warn",
    "authorized": "info",
    "partially_paid": "warn",
    "paid": "ok",
    "partially_refunded": "muted",
    "refunded": "muted",
    "unfulfilled": "muted",
    "backordered": "danger",
    "allocated": "info",
}


@register.simple_tag
def badge(value: str, label: str = "") -> str:
    """A coloured status pill: {% badge order.status order.get_status_display %}."""
    tone = BADGE_TONES.get(value, "muted")
    return format_html('<span class="badge badge-{}">{}</span>', tone, label or value)


@register.simple_tag(takes_context=True)
def may_open(context, url_name: str) -> bool:
    """Whether the user would get the page at ``url_name`` (its view's permissions), so a page
    shows a panel another app serves only to those who may load it:
    {% may_open "orders:customer_orders" as show_orders %}."""
    return permissions.may_open(context["request"].user, url_name)


@register.simple_tag
def reference_link(reference: str) -> str:
    """A document number as a link to its page when an app claims it, else as text; blank: —."""
    if not reference:
        return "—"
    url = reference_url(reference)
    return format_html('<a href="{}">{}</a>', url, reference) if url else reference


# strftime, not Django's dateformat: the same text in a fifth of the time, which tables with
# a date on every row notice.
DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M"


@register.filter
def when(value: date | datetime | None, part: str = "") -> str:
    """Dates and times one way on every page: "2026-03-14", "2026-03-14 09:30" (local time);
    ``|when:"date"`` gives a moment's day alone ("customer since")."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
        return value.strftime(DATE_FORMAT if part == "date" else DATETIME_FORMAT)
    return value.strftime(DATE_FORMAT)


@register.filter
def money(amount: Decimal | None, currency: str = "") -> str:
    """1234.5 → "1,234.50 USD"."""
    if amount is None:
        return ""
    text = f"{amount:,.2f}"
    return f"{text} {currency}".strip()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (pagination, sorting links)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


PAGING_PARAMS = ("page", "after", "before", "per_page")


@register.simple_tag(takes_context=True)
def export_link(context, url_name: str, *args) -> str:
    """A list's "Export CSV" link (core.csv_export): its filters and sort from the page's
    query string, not its page, since the export holds every page."""
    query = context["request"].GET.copy()
    for key in PAGING_PARAMS:
        query.pop(key, None)
    url = reverse(url_name, args=args)
    if query:
        url = f"{url}?{query.urlencode()}"
    return format_html('<a class="export-link" href="{}" download>Export CSV</a>', url)
