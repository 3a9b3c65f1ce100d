"""Text messages behind a small interface: ``settings.OMS_SMS_BACKEND`` names a class with
``send(to=, text=) -> message id``. The console backend (the default) prints them; a provider's
backend (Twilio, Vonage…) is one class of a few lines that raises ``SmsError`` when it fails."""

import sys
import uuid
from typing import ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The provider did not take the message (retried with backoff)."""


class SmsBackend(Protocol):
    def send(self, *, to: str, text: str) -> str: ...


class ConsoleSmsBackend:
    def send(self, *, to: str, text: str) -> str:
        sys.stdout.write(f"SMS to {to}: {text}\n")
        return f"console-{uuid.uuid4().hex}"


class LocmemSmsBackend:
    """Keeps what it sends in ``outbox`` (tests)."""

    outbox: ClassVar[list[dict[str, str]]] = []

    def send(self, *, to: str, text: str) -> str:
        message_id = f"locmem-{uuid.uuid4().hex}"
        self.outbox.append({"to": to, "text": text, "id": message_id})
        return message_id


def get_backend() -> SmsBackend:
    return import_string(settings.OMS_SMS_BACKEND)()
