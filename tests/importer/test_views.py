import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from importer.models import ImportJob
from inventory.models import Product

pytestmark = pytest.mark.django_db


def test_upload_dry_run_then_import(login_as, django_capture_on_commit_callbacks):
    client = login_as("Manager")
    upload = SimpleUploadedFile("p.csv", b"\xef\xbb\xbfsku,name,price\nMUG-1,Mug,5\n")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("importer:index"), {"kind": "products", "file": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("importer:job", args=[job.pk]))
    assert "1 row OK" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("importer:start", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Product.objects.filter(sku="MUG-1").exists()
    listing = client.get(reverse("importer:index"))
    assert "Imported" in listing.content.decode()


def test_a_busy_job_polls_with_htmx(login_as):
    client = login_as("Manager")
    job = ImportJob.objects.create(kind="orders", file_name="o.csv", content="", total_rows=10)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING)

    response = client.get(reverse("importer:job", args=[job.pk]), headers={"HX-Request": "true"})

    body = response.content.decode()
    assert 'hx-trigger="every 1s"' in body
    assert "<progress" in body
    assert "<html" not in body


def test_templates_hold_the_header_row(login_as):
    client = login_as("Manager")

    response = client.get(reverse("importer:template", args=["orders"]))

    header = response.content.decode().splitlines()[0]
    assert header.startswith("number,channel,customer_email,placed_at,status,sku,quantity")
    assert client.get(reverse("importer:template", args=["nosuch"])).status_code == 404


def test_the_imports_page_lists_recent_jobs_in_few_queries(login_as, django_assert_max_num_queries):
    client = login_as("Manager")
    for _ in range(20):
        ImportJob.objects.create(
            kind="products", file_name="p.csv", content="", created_by=client.user
        )
    with django_assert_max_num_queries(8):
        response = client.get(reverse("importer:index"))
    assert response.status_code == 200
