"""A test-only e-mail backend for worker processes, slow enough to kill a worker mid-send.

A worker started with ``EMAIL_BACKEND=tests.slow_mail.SlowFileBackend`` writes a marker
``*.started`` into ``OMS_TEST_MAIL_DIR`` for every send it begins, holding the id of the
process sending. The first send in the directory then waits ``OMS_TEST_MAIL_DELAY`` seconds,
time to kill that process; every send that finishes writes its messages there as ``*.log``
files (Django's file backend). A killed send leaves a marker and no message.
"""

import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from django.core.mail import EmailMessage
from django.core.mail.backends import filebased


class SlowFileBackend(filebased.EmailBackend):
    def __init__(self, **kwargs) -> None:
        super().__init__(file_path=os.environ["OMS_TEST_MAIL_DIR"], **kwargs)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        directory = Path(self.file_path)
        first = not any(directory.glob("*.started"))
        (directory / f"{uuid.uuid4().hex}.started").write_text(str(os.getpid()))
        if first:
            time.sleep(float(os.environ.get("OMS_TEST_MAIL_DELAY", "0")))
        return super().send_messages(email_messages)
