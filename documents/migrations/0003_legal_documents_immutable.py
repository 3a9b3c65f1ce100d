"""Issued invoices and credit notes are immutable in the database too, whatever writes to it
(a queryset ``update()``, the shell, SQL by hand), not only through ``Document.save``.

A trigger refuses deleting one, and any update that changes what it says. Allowed: filling in
its file and SHA-256 once (they are written after the numbering transaction), recording when
it was sent, and the issuer's foreign key being cleared when that user is deleted.
"""

from django.db import migrations

LEGAL = "('invoice', 'credit_note')"
FROZEN = (
    "order_id",
    "kind",
    "number",
    "key",
    "content",
    "currency",
    "total",
    "content_type",
    "corrects_id",
    "refund_id",
    "shipment_id",
    "created_at",
)
MESSAGE = "an issued invoice or credit note cannot be changed or deleted"


def _changed(distinct: str) -> str:
    frozen = [f'NEW."{column}" {distinct} OLD."{column}"' for column in FROZEN]
    once = [
        f"""(OLD."{column}" <> '' AND NEW."{column}" {distinct} OLD."{column}")"""
        for column in ("file", "sha256")
    ]
    return " OR ".join(frozen + once)


TRIGGERS = {
    "postgresql": [
        f"""
        CREATE OR REPLACE FUNCTION documents_legal_immutable() RETURNS trigger AS $$
        BEGIN
            IF OLD.kind IN {LEGAL} AND (TG_OP = 'DELETE' OR {_changed("IS DISTINCT FROM")}) THEN
                RAISE EXCEPTION '{MESSAGE}: %', OLD.number USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END;
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE TRIGGER documents_legal_immutable BEFORE UPDATE OR DELETE ON documents_document
        FOR EACH ROW EXECUTE FUNCTION documents_legal_immutable()
        """,
    ],
    "sqlite": [
        f"""
        CREATE TRIGGER documents_legal_no_update BEFORE UPDATE ON documents_document
        WHEN OLD.kind IN {LEGAL} AND ({_changed("IS NOT")})
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
        """,
        f"""
        CREATE TRIGGER documents_legal_no_delete BEFORE DELETE ON documents_document
        WHEN OLD.kind IN {LEGAL}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
        """,
    ],
}
DROP = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS documents_legal_immutable ON documents_document",
        "DROP FUNCTION IF EXISTS documents_legal_immutable()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS documents_legal_no_update",
        "DROP TRIGGER IF EXISTS documents_legal_no_delete",
    ],
}


def create(apps, schema_editor) -> None:
    for statement in TRIGGERS[schema_editor.connection.vendor]:
        schema_editor.execute(statement, params=None)


def drop(apps, schema_editor) -> None:
    for statement in DROP[schema_editor.connection.vendor]:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_document_roles")]

    operations = [migrations.RunPython(create, drop)]
