"""Payment gateways behind one interface: Stripe, manual (staff-recorded) and simulated."""

from django.conf import settings

from ..models import Gateway
from .base import GatewayResult, PaymentGateway, from_minor, to_minor
from .manual import ManualGateway
from .simulated import SimulatedGateway
from .stripe_gateway import StripeGateway

__all__ = [
    "GatewayResult",
    "ManualGateway",
    "PaymentGateway",
    "SimulatedGateway",
    "StripeGateway",
    "card_gateway_name",
    "from_minor",
    "get_gateway",
    "to_minor",
]

_GATEWAYS: dict[str, type[PaymentGateway]] = {
    Gateway.STRIPE: StripeGateway,
    Gateway.MANUAL: ManualGateway,
    Gateway.SIMULATED: SimulatedGateway,
}


def get_gateway(name: str) -> PaymentGateway:
    try:
        return _GATEWAYS[name]()
    except KeyError:
        raise ValueError(f"unknown payment gateway {name!r}") from None


def card_gateway_name() -> str:
    """The gateway new card payments use: OMS_PAYMENT_GATEWAY (Stripe when a key is set)."""
    return settings.OMS_PAYMENT_GATEWAY
