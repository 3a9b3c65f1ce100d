"""Shipping's errors: all are ``DomainError``s, so views and the API show their message."""

from core.exceptions import DomainError


class ShippingError(DomainError):
    code = "shipping_error"


class InvalidSignature(ShippingError):
    """A tracking webhook whose signature is missing, wrong or too old: refuse it (400)."""

    code = "invalid_signature"


class InvalidWebhook(ShippingError):
    """A correctly signed webhook whose body we cannot read."""

    code = "invalid_webhook"


class CarrierError(ShippingError):
    code = "carrier_error"


class CarrierRejected(CarrierError):
    """The carrier refused the request (bad address, no such rate…): retrying will not help."""

    code = "carrier_rejected"


class CarrierUnavailable(CarrierError):
    """The carrier could not be reached, timed out or failed: the outcome is unknown and the
    call is worth repeating later."""

    code = "carrier_unavailable"


class InvalidShipmentState(ShippingError):
    """What was asked does not fit where the shipment is (voiding a shipped parcel…)."""

    code = "invalid_shipment_state"


class ShipmentQuantityError(ShippingError):
    """More units than the order holds at the location, or none at all."""

    code = "shipment_quantity"


class FulfilmentQueueError(ShippingError):
    """A label batch, manifest or at-risk item asked for what does not fit its state (nothing
    selected to label, nothing handed over to manifest, an item resolved already…)."""

    code = "fulfilment_queue"
