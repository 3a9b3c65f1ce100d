from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self) -> None:
        # Here rather than in a system check, so runserver, gunicorn's wsgi import, Celery and
        # every management command refuse a gateway production must not run (gateways imports
        # models, hence the late import).
        from orders.panels import OrderPanel, register

        from . import receivers  # noqa: F401  (connects the reactions to order events)

        register(
            OrderPanel(
                key="payments",
                title="Payments",
                url_name="payments:order_panel",
                permission="payments.view_payment",
                order=10,
            )
        )
        register(
            OrderPanel(
                key="payments-cancellation",
                title="What happens to the money",
                url_name="payments:cancellation_notice",
                permission="payments.view_payment",
                slot="cancel",
            )
        )
        from .gateways import check_gateway_settings

        check_gateway_settings()
