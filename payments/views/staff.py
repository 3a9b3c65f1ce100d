"""The staff screens for payments: the payments panel on the order page and the Finance list.

Every panel action is an htmx POST to its own URL that calls one service with the user as actor.
A domain error comes back in place (status 200) in the panel; a success re-renders the panel
from fresh state and fires ``orderChanged`` (the order's lines and timeline refresh) and
``paymentsChanged`` (the header's payment badge refreshes). The panel itself refreshes on the
``orderChanged`` the order's own actions fire, but not on the one it fired itself.

Permissions are checked here, per URL, never only in the template: Customer service sees no
refund button and gets 403 if it posts one anyway.
"""

from collections.abc import Callable
from functools import cached_property
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from core.csv_export import csv_export, exports, filtered_export
from core.exceptions import DomainError
from core.idempotency import run_posted
from core.pagination import CappedPaginator
from core.permissions import staff_view
from orders.models import Order

from .. import selectors, services
from ..filters import QUICK_FILTERS, PaymentFilter
from ..forms import CaptureForm, ManualPaymentForm, RefundForm
from ..models import Payment, Refund, StripeWebhookEvent

PANEL_TEMPLATE = "payments/order_panel.html"
FINANCE_TEMPLATE = "payments/finance_list.html"
PAGE_SIZE = 50
FAILING_EVENTS_SHOWN = 5
ORDER_CHANGED = "orderChanged"
PAYMENTS_CHANGED = "paymentsChanged"
POLL_SECONDS = 2


# --- the panel's state ---------------------------------------------------------------------


class PaymentRow:
    """One payment as the panel shows it: what the user may do to it, and its forms."""

    def __init__(self, payment: Payment, actions: dict[str, bool], bound: dict[str, Any]):
        self.payment = payment
        self.actions = actions
        self.transactions = payment.transactions.all()  # prefetched
        self.refunds = payment.refunds.all()  # prefetched
        self.pending_refunds = [r for r in self.refunds if r.status == Refund.Status.PENDING]
        capture_prefix, refund_prefix = f"capture-{payment.pk}", f"refund-{payment.pk}"
        self.capture_form = bound.get(capture_prefix) or CaptureForm(
            prefix=capture_prefix, initial={"amount": payment.capturable_amount or None}
        )
        self.refund_form = bound.get(refund_prefix) or RefundForm(prefix=refund_prefix)
        self.refund_open = refund_prefix in bound


class PaymentPanel:
    """The payments panel of one order, computed only when a template reads it.

    The order page builds one for every render, but the header, lines and timeline fragments
    never read it, so only a page or panel render pays its queries: payments, transactions,
    refunds and (when something is captured) the pending refunds — four at most, however
    many payments the order has.
    """

    def __init__(
        self,
        user,
        order: Order,
        *,
        error: str = "",
        notice: str = "",
        bound: dict[str, forms.Form] | None = None,
        waiting: str = "",
    ) -> None:
        self.user = user
        self.order = order
        self.error = error
        self.notice = notice
        self.bound = bound or {}
        self.waiting = waiting  # "<payment id>:<transactions seen>" after a queued capture/void

    @cached_property
    def visible(self) -> bool:
        return self.user.has_perm("payments.view_payment")

    @cached_property
    def payments(self) -> list[Payment]:
        return selectors.payments_for_order(self.order) if self.visible else []

    @cached_property
    def rows(self) -> list[PaymentRow]:
        return [
            PaymentRow(payment, selectors.payment_actions(self.user, payment), self.bound)
            for payment in self.payments
        ]

    @cached_property
    def summary(self) -> selectors.PaymentSummary:
        return selectors.payment_summary(self.order, self.payments)

    @cached_property
    def actions(self) -> dict[str, bool]:
        return selectors.order_payment_actions(self.user, self.order) if self.visible else {}

    @cached_property
    def record_form(self) -> ManualPaymentForm:
        return self.bound.get("record") or ManualPaymentForm(
            initial={"amount": self.summary.balance_due or None}
        )

    @property
    def record_open(self) -> bool:
        return "record" in self.bound

    @cached_property
    def top_error(self) -> str:
        """A domain error to show above the payments: one whose form is not on the panel any
        more (a refund refused because the payment was voided meanwhile) shows here too."""
        if self.error:
            return self.error
        for key, form in self.bound.items():
            if form.non_field_errors() and not self._shows_form(key):
                return " ".join(form.non_field_errors())
        return ""

    def _shows_form(self, key: str) -> bool:
        if key == "record":
            return bool(self.actions.get("record"))
        kind, _, payment_id = key.partition("-")
        row = next((r for r in self.rows if str(r.payment.pk) == payment_id), None)
        return row is not None and row.actions.get(kind, False)

    @cached_property
    def in_flight(self) -> bool:
        """Work a task is still doing (a refund, a queued capture or void, any gateway call
        without its answer yet): the panel polls."""
        if any(row.pending_refunds for row in self.rows):
            return True
        return any(txn.open for payment in self.payments for txn in payment.transactions.all())

    @property
    def poll_url(self) -> str:
        url = reverse("payments:order_panel", args=[self.order.number])
        if self.waiting and self.in_flight:
            url += f"?waiting={self.waiting}"
        return url


def payment_panel(request: HttpRequest, order: Order, **extra: Any) -> PaymentPanel:
    """The panel for the order page's context (``orders.views.detail``)."""
    return PaymentPanel(request.user, order, **extra)


# --- the panel's views ---------------------------------------------------------------------


def _order(number: str) -> Order:
    return get_object_or_404(Order.objects.select_related("channel"), number=number)


def _render_panel(request: HttpRequest, number: str, **extra: Any) -> HttpResponse:
    order = _order(number)
    context = {"order": order, "payment_panel": PaymentPanel(request.user, order, **extra)}
    return render(request, PANEL_TEMPLATE, context)


def _perform(
    request: HttpRequest,
    number: str,
    action: Callable[[], object],
    *,
    success: str,
    form: forms.Form | None = None,
    form_key: str = "",
    waiting: Callable[[], str] | None = None,
) -> HttpResponse:
    """Run one service call; answer with the panel, its error in place or fresh after success."""
    try:
        action()
    except DomainError as error:
        if not request.htmx:
            messages.error(request, error.message)
            return redirect("orders:detail", number=number)
        if form is not None:
            form.add_error(None, error.message)
            return _render_panel(request, number, bound={form_key: form})
        return _render_panel(request, number, error=error.message)
    if not request.htmx:
        messages.success(request, success)
        return redirect("orders:detail", number=number)
    response = _render_panel(request, number, notice=success, waiting=waiting() if waiting else "")
    trigger_client_event(response, ORDER_CHANGED, {"source": "payments"})
    trigger_client_event(response, PAYMENTS_CHANGED)
    return response


def _invalid(request: HttpRequest, number: str, form: forms.Form, key: str) -> HttpResponse:
    if not request.htmx:
        messages.error(request, "Check the amounts and try again.")
        return redirect("orders:detail", number=number)
    return _render_panel(request, number, bound={key: form})


def _payment(payment_id: int) -> Payment:
    return get_object_or_404(Payment.objects.select_related("order"), pk=payment_id)


def _waiting_for(payment: Payment) -> Callable[[], str]:
    """After queuing a task: poll until the payment has a new transaction (the task's answer)."""
    seen = payment.transactions.count()
    return lambda: f"{payment.pk}:{seen}"


@staff_view("orders.view_order", "payments.view_payment")
@require_GET
def order_panel(request: HttpRequest, number: str) -> HttpResponse:
    return _render_panel(request, number, waiting=request.GET.get("waiting", ""))


@staff_view("payments.send_payment_link")
@require_POST
def send_link(request: HttpRequest, number: str) -> HttpResponse:
    order = _order(number)

    def action():
        services.send_payment_link(order=order, actor=request.user)

    return _perform(request, number, action, success="Payment link sent to the customer.")


@staff_view("payments.record_payment")
@require_POST
def record_payment(request: HttpRequest, number: str) -> HttpResponse:
    order = _order(number)
    form = ManualPaymentForm(request.POST)
    if not form.is_valid():
        return _invalid(request, number, form, "record")
    data = form.cleaned_data

    def record() -> dict:
        payment = services.record_manual_payment(
            order=order,
            amount=data["amount"],
            method=data["method"],
            reference=data["reference"],
            actor=request.user,
        )
        return {"payment": payment.pk}

    def action():
        # A second post of the same dialog (a double click) records nothing more.
        run_posted(request, scope=f"payments.record:{order.number}", work=record)

    return _perform(
        request, number, action, success="Payment recorded.", form=form, form_key="record"
    )


@staff_view("payments.capture_payment")
@require_POST
def capture(request: HttpRequest, payment_id: int) -> HttpResponse:
    payment = _payment(payment_id)
    number = payment.order.number
    key = f"capture-{payment.pk}"
    form = CaptureForm(request.POST, prefix=key)
    if not form.is_valid():
        return _invalid(request, number, form, key)
    waiting = _waiting_for(payment)

    def action():
        services.request_capture(
            payment=payment, amount=form.cleaned_data["amount"], actor=request.user
        )

    return _perform(
        request,
        number,
        action,
        success="Capture requested.",
        form=form,
        form_key=key,
        waiting=waiting,
    )


@staff_view("payments.refund_payment")
@require_POST
def refund(request: HttpRequest, payment_id: int) -> HttpResponse:
    payment = _payment(payment_id)
    number = payment.order.number
    key = f"refund-{payment.pk}"
    form = RefundForm(request.POST, prefix=key)
    if not form.is_valid():
        return _invalid(request, number, form, key)

    def create() -> dict:
        refund = services.create_refund(
            payment=payment,
            amount=form.cleaned_data["amount"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
        return {"refund": refund.pk}

    def action():
        run_posted(request, scope=f"payments.refund:{payment.pk}", work=create)

    # A manual payment's refund was made outside (a transfer back) and is recorded at once;
    # a card refund goes to the gateway in a task.
    success = "Refund recorded." if payment.is_manual else "Refund requested."
    return _perform(request, number, action, success=success, form=form, form_key=key)


@staff_view("payments.void_payment")
@require_POST
def void(request: HttpRequest, payment_id: int) -> HttpResponse:
    payment = _payment(payment_id)
    waiting = _waiting_for(payment)

    def action():
        services.request_void(payment=payment, actor=request.user)

    return _perform(
        request, payment.order.number, action, success="Void requested.", waiting=waiting
    )


# --- the Finance list ----------------------------------------------------------------------


def _failing_webhook_events() -> list[StripeWebhookEvent]:
    """The newest Stripe events that could not be processed (at most one more than shown, so
    the page can say there are more), for Finance to follow up at Stripe."""
    failing = StripeWebhookEvent.objects.filter(error__startswith=services.WEBHOOK_FAILED)
    return list(failing.order_by("-received_at")[: FAILING_EVENTS_SHOWN + 1])


@staff_view("payments.view_payment")
@require_GET
@vary_on_headers("HX-Request")
def finance_list(request: HttpRequest) -> HttpResponse:
    filters = PaymentFilter(request.GET, queryset=selectors.finance_payments())
    # The count stops at a cap ("1,000+ payments"): no COUNT(*) of the table on every page.
    page = CappedPaginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.finance_counts()
    list_url = reverse("payments:list")
    quick = [
        {
            "label": label,
            "count": counts.get(name),
            "url": f"{list_url}?{name}=true" if name else list_url,
            "active": (request.GET.get(name) == "true")
            if name
            else not any(request.GET.get(n) for n, _ in QUICK_FILTERS if n),
        }
        for name, label in QUICK_FILTERS
    ]
    fragment = bool(request.htmx) and not request.htmx.history_restore_request
    context = {
        "filter": filters,
        "page": page,
        "count_label": page.paginator.count_label(noun="payment"),
        "list_url": list_url,
        "quick_filters": quick,
        "refund_due_count": counts["refund_due"],
        "failing_events": _failing_webhook_events(),
        "fragment": fragment,
    }
    template = f"{FINANCE_TEMPLATE}#payment-table" if fragment else FINANCE_TEMPLATE
    return render(request, template, context)


PAYMENT_COLUMNS = (
    ("order", "order__number"),
    ("channel", "order__channel__code"),
    ("created_at", "created_at"),
    ("customer_name", "order__customer__name"),
    ("customer_email", "order__email"),
    ("method", "method"),
    ("gateway", "gateway"),
    ("gateway_reference", "gateway_reference"),
    ("card_brand", "card_brand"),
    ("card_last4", "card_last4"),
    ("status", "status"),
    ("amount", "amount"),
    ("authorized", "authorized_amount"),
    ("captured", "captured_amount"),
    ("refunded", "refunded_amount"),
    ("currency", "currency"),
    ("authorization_expires_at", "authorization_expires_at"),
    ("failure_message", "failure_message"),
    ("disputed_at", "disputed_at"),
    ("dispute_reason", "dispute_reason"),
    ("dispute_amount", "dispute_amount"),
)


@staff_view("payments.view_payment")
@require_GET
@exports("payments:list")
def finance_export(request: HttpRequest) -> HttpResponse:
    return filtered_export(
        request,
        PaymentFilter,
        selectors.finance_payments(),
        name="payments",
        columns=PAYMENT_COLUMNS,
    )


@staff_view("payments.view_payment")
@require_GET
def refund_due(request: HttpRequest) -> HttpResponse:
    """Finance's refund-due queue: orders holding money they are not owed, a page at a time."""
    page = Paginator(selectors.refund_due_orders(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "payments/refund_due.html", {"page": page})


REFUND_DUE_COLUMNS = (
    ("order", "number"),
    ("customer_name", "customer__name"),
    ("status", "status"),
    ("order_total", "total"),
    ("refund_due", "refund_due"),
    ("currency", "currency"),
)


@staff_view("payments.view_payment")
@require_GET
@exports("payments:refund_due")
def refund_due_export(request: HttpRequest) -> HttpResponse:
    return csv_export(
        request, selectors.refund_due_orders(), name="refunds-due", columns=REFUND_DUE_COLUMNS
    )


@staff_view("orders.view_order", "payments.view_payment")
@require_GET
def cancellation_notice(request: HttpRequest, number: str) -> HttpResponse:
    """The cancel dialog's word on the money: what was paid and what cancelling does to it."""
    notice = selectors.cancellation_notice(_order(number))
    return render(request, "payments/cancellation_notice.html", {"notice": notice})
