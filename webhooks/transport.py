"""The HTTP session deliveries are sent with: the address actually connected to is checked too.

``security.check_url`` resolves the host before the call, but the HTTP library resolves it
again to connect, and a host with a short-lived DNS record could answer a public address to
the first and a private one to the second. So every new connection's peer address is checked
once the socket is connected, before a byte is sent; a refused one fails the attempt as a
connection error. Proxies from the environment are ignored (the peer would be the proxy).
"""

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from .security import is_public


class _PublicPeer:
    host: str

    def _new_conn(self):
        sock = super()._new_conn()  # type: ignore[misc]
        peer = sock.getpeername()[0]
        if self.host not in settings.WEBHOOKS_ALLOWED_HOSTS and not is_public(peer):
            sock.close()
            raise NewConnectionError(self, f"refused: {self.host} connected to {peer}")
        return sock


class _HTTPConnection(_PublicPeer, HTTPConnection):
    pass


class _HTTPSConnection(_PublicPeer, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class PublicOnlyAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def session() -> requests.Session:
    """A session for one delivery: public peers only, no environment proxies."""
    http = requests.Session()
    http.trust_env = False
    adapter = PublicOnlyAdapter()
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    return http
