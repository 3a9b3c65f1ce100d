"""Every write to an order. Each service is atomic, locks what it changes, checks the state
machine, records an event (which other domains react to: ``orders.signals``) and enqueues
follow-up tasks only once the transaction commits.

Split by concern: placing, transitions, line edits, backorders and housekeeping; this package
re-exports the public functions so callers say ``orders.services.confirm_order``.
"""

from .backorders import allocate_backorders, reallocate_written_off_stock
from .common import Actor, LineRequest, address_snapshot, fulfilment_status_for
from .corrections import (
    change_promised_ship_date,
    change_shipping_charge,
    correct_shipping_address,
    corrections_allowed,
    held_for_address,
)
from .housekeeping import cancel_stale_orders, stale_orders
from .lines import lines_editable, update_order_lines
from .placing import place_order, submit_draft
from .resourcing import reject_units, resource_order, resourcing_allowed
from .transitions import (
    add_note,
    cancel_order,
    complete_order,
    confirm_order,
    confirmation_blocker,
    hold_order,
    mark_delivered,
    release_hold,
    set_payment_status,
    ship_order,
    start_processing,
)

__all__ = [
    "Actor",
    "LineRequest",
    "add_note",
    "address_snapshot",
    "allocate_backorders",
    "cancel_order",
    "cancel_stale_orders",
    "change_promised_ship_date",
    "change_shipping_charge",
    "complete_order",
    "confirm_order",
    "confirmation_blocker",
    "correct_shipping_address",
    "corrections_allowed",
    "fulfilment_status_for",
    "held_for_address",
    "hold_order",
    "lines_editable",
    "mark_delivered",
    "place_order",
    "reallocate_written_off_stock",
    "reject_units",
    "release_hold",
    "resource_order",
    "resourcing_allowed",
    "set_payment_status",
    "ship_order",
    "stale_orders",
    "start_processing",
    "submit_draft",
    "update_order_lines",
]
