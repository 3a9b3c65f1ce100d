"""Building CSV files and running jobs, for the importer tests."""

import tablib

from importer import services
from importer.kinds import KINDS
from importer.models import ImportJob

ORDER_HEADERS = list(KINDS["orders"].columns)


def csv_of(headers: list[str], rows: list[tuple]) -> str:
    return tablib.Dataset(*rows, headers=headers).export("csv")


def order_rows(count: int, *, channel: str = "web", emails: list[str], skus: list[str]):
    """``count`` lines, three to an order: LEGACY-0 has rows 2–4, LEGACY-1 rows 5–7, …"""
    return [
        (
            f"LEGACY-{index // 3}",
            channel,
            emails[(index // 3) % len(emails)],
            "2024-03-01 10:15",
            "delivered",
            skus[index % len(skus)],
            "2",
            "12.50",
            f"W-{index // 3}",
            "paid",
            "1.00",
            "2.00",
            "4.95",
        )
        for index in range(count)
    ]


def job_for(kind: str, content: str, *, user=None) -> ImportJob:
    """A job checked by its dry run (the task runs at commit, so it is run here by hand)."""
    job = ImportJob.objects.create(
        kind=kind, file_name=f"{kind}.csv", content=content, created_by=user
    )
    return services.dry_run(job_id=job.pk)


def import_now(job: ImportJob) -> ImportJob:
    """Run the import whatever its dry run said: the real run checks again by itself."""
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
    return services.run_import(job_id=job.pk)
