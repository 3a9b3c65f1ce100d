"""Payment permissions for the four staff roles. Re-runnable: it only adds.

Finance and Manager do everything, refunds included; Customer service takes payments (records
manual ones, sends payment links) but may not capture, refund or void; Warehouse only looks.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = [
    "payments.view_payment",
    "payments.view_paymenttransaction",
    "payments.view_refund",
]
TAKE_PAYMENT = ["payments.record_payment", "payments.send_payment_link"]
MOVE_MONEY = ["payments.capture_payment", "payments.refund_payment", "payments.void_payment"]

ROLES = {
    "Manager": VIEW + TAKE_PAYMENT + MOVE_MONEY + ["payments.view_stripewebhookevent"],
    "Finance": VIEW + TAKE_PAYMENT + MOVE_MONEY + ["payments.view_stripewebhookevent"],
    "Customer service": VIEW + TAKE_PAYMENT,
    "Warehouse": VIEW,
}


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make them exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="payments")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0001_initial"),
        ("core", "0003_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
