from django.urls import path

from .views import public, staff

app_name = "payments"
urlpatterns = [
    path("webhooks/stripe/", public.stripe_webhook, name="stripe_webhook"),
    path("checkout/done/", public.checkout_done, name="checkout_done"),
    path("checkout/cancelled/", public.checkout_cancelled, name="checkout_cancelled"),
    path(
        "simulated-checkout/<str:session>/",
        public.simulated_checkout,
        name="simulated_checkout",
    ),
    # staff screens (payments/staff.py): the Finance list and the order page's panel
    path("", staff.finance_list, name="list"),
    path("export.csv", staff.finance_export, name="export"),
    path("refund-due/", staff.refund_due, name="refund_due"),
    path("refund-due/export.csv", staff.refund_due_export, name="refund_due_export"),
    path(
        "orders/<str:number>/cancellation/",
        staff.cancellation_notice,
        name="cancellation_notice",
    ),
    path("orders/<str:number>/", staff.order_panel, name="order_panel"),
    path("orders/<str:number>/payment-link/", staff.send_link, name="send_link"),
    path("orders/<str:number>/record/", staff.record_payment, name="record"),
    path("<int:payment_id>/capture/", staff.capture, name="capture"),
    path("<int:payment_id>/refund/", staff.refund, name="refund"),
    path("<int:payment_id>/void/", staff.void, name="void"),
]
