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


class PickingError(ShippingError):
    """A pick list, scan or short pick refused (``shipping.services.picking``)."""

    code = "picking_error"


class NothingToPick(PickingError):
    code = "nothing_to_pick"


class PickListClosed(PickingError):
    """The list is done or cancelled: nothing on it may change any more."""

    code = "pick_list_closed"


class WrongItem(PickingError):
    """The scanned code is no product on this pick list: the item goes back on the shelf."""

    code = "wrong_item"


class AlreadyPicked(PickingError):
    """Every unit of the scanned product on this list is picked (or short) already."""

    code = "already_picked"


class OrderNotPickable(PickingError):
    """The order was held or cancelled after the list was made: its units stay on the shelf."""

    code = "order_not_pickable"


class ShortPickInvalid(PickingError):
    code = "short_pick_invalid"
