"""Prices and discounts are permissions (issue 8): Manager may override unit prices and give any
discount; Customer service may give discounts up to OMS_CS_DISCOUNT_LIMIT_PERCENT of a line.
Re-runnable: it only adds (and its reverse only removes) these grants.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANT = {
    "Manager": ["override_price", "give_discount"],
    "Customer service": ["give_discount"],
}


def _grants(apps):
    # Permissions are normally created after all migrations ran; make them exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANT.items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = Permission.objects.filter(
            content_type__app_label="orders", codename__in=codenames
        )
        yield group, list(permissions)


def forwards(apps, schema_editor):
    for group, permissions in _grants(apps):
        group.permissions.add(*permissions)


def backwards(apps, schema_editor):
    for group, permissions in _grants(apps):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_idempotency_keys"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("orders", "0011_price_override_permissions"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
