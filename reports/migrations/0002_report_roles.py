"""Managers and Finance read the sales reports (revenue, refunds); the other roles do not."""

from django.db import migrations

from core.role_grants import grants

ROLES = {
    "Manager": ["reports.view_sales_report"],
    "Finance": ["reports.view_sales_report"],
}


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("core", "0007_form_token_age_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [grants(ROLES)]
