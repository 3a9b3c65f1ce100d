"""The hooks other domains use to react to orders without ``orders`` importing them.

Both are sent inside the transaction that changes the order, with the order row locked, so a
receiver's writes commit or roll back with the change; a receiver that has slow or external
work to do queues a task with ``delay_on_commit``. Receivers live in each domain's
``receivers.py`` (``tests/test_seams.py`` lists them, so the implicit flow stays visible).
"""

from django.dispatch import Signal

# An OrderEvent was written (``orders.events.record``). Args: order, event, actor.
# The sender is the event type (``OrderEvent.Type``), so a receiver may connect to one type.
order_event_recorded = Signal()

# An order is about to be confirmed. Args: order. Each receiver returns "" to allow it, or the
# reason it must wait (payments: "awaiting payment of 29.82 USD"); any reason stops it.
confirmation_requested = Signal()
