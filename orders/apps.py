from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        from core.references import register_reference_linker

        from . import receivers  # noqa: F401  (connects the signal receivers)
        from .numbers import order_url

        register_reference_linker(order_url)
