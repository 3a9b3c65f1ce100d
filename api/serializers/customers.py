"""Customers in and out. Input is checked for shape here; the rules (a unique e-mail in any
case, a real country code, field lengths) are ``customers.services``', whose errors come back
with their field."""

from rest_framework import serializers

from customers.models import Address, Customer

from .orders import MONEY, AddressIn, CustomerIn

# --- in -----------------------------------------------------------------------------------


class NewCustomerIn(CustomerIn):
    email = serializers.EmailField(help_text="Unique whatever its case.")
    company = serializers.CharField(max_length=200, required=False, allow_blank=True)
    address = AddressIn(required=False, help_text="Their default shipping address.")


class CustomerChangeIn(serializers.Serializer):
    """Only what is sent changes. The e-mail does not: it is how channels find the customer."""

    name = serializers.CharField(max_length=200, required=False)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True)
    marketing_consent = serializers.BooleanField(
        required=False,
        help_text="The customer agreed to marketing e-mail (true) or withdrew (false); order "
        "updates are sent whatever this says.",
    )
    address = AddressIn(
        required=False,
        help_text="Becomes the default shipping address; the old one stays on file.",
    )


# --- out ----------------------------------------------------------------------------------


class AddressOut(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = [
            "id",
            "kind",
            "is_default",
            "name",
            "line1",
            "line2",
            "city",
            "region",
            "postal_code",
            "country",
            "phone",
        ]


class CustomerOut(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = [
            "id",
            "email",
            "name",
            "phone",
            "company",
            "marketing_consent_at",
            "email_bounced_at",
            "created_at",
            "updated_at",
        ]


class CustomerTotalsOut(serializers.Serializer):
    """What the customer's orders (neither drafts nor cancelled) add up to in one currency."""

    currency = serializers.CharField()
    order_count = serializers.IntegerField()
    lifetime_value = serializers.DecimalField(**MONEY)
    average_order_value = serializers.DecimalField(**MONEY)


class CustomerDetailOut(CustomerOut):
    addresses = AddressOut(many=True, help_text="The defaults first.")
    order_count = serializers.SerializerMethodField(help_text="In every currency.")
    totals = CustomerTotalsOut(many=True, help_text="Per currency.")

    class Meta:
        model = Customer
        fields = [*CustomerOut.Meta.fields, "addresses", "order_count", "totals"]

    def get_order_count(self, customer: Customer) -> int:
        return sum(total.order_count for total in customer.totals)
