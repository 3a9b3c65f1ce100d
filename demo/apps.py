from django.apps import AppConfig


class DemoConfig(AppConfig):
    """``manage.py seed_demo``: the data ``make demo`` serves. Never for production."""

    name = "demo"
