"""The carriers' tracking webhooks: public (the signature is the authentication), one URL per
carrier code. The staff screens for fulfilment come with the dashboard."""

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .. import services
from ..carriers import adapter_for
from ..exceptions import InvalidSignature, InvalidWebhook
from ..models import Carrier

logger = logging.getLogger(__name__)


@csrf_exempt  # carriers sign their requests; they cannot send our CSRF token
@require_POST
def tracking_webhook(request: HttpRequest, carrier: str) -> HttpResponse:
    """Check the signature with the carrier's adapter, then record each scan once and move
    the shipments: 400 for a bad signature or body, 404 for a carrier we do not have, 200 for
    the rest (a repeated delivery included: it records nothing new)."""
    found = get_object_or_404(Carrier, code=carrier, is_active=True)
    try:
        updates = adapter_for(found).parse_webhook(request.headers, request.body)
    except (InvalidSignature, InvalidWebhook) as error:
        logger.warning("%s tracking webhook refused: %s", found.code, error)
        return HttpResponseBadRequest(str(error), content_type="text/plain")
    recorded = services.receive_tracking(carrier=found, updates=updates)
    return JsonResponse({"received": len(updates), "recorded": recorded})
