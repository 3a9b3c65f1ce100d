"""Panels other domains add to the order page (payments now; shipments and returns later).

A higher app registers its panel in its ``AppConfig.ready``; the order page loads each one the
user may see by URL with htmx, so ``orders`` never imports the app that draws it.
"""

from dataclasses import dataclass

from core.permissions import may_open


@dataclass(frozen=True)
class OrderPanel:
    key: str  # the DOM id is ``order-<key>``
    title: str
    url_name: str  # takes the order number; who may see it is what its view requires
    order: int = 100  # where it goes on the page, lowest first
    slot: str = "page"  # "page": a panel of its own; "cancel": a notice in the cancel dialog


_PANELS: dict[str, OrderPanel] = {}


def register(panel: OrderPanel) -> None:
    """Add (or replace, by key) a panel on the order page."""
    _PANELS[panel.key] = panel


def panels_for(user, slot: str = "page") -> list[OrderPanel]:
    """The registered panels of ``slot`` that ``user`` may see, in page order."""
    panels = sorted(_PANELS.values(), key=lambda panel: (panel.order, panel.key))
    return [p for p in panels if p.slot == slot and may_open(user, p.url_name)]
