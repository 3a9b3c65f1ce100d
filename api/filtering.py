"""The dashboard's FilterSets on the API's lists: the same filters, in the query string.

A list is paged by cursor, newest first, so a FilterSet's sort is not offered (and a bad sort
is not an error, as on the dashboard); any other invalid value is a 422 naming the parameter.
"""

from django.db.models import QuerySet
from django_filters import FilterSet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.request import Request


def filter_parameters(
    filterset_class: type[FilterSet], *, described_as: str, sorts: tuple[str, ...] = ()
) -> list[OpenApiParameter]:
    """The FilterSet's filters as the schema's query parameters (``sorts`` left out)."""
    return [
        OpenApiParameter(name, OpenApiTypes.STR, description=f"As {described_as}: {name}.")
        for name in filterset_class.base_filters
        if name not in sorts
    ]


def filtered(
    filterset_class: type[FilterSet],
    request: Request,
    queryset: QuerySet,
    *,
    sorts: tuple[str, ...] = (),
) -> QuerySet:
    """``queryset`` narrowed by the request's filters; a 422 for an invalid one."""
    filters = filterset_class(request.query_params, queryset=queryset)
    if not filters.form.is_valid():
        errors = {name: value for name, value in filters.form.errors.items() if name not in sorts}
        if errors:
            raise exceptions.ValidationError(errors)
    return filters.qs
