"""Roles that match the job (issue 8): each role keeps what its work needs and no more.

Warehouse picks, packs and ships: it keeps stock and orders, and loses the customer records
(personal data), payments (the Finance pages and the payments admin) and tax rates. Exporting
orders as CSV (names and e-mails) and changing a product's price or cost become permissions
of their own. Re-runnable: granting and revoking both leave a role as stated here.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANT = {
    "Manager": ["orders.export_orders", "inventory.change_product_price"],
    "Finance": ["orders.export_orders"],
    "Customer service": ["orders.export_orders"],
}
REVOKE = {
    "Warehouse": [
        "customers.view_customer",
        "customers.view_address",
        "orders.view_taxrate",
        "payments.view_payment",
        "payments.view_paymenttransaction",
        "payments.view_refund",
    ],
}


def _permission(apps, code: str):
    app_label, codename = code.split(".")
    return apps.get_model("auth", "Permission").objects.get(
        content_type__app_label=app_label, codename=codename
    )


def _apply(apps, *, add: dict[str, list[str]], remove: dict[str, list[str]]) -> None:
    # Permissions are normally created after all migrations ran; make them exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for role, codes in add.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*(_permission(apps, code) for code in codes))
    for role, codes in remove.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.remove(*(_permission(apps, code) for code in codes))


def forwards(apps, schema_editor):
    _apply(apps, add=GRANT, remove=REVOKE)


def backwards(apps, schema_editor):
    _apply(apps, add=REVOKE, remove=GRANT)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0001_initial"),
        ("inventory", "0002_change_product_price_permission"),
        ("orders", "0009_export_orders_permission"),
        # after the payments roles, which gave every role the payments views
        ("payments", "0002_payment_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
