"""Customers: search them as the dashboard's customer list does, read one with their addresses
and what their orders add up to, create and change them through the customer services."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from customers.filters import CustomerFilter
from customers.selectors import customers_for_list
from customers.services import create_customer, update_customer

from ..filtering import filter_parameters, filtered
from ..idempotency import idempotent
from ..selectors import customer_for_api
from ..serializers.customers import CustomerChangeIn, CustomerDetailOut, CustomerOut, NewCustomerIn
from .orders import IDEMPOTENCY_KEY

SORTS = ("sort",)  # the list is newest first, by cursor
FILTERS = filter_parameters(
    CustomerFilter, described_as="the dashboard's customer list", sorts=SORTS
)


class CustomersMixin:
    read_scope = "customers:read"
    write_scope = "customers:write"
    staff_permission = "customers.view_customer"


class CustomerListView(CustomersMixin, generics.GenericAPIView):
    serializer_class = CustomerOut

    @extend_schema(
        parameters=FILTERS,
        responses=CustomerOut(many=True),
        description="q finds the start of an e-mail, or part of a name, phone or company.",
    )
    def get(self, request: Request) -> Response:
        customers = filtered(CustomerFilter, request, customers_for_list(), sorts=SORTS)
        page = self.paginate_queryset(customers)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=NewCustomerIn,
        responses={201: CustomerDetailOut},
        parameters=[IDEMPOTENCY_KEY],
        description="An e-mail a customer has already (in any case) is refused: 422 on email.",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        payload = NewCustomerIn(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        customer = create_customer(
            email=data["email"],
            name=data["name"],
            phone=data.get("phone", ""),
            company=data.get("company", ""),
            address=data.get("address"),
        )
        body = CustomerDetailOut(customer_for_api(customer.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


class CustomerDetailView(CustomersMixin, generics.GenericAPIView):
    serializer_class = CustomerDetailOut

    def get(self, request: Request, pk: int) -> Response:
        return Response(CustomerDetailOut(customer_for_api(pk)).data)

    @extend_schema(request=CustomerChangeIn, responses=CustomerDetailOut)
    def patch(self, request: Request, pk: int) -> Response:
        payload = CustomerChangeIn(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        update_customer(
            customer=get_object_or_404(customers_for_list(), pk=pk),
            name=data.get("name"),
            phone=data.get("phone"),
            company=data.get("company"),
            marketing_consent=data.get("marketing_consent"),
            address=data.get("address"),
        )
        return Response(CustomerDetailOut(customer_for_api(pk)).data)
