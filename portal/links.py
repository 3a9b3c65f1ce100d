"""Signed links to the customer's order-status page, the key that opens it without a login.

A token is ``TimestampSigner(salt=SALT)`` over ``"<order pk>.<fingerprint>"``: the signature
(HMAC with the secret key) makes it unguessable and unforgeable, and its timestamp lets it
expire after ``OMS_STATUS_LINK_DAYS``. The fingerprint is an HMAC of the order's number and
creation time, so a token also names *which* order it was made for: an order that later gets
the same pk (a restored or re-seeded database) is not opened by an old link.

Every way a token can be wrong (tampered, expired, another order's, a draft, garbage) gives the
same answer, None, and the page the same 404: the visitor learns nothing about why.
"""

from datetime import timedelta

from django.conf import settings
from django.core.signing import BadSignature, TimestampSigner
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from orders.models import Order

from . import selectors

SALT = "portal.order-status"
# A real token is about 50 characters; anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 200


def _signer() -> TimestampSigner:
    return TimestampSigner(salt=SALT)


def _fingerprint(order: Order) -> str:
    return salted_hmac(SALT, f"{order.number}|{order.created_at.isoformat()}").hexdigest()[:16]


def token_for(order: Order) -> str:
    return _signer().sign(f"{order.pk}.{_fingerprint(order)}")


def status_url(order: Order, *, absolute: bool = True) -> str:
    """The order-status page's link, absolute (``OMS_SITE_URL``, as every link in our e-mails)
    unless ``absolute=False``."""
    path = reverse("portal:order_status", args=[token_for(order)])
    return f"{settings.OMS_SITE_URL.rstrip('/')}{path}" if absolute else path


def order_for_token(token: str) -> Order | None:
    """The order ``token`` opens, or None however it is wrong (one database read at most)."""
    if len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        value = _signer().unsign(token, max_age=timedelta(days=settings.OMS_STATUS_LINK_DAYS))
    except BadSignature:  # SignatureExpired is one
        return None
    pk, _, fingerprint = value.partition(".")
    if not (pk.isascii() and pk.isdigit()):
        return None
    order = selectors.order_for_status(int(pk))
    if order is None or not constant_time_compare(fingerprint, _fingerprint(order)):
        return None
    return order
