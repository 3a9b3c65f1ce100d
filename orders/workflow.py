"""The order state machine, in one place.

draft → placed → confirmed → processing → partially shipped / shipped → delivered → completed,
plus on hold (from, and back to, the state it left) and cancelled (which frees the stock).
"""

from .exceptions import InvalidTransition
from .models import OPEN_STATUS_VALUES, Order
from .models import OrderStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.PLACED, S.CANCELLED}),
    S.PLACED: frozenset({S.CONFIRMED, S.ON_HOLD, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.PROCESSING, S.ON_HOLD, S.CANCELLED}),
    S.PROCESSING: frozenset({S.PARTIALLY_SHIPPED, S.SHIPPED, S.ON_HOLD, S.CANCELLED}),
    S.PARTIALLY_SHIPPED: frozenset({S.SHIPPED, S.ON_HOLD}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.COMPLETED}),
    S.ON_HOLD: frozenset({S.CANCELLED}),  # or back to status_before_hold: see can_release
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Orders whose stock is still promised to them and may still change.
OPEN_STATUSES = frozenset(OPEN_STATUS_VALUES)


def allowed_targets(order: Order) -> frozenset[str]:
    """Where the order may go next. Leaving a hold is not here: only release_hold does it."""
    targets = TRANSITIONS[order.status]
    # A hold from a partially shipped order can only be released, not cancelled: units left.
    if order.status == S.ON_HOLD and order.status_before_hold == S.PARTIALLY_SHIPPED:
        targets = targets - {S.CANCELLED}
    return targets


def can_release(order: Order) -> bool:
    return order.status == S.ON_HOLD and bool(order.status_before_hold)


def check_transition(order: Order, target: str) -> None:
    if target not in allowed_targets(order):
        raise InvalidTransition(order.number, order.status, target)
