from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"

    def ready(self) -> None:
        from .deferred import connect_request_signals

        connect_request_signals()
