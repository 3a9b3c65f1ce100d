from django.apps import AppConfig


class QueuesConfig(AppConfig):
    """Exception queues: what needs someone now (late, at risk, stuck), each item with an
    owner, an age and an SLA colour."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "queues"
    verbose_name = "Queues"

    def ready(self) -> None:
        from core.queues import autodiscover

        autodiscover()
