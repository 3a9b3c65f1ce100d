"""The fulfilment pages' own navigation (``templates/shipping/_nav.html``)."""

from typing import NamedTuple

from django import template

from core.permissions import may_open

register = template.Library()


class Link(NamedTuple):
    """A fulfilment page, and the pages under it that mark it as the current section."""

    url_name: str
    label: str
    under: frozenset[str] = frozenset()


LINKS = (
    Link("shipping:pick_queue", "Pick queue", frozenset({"shipping:pick_list"})),
    Link("shipping:pack_station", "Pack station", frozenset({"shipping:pack"})),
    Link(
        "shipping:shipment_list",
        "Shipments",
        frozenset({"shipping:shipment_detail", "shipping:ship", "shipping:batch_detail"}),
    ),
    Link("shipping:at_risk_list", "At risk", frozenset()),
    Link("shipping:manifest_list", "Manifests", frozenset()),
)


@register.simple_tag(takes_context=True)
def fulfilment_links(context) -> list[dict]:
    """The fulfilment pages the user may open, the current one marked: ``aria_current`` is
    "page" on the page itself and "true" on a page under it (a pick list under the queue).

    Fewer than two links make no navigation: a lone link would only point at the one
    fulfilment page the role has (Finance: the shipments list), which the sidebar gives."""
    request = context["request"]
    match = request.resolver_match
    current = match.view_name if match else ""
    links = []
    for link in LINKS:
        if not may_open(request.user, link.url_name):
            continue
        if current == link.url_name:
            aria_current = "page"
        elif current in link.under:
            aria_current = "true"
        else:
            aria_current = ""
        links.append({"url_name": link.url_name, "label": link.label, "aria_current": aria_current})
    return links if len(links) > 1 else []
