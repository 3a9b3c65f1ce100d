"""Who sees customer messages (personal data: addresses and what was written to them) and who
may send one again. Warehouse does neither, as it sees no customer records."""

from django.db import migrations

from core.role_grants import grants

VIEW = ["notifications.view_notification"]
RESEND = ["notifications.resend_notification"]


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_delivery_log"),
        ("core", "0004_job_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        grants(
            {
                "Manager": VIEW + RESEND,
                "Customer service": VIEW + RESEND,
                "Finance": VIEW,
            }
        )
    ]
