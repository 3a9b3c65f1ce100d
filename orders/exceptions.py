from core.exceptions import DomainError


class OrderError(DomainError):
    code = "order_error"


class OrderValidationError(OrderError):
    """Bad input for an order; ``field`` names the field or line at fault."""

    code = "invalid_order"

    def __init__(self, message: str, field: str = "", code: str | None = None) -> None:
        super().__init__(message, code, field)
        self.args = (message, field, code)


class InvalidTransition(OrderError):
    code = "invalid_transition"

    def __init__(self, number: str, current: str, target: str) -> None:
        super().__init__(f"Order {number} cannot go from {current} to {target}.")
        self.args = (number, current, target)
        self.current = current
        self.target = target


class ConfirmationBlocked(OrderError):
    """Another domain (payments: not paid yet) says the order cannot be confirmed now."""

    code = "confirmation_blocked"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.args = (message,)
