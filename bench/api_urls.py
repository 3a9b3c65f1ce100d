"""The bench URLconf (bench/api_settings.py): every URL of the product, plus
``/bench/one-insert/``, an API view that inserts one row, the yardstick of bench/api.py. It is
reachable only under these settings, never from the product's URLs."""

from uuid import uuid4

from django.urls import path
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.models import IdempotencyRecord
from oms import urls

OWNER = "bench:one-insert"  # the records it writes, deleted after each run


class OneInsertView(APIView):
    """POST: one INSERT behind the stack every API view has (the REST_FRAMEWORK defaults: the
    bearer token's authentication, the scope permission, the per-token throttle, the JSON
    renderer, problem+json errors), so the bench's ratio is what placing an order costs."""

    read_scope = "orders:read"
    write_scope = "orders:write"

    def post(self, request: Request) -> Response:
        record = IdempotencyRecord.objects.create(
            owner=OWNER, key=uuid4().hex, fingerprint="", status=status.HTTP_201_CREATED
        )
        return Response({"id": record.pk}, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("bench/one-insert/", OneInsertView.as_view(), name="bench_one_insert"),
    *urls.urlpatterns,
]
handler403 = urls.handler403
handler404 = urls.handler404
