"""The four staff roles as groups with their permissions. Re-runnable: it only adds."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_ALL = [
    "customers.view_customer",
    "customers.view_address",
    "inventory.view_product",
    "inventory.view_location",
    "inventory.view_stocklevel",
    "inventory.view_stockmovement",
    "orders.view_saleschannel",
    "orders.view_taxrate",
    "orders.view_order",
    "orders.view_orderline",
    "orders.view_allocation",
    "orders.view_orderevent",
]

ROLES = {
    "Manager": VIEW_ALL
    + [
        f"{app}.{action}_{model}"
        for app, model in [
            ("customers", "customer"),
            ("customers", "address"),
            ("inventory", "product"),
            ("inventory", "location"),
            ("orders", "saleschannel"),
            ("orders", "taxrate"),
            ("orders", "order"),
            ("orders", "orderline"),
        ]
        for action in ("add", "change")
    ]
    + [
        "orders.add_orderevent",
        "orders.confirm_order",
        "orders.hold_order",
        "orders.cancel_order",
        "inventory.adjust_stock",
    ],
    "Customer service": VIEW_ALL
    + [
        "customers.add_customer",
        "customers.change_customer",
        "customers.add_address",
        "customers.change_address",
        "orders.add_order",
        "orders.change_order",
        "orders.add_orderline",
        "orders.change_orderline",
        "orders.add_orderevent",
        "orders.confirm_order",
        "orders.hold_order",
        "orders.cancel_order",
    ],
    "Warehouse": VIEW_ALL
    + [
        "inventory.change_product",
        "inventory.add_location",
        "inventory.change_location",
        "inventory.adjust_stock",
        "orders.add_orderevent",
        "orders.hold_order",
    ],
    "Finance": VIEW_ALL + ["orders.add_orderevent", "orders.hold_order", "orders.change_taxrate"],
}


def create_roles(apps, schema_editor):
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


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_order_number_sequence"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0001_initial"),
        ("inventory", "0001_initial"),
        ("orders", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
