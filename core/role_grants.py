"""Role grants made by migrations: ``grants({"Warehouse": ["shipping.pick_orders"], …})`` is a
``RunPython`` that adds the permissions to the role groups (creating both if need be) and whose
reverse removes them. Re-runnable: it only adds, and only removes what it added."""

from collections.abc import Mapping, Sequence

from django.contrib.auth.management import create_permissions
from django.db import migrations


def _grants(apps, grants: Mapping[str, Sequence[str]]):
    # Permissions are normally created after all migrations ran; make them exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codes in grants.items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = []
        for code in codes:
            app_label, codename = code.split(".")
            permissions.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        yield group, permissions


def grants(role_permissions: Mapping[str, Sequence[str]]) -> migrations.RunPython:
    def forwards(apps, schema_editor):
        for group, permissions in _grants(apps, role_permissions):
            group.permissions.add(*permissions)

    def backwards(apps, schema_editor):
        for group, permissions in _grants(apps, role_permissions):
            group.permissions.remove(*permissions)

    return migrations.RunPython(forwards, backwards)
