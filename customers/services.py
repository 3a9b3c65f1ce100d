"""Every write to customers: each service validates everything first, then writes atomically."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import capfirst

from core.countries import is_country
from core.exceptions import DomainError

from .models import Address, Customer

ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "country", "phone")


class CustomerValidationError(DomainError):
    """Bad input for a customer; ``field`` names the field at fault (``address.country``)."""

    code = "invalid_customer"

    def __init__(self, message: str, field: str = "", code: str | None = None) -> None:
        super().__init__(message, code)
        self.args = (message, field, code)
        self.field = field


def _check_model(
    instance: models.Model, *, prefix: str = "", exclude: tuple[str, ...] = ()
) -> None:
    """Run the model's own field checks; the first failure becomes a CustomerValidationError."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        label = capfirst(instance._meta.get_field(field).verbose_name)
        raise CustomerValidationError(
            f"{label}: {messages[0]}", field=f"{prefix}.{field}" if prefix else field
        ) from None


def _check_email_is_new(email: str) -> None:
    if Customer.objects.filter(email__iexact=email).exists():
        raise CustomerValidationError(
            f"A customer with the e-mail {email} already exists.",
            field="email",
            code="duplicate_email",
        )


def _address_for(customer: Customer, data: dict[str, Any]) -> Address:
    values = {key: str(data.get(key) or "").strip() for key in ADDRESS_FIELDS}
    values["name"] = values["name"] or customer.name
    values["country"] = values["country"].upper()
    if not values["country"]:
        raise CustomerValidationError("Country is required.", field="address.country")
    if not is_country(values["country"]):
        raise CustomerValidationError(
            f"{values['country']} is not a country code: use the two-letter ISO 3166 code, "
            "such as US or DE.",
            field="address.country",
        )
    address = Address(customer=customer, kind=Address.Kind.SHIPPING, is_default=True, **values)
    _check_model(address, prefix="address", exclude=("customer",))
    return address


def create_customer(
    *,
    email: str,
    name: str,
    phone: str = "",
    company: str = "",
    address: dict[str, Any] | None = None,
) -> Customer:
    """Create a customer and, when given, their default shipping address; both or neither.

    E-mail addresses are unique whatever their case: a second ``Ada@Example.com`` is refused.
    """
    customer = Customer(
        email=email.strip(), name=name.strip(), phone=phone.strip(), company=company.strip()
    )
    _check_model(customer)
    _check_email_is_new(customer.email)
    default_address = _address_for(customer, address) if address else None
    with transaction.atomic():
        try:
            with transaction.atomic():
                customer.save()
        except IntegrityError:  # the same e-mail committed by another transaction meanwhile
            _check_email_is_new(customer.email)
            raise
        if default_address:
            default_address.save()
    return customer


def update_customer(
    *,
    customer: Customer,
    name: str | None = None,
    phone: str | None = None,
    company: str | None = None,
    marketing_consent: bool | None = None,
    address: dict[str, Any] | None = None,
) -> Customer:
    """Change what is given (None keeps it) and, with ``address``, make that the customer's
    default shipping address; the old default stays in their address book, unflagged.

    ``marketing_consent`` records when the customer agreed to marketing e-mail (kept from the
    first time while it stands) or that they withdrew it; order updates go out regardless.
    Checked as ``create_customer`` checks, all of it before anything is written. The e-mail is
    not changed here: it is how channels and imports find the customer.
    """
    given = {"name": name, "phone": phone, "company": company}
    changes: dict[str, Any] = {
        field: value.strip() for field, value in given.items() if value is not None
    }
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if marketing_consent is not None and marketing_consent != bool(
            customer.marketing_consent_at
        ):
            changes["marketing_consent_at"] = timezone.now() if marketing_consent else None
        for field, value in changes.items():
            setattr(customer, field, value)
        _check_model(customer)
        default_address = _address_for(customer, address) if address else None
        if changes:
            customer.save(update_fields=[*changes, "updated_at"])
        if default_address:
            customer.addresses.filter(kind=Address.Kind.SHIPPING, is_default=True).update(
                is_default=False
            )
            default_address.save()
    return customer
