"""Gateway calls are recorded before they are made: a transaction's ``outcome`` (pending,
succeeded, failed, unknown) replaces ``success``; the sweeper's marks; partially captured
payments; the payment-link e-mail's claim."""

from django.conf import settings
from django.db import migrations, models


def outcome_from_success(apps, schema_editor):
    transactions = apps.get_model("payments", "PaymentTransaction").objects
    transactions.filter(success=True).update(outcome="succeeded")
    transactions.filter(success=False).update(outcome="failed")


def success_from_outcome(apps, schema_editor):
    transactions = apps.get_model("payments", "PaymentTransaction").objects
    transactions.update(success=False)
    transactions.filter(outcome="succeeded").update(success=True)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0008_payment_refund_due"),
        ("payments", "0002_payment_roles"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="payment",
            name="payment_auth_expiry_idx",
        ),
        migrations.RemoveIndex(
            model_name="paymenttransaction",
            name="payment_txn_failed_idx",
        ),
        migrations.AddField(
            model_name="payment",
            name="link_email_claimed_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When a worker took the payment-link e-mail to send (cleared if sending failed).",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="paymenttransaction",
            name="attempted_at",
            field=models.DateTimeField(
                blank=True, help_text="When a worker last sent the call (empty: queued).", null=True
            ),
        ),
        migrations.AddField(
            model_name="paymenttransaction",
            name="outcome",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("succeeded", "Succeeded"),
                    ("failed", "Failed"),
                    ("unknown", "Unknown (no answer)"),
                ],
                default="pending",
                max_length=10,
            ),
        ),
        migrations.RunPython(outcome_from_success, success_from_outcome),
        migrations.AddField(
            model_name="paymenttransaction",
            name="request",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="What was asked besides the amount, to ask it again.",
            ),
        ),
        migrations.AddField(
            model_name="paymenttransaction",
            name="swept_at",
            field=models.DateTimeField(
                blank=True, help_text="When the sweeper last queued the call again.", null=True
            ),
        ),
        migrations.AddField(
            model_name="stripewebhookevent",
            name="swept_at",
            field=models.DateTimeField(
                blank=True, help_text="When the sweeper last queued it again.", null=True
            ),
        ),
        migrations.AlterField(
            model_name="payment",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("authorized", "Authorized"),
                    ("partially_captured", "Partially captured"),
                    ("captured", "Captured"),
                    ("partially_refunded", "Partially refunded"),
                    ("refunded", "Refunded"),
                    ("failed", "Failed"),
                    ("voided", "Voided"),
                    ("expired", "Expired"),
                ],
                default="pending",
                max_length=20,
            ),
        ),
        migrations.AddIndex(
            model_name="payment",
            index=models.Index(
                condition=models.Q(("status__in", ["authorized", "partially_captured"])),
                fields=["authorization_expires_at"],
                name="payment_auth_expiry_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="paymenttransaction",
            index=models.Index(
                condition=models.Q(("outcome", "failed")),
                fields=["-created_at"],
                name="payment_txn_failed_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="paymenttransaction",
            index=models.Index(
                condition=models.Q(("outcome__in", ["pending", "unknown"])),
                fields=["created_at"],
                name="payment_txn_open_idx",
            ),
        ),
        migrations.RemoveField(
            model_name="paymenttransaction",
            name="success",
        ),
    ]
