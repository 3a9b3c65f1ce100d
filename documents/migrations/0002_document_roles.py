"""Finance and Managers issue and read documents; Customer service reads them."""

from django.db import migrations

from core.role_grants import grants

VIEW = ["documents.view_document"]
ISSUE = ["documents.issue_document"]
ROLES = {
    "Manager": [*VIEW, *ISSUE, "documents.view_documentcounter"],
    "Finance": [*VIEW, *ISSUE, "documents.view_documentcounter"],
    "Customer service": VIEW,
}


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0001_initial"),
        ("core", "0007_form_token_age_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [grants(ROLES)]
