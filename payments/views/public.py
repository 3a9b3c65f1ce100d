"""The public payment endpoints: Stripe's webhook, where customers land after a payment link,
and the simulated gateway's stand-in for Stripe Checkout (demo only). The staff screens for
payments live with the order page and the Finance list."""

import logging

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.parsing import parse_ascii_int

from .. import services
from ..exceptions import GatewayError, PaymentError, WebhookSignatureError
from ..gateways import StripeGateway, simulated_gateway_in_use
from ..models import Gateway, Payment, PaymentStatus

logger = logging.getLogger(__name__)


@csrf_exempt  # Stripe signs its requests; it cannot send our CSRF token
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Verify the signature, store the event once by its id, answer at once; a task does the
    work. A bad signature or a stale timestamp (over 300 s) gets 400 and nothing is stored."""
    try:
        event = StripeGateway().parse_webhook(
            request.body, request.headers.get("Stripe-Signature", "")
        )
    except WebhookSignatureError as error:
        logger.warning("Stripe webhook refused: %s", error)
        return HttpResponseBadRequest(str(error), content_type="text/plain")
    try:
        stored, created = services.store_stripe_event(event=event)
    except PaymentError as error:  # not an event: refused, not stored
        logger.warning("Stripe webhook refused: %s", error)
        return HttpResponseBadRequest(str(error), content_type="text/plain")
    return JsonResponse({"received": True, "duplicate": not created, "id": stored.event_id})


def _card_number(text: str) -> str | None:
    """The digits of a card number as typed (spaces and dashes allowed between them): 12 to
    19 ASCII digits, else None ("4242²…" or "①" are not digits of a card)."""
    digits = "".join(text.replace("-", " ").split())
    if not 12 <= len(digits) <= 19 or parse_ascii_int(digits, max_digits=19) is None:
        return None
    return digits


@require_GET
def checkout_done(request: HttpRequest) -> HttpResponse:
    return render(request, "payments/checkout_result.html", {"paid": True})


@require_GET
def checkout_cancelled(request: HttpRequest) -> HttpResponse:
    return render(request, "payments/checkout_result.html", {"paid": False})


@require_http_methods(["GET", "POST"])
def simulated_checkout(request: HttpRequest, session: str) -> HttpResponse:
    """The customer's page behind a simulated payment link: Stripe's test cards only, and
    only while the simulated gateway takes the card payments."""
    if not simulated_gateway_in_use():
        raise Http404("No such payment link")
    payment = (
        Payment.objects.select_related("order")
        .filter(gateway=Gateway.SIMULATED, checkout_session_id=session)
        .first()
    )
    if payment is None:
        raise Http404("No such payment link")
    error = ""
    if request.method == "POST" and payment.status == PaymentStatus.PENDING:
        number = _card_number(request.POST.get("card_number", ""))
        try:
            if number is None:
                raise PaymentError("Your card number is incorrect.", "incorrect_number")
            payment = services.complete_simulated_checkout(payment=payment, card_number=number)
        except (GatewayError, PaymentError) as failure:
            error = failure.message
    return render(
        request,
        "payments/simulated_checkout.html",
        {"payment": payment, "order": payment.order, "error": error},
    )
