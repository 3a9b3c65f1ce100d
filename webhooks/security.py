"""What keeps webhooks from being turned on us: SSRF checks and the signature.

A URL is called only when it is http(s) and its host resolves to public addresses only (not
private, loopback, link-local, multicast, reserved or unspecified), checked when the
subscription is saved and again before every attempt, since DNS may change in between.
``WEBHOOKS_ALLOWED_HOSTS`` names hosts exempt from the address check (127.0.0.1 for tests and
development). Redirects are never followed, so a public host cannot bounce a call inward;
the address actually connected to is checked as well (``transport``).
"""

import hashlib
import hmac
import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

from .exceptions import UnsafeURL


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def check_url(url: str) -> None:
    """Raise UnsafeURL unless ``url`` may be called now."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("Only http:// and https:// URLs can receive webhooks.", field="url")
    host = parts.hostname
    if not host:
        raise UnsafeURL("The URL has no host.", field="url")
    if host in settings.WEBHOOKS_ALLOWED_HOSTS:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError, UnicodeError) as error:
        raise UnsafeURL(f"The host {host} does not resolve ({error}).", field="url") from error
    addresses = {info[4][0] for info in infos}
    refused = sorted(address for address in addresses if not is_public(address))
    if not addresses or refused:
        raise UnsafeURL(
            f"The host {host} resolves to a non-public address ({', '.join(refused)}).",
            field="url",
        )


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """The ``OMS-Signature`` header: ``t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">``."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
