"""Setting up an integration: who calls, on which channel, with which scopes."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from orders.models import SalesChannel

from ..exceptions import IntegrationError
from ..models import Integration, Scope


@transaction.atomic
def create_integration(
    *,
    name: str,
    channel: SalesChannel,
    scopes: list[str],
    owner: AbstractBaseUser,
    all_channels: bool = False,
) -> Integration:
    """A new active integration; refuses a taken name, an unknown scope and an inactive owner
    (the admin's form checks the same through the model's choices and uniqueness)."""
    name = name.strip()
    if not name:
        raise IntegrationError("An integration needs a name.", field="name")
    if Integration.objects.filter(name=name).exists():
        raise IntegrationError(f"There is already an integration named {name}.", field="name")
    unknown = sorted(set(scopes) - set(Scope.values))
    if unknown:
        raise IntegrationError(
            f"Unknown scope {', '.join(unknown)}; known: {', '.join(Scope.values)}.",
            field="scopes",
        )
    if not owner.is_active:
        raise IntegrationError(f"{owner} is not an active user.", field="owner")
    return Integration.objects.create(
        name=name,
        channel=channel,
        scopes=sorted(set(scopes), key=Scope.values.index),
        owner=owner,
        all_channels=all_channels,
    )
