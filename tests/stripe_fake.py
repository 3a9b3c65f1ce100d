"""A fake Stripe API (v1) served over real HTTP, for tests that drive the real ``stripe`` SDK.

Point a client at it and the SDK does everything it does in production (form-encoding, headers,
idempotency keys, error mapping, retries), only against ``127.0.0.1``::

    fake = FakeStripe().start()
    client = stripe.StripeClient(
        "sk_test_fake", base_addresses={"api": fake.url}, max_network_retries=0
    )  # or: client = fake.client()
    intent = client.v1.payment_intents.create(
        params={"amount": 1000, "currency": "usd", "capture_method": "manual",
                "payment_method": "pm_card_visa", "payment_method_types": ["card"],
                "confirm": True},
        options={"idempotency_key": "order-1-authorize"},
    )
    fake.stop()

What it models (see the endpoint methods below for the details):

* ``POST /v1/payment_intents`` (+ ``confirm=true``), ``GET|POST /v1/payment_intents/{id}``,
  ``POST /v1/payment_intents/{id}/confirm|capture|cancel``; ``POST /v1/refunds``,
  ``GET /v1/refunds/{id}``; ``POST /v1/checkout/sessions``, ``GET /v1/checkout/sessions/{id}``,
  ``POST /v1/checkout/sessions/{id}/expire``; ``GET /v1/charges/{id}``,
  ``GET /v1/payment_methods/{id}``; ``GET /v1/payment_intents/search`` (``metadata['k']:'v'``
  and ``status:'v'`` clauses). ``expand[]`` works on any id-valued field
  (``latest_charge``, ``payment_intent``, ``charge``, ``payment_method``; dotted paths too).
* Multicapture: an intent (or Checkout Session) created with
  ``payment_method_options[card][request_multicapture]=if_available`` gets a charge with
  ``multicapture.status=available``; a capture with ``final_capture=false`` then adds to
  ``amount_received`` and lowers ``amount_capturable``, the intent staying ``requires_capture``
  (the charge's ``amount_captured`` adds up); a final capture (the default) ends it
  ``succeeded``, and cancelling a partially captured intent releases the rest (``succeeded``).
* Stripe's test payment methods (``pm_card_visa``, ``pm_card_chargeDeclined``…, see
  ``TEST_CARDS``); like Stripe, each use of a ``pm_card_*`` token creates a new ``pm_…`` id.
* Like Stripe since API version 2023-08-16, a PaymentIntent without ``payment_method_types``
  has automatic payment methods enabled with redirects allowed, so confirming it needs a
  ``return_url`` (or ``automatic_payment_methods[allow_redirects]=never``); otherwise 400.
* Idempotency as Stripe does it: a POST repeating an ``Idempotency-Key`` with the same path and
  parameters gets the stored answer (same status and body, header ``Idempotent-Replayed: true``)
  without the work being done again; reusing a key for another path or other parameters is a
  400 ``idempotency_error`` (``stripe.IdempotencyError``). Parameter-validation errors are not
  stored, and neither are injected faults (but ``network_after`` and ``slow``, whose work was
  done), so a retry with the same key does the work.
* Authorizations expire: ``capture_before`` is 7 days after confirmation; once the fake's clock
  (``advance_time``) passes it, the PaymentIntent is ``canceled`` (``cancellation_reason``
  ``automatic``), as Stripe does.

The SDK retries by itself when a client has ``max_network_retries`` > 0 (on connection errors,
409 and 5xx, with 0.5 s+ sleeps, re-sending the same Idempotency-Key). Tests that want to see the
raw failure create their client with ``max_network_retries=0`` (``fake.client()`` does);
tests of retry behaviour can pass a higher number and assert on ``fake.requests``.
"""

from __future__ import annotations

import contextlib
import copy
import fnmatch
import hashlib
import hmac
import json
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

API_VERSION: str = stripe.api_version
AUTHORIZATION_WINDOW = 7 * 24 * 3600  # an uncaptured card authorization lasts 7 days
CHECKOUT_SESSION_LIFETIME = 24 * 3600
FAULT_MODES = ("network", "network_after", "server_error", "rate_limit", "slow")
_NOT_STORED = {"idempotency_error"}

# --------------------------------------------------------------------------------------------
# Test cards: Stripe's magic payment-method tokens.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TestCard:
    brand: str
    last4: str
    funding: str = "credit"
    # A declined card: Stripe's error code, decline code and message.
    code: str | None = None
    decline_code: str | None = None
    message: str | None = None

    __test__ = False  # not a pytest test class


_DECLINED = "Your card was declined."
TEST_CARDS: dict[str, TestCard] = {
    "pm_card_visa": TestCard("visa", "4242"),
    "pm_card_visa_debit": TestCard("visa", "5556", funding="debit"),
    "pm_card_mastercard": TestCard("mastercard", "4444"),
    "pm_card_amex": TestCard("amex", "8431"),
    "pm_card_chargeDeclined": TestCard(
        "visa", "0002", code="card_declined", decline_code="generic_decline", message=_DECLINED
    ),
    "pm_card_chargeDeclinedInsufficientFunds": TestCard(
        "visa",
        "9995",
        code="card_declined",
        decline_code="insufficient_funds",
        message="Your card has insufficient funds.",
    ),
    "pm_card_chargeDeclinedFraudulent": TestCard(
        "visa", "0019", code="card_declined", decline_code="fraudulent", message=_DECLINED
    ),
    "pm_card_chargeDeclinedExpiredCard": TestCard(
        "visa",
        "0069",
        code="expired_card",
        decline_code="expired_card",
        message="Your card has expired.",
    ),
    "pm_card_chargeDeclinedIncorrectCvc": TestCard(
        "visa",
        "0127",
        code="incorrect_cvc",
        decline_code="incorrect_cvc",
        message="Your card's security code is incorrect.",
    ),
    "pm_card_chargeDeclinedProcessingError": TestCard(
        "visa",
        "0119",
        code="processing_error",
        decline_code="processing_error",
        message="An error occurred while processing your card. Try again in a little bit.",
    ),
}

# --------------------------------------------------------------------------------------------
# Webhook helpers
# --------------------------------------------------------------------------------------------


def sign_webhook(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe would send with ``payload``: ``t=…,v1=…``."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    digest = hmac.new(secret.encode(), f"{ts}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={ts},v1={digest}"


def event_payload(
    type: str,  # Stripe's field name
    obj: dict[str, Any],
    event_id: str | None = None,
    created: int | None = None,
) -> str:
    """A Stripe event (``"object": "event"``) wrapping ``obj``, as the JSON text Stripe posts."""
    event = {
        "id": event_id or _new_id("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()) if created is None else int(created),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": type,
    }
    return json.dumps(event, indent=2)


# --------------------------------------------------------------------------------------------
# Form decoding
# --------------------------------------------------------------------------------------------

_KEY_RE = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEGMENT_RE = re.compile(r"\[([^\[\]]*)\]")


def parse_stripe_form(text: str) -> dict[str, Any]:
    """Decode Stripe's form encoding into nested dicts and lists (all leaves are strings).

    ``metadata[order]=7`` → ``{"metadata": {"order": "7"}}``; ``expand[0]=a`` and ``expand[]=a``
    → ``{"expand": ["a"]}``; ``line_items[0][price_data][currency]=usd`` →
    ``{"line_items": [{"price_data": {"currency": "usd"}}]}``.
    """
    root: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        match = _KEY_RE.match(key)
        if not match:
            root[key] = value
            continue
        parts = [match.group(1), *_SEGMENT_RE.findall(match.group(2))]
        node = root
        for depth, part in enumerate(parts):
            name = str(len(node)) if part == "" else part
            if depth == len(parts) - 1:
                node[name] = value
            else:
                child = node.get(name)
                if not isinstance(child, dict):
                    child = node[name] = {}
                node = child
    return {key: _listify(value, key) for key, value in root.items()}


def _listify(value: Any, key: str) -> Any:
    """Turn dicts keyed 0..n (from ``[0]``/``[]``) into lists; metadata keys stay a dict."""
    if not isinstance(value, dict):
        return value
    if key == "metadata":
        return {k: _listify(v, k) for k, v in value.items()}
    items = {k: _listify(v, k) for k, v in value.items()}
    if items and all(k.isdigit() for k in items):
        return [items[k] for k in sorted(items, key=int)]
    return items


# --------------------------------------------------------------------------------------------
# Recorded requests and errors
# --------------------------------------------------------------------------------------------


@dataclass
class RecordedRequest:
    """One HTTP request the fake received, in arrival order in ``FakeStripe.requests``."""

    method: str
    path: str
    params: dict[str, Any]
    idempotency_key: str | None
    headers: dict[str, str] = field(default_factory=dict)
    status: int | None = None  # None: the connection was dropped (fault "network")
    response: dict[str, Any] | None = None
    replayed: bool = False  # answered from the idempotency store
    fault: str | None = None  # the injected fault that hit this request, if any

    @property
    def api_key(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        return auth[7:] if auth.startswith("Bearer ") else None


class StripeFakeError(Exception):
    """An error answer in Stripe's shape: ``{"error": {"type": …, "code": …, …}}``."""

    def __init__(
        self,
        status: int,
        type_: str,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        store: bool = True,
        **extra: Any,
    ):
        super().__init__(status, type_, message)
        self.status = status
        self.store = store  # False: not kept for idempotent replay (validation errors)
        self.error: dict[str, Any] = {"type": type_, "message": message}
        if code:
            self.error["code"] = code
            self.error["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
        if decline_code:
            self.error["decline_code"] = decline_code
        if param:
            self.error["param"] = param
        self.error.update(extra)

    def body(self) -> dict[str, Any]:
        return {"error": self.error}


def _invalid(message: str, *, code: str | None = None, param: str | None = None, **extra: Any):
    return StripeFakeError(400, "invalid_request_error", message, code=code, param=param, **extra)


def _bad_param(message: str, *, code: str | None = None, param: str) -> StripeFakeError:
    return StripeFakeError(
        400, "invalid_request_error", message, code=code, param=param, store=False
    )


def _new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


def _money(amount: int, currency: str) -> str:
    units, cents = divmod(amount, 100)
    return f"{units}.{cents:02d} {currency.upper()}"


# --------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeStripe


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's requests session expects
    server: _Server
    timeout = 30  # idle keep-alive connections close after this
    wbufsize = -1  # one send per answer (flushed by handle_one_request) and no Nagle delay:
    disable_nagle_algorithm = True  # otherwise every call waits ~40 ms for a delayed ACK

    def do_GET(self):
        self.server.fake._serve(self)

    do_POST = do_DELETE = do_GET

    def log_message(self, format, *args):
        pass  # quiet test output


class FakeStripe:
    """An in-memory Stripe on a local HTTP port. Use ``start()``/``stop()`` or ``with``.

    Public state, all plain dicts as Stripe returns them (unexpanded): ``payment_intents``,
    ``charges``, ``refunds``, ``checkout_sessions``, ``payment_methods`` (each id → object);
    ``requests`` (list of ``RecordedRequest``).
    """

    def __init__(self, api_key: str | None = None):
        # api_key: when set, requests must carry exactly this key; otherwise any bearer key.
        self.api_key = api_key
        self.url = ""
        self.port = 0
        self.requests: list[RecordedRequest] = []
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.checkout_sessions: dict[str, dict[str, Any]] = {}
        self.payment_methods: dict[str, dict[str, Any]] = {}
        self._cards: dict[str, TestCard] = {}  # pm id → behaviour
        self._session_extra: dict[str, dict[str, Any]] = {}  # cs id → payment_intent_data etc.
        self._idempotency: dict[str, tuple[str, str, dict, int, bytes]] = {}
        self._faults: list[tuple[str, str | None, str | None, float]] = []
        self._clock_offset = 0
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeStripe:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self.port = server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeStripe:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def client(self, api_key: str = "sk_test_fake", **kwargs: Any) -> stripe.StripeClient:
        """A real ``stripe.StripeClient`` aimed at this fake; ``max_network_retries=0`` unless
        given."""
        kwargs.setdefault("max_network_retries", 0)
        return stripe.StripeClient(api_key, base_addresses={"api": self.url}, **kwargs)

    # ---- test controls -----------------------------------------------------------------------

    def fail_next(
        self,
        n: int = 1,
        mode: str = "network",
        *,
        method: str | None = None,
        path: str | None = None,
        delay: float = 0.0,
    ) -> None:
        """Make the next ``n`` matching requests fail (``path`` is an fnmatch pattern).

        ``network``: the connection is closed without an answer, before any work
        (``stripe.APIConnectionError``). ``network_after``: the work is done and stored for
        idempotent replay, then the connection is closed (the answer is lost on the way back).
        ``server_error``: HTTP 500 ``api_error`` (``stripe.APIError``). ``rate_limit``: HTTP 429
        (``stripe.RateLimitError``). These faulted answers are never stored for idempotent
        replay. ``slow``: the work is done and stored as usual, then the answer waits ``delay``
        seconds (other requests are served meanwhile); past the client's read timeout the
        client gives up (``stripe.APIConnectionError``) although the work was done.
        """
        if mode not in FAULT_MODES:
            raise ValueError(f"mode must be one of {FAULT_MODES}")
        with self._lock:
            fault = (mode, method.upper() if method else None, path, float(delay))
            self._faults.extend([fault] * n)

    def advance_time(self, seconds: int) -> None:
        """Move the fake's clock forward (authorizations expire once past capture_before)."""
        with self._lock:
            self._clock_offset += int(seconds)

    def now(self) -> int:
        return int(time.time()) + self._clock_offset

    def requests_to(self, method: str | None = None, path: str | None = None):
        """The recorded requests matching ``method`` and the fnmatch pattern ``path``."""
        with self._lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method.upper())
                and (path is None or fnmatch.fnmatchcase(r.path, path))
            ]

    def object(self, object_id: str) -> dict[str, Any]:
        """A deep copy of any stored object by id (for building webhook events)."""
        with self._lock:
            obj = self._lookup(object_id)
            if obj is None:
                raise KeyError(object_id)
            return copy.deepcopy(obj)

    def complete_checkout(self, session_id: str, *, payment_method: str = "pm_card_visa") -> str:
        """The customer pays an open Checkout Session: its PaymentIntent is created and confirmed
        (``requires_capture`` when the session asked for
        ``payment_intent_data[capture_method]=manual``, else ``succeeded``); the session becomes
        ``complete``. Returns the PaymentIntent id. A declining card raises ``ValueError``."""
        with self._lock:
            session = self.checkout_sessions[session_id]
            if session["status"] != "open":
                raise ValueError(f"checkout session {session_id} is {session['status']}")
            card = self._card_for(payment_method)
            if card.code:
                raise ValueError(f"{payment_method} declines: Checkout would keep the session open")
            pi_data = self._session_extra[session_id]["payment_intent_data"]
            intent = self._new_payment_intent(
                amount=session["amount_total"],
                currency=session["currency"],
                capture_method=pi_data.get("capture_method") or "automatic_async",
                metadata=dict(pi_data.get("metadata") or {}),
                payment_method_types=["card"],
                automatic_payment_methods=None,
                description=pi_data.get("description"),
                customer=session.get("customer"),
                payment_method_options=self._session_extra[session_id]["payment_method_options"],
            )
            self._confirm(intent, payment_method)
            session.update(
                status="complete",
                payment_intent=intent["id"],
                payment_status="paid" if intent["status"] == "succeeded" else "unpaid",
                url=None,
                customer_details={
                    "email": session.get("customer_email") or "customer@example.test",
                    "name": None,
                    "phone": None,
                    "address": None,
                    "tax_exempt": "none",
                    "tax_ids": [],
                },
            )
            return intent["id"]

    def expire_authorization(self, payment_intent_id: str) -> None:
        """End an authorization now, as Stripe does after 7 days uncaptured."""
        with self._lock:
            intent = self.payment_intents[payment_intent_id]
            if intent["status"] != "requires_capture":
                raise ValueError(f"{payment_intent_id} is {intent['status']}")
            self._cancel(intent, "automatic")

    # ---- HTTP plumbing -----------------------------------------------------------------------

    def _serve(self, handler: _Handler) -> None:
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        query = f"{split.query}&{body}" if split.query and body else split.query or body
        params = parse_stripe_form(query)
        record = RecordedRequest(
            method=handler.command,
            path=split.path,
            params=params,
            idempotency_key=handler.headers.get("Idempotency-Key"),
            headers=dict(handler.headers.items()),
        )
        with self._lock:
            self.requests.append(record)
            fault, delay = self._take_fault(record.method, record.path)
            record.fault = fault
            if fault == "network":
                status, payload, headers = None, b"", {}
            elif fault == "server_error":
                error = StripeFakeError(
                    500, "api_error", "Sorry, something went wrong on our end. (fake fault)"
                )
                status, payload, headers = 500, _dump(error.body()), {}
            elif fault == "rate_limit":
                error = StripeFakeError(
                    429,
                    "invalid_request_error",
                    "Too many requests hit the API too quickly. (fake fault)",
                    code="rate_limit",
                )
                status, payload, headers = 429, _dump(error.body()), {}
            else:
                status, payload, headers = self._process(record, handler.headers)
            record.status = status
            if payload:
                record.response = json.loads(payload)
        if fault == "slow":
            time.sleep(delay)  # outside the lock: other requests go on meanwhile
        if fault in ("network", "network_after"):
            record.status = None
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
            return
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.send_header("Request-Id", _new_id("req"))
        handler.send_header("Stripe-Version", handler.headers.get("Stripe-Version") or API_VERSION)
        if record.idempotency_key:
            handler.send_header("Idempotency-Key", record.idempotency_key)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        try:
            handler.wfile.write(payload)
        except OSError:  # a client that timed out (fault "slow") has gone
            handler.close_connection = True

    def _take_fault(self, method: str, path: str) -> tuple[str | None, float]:
        for index, (mode, want_method, pattern, delay) in enumerate(self._faults):
            if (want_method is None or want_method == method) and (
                pattern is None or fnmatch.fnmatchcase(path, pattern)
            ):
                del self._faults[index]
                return mode, delay
        return None, 0.0

    def _process(self, record: RecordedRequest, headers) -> tuple[int, bytes, dict[str, str]]:
        auth = headers.get("Authorization") or ""
        key = auth[7:].strip() if auth.startswith("Bearer ") else ""
        if not key:
            error = StripeFakeError(
                401,
                "invalid_request_error",
                "You did not provide an API key. Provide it in the Authorization header, "
                "using Bearer auth (Authorization: Bearer YOUR_SECRET_KEY).",
            )
            return 401, _dump(error.body()), {}
        if self.api_key is not None and key != self.api_key:
            error = StripeFakeError(
                401,
                "invalid_request_error",
                f"Invalid API Key provided: {key[:8]}****",
                code="api_key_invalid",
            )
            return 401, _dump(error.body()), {}

        idem = record.idempotency_key if record.method == "POST" else None
        if idem and idem in self._idempotency:
            method, path, params, status, payload = self._idempotency[idem]
            if (method, path, params) != (record.method, record.path, record.params):
                error = StripeFakeError(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters "
                    f"they were first used with. Try using a key other than '{idem}' if you "
                    "meant to execute a different request.",
                )
                return 400, _dump(error.body()), {}
            record.replayed = True
            return status, payload, {"Idempotent-Replayed": "true"}

        try:
            status, obj = self._route(record.method, record.path, record.params)
            payload = _dump(obj)
            store = True
        except StripeFakeError as error:
            status, payload, store = error.status, _dump(error.body()), error.store
        if idem and store and status != 401:
            self._idempotency[idem] = (record.method, record.path, record.params, status, payload)
        return status, payload, {}

    _ROUTES = (
        ("POST", r"/v1/payment_intents", "_create_payment_intent"),
        ("GET", r"/v1/payment_intents/search", "_search_payment_intents"),
        ("GET", r"/v1/payment_intents/(?P<id>[^/]+)", "_get_payment_intent"),
        ("POST", r"/v1/payment_intents/(?P<id>[^/]+)", "_update_payment_intent"),
        ("POST", r"/v1/payment_intents/(?P<id>[^/]+)/confirm", "_confirm_payment_intent"),
        ("POST", r"/v1/payment_intents/(?P<id>[^/]+)/capture", "_capture_payment_intent"),
        ("POST", r"/v1/payment_intents/(?P<id>[^/]+)/cancel", "_cancel_payment_intent"),
        ("GET", r"/v1/charges/(?P<id>[^/]+)", "_get_charge"),
        ("GET", r"/v1/payment_methods/(?P<id>[^/]+)", "_get_payment_method"),
        ("POST", r"/v1/refunds", "_create_refund"),
        ("GET", r"/v1/refunds/(?P<id>[^/]+)", "_get_refund"),
        ("POST", r"/v1/checkout/sessions", "_create_checkout_session"),
        ("GET", r"/v1/checkout/sessions/(?P<id>[^/]+)", "_get_checkout_session"),
        ("POST", r"/v1/checkout/sessions/(?P<id>[^/]+)/expire", "_expire_checkout_session"),
    )

    def _route(self, method: str, path: str, params: dict[str, Any]) -> tuple[int, dict]:
        for want_method, pattern, name in self._ROUTES:
            match = re.fullmatch(pattern, path)
            if match and method == want_method:
                obj = getattr(self, name)(params, **match.groupdict())
                return 200, self._render(obj, params)
        raise StripeFakeError(
            404,
            "invalid_request_error",
            f"Unrecognized request URL ({method}: {path}). (The fake Stripe does not model it.)",
            store=False,
        )

    # ---- lookup and expansion ----------------------------------------------------------------

    _PREFIXES = (
        ("pi_", "payment_intents"),
        ("ch_", "charges"),
        ("re_", "refunds"),
        ("cs_", "checkout_sessions"),
        ("pm_", "payment_methods"),
    )

    def _lookup(self, object_id: str) -> dict[str, Any] | None:
        for prefix, store in self._PREFIXES:
            if object_id.startswith(prefix):
                obj = getattr(self, store).get(object_id)
                if obj is not None and obj.get("object") == "payment_intent":
                    self._expire_if_due(obj)
                return obj
        return None

    def _get(self, store: str, object_id: str, kind: str) -> dict[str, Any]:
        obj = getattr(self, store).get(object_id)
        if obj is None:
            raise StripeFakeError(
                404,
                "invalid_request_error",
                f"No such {kind}: '{object_id}'",
                code="resource_missing",
                param="id",
            )
        if kind == "payment_intent":
            self._expire_if_due(obj)
        return obj

    def _render(self, obj: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        expand = params.get("expand") or []
        if isinstance(expand, str):
            expand = [expand]
        out = copy.deepcopy(obj)
        for path in expand:
            self._expand(out, path.split("."), path)
        return out

    def _expand(self, obj: dict[str, Any], parts: list[str], full: str) -> None:
        head, rest = parts[0], parts[1:]
        if head not in obj:
            raise _invalid(f"This property cannot be expanded ({full}).", param="expand")
        value = obj[head]
        if isinstance(value, str):
            target = self._lookup(value)
            if target is None:
                raise _invalid(f"This property cannot be expanded ({full}).", param="expand")
            obj[head] = value = copy.deepcopy(target)
        if rest and isinstance(value, dict):
            self._expand(value, rest, full)

    # ---- parameter helpers -------------------------------------------------------------------

    @staticmethod
    def _int(params: dict[str, Any], name: str, *, required: bool = False) -> int | None:
        raw = params.get(name)
        if raw in (None, ""):
            if required:
                raise _bad_param(
                    f"Missing required param: {name}.", code="parameter_missing", param=name
                )
            return None
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise _bad_param(
                f"Invalid integer: {raw}", code="parameter_invalid_integer", param=name
            ) from None

    @staticmethod
    def _str(params: dict[str, Any], name: str, *, required: bool = False) -> str | None:
        raw = params.get(name)
        if raw in (None, "") and required:
            raise _bad_param(
                f"Missing required param: {name}.", code="parameter_missing", param=name
            )
        if raw is not None and not isinstance(raw, str):
            raise _bad_param(
                f"Invalid string: {raw!r}", code="parameter_invalid_string", param=name
            )
        return raw or None

    @staticmethod
    def _bool(params: dict[str, Any], name: str) -> bool:
        raw = params.get(name)
        if raw in (None, "", "false"):
            return False
        if raw == "true":
            return True
        raise _bad_param(f"Invalid boolean: {raw}", code="parameter_invalid_boolean", param=name)

    @staticmethod
    def _choice(params: dict[str, Any], name: str, choices: tuple[str, ...], default=None):
        raw = params.get(name)
        if raw in (None, ""):
            return default
        if raw not in choices:
            raise _bad_param(
                f"Invalid {name}: must be one of {', '.join(choices)}",
                param=name,
            )
        return raw

    @staticmethod
    def _metadata(params: dict[str, Any], current: dict[str, str] | None = None):
        raw = params.get("metadata")
        metadata = dict(current or {})
        if raw in (None, ""):
            return {} if raw == "" else metadata
        if not isinstance(raw, dict):
            raise _bad_param("Invalid metadata: must be a hash", param="metadata")
        for key, value in raw.items():
            if value == "":
                metadata.pop(key, None)  # Stripe: an empty value unsets the key
            else:
                metadata[key] = str(value)
        return metadata

    # ---- payment methods and charges ---------------------------------------------------------

    def _card_for(self, ref: str) -> TestCard:
        card = TEST_CARDS.get(ref) or self._cards.get(ref)
        if card is None:
            raise _invalid(
                f"No such PaymentMethod: '{ref}'", code="resource_missing", param="payment_method"
            )
        return card

    def _payment_method(self, ref: str) -> dict[str, Any]:
        """The PaymentMethod for ``ref``; a ``pm_card_*`` token makes a new one, as Stripe."""
        card = self._card_for(ref)
        if ref in self.payment_methods:
            return self.payment_methods[ref]
        pm_id = _new_id("pm")
        self._cards[pm_id] = card
        self.payment_methods[pm_id] = {
            "id": pm_id,
            "object": "payment_method",
            "type": "card",
            "card": self._card_details(card),
            "billing_details": {"address": None, "email": None, "name": None, "phone": None},
            "customer": None,
            "created": self.now(),
            "livemode": False,
            "metadata": {},
        }
        return self.payment_methods[pm_id]

    @staticmethod
    def _card_details(card: TestCard) -> dict[str, Any]:
        return {
            "brand": card.brand,
            "last4": card.last4,
            "exp_month": 12,
            "exp_year": time.gmtime().tm_year + 3,
            "funding": card.funding,
            "country": "US",
            "network": card.brand,
        }

    def _new_charge(self, intent: dict[str, Any], pm: dict[str, Any], card: TestCard):
        now = self.now()
        details = self._card_details(card)
        manual = intent["capture_method"] == "manual"
        charge: dict[str, Any] = {
            "id": _new_id("ch"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": 0,
            "amount_refunded": 0,
            "balance_transaction": None,
            "captured": False,
            "created": now,
            "currency": intent["currency"],
            "customer": intent["customer"],
            "description": intent["description"],
            "failure_code": None,
            "failure_message": None,
            "livemode": False,
            "metadata": dict(intent["metadata"]),
            "outcome": None,
            "paid": False,
            "payment_intent": intent["id"],
            "payment_method": pm["id"],
            "payment_method_details": {"type": "card", "card": details},
            "refunded": False,
            "status": "failed",
        }
        if card.code:
            charge.update(
                failure_code=card.code,
                failure_message=card.message,
                outcome={
                    "network_status": "declined_by_network",
                    "reason": card.decline_code,
                    "risk_level": "normal",
                    "seller_message": "The bank declined the payment.",
                    "type": "issuer_declined",
                },
            )
        else:
            charge.update(
                paid=True,
                status="succeeded",
                captured=not manual,
                amount_captured=0 if manual else intent["amount"],
                outcome={
                    "network_status": "approved_by_network",
                    "reason": None,
                    "risk_level": "normal",
                    "seller_message": "Payment complete.",
                    "type": "authorized",
                },
            )
            if manual:
                details["capture_before"] = now + AUTHORIZATION_WINDOW
                card_options = (intent.get("payment_method_options") or {}).get("card") or {}
                asked = card_options.get("request_multicapture") == "if_available"
                details["multicapture"] = {"status": "available" if asked else "unavailable"}
        self.charges[charge["id"]] = charge
        return charge

    # ---- PaymentIntents ----------------------------------------------------------------------

    def _new_payment_intent(self, **fields: Any) -> dict[str, Any]:
        pi_id = _new_id("pi")
        intent = {
            "id": pi_id,
            "object": "payment_intent",
            "amount": fields["amount"],
            "amount_capturable": 0,
            "amount_received": 0,
            "automatic_payment_methods": fields["automatic_payment_methods"],
            "canceled_at": None,
            "cancellation_reason": None,
            "capture_method": fields["capture_method"],
            "client_secret": f"{pi_id}_secret_{uuid.uuid4().hex[:24]}",
            "confirmation_method": "automatic",
            "created": self.now(),
            "currency": fields["currency"],
            "customer": fields.get("customer"),
            "description": fields.get("description"),
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": fields["metadata"],
            "next_action": None,
            "payment_method": None,
            "payment_method_options": fields.get("payment_method_options") or {},
            "payment_method_types": fields["payment_method_types"],
            "receipt_email": fields.get("receipt_email"),
            "return_url": fields.get("return_url"),
            "statement_descriptor": fields.get("statement_descriptor"),
            "status": "requires_payment_method",
        }
        self.payment_intents[pi_id] = intent
        return intent

    def _check_redirects(self, intent: dict[str, Any], return_url: str | None) -> None:
        apm = intent["automatic_payment_methods"]
        if apm and apm["enabled"] and apm["allow_redirects"] != "never" and not return_url:
            raise _bad_param(
                "A `return_url` must be specified because this PaymentIntent accepts the "
                "payment methods enabled in the Dashboard, some of which may redirect. Pass "
                "`payment_method_types` (e.g. ['card']), set "
                "`automatic_payment_methods[allow_redirects]` to `never`, or give a `return_url`.",
                code="parameter_missing",
                param="return_url",
            )

    def _create_payment_intent(self, params: dict[str, Any]) -> dict[str, Any]:
        amount = self._int(params, "amount", required=True)
        if amount < 1:
            raise _bad_param(
                "This value must be greater than or equal to 1.",
                code="parameter_invalid_integer",
                param="amount",
            )
        currency = self._str(params, "currency", required=True).lower()
        capture_method = self._choice(
            params, "capture_method", ("automatic", "automatic_async", "manual"), "automatic_async"
        )
        confirm = self._bool(params, "confirm")
        types = params.get("payment_method_types")
        if isinstance(types, str):
            types = [types]
        apm_param = params.get("automatic_payment_methods")
        if types:
            apm = None
        elif isinstance(apm_param, dict) and apm_param.get("enabled") == "false":
            apm, types = None, ["card"]
        else:
            apm_param = apm_param if isinstance(apm_param, dict) else {}
            apm = {
                "enabled": True,
                "allow_redirects": apm_param.get("allow_redirects") or "always",
            }
            types = ["card"]
        payment_method = self._str(params, "payment_method")
        return_url = self._str(params, "return_url")
        intent_fields = {
            "amount": amount,
            "currency": currency,
            "capture_method": capture_method,
            "metadata": self._metadata(params),
            "payment_method_types": list(types),
            "automatic_payment_methods": apm,
            "customer": self._str(params, "customer"),
            "description": self._str(params, "description"),
            "receipt_email": self._str(params, "receipt_email"),
            "return_url": return_url,
            "statement_descriptor": self._str(params, "statement_descriptor"),
            "payment_method_options": self._payment_method_options(params),
        }
        if confirm:
            if not payment_method:
                raise _bad_param(
                    "You cannot confirm this PaymentIntent because it's missing a payment "
                    "method. Pass `payment_method`.",
                    code="parameter_missing",
                    param="payment_method",
                )
            self._card_for(payment_method)  # unknown payment method: 400 before creating
            self._check_redirects({"automatic_payment_methods": apm}, return_url)
        intent = self._new_payment_intent(**intent_fields)
        if confirm:
            self._confirm(intent, payment_method)
        elif payment_method:
            intent["payment_method"] = self._payment_method(payment_method)["id"]
            intent["status"] = "requires_confirmation"
        return intent

    def _confirm(self, intent: dict[str, Any], payment_method_ref: str) -> None:
        pm = self._payment_method(payment_method_ref)
        card = self._cards[pm["id"]]
        charge = self._new_charge(intent, pm, card)
        intent["latest_charge"] = charge["id"]
        if card.code:
            intent.update(
                status="requires_payment_method",
                payment_method=None,
                last_payment_error={
                    "type": "card_error",
                    "code": card.code,
                    "decline_code": card.decline_code,
                    "message": card.message,
                    "charge": charge["id"],
                    "doc_url": f"https://stripe.com/docs/error-codes/{card.code.replace('_', '-')}",
                    "payment_method": copy.deepcopy(pm),
                },
            )
            raise StripeFakeError(
                402,
                "card_error",
                card.message,
                code=card.code,
                decline_code=card.decline_code,
                param="payment_method" if card.code == "card_declined" else None,
                charge=charge["id"],
                payment_intent=copy.deepcopy(intent),
                payment_method=copy.deepcopy(pm),
            )
        intent.update(payment_method=pm["id"], last_payment_error=None)
        if intent["capture_method"] == "manual":
            intent.update(status="requires_capture", amount_capturable=intent["amount"])
        else:
            intent.update(status="succeeded", amount_received=intent["amount"])

    def _get_payment_intent(self, params: dict[str, Any], id: str):
        return self._get("payment_intents", id, "payment_intent")

    def _update_payment_intent(self, params: dict[str, Any], id: str):
        intent = self._get("payment_intents", id, "payment_intent")
        intent["metadata"] = self._metadata(params, intent["metadata"])
        for name in ("description", "receipt_email", "statement_descriptor"):
            if name in params:
                intent[name] = params[name] or None
        return intent

    def _payment_method_options(self, params: dict[str, Any]) -> dict[str, Any]:
        options = params.get("payment_method_options") or {}
        if not isinstance(options, dict):
            raise _bad_param("Invalid payment_method_options", param="payment_method_options")
        card = options.get("card") or {}
        self._choice(card, "request_multicapture", ("if_available", "never"))
        return options

    def _unexpected_state(self, intent: dict[str, Any], action: str, allowed: tuple[str, ...]):
        return _invalid(
            f"This PaymentIntent could not be {action} because it has a status of "
            f"{intent['status']}. Only a PaymentIntent with one of the following statuses may "
            f"be {action}: {', '.join(allowed)}.",
            code="payment_intent_unexpected_state",
            payment_intent=copy.deepcopy(intent),
        )

    def _confirm_payment_intent(self, params: dict[str, Any], id: str):
        intent = self._get("payment_intents", id, "payment_intent")
        allowed = ("requires_payment_method", "requires_confirmation", "requires_action")
        if intent["status"] not in allowed:
            raise self._unexpected_state(intent, "confirmed", allowed)
        payment_method = self._str(params, "payment_method") or intent["payment_method"]
        if not payment_method:
            raise _invalid(
                "You cannot confirm this PaymentIntent because it's missing a payment method.",
                code="payment_intent_unexpected_state",
                param="payment_method",
            )
        return_url = self._str(params, "return_url") or intent["return_url"]
        self._card_for(payment_method)
        self._check_redirects(intent, return_url)
        if return_url:
            intent["return_url"] = return_url
        self._confirm(intent, payment_method)
        return intent

    def _capture_payment_intent(self, params: dict[str, Any], id: str):
        """Capture all or part of what is capturable. ``final_capture=false`` (multicapture,
        when the charge allows it) keeps the rest capturable: the intent stays
        ``requires_capture`` and each capture adds to ``amount_received``."""
        intent = self._get("payment_intents", id, "payment_intent")
        if intent["status"] != "requires_capture":
            raise self._unexpected_state(intent, "captured", ("requires_capture",))
        capturable = intent["amount_capturable"]
        amount = self._int(params, "amount_to_capture")
        if amount is None:
            amount = capturable
        if amount > capturable:
            raise _invalid(
                f"The amount to capture ({amount}) is greater than the amount capturable "
                f"({capturable}).",
                code="amount_too_large",
                param="amount_to_capture",
            )
        if amount < 1:
            raise _invalid(
                "The amount to capture must be at least 1.",
                code="amount_too_small",
                param="amount_to_capture",
            )
        charge = self.charges[intent["latest_charge"]]
        final = params.get("final_capture") in (None, "", "true")
        if not final and self._multicapture(charge) != "available":
            raise _invalid(
                "final_capture=false is only allowed when multicapture is available for this "
                "PaymentIntent (ask with payment_method_options[card][request_multicapture]).",
                code="multicapture_unavailable",
                param="final_capture",
            )
        left = 0 if final else capturable - amount
        intent.update(
            status="requires_capture" if left else "succeeded",
            amount_received=intent["amount_received"] + amount,
            amount_capturable=left,
            metadata=self._metadata(params, intent["metadata"]),
        )
        charge.update(captured=True, amount_captured=charge["amount_captured"] + amount)
        return intent

    @staticmethod
    def _multicapture(charge: dict[str, Any]) -> str:
        card = charge["payment_method_details"]["card"]
        return (card.get("multicapture") or {}).get("status") or "unavailable"

    def _search_payment_intents(self, params: dict[str, Any]) -> dict[str, Any]:
        """Stripe's search, for the clauses the OMS uses: ``metadata['key']:'value'`` and
        ``status:'value'``, joined by AND. (Stripe's index lags writes by up to a minute; this
        one is current.)"""
        query = self._str(params, "query", required=True)
        clauses = []
        for clause in re.split(r"\s+AND\s+", query.strip()):
            match = re.fullmatch(r"(metadata\['([^']+)'\]|status):'([^']*)'", clause.strip())
            if match is None:
                raise _bad_param(f"The fake cannot search for {clause!r}.", param="query")
            clauses.append((match.group(2), match.group(3)))
        found = [
            intent
            for intent in self.payment_intents.values()
            if all(
                (intent["metadata"].get(key) if key else intent["status"]) == value
                for key, value in clauses
            )
        ]
        found.sort(key=lambda intent: intent["created"], reverse=True)
        limit = self._int(params, "limit") or 10
        return {
            "object": "search_result",
            "data": found[:limit],
            "has_more": len(found) > limit,
            "next_page": None,
            "url": "/v1/payment_intents/search",
        }

    _CANCELABLE = (
        "requires_payment_method",
        "requires_capture",
        "requires_confirmation",
        "requires_action",
        "processing",
    )

    def _cancel_payment_intent(self, params: dict[str, Any], id: str):
        intent = self._get("payment_intents", id, "payment_intent")
        if intent["status"] not in self._CANCELABLE:
            raise self._unexpected_state(intent, "canceled", self._CANCELABLE)
        reason = self._choice(
            params,
            "cancellation_reason",
            ("duplicate", "fraudulent", "requested_by_customer", "abandoned"),
        )
        self._cancel(intent, reason)
        return intent

    def _cancel(self, intent: dict[str, Any], reason: str | None) -> None:
        if intent["status"] == "requires_capture" and intent["amount_received"]:
            # Multicapture: what was captured stays so, the rest is released.
            intent.update(status="succeeded", amount_capturable=0)
            return
        if intent["status"] == "requires_capture":
            # The authorization is released: Stripe marks the uncaptured charge refunded.
            charge = self.charges[intent["latest_charge"]]
            charge.update(refunded=True, amount_refunded=charge["amount"])
        intent.update(
            status="canceled",
            canceled_at=self.now(),
            cancellation_reason=reason,
            amount_capturable=0,
        )

    def _expire_if_due(self, intent: dict[str, Any]) -> None:
        if intent["status"] != "requires_capture" or not intent["latest_charge"]:
            return
        card = self.charges[intent["latest_charge"]]["payment_method_details"]["card"]
        if self.now() >= card.get("capture_before", self.now() + 1):
            self._cancel(intent, "automatic")

    def _get_charge(self, params: dict[str, Any], id: str):
        return self._get("charges", id, "charge")

    def _get_payment_method(self, params: dict[str, Any], id: str):
        return self._get("payment_methods", id, "payment_method")

    # ---- Refunds -----------------------------------------------------------------------------

    def _create_refund(self, params: dict[str, Any]) -> dict[str, Any]:
        pi_id = self._str(params, "payment_intent")
        charge_id = self._str(params, "charge")
        if not pi_id and not charge_id:
            raise _bad_param(
                "One of `payment_intent` or `charge` is required.",
                code="parameter_missing",
                param="payment_intent",
            )
        if pi_id:
            intent = self.payment_intents.get(pi_id)
            if intent is None:
                raise _invalid(
                    f"No such payment_intent: '{pi_id}'",
                    code="resource_missing",
                    param="payment_intent",
                )
            self._expire_if_due(intent)
            charge = self.charges.get(intent["latest_charge"] or "")
        else:
            charge = self.charges.get(charge_id)
            if charge is None:
                raise _invalid(
                    f"No such charge: '{charge_id}'", code="resource_missing", param="charge"
                )
            intent = self.payment_intents[charge["payment_intent"]]
        if charge is None or not charge["captured"]:
            raise _invalid(
                f"This PaymentIntent ({intent['id']}) has no captured charge to refund: its "
                f"status is {intent['status']}. Cancel it to release an authorization.",
                code="payment_intent_unexpected_state",
                param="payment_intent",
            )
        remaining = charge["amount_captured"] - charge["amount_refunded"]
        if remaining <= 0:
            raise _invalid(
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        amount = self._int(params, "amount")
        if amount is None:
            amount = remaining
        if amount > remaining:
            raise _invalid(
                f"Refund amount ({_money(amount, charge['currency'])}) is greater than unrefunded "
                f"amount on charge ({_money(remaining, charge['currency'])})",
                code="amount_too_large",
                param="amount",
            )
        if amount < 1:
            raise _invalid(
                "Refund amount must be at least 1.", code="amount_too_small", param="amount"
            )
        reason = self._choice(
            params, "reason", ("duplicate", "fraudulent", "requested_by_customer")
        )
        refund = {
            "id": _new_id("re"),
            "object": "refund",
            "amount": amount,
            "balance_transaction": None,
            "charge": charge["id"],
            "created": self.now(),
            "currency": charge["currency"],
            "livemode": False,
            "metadata": self._metadata(params),
            "payment_intent": intent["id"],
            "reason": reason,
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"]
        return refund

    def _get_refund(self, params: dict[str, Any], id: str):
        return self._get("refunds", id, "refund")

    # ---- Checkout Sessions -------------------------------------------------------------------

    def _create_checkout_session(self, params: dict[str, Any]) -> dict[str, Any]:
        mode = self._str(params, "mode", required=True)
        if mode != "payment":
            raise _bad_param(
                f"The fake Stripe only models mode=payment, not {mode}.",
                param="mode",
            )
        line_items = params.get("line_items")
        if not isinstance(line_items, list) or not line_items:
            raise _bad_param(
                "You must provide `line_items` in `payment` mode.",
                code="parameter_missing",
                param="line_items",
            )
        currency = None
        subtotal = 0
        items = []
        for index, item in enumerate(line_items):
            where = f"line_items[{index}]"
            if not isinstance(item, dict):
                raise _bad_param(f"Invalid {where}", param=where)
            if item.get("price"):
                raise _invalid(
                    f"No such price: '{item['price']}' (the fake knows no Prices; use price_data)",
                    code="resource_missing",
                    param=f"{where}[price]",
                )
            data = item.get("price_data")
            if not isinstance(data, dict):
                raise _bad_param(
                    f"Missing required param: {where}[price_data].",
                    code="parameter_missing",
                    param=f"{where}[price_data]",
                )
            item_currency = self._str(data, "currency", required=True).lower()
            unit_amount = self._int(data, "unit_amount", required=True)
            quantity = self._int(item, "quantity", required=True)
            if currency not in (None, item_currency):
                raise _bad_param(
                    "All line items must share one currency.",
                    param=f"{where}[price_data][currency]",
                )
            currency = item_currency
            subtotal += unit_amount * quantity
            product = data.get("product_data") or {}
            items.append(
                {
                    "description": product.get("name") if isinstance(product, dict) else None,
                    "quantity": quantity,
                    "unit_amount": unit_amount,
                    "amount_total": unit_amount * quantity,
                    "currency": item_currency,
                }
            )
        pi_data = params.get("payment_intent_data") or {}
        if not isinstance(pi_data, dict):
            raise _bad_param("Invalid payment_intent_data", param="payment_intent_data")
        self._choice(pi_data, "capture_method", ("automatic", "automatic_async", "manual"))
        now = self.now()
        cs_id = _new_id("cs_test")
        session = {
            "id": cs_id,
            "object": "checkout.session",
            "amount_subtotal": subtotal,
            "amount_total": subtotal,
            "cancel_url": self._str(params, "cancel_url"),
            "client_reference_id": self._str(params, "client_reference_id"),
            "created": now,
            "currency": currency,
            "customer": self._str(params, "customer"),
            "customer_details": None,
            "customer_email": self._str(params, "customer_email"),
            "expires_at": self._int(params, "expires_at") or now + CHECKOUT_SESSION_LIFETIME,
            "livemode": False,
            "metadata": self._metadata(params),
            "mode": mode,
            "payment_intent": None,
            "payment_method_types": ["card"],
            "payment_status": "unpaid",
            "status": "open",
            "success_url": self._str(params, "success_url"),
            "url": f"https://checkout.stripe.test/c/pay/{cs_id}",
        }
        self.checkout_sessions[cs_id] = session
        self._session_extra[cs_id] = {
            "payment_intent_data": pi_data,
            "line_items": items,
            "payment_method_options": self._payment_method_options(params),
        }
        return session

    def _get_checkout_session(self, params: dict[str, Any], id: str):
        return self._get("checkout_sessions", id, "checkout.session")

    def _expire_checkout_session(self, params: dict[str, Any], id: str):
        session = self._get("checkout_sessions", id, "checkout.session")
        if session["status"] != "open":
            raise _invalid(
                f"Only Checkout Sessions with a status of open can be expired; {id} is "
                f"{session['status']}."
            )
        session.update(status="expired", url=None)
        return session


def _dump(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, indent=2).encode()
