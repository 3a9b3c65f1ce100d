"""Managers manage webhooks (subscriptions, the delivery log, redelivery); no other role does."""

from django.db import migrations

from core.role_grants import grants

VIEW = ["webhooks.view_subscription", "webhooks.view_delivery"]
ROLES = {"Manager": [*VIEW, "webhooks.change_subscription", "webhooks.manage_subscription"]}


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_subscriptions_deliveries"),
        ("core", "0007_form_token_age_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [grants(ROLES)]
