from django.apps import AppConfig


class ShippingConfig(AppConfig):
    name = "shipping"

    def ready(self) -> None:
        # Late import: the registry's check of who may see a panel reads the URL configuration.
        from orders.panels import OrderPanel, register

        register(
            OrderPanel(
                key="shipments", title="Shipments", url_name="shipping:order_panel", order=20
            )
        )
        self._price_sourcing_with_rate_tables()

    def _price_sourcing_with_rate_tables(self) -> None:
        """The sourcing engine prices plans with the rate tables, kept in memory and read
        again when one of their rows changes (``rate_tables``)."""
        from django.db.models.signals import post_delete, post_migrate, post_save

        from orders.sourcing import register_cost_estimator

        from . import rate_tables
        from .models import Carrier, Rate, ShippingService, ShippingZone, ZoneRule
        from .rates import estimate_cost

        register_cost_estimator(estimate_cost)
        for model in (Carrier, ShippingService, ShippingZone, ZoneRule, Rate):
            uid = f"rate-tables-{model.__name__}"
            post_save.connect(rate_tables.tables_changed, sender=model, dispatch_uid=uid)
            post_delete.connect(rate_tables.tables_changed, sender=model, dispatch_uid=uid)
        post_migrate.connect(rate_tables.reload, sender=self, dispatch_uid="rate-tables-migrate")
