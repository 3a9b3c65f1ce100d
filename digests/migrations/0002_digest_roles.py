"""Managers manage scheduled reports (subscriptions, the delivery log, send now); no other role does."""

from django.db import migrations

from core.role_grants import grants

ROLES = {
    "Manager": [
        "digests.view_reportsubscription",
        "digests.add_reportsubscription",
        "digests.change_reportsubscription",
        "digests.delete_reportsubscription",
        "digests.view_reportrun",
        "digests.manage_subscription",
    ]
}


class Migration(migrations.Migration):
    dependencies = [
        ("digests", "0001_subscriptions_runs"),
        ("core", "0007_form_token_age_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [grants(ROLES)]
