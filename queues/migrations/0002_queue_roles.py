"""Every role takes its queues' items; the Manager gives them to anyone."""

from django.db import migrations

from core.role_grants import grants

ROLES = {
    "Manager": ["queues.take_item", "queues.assign_item"],
    "Customer service": ["queues.take_item"],
    "Warehouse": ["queues.take_item"],
    "Finance": ["queues.take_item"],
}


class Migration(migrations.Migration):
    dependencies = [("queues", "0001_initial")]

    operations = [grants(ROLES)]
