"""What documents tells the domains above it (notifications attaches invoices to e-mails).

``document_issued(sender=Document, document=...)``: sent once per document, after its file is
stored and outside any transaction of ours, so a receiver may read ``document.file`` and queue
work at once.
"""

from django.dispatch import Signal

document_issued = Signal()
