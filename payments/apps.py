from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self) -> None:
        # Late imports: both load models, which are not ready when this module is imported.
        from orders.panels import OrderPanel, register

        from . import receivers  # noqa: F401  (connects the reactions to order events)
        from .gateways import check_gateway_settings

        # Here rather than in a system check, so runserver, gunicorn's wsgi import, Celery and
        # every management command refuse a gateway production must not run.
        check_gateway_settings()
        register(
            OrderPanel(key="payments", title="Payments", url_name="payments:order_panel", order=10)
        )
        register(
            OrderPanel(
                key="payments-cancellation",
                title="What happens to the money",
                url_name="payments:cancellation_notice",
                slot="cancel",
            )
        )
