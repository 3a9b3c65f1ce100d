from django.db import migrations

from core.role_grants import grants


class Migration(migrations.Migration):
    dependencies = [("importer", "0001_initial")]

    operations = [grants({"Manager": ["importer.run_import"]})]
