from django.urls import path

from . import dashboard, views

app_name = "payments"
urlpatterns = [
    path("webhooks/stripe/", views.stripe_webhook, name="stripe_webhook"),
    path("checkout/done/", views.checkout_done, name="checkout_done"),
    path("checkout/cancelled/", views.checkout_cancelled, name="checkout_cancelled"),
    path(
        "simulated-checkout/<str:session>/",
        views.simulated_checkout,
        name="simulated_checkout",
    ),
    # staff screens (payments/dashboard.py): the Finance list and the order page's panel
    path("", dashboard.finance_list, name="list"),
    path("refund-due/", dashboard.refund_due, name="refund_due"),
    path(
        "orders/<str:number>/cancellation/",
        dashboard.cancellation_notice,
        name="cancellation_notice",
    ),
    path("orders/<str:number>/", dashboard.order_panel, name="order_panel"),
    path("orders/<str:number>/payment-link/", dashboard.send_link, name="send_link"),
    path("orders/<str:number>/record/", dashboard.record_payment, name="record"),
    path("<int:payment_id>/capture/", dashboard.capture, name="capture"),
    path("<int:payment_id>/refund/", dashboard.refund, name="refund"),
    path("<int:payment_id>/void/", dashboard.void, name="void"),
]
