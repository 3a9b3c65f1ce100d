from core.exceptions import DomainError


class OrderError(DomainError):
    code = "order_error"


class OrderValidationError(OrderError):
    """Bad input for an order; ``field`` names the field or line at fault."""

    code = "invalid_order"

    def __init__(self, message: str, field: str = "", code: str | None = None) -> None:
        super().__init__(message, code, field)
        self.args = (message, field, code)


# How a refusal names the order's state ("SO-000123 is on hold") and the move it refused
# ("it cannot be confirmed"): people read these, never the status codes.
STATE_WORDS = {
    "draft": "a draft",
    "placed": "placed",
    "confirmed": "confirmed",
    "processing": "processing",
    "partially_shipped": "partially shipped",
    "shipped": "shipped",
    "delivered": "delivered",
    "completed": "completed",
    "on_hold": "on hold",
    "cancelled": "cancelled",
}
MOVE_WORDS = {
    "placed": "placed",
    "confirmed": "confirmed",
    "processing": "processed",
    "partially_shipped": "shipped",
    "shipped": "shipped",
    "delivered": "marked delivered",
    "completed": "completed",
    "on_hold": "put on hold",
    "cancelled": "cancelled",
}


def transition_refusal(number: str, current: str, target: str) -> str:
    """The sentence for a refused move, in words: "SO-000123 is already on hold",
    "SO-000123 is cancelled: it cannot be confirmed"."""
    state = STATE_WORDS.get(current, current)
    if current == target:
        return f"{number} is already {state}."
    return f"{number} is {state}: it cannot be {MOVE_WORDS.get(target, target)}."


class InvalidTransition(OrderError):
    code = "invalid_transition"

    def __init__(self, number: str, current: str, target: str) -> None:
        super().__init__(transition_refusal(number, current, target))
        self.args = (number, current, target)
        self.current = current
        self.target = target


class ConfirmationBlocked(OrderError):
    """Another domain (payments: not paid yet) says the order cannot be confirmed now."""

    code = "confirmation_blocked"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.args = (message,)
