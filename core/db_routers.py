"""The database router: report reads may go to the read replica, everything else to "default".

Reports pass their alias explicitly (``core.reporting.reporting_alias()`` as ``using``); this
router covers the ORM reads made inside ``core.reporting.reading_reports()`` without one (a
choice field's options, a related object). Writes always go to "default", and only "default"
is migrated: the replica copies it.
"""

from core.reporting import REPLICA, is_reading_reports, reporting_alias


class ReportingRouter:
    def db_for_read(self, model, **hints) -> str | None:
        return reporting_alias() if is_reading_reports() else None

    def db_for_write(self, model, **hints) -> str:
        return "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # both aliases hold the same database

    def allow_migrate(self, db: str, app_label: str, model_name=None, **hints) -> bool:
        return db != REPLICA
