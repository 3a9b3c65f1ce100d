"""``manage.py create_integration``: an integration and its first token, from the shell.

    manage.py create_integration "Web shop" --channel web --owner alice \\
        --scope orders:read --scope orders:write

The token is printed once, alone on the last line (``TOKEN=$(manage.py create_integration …
| tail -1)``); only its hash is stored. ``--new-token`` issues another token for an existing
integration instead (to rotate one: issue, switch the caller over, revoke the old in the admin).
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from orders.models import SalesChannel

from ...exceptions import IntegrationError
from ...models import Integration, Scope
from ...services import issue_token
from ...services.integrations import create_integration


class Command(BaseCommand):
    help = (
        "Create an API integration (its channel, scopes and owner) and print its first token, "
        "once. With --new-token, issue another token for an existing integration."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="the integration's name, e.g. 'Web shop'")
        parser.add_argument("--channel", help="code of the sales channel its orders are placed on")
        parser.add_argument("--owner", help="username of the staff member answerable for it")
        parser.add_argument(
            "--scope",
            action="append",
            default=[],
            dest="scopes",
            metavar="SCOPE",
            help=f"repeatable: {', '.join(Scope.values)}",
        )
        parser.add_argument(
            "--all-channels", action="store_true", help="it reads every channel's orders (an ERP)"
        )
        parser.add_argument(
            "--new-token", action="store_true", help="issue a token for an existing integration"
        )

    def handle(self, *args, name: str, new_token: bool, **options):
        try:
            if new_token:
                integration = Integration.objects.filter(name=name).first()
                if integration is None:
                    raise CommandError(f"There is no integration named {name}.")
            else:
                integration = self.create(name, **options)
            issued = issue_token(integration=integration)
        except IntegrationError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"Token for {integration} (scopes: {', '.join(integration.scopes) or 'none'}). "
            "Copy it now; it is not shown again:"
        )
        self.stdout.write(issued.plain)

    def create(self, name: str, *, channel, owner, scopes, all_channels, **options) -> Integration:
        if not channel or not owner:
            raise CommandError("A new integration needs --channel and --owner.")
        found_channel = SalesChannel.objects.filter(code=channel).first()
        if found_channel is None:
            raise CommandError(f"There is no sales channel with the code {channel}.")
        user = get_user_model().objects.filter(username=owner).first()
        if user is None:
            raise CommandError(f"There is no user {owner}.")
        return create_integration(
            name=name,
            channel=found_channel,
            scopes=scopes,
            owner=user,
            all_channels=all_channels,
        )
