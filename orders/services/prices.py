"""Lines sold at other than the catalogue price: allowed by the actor's permissions
(``pricing.check_price_authority``), then written on the timeline, one event per line."""

from collections.abc import Sequence

from .. import events, pricing
from ..models import Order
from .common import Actor, LineRequest


def authorized_price_changes(
    lines: Sequence[LineRequest], actor: Actor
) -> list[pricing.PriceChange]:
    """The lines' price changes, once the actor may make them; else the refusal."""
    changes = pricing.price_changes(lines)
    pricing.check_price_authority(changes, actor)
    return changes


def record_price_changes(
    order: Order, changes: Sequence[pricing.PriceChange], actor: Actor
) -> None:
    for change in changes:
        events.price_overridden(order, change, actor)
