from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        from core.reporting import autodiscover

        autodiscover()  # every app's reports.py registers its reports
