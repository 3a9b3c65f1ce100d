"""Payments out: on an order's detail, in the payments list, and one with its gateway calls
(authorizations, captures, voids) and refunds. Read only: money moves through the dashboard.

What the gateway answered word for word, idempotency keys and payment-link URLs stay inside."""

from rest_framework import serializers

from payments.models import Payment, PaymentTransaction, Refund


class PaymentOut(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = [
            "id",
            "gateway",
            "method",
            "status",
            "amount",
            "currency",
            "authorized_amount",
            "captured_amount",
            "refunded_amount",
            "authorized_at",
            "captured_at",
        ]


class PaymentListOut(PaymentOut):
    order = serializers.CharField(source="order.number", help_text="The order's number.")

    class Meta:
        model = Payment
        fields = [
            *PaymentOut.Meta.fields,
            "order",
            "gateway_reference",
            "card_brand",
            "card_last4",
            "authorization_expires_at",
            "failure_code",
            "failure_message",
            "disputed_at",
            "dispute_reason",
            "created_at",
        ]


class TransactionOut(serializers.ModelSerializer):
    """One call to the gateway, or one receipt or notification recorded."""

    class Meta:
        model = PaymentTransaction
        fields = [
            "id",
            "kind",
            "source",
            "amount",
            "outcome",
            "error_code",
            "error_message",
            "gateway_reference",
            "refund",
            "created_at",
        ]


class RefundOut(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = [
            "id",
            "amount",
            "reason",
            "status",
            "external",
            "gateway_reference",
            "failure_message",
            "created_at",
            "completed_at",
        ]


class PaymentDetailOut(PaymentListOut):
    transactions = TransactionOut(many=True, help_text="Oldest first.")
    refunds = RefundOut(many=True, help_text="Oldest first.")

    class Meta:
        model = Payment
        fields = [*PaymentListOut.Meta.fields, "transactions", "refunds"]
