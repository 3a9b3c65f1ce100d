"""Payment gateways behind one interface: Stripe, manual (staff-recorded) and simulated."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

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
    "check_gateway_settings",
    "from_minor",
    "get_gateway",
    "simulated_gateway_in_use",
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


def simulated_gateway_in_use() -> bool:
    """Whether card payments go to the simulated gateway: its public checkout page is open
    only then, so a simulated link left over from the demo cannot be paid on a real site."""
    return card_gateway_name() == Gateway.SIMULATED


def check_gateway_settings() -> None:
    """Refuse to start with a card gateway that cannot work, or that would take cards in
    production without moving money: the simulated one, unless the site opts in (staging)."""
    name = card_gateway_name()
    if name not in _GATEWAYS:
        raise ImproperlyConfigured(
            f"OMS_PAYMENT_GATEWAY={name!r} is not a payment gateway: "
            f"use one of {', '.join(sorted(_GATEWAYS))}."
        )
    if not settings.PRODUCTION:
        return
    if name == Gateway.STRIPE and not settings.STRIPE_SECRET_KEY:
        raise ImproperlyConfigured("OMS_PAYMENT_GATEWAY=stripe needs STRIPE_SECRET_KEY.")
    if name == Gateway.SIMULATED and not settings.OMS_ALLOW_SIMULATED_GATEWAY:
        raise ImproperlyConfigured(
            "OMS_ENV=production but no payment gateway is configured, so card payments would go "
            "to the simulated gateway, whose public checkout page accepts any card and moves no "
            "money. Set STRIPE_SECRET_KEY to take cards with Stripe, or OMS_PAYMENT_GATEWAY=manual "
            "to take no cards (staff record receipts), or OMS_ALLOW_SIMULATED_GATEWAY=1 for a "
            "staging site that takes test cards only."
        )
