"""Orders: place channel orders, list and read them, and move them through their states.

Every write calls the order services; an integration writes to its own channel's orders."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from orders import services as orders
from orders.filters import OrderFilter
from orders.models import Order

from ..filtering import filter_parameters, filtered
from ..idempotency import HEADER, idempotency_key, idempotent
from ..models import Integration
from ..permissions import token_of
from ..selectors import order_for_api, order_for_change, orders_for_list
from ..serializers.orders import CancelIn, HoldIn, OrderIn, OrderOut, OrderSummaryOut
from ..services.orders import place_channel_order, verify_channel_payment

IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Retries with the same key get the first response back (kept 24 hours).",
)
FILTERS = filter_parameters(
    OrderFilter, described_as="the dashboard's order list", sorts=OrderFilter.lenient
)


class OrdersMixin:
    read_scope = "orders:read"
    write_scope = "orders:write"
    staff_permission = "orders.view_order"

    def integration(self, request: Request):
        token = token_of(request)
        return token.integration if token is not None else None


class OrderListView(OrdersMixin, generics.GenericAPIView):
    serializer_class = OrderSummaryOut

    @extend_schema(parameters=FILTERS, responses=OrderSummaryOut(many=True))
    def get(self, request: Request) -> Response:
        orders = orders_for_list(self.integration(request))
        page = self.paginate_queryset(
            filtered(OrderFilter, request, orders, sorts=OrderFilter.lenient)
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=OrderIn,
        responses={201: OrderOut, 200: OrderOut},
        parameters=[IDEMPOTENCY_KEY],
        description=(
            "Place a channel order. The same external_id again gives back its order (200). "
            "A payment its checkout authorized is checked with Stripe first, and appears in "
            "the order's payments once recorded, moments after."
        ),
    )
    def post(self, request: Request) -> Response:
        idempotency_key(request)  # a bad key is refused first, as on every POST
        payload = OrderIn(data=request.data)
        payload.is_valid(raise_exception=True)
        integration = self.integration(request)
        # Stripe is asked before the Idempotency-Key's transaction, which the order joins.
        verify_channel_payment(integration=integration, data=payload.validated_data)
        return self.place(request, integration, payload.validated_data)

    @idempotent
    def place(self, request: Request, integration: Integration, data: dict) -> Response:
        order, created = place_channel_order(integration=integration, data=data)
        body = OrderOut(order_for_api(order.number, integration)).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class OrderDetailView(OrdersMixin, generics.GenericAPIView):
    serializer_class = OrderOut
    lookup_field = "number"

    def get(self, request: Request, number: str) -> Response:
        return Response(OrderOut(order_for_api(number, self.integration(request))).data)


class OrderActionView(OrdersMixin, generics.GenericAPIView):
    """POST with the action's input (if any): the order service does the move; the order as it
    is after it comes back."""

    serializer_class = OrderOut
    input_serializer = None

    def act(self, order: Order, data: dict, actor) -> None:
        raise NotImplementedError

    @idempotent
    def post(self, request: Request, number: str) -> Response:
        integration = self.integration(request)
        data = {}
        if self.input_serializer is not None:
            payload = self.input_serializer(data=request.data)
            payload.is_valid(raise_exception=True)
            data = payload.validated_data
        self.act(order_for_change(number, integration), data, request.user)
        return Response(OrderOut(order_for_api(number, integration)).data)


def action_schema(input_serializer=None):
    return extend_schema(request=input_serializer, responses=OrderOut, parameters=[IDEMPOTENCY_KEY])


class CancelOrderView(OrderActionView):
    input_serializer = CancelIn

    @action_schema(CancelIn)
    def post(self, request: Request, number: str) -> Response:
        return super().post(request, number)

    def act(self, order, data, actor) -> None:
        orders.cancel_order(order=order, reason=data["reason"], actor=actor)


class HoldOrderView(OrderActionView):
    input_serializer = HoldIn

    @action_schema(HoldIn)
    def post(self, request: Request, number: str) -> Response:
        return super().post(request, number)

    def act(self, order, data, actor) -> None:
        orders.hold_order(
            order=order, reason=data["reason"], note=data.get("note", ""), actor=actor
        )


class ReleaseOrderView(OrderActionView):
    @action_schema()
    def post(self, request: Request, number: str) -> Response:
        return super().post(request, number)

    def act(self, order, data, actor) -> None:
        orders.release_hold(order=order, actor=actor)


class ConfirmOrderView(OrderActionView):
    @action_schema()
    def post(self, request: Request, number: str) -> Response:
        return super().post(request, number)

    def act(self, order, data, actor) -> None:
        orders.confirm_order(order=order, actor=actor)
