"""Shipments and tracking: list and read the parcels (an integration sees its channel's orders'
ones), and carriers (or an aggregator) post their scans.

Tracking goes through ``shipping.services.receive_tracking``, as the carriers' signed webhooks
do: each scan is recorded once (by its event id) and the shipment and its order move once."""

import django_filters as df
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics
from rest_framework.request import Request
from rest_framework.response import Response

from core.filters import SinceFilter
from shipping import services as shipping
from shipping.filters import ShipmentFilter
from shipping.models import ShipmentStatus

from ..idempotency import idempotent
from ..selectors import shipment_for_api, shipment_tracking, shipments_for_list, tracked_numbers
from ..serializers.shipments import (
    ShipmentDetailOut,
    ShipmentSummaryOut,
    TrackingIn,
    TrackingOut,
    TrackingReceivedOut,
)
from .orders import IDEMPOTENCY_KEY, OrdersMixin


class ShipmentApiFilter(ShipmentFilter):
    """The dashboard's shipment filters, and what an integration asks of them besides: one
    order's parcels, and those handed over since its last poll."""

    order = df.CharFilter(field_name="order__number", label="Order number")
    shipped_since = SinceFilter(field_name="shipped_at", label="Shipped since")


# Each filter as the schema tells it (tests/api/test_shipments.py checks none is missing).
FILTER_DOCS = {
    "carrier": (OpenApiTypes.STR, "The carrier's code."),
    "location": (OpenApiTypes.STR, "The code of the location it leaves from."),
    "delayed": (OpenApiTypes.BOOL, "Past its estimated delivery, or held up at the carrier."),
    "created_after": (OpenApiTypes.DATE, "Created on or after this day."),
    "created_before": (OpenApiTypes.DATE, "Created on or before this day."),
    "order": (OpenApiTypes.STR, "The order's number, e.g. SO-000123."),
    "shipped_since": (OpenApiTypes.DATETIME, "Handed to the carrier at or after this time."),
}
FILTERS = [
    OpenApiParameter(
        "status",
        OpenApiTypes.STR,
        enum=ShipmentStatus.values,
        many=True,
        explode=True,
        description="Any of these statuses (repeat the parameter).",
    ),
    *(
        OpenApiParameter(name, kind, description=description)
        for name, (kind, description) in FILTER_DOCS.items()
    ),
]


class ShipmentsMixin(OrdersMixin):
    read_scope = "shipments:read"
    write_scope = "shipments:write"
    staff_permission = "shipping.view_shipment"


class ShipmentListView(ShipmentsMixin, generics.GenericAPIView):
    serializer_class = ShipmentSummaryOut

    @extend_schema(parameters=FILTERS, responses=ShipmentSummaryOut(many=True))
    def get(self, request: Request) -> Response:
        filters = ShipmentApiFilter(
            request.query_params, queryset=shipments_for_list(self.integration(request))
        )
        if not filters.form.is_valid():
            raise exceptions.ValidationError(filters.form.errors)
        page = self.paginate_queryset(filters.qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ShipmentDetailView(ShipmentsMixin, generics.GenericAPIView):
    serializer_class = ShipmentDetailOut

    def get(self, request: Request, shipment_id: int) -> Response:
        shipment = shipment_for_api(shipment_id, self.integration(request))
        return Response(ShipmentDetailOut(shipment).data)


class ShipmentTrackingView(ShipmentsMixin, generics.GenericAPIView):
    serializer_class = TrackingOut

    def get(self, request: Request, shipment_id: int) -> Response:
        shipment = shipment_tracking(shipment_id, self.integration(request))
        return Response(TrackingOut(shipment).data)


class TrackingView(ShipmentsMixin, generics.GenericAPIView):
    serializer_class = TrackingIn

    @extend_schema(
        request=TrackingIn,
        responses=TrackingReceivedOut,
        parameters=[IDEMPOTENCY_KEY],
        description="A carrier's scans. Each is recorded once (by event_id), so posting the "
        "same updates again records nothing and moves nothing. Every tracking number must be "
        "a parcel of the carrier's, or nothing is recorded (422 naming the update).",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        payload = TrackingIn(data=request.data)
        payload.is_valid(raise_exception=True)
        carrier = payload.validated_data["carrier"]
        updates = payload.tracking_updates()
        known = tracked_numbers(
            carrier, (update.tracking_number for update in updates), self.integration(request)
        )
        unknown = {
            index: {"tracking_number": [f"{carrier.code} has no parcel {update.tracking_number}."]}
            for index, update in enumerate(updates)
            if update.tracking_number not in known
        }
        if unknown:
            raise exceptions.ValidationError({"updates": unknown}, code="unknown_tracking_number")
        recorded = shipping.receive_tracking(carrier=carrier, updates=updates)
        return Response(TrackingReceivedOut({"received": len(updates), "recorded": recorded}).data)
