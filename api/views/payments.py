"""Payments, read only: the Finance list's filters (and an order's, and since when), and one
payment with its gateway calls and refunds. An integration sees its channel's orders' payments
(all of them with ``all_channels``); money moves through the dashboard."""

import django_filters as df
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from core.filters import SinceFilter
from orders.models import Order
from orders.search import exact_order_match
from payments.filters import PaymentFilter

from ..filtering import filter_parameters, filtered
from ..selectors import payment_for_api, visible_payments
from ..serializers.payments import PaymentDetailOut, PaymentListOut
from .orders import OrdersMixin


class ApiPaymentFilter(PaymentFilter):
    """The Finance list's filters, and two that syncing payments into another system needs."""

    order = df.CharFilter(method="filter_order", label="Order number or channel order id")
    created_since = SinceFilter(field_name="created_at")

    class Meta(PaymentFilter.Meta):
        fields = [*PaymentFilter.Meta.fields, "order", "created_since"]

    def filter_order(self, queryset, name: str, value: str):
        return queryset.filter(order__in=Order.objects.filter(exact_order_match(value.strip())))


FILTERS = filter_parameters(ApiPaymentFilter, described_as="the dashboard's Finance list")


class PaymentsMixin(OrdersMixin):
    read_scope = "payments:read"
    write_scope = None  # read only
    staff_permission = "payments.view_payment"


class PaymentListView(PaymentsMixin, generics.GenericAPIView):
    serializer_class = PaymentListOut

    @extend_schema(
        parameters=FILTERS,
        responses=PaymentListOut(many=True),
        description=(
            "q is an order number, a gateway reference or the order's e-mail; order an order "
            "number or the channel's order id; created_since an ISO 8601 time; the flags "
            "(failed, awaiting_capture, expiring, disputed) take true."
        ),
    )
    def get(self, request: Request) -> Response:
        payments = filtered(ApiPaymentFilter, request, visible_payments(self.integration(request)))
        page = self.paginate_queryset(payments)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class PaymentDetailView(PaymentsMixin, generics.GenericAPIView):
    serializer_class = PaymentDetailOut

    def get(self, request: Request, pk: int) -> Response:
        return Response(PaymentDetailOut(payment_for_api(pk, self.integration(request))).data)
