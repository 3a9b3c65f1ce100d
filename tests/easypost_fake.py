"""A fake EasyPost API (v2) served over real HTTP, for tests that drive the real ``easypost`` SDK.

Point a client at it and the SDK does everything it does in production (JSON bodies, bearer
auth, error mapping), only against ``127.0.0.1``::

    fake = FakeEasyPost().start()
    client = easypost.EasyPostClient("EZTK_fake", api_base=fake.url)  # or: fake.client()
    shipment = client.shipment.create(to_address={...}, from_address={...},
                                      parcel={"weight": 21.2})
    bought = client.shipment.buy(shipment.id, rate={"id": shipment.rates[0].id})
    fake.stop()

What it models, in EasyPost's JSON shapes (docs.easypost.com, Shipment / Rate / PostageLabel /
Tracker / Event objects):

* ``POST /v2/shipments`` (``to_address``, ``from_address``, ``parcel.weight`` in ounces are
  required: 422 ``PARAMETER.REQUIRED`` otherwise) → a Shipment with ``rates`` from
  ``rate_card`` (price = base + per ounce × weight, per carrier and service);
  ``GET /v2/shipments/{id}``.
* ``POST /v2/shipments/{id}/buy`` with ``rate.id`` → ``selected_rate``, ``tracking_code``,
  ``postage_label`` (``label_pdf_url`` when ``options.label_format`` was PDF) and a Tracker
  (``pre_transit``); buying twice is 422 ``SHIPMENT.POSTAGE.EXISTS``, a rate of another shipment
  422 ``SHIPMENT.RATE.INVALID``.
* ``POST /v2/shipments/{id}/refund`` → ``refund_status`` ``submitted``, or ``rejected`` once the
  tracker has moved past ``pre_transit``; 422 ``SHIPMENT.REFUND.UNAVAILABLE`` when not bought.
* ``POST /v2/trackers`` (``tracking_code``, optional ``carrier``): the existing Tracker for a
  code already tracked (as EasyPost dedupes), else a new one; EasyPost's test codes
  ``EZ1000000001`` … ``EZ7000000007`` come with their histories (pre_transit … unknown).
  ``GET /v2/trackers/{id}``.
* Every request needs ``Authorization: Bearer <key>`` (401 otherwise; exactly ``api_key`` when
  the fake was given one). Unknown paths are 404 ``NOT_FOUND``.

Test controls: ``advance_tracker`` (a new scan), ``webhook`` (an Event JSON body for a tracker,
with its ``X-Hmac-Signature`` header as EasyPost computes it), ``fail_next`` (``server_error``:
500, ``network``: the connection drops, ``slow``: the answer waits ``delay`` seconds) and
``requests`` (every request, in order).
"""

from __future__ import annotations

import contextlib
import copy
import fnmatch
import hashlib
import hmac
import json
import socket
import threading
import time
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import easypost

FAULT_MODES = ("server_error", "network", "slow")


@dataclass(frozen=True)
class FakeRate:
    carrier: str
    service: str
    base: Decimal
    per_ounce: Decimal
    delivery_days: int


RATE_CARD = (
    FakeRate("USPS", "GroundAdvantage", Decimal("4.75"), Decimal("0.12"), 5),
    FakeRate("USPS", "Priority", Decimal("7.90"), Decimal("0.18"), 3),
    FakeRate("USPS", "Express", Decimal("24.50"), Decimal("0.35"), 2),
    FakeRate("UPS", "Ground", Decimal("8.40"), Decimal("0.15"), 4),
    FakeRate("UPS", "NextDayAir", Decimal("32.00"), Decimal("0.50"), 1),
)

# EasyPost's test tracking codes: the status each ends in.
TEST_TRACKING_CODES = {
    "EZ1000000001": "pre_transit",
    "EZ2000000002": "in_transit",
    "EZ3000000003": "out_for_delivery",
    "EZ4000000004": "delivered",
    "EZ5000000005": "return_to_sender",
    "EZ6000000006": "failure",
    "EZ7000000007": "unknown",
}
_HISTORY = ("pre_transit", "in_transit", "out_for_delivery", "delivered")
_MESSAGES = {
    "pre_transit": "Pre-Shipment Info Sent to USPS",
    "in_transit": "Arrived at USPS Regional Facility",
    "out_for_delivery": "Out for Delivery",
    "delivered": "Delivered, In/At Mailbox",
    "return_to_sender": "Return to Sender Processed",
    "failure": "Delivery Attempted - No Access to Delivery Location",
    "unknown": "Shipment information not available yet",
}


def sign_webhook(body: bytes, secret: str) -> str:
    """The ``X-Hmac-Signature`` EasyPost sends: ``hmac-sha256-hex=<HMAC-SHA256(secret, body)>``
    with the secret NFKD-normalised, as the SDK's ``validate_webhook`` checks it."""
    key = unicodedata.normalize("NFKD", secret).encode()
    return "hmac-sha256-hex=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def _new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cents(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


class EasyPostFakeError(Exception):
    """An error answer in EasyPost's shape: ``{"error": {"code", "message", "errors"}}``."""

    def __init__(self, status: int, code: str, message: str, errors: list | None = None):
        super().__init__(status, code, message)
        self.status = status
        self.body = {"error": {"code": code, "message": message, "errors": errors or []}}


def _required(field_name: str) -> EasyPostFakeError:
    return EasyPostFakeError(
        422,
        "PARAMETER.REQUIRED",
        "Missing required parameter.",
        [{"field": field_name, "message": "cannot be blank"}],
    )


@dataclass
class RecordedRequest:
    method: str
    path: str
    body: dict[str, Any]
    query: str
    headers: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    response: dict[str, Any] | None = None
    fault: str | None = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeEasyPost


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 30
    wbufsize = -1
    disable_nagle_algorithm = True

    def do_GET(self):
        self.server.fake._serve(self)

    do_POST = do_DELETE = do_PATCH = do_PUT = do_GET

    def log_message(self, format, *args):
        pass


class FakeEasyPost:
    """An in-memory EasyPost on a local port; ``url`` is the SDK's ``api_base`` (``…/v2``).

    Public state (plain dicts as EasyPost returns them): ``shipments``, ``trackers`` (id →
    object), ``requests``; ``rate_card`` can be replaced to change the rates offered.
    """

    def __init__(self, api_key: str | None = None):
        self.api_key = api_key
        self.url = ""
        self.rate_card: tuple[FakeRate, ...] = RATE_CARD
        self.requests: list[RecordedRequest] = []
        self.shipments: dict[str, dict[str, Any]] = {}
        self.trackers: dict[str, dict[str, Any]] = {}
        self._faults: list[tuple[str, str | None, str | None, float]] = []
        self._serial = 0
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeEasyPost:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}/v2"
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

    def __enter__(self) -> FakeEasyPost:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def client(self, api_key: str = "EZTK_fake", timeout: int = 10) -> easypost.EasyPostClient:
        return easypost.EasyPostClient(api_key, api_base=self.url, timeout=timeout)

    # ---- test controls -----------------------------------------------------------------------

    def fail_next(
        self,
        n: int = 1,
        mode: str = "server_error",
        *,
        method: str | None = None,
        path: str | None = None,
        delay: float = 0.0,
    ) -> None:
        """The next ``n`` matching requests (``path``: an fnmatch pattern) fail: ``server_error``
        answers 500 before any work; ``network`` closes the connection without an answer;
        ``slow`` does the work, then waits ``delay`` seconds before answering."""
        if mode not in FAULT_MODES:
            raise ValueError(f"mode must be one of {FAULT_MODES}")
        with self._lock:
            self._faults.extend([(mode, method.upper() if method else None, path, delay)] * n)

    def requests_to(self, method: str | None = None, path: str | None = None):
        with self._lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method.upper())
                and (path is None or fnmatch.fnmatchcase(r.path, path))
            ]

    def tracker_for(self, tracking_code: str) -> dict[str, Any]:
        with self._lock:
            for tracker in self.trackers.values():
                if tracker["tracking_code"] == tracking_code:
                    return copy.deepcopy(tracker)
        raise KeyError(tracking_code)

    def advance_tracker(
        self,
        tracking_code: str,
        status: str,
        *,
        message: str | None = None,
        at: datetime | None = None,
        city: str = "CHICAGO",
        state: str = "IL",
    ) -> dict[str, Any]:
        """The carrier scans the parcel: a tracking detail is appended and the status moves."""
        with self._lock:
            tracker = next(t for t in self.trackers.values() if t["tracking_code"] == tracking_code)
            moment = at or datetime.now(UTC)
            tracker["tracking_details"].append(self._detail(status, moment, message, city, state))
            tracker.update(status=status, updated_at=_iso(moment))
            return copy.deepcopy(tracker)

    def webhook(
        self, tracking_code: str, secret: str, *, description: str = "tracker.updated"
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers EasyPost would POST for the tracker's current state."""
        tracker = self.tracker_for(tracking_code)
        now = _iso(datetime.now(UTC))
        event = {
            "id": _new_id("evt"),
            "object": "Event",
            "mode": "test",
            "description": description,
            "previous_attributes": {"status": "unknown"},
            "result": tracker,
            "status": "pending",
            "pending_urls": ["https://oms.example/shipping/webhooks/easypost/"],
            "completed_urls": [],
            "user_id": "user_fake",
            "created_at": now,
            "updated_at": now,
        }
        body = json.dumps(event).encode()
        return body, {"X-Hmac-Signature": sign_webhook(body, secret)}

    # ---- HTTP plumbing -----------------------------------------------------------------------

    def _serve(self, handler: _Handler) -> None:
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            body = None
        record = RecordedRequest(
            method=handler.command,
            path=split.path,
            body=body if isinstance(body, dict) else {},
            query=split.query,
            headers=dict(handler.headers.items()),
        )
        with self._lock:
            self.requests.append(record)
            fault, delay = self._take_fault(record.method, record.path)
            record.fault = fault
            if fault == "network":
                status, payload = None, b""
            elif fault == "server_error":
                error = EasyPostFakeError(500, "INTERNAL_SERVER_ERROR", "Something went wrong.")
                status, payload = 500, json.dumps(error.body).encode()
            else:
                status, payload = self._process(record, body)
            record.status = status
            if payload:
                record.response = json.loads(payload)
        if fault == "slow":
            time.sleep(delay)
        if status is None:
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
            return
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(payload)))
        handler.send_header("X-Ep-Request-Uuid", str(uuid.uuid4()))
        handler.end_headers()
        try:
            handler.wfile.write(payload)
        except OSError:
            handler.close_connection = True

    def _take_fault(self, method: str, path: str) -> tuple[str | None, float]:
        for index, (mode, want_method, pattern, delay) in enumerate(self._faults):
            if (want_method is None or want_method == method) and (
                pattern is None or fnmatch.fnmatchcase(path, pattern)
            ):
                del self._faults[index]
                return mode, delay
        return None, 0.0

    def _process(self, record: RecordedRequest, body: Any) -> tuple[int, bytes]:
        auth = record.headers.get("Authorization") or ""
        key = auth[7:].strip() if auth.startswith("Bearer ") else ""
        try:
            if not key or (self.api_key is not None and key != self.api_key):
                raise EasyPostFakeError(
                    401, "APIKEY.REQUIRED" if not key else "APIKEY.INACTIVE", "Unauthorized."
                )
            if body is None:
                raise EasyPostFakeError(400, "BAD_REQUEST", "The request body is not JSON.")
            status, obj = self._route(record.method, record.path, record.body)
        except EasyPostFakeError as error:
            status, obj = error.status, error.body
        return status, json.dumps(obj, indent=2).encode()

    def _route(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        if parts[:1] != ["v2"]:
            raise self._not_found(path)
        parts = parts[1:]
        routes = {
            ("POST", "shipments"): lambda: (201, self._create_shipment(body)),
            ("POST", "trackers"): lambda: (201, self._create_tracker(body)),
        }
        if len(parts) == 1 and (method, parts[0]) in routes:
            return routes[(method, parts[0])]()
        if len(parts) == 2 and method == "GET" and parts[0] in ("shipments", "trackers"):
            store = self.shipments if parts[0] == "shipments" else self.trackers
            if parts[1] not in store:
                raise self._not_found(path)
            return 200, store[parts[1]]
        if len(parts) == 3 and method == "POST" and parts[0] == "shipments":
            shipment = self.shipments.get(parts[1])
            if shipment is None:
                raise self._not_found(path)
            if parts[2] == "buy":
                return 200, self._buy(shipment, body)
            if parts[2] == "refund":
                return 200, self._refund(shipment)
        raise self._not_found(path)

    @staticmethod
    def _not_found(path: str) -> EasyPostFakeError:
        return EasyPostFakeError(
            404, "NOT_FOUND", f"The requested resource could not be found: {path}"
        )

    # ---- objects -----------------------------------------------------------------------------

    @staticmethod
    def _address(data: Any, field_name: str) -> dict[str, Any]:
        if not isinstance(data, dict) or not data.get("street1") or not data.get("country"):
            raise _required(f"shipment.{field_name}")
        now = _iso(datetime.now(UTC))
        keys = ("name", "company", "street1", "street2", "city", "state", "zip", "country")
        return {
            "id": _new_id("adr"),
            "object": "Address",
            "mode": "test",
            **{key: data.get(key) or None for key in keys},
            "phone": data.get("phone") or None,
            "email": data.get("email") or None,
            "residential": None,
            "verifications": {},
            "created_at": now,
            "updated_at": now,
        }

    def _create_shipment(self, body: dict[str, Any]) -> dict[str, Any]:
        params = body.get("shipment")
        if not isinstance(params, dict):
            raise _required("shipment")
        to_address = self._address(params.get("to_address"), "to_address")
        from_address = self._address(params.get("from_address"), "from_address")
        parcel_in = params.get("parcel")
        if not isinstance(parcel_in, dict) or not parcel_in.get("weight"):
            raise _required("shipment.parcel.weight")
        weight = Decimal(str(parcel_in["weight"]))
        if weight <= 0:
            raise EasyPostFakeError(
                422,
                "PARCEL.WEIGHT.INVALID",
                "Parcel weight must be greater than zero.",
                [{"field": "shipment.parcel.weight", "message": "must be greater than 0"}],
            )
        now = _iso(datetime.now(UTC))
        shipment_id = _new_id("shp")
        options = dict(params.get("options") or {})
        options.setdefault("currency", "USD")
        shipment = {
            "id": shipment_id,
            "object": "Shipment",
            "mode": "test",
            "reference": params.get("reference") or None,
            "status": "unknown",
            "to_address": to_address,
            "from_address": from_address,
            "return_address": from_address,
            "buyer_address": to_address,
            "parcel": {
                "id": _new_id("prcl"),
                "object": "Parcel",
                "mode": "test",
                "length": parcel_in.get("length"),
                "width": parcel_in.get("width"),
                "height": parcel_in.get("height"),
                "weight": float(weight),
                "predefined_package": None,
                "created_at": now,
                "updated_at": now,
            },
            "options": options,
            "rates": [self._rate(rate, shipment_id, weight, now) for rate in self.rate_card],
            "selected_rate": None,
            "postage_label": None,
            "tracking_code": None,
            "tracker": None,
            "refund_status": None,
            "fees": [],
            "messages": [],
            "is_return": bool(params.get("is_return")),
            "batch_id": None,
            "batch_status": None,
            "batch_message": None,
            "customs_info": None,
            "insurance": None,
            "scan_form": None,
            "usps_zone": 4,
            "created_at": now,
            "updated_at": now,
        }
        self.shipments[shipment_id] = shipment
        return shipment

    @staticmethod
    def _rate(rate: FakeRate, shipment_id: str, weight: Decimal, now: str) -> dict[str, Any]:
        amount = _cents(rate.base + rate.per_ounce * weight)
        return {
            "id": _new_id("rate"),
            "object": "Rate",
            "mode": "test",
            "service": rate.service,
            "carrier": rate.carrier,
            "rate": amount,
            "currency": "USD",
            "retail_rate": _cents(Decimal(amount) * Decimal("1.15")),
            "retail_currency": "USD",
            "list_rate": _cents(Decimal(amount) * Decimal("1.05")),
            "list_currency": "USD",
            "delivery_days": rate.delivery_days,
            "delivery_date": None,
            "delivery_date_guaranteed": False,
            "est_delivery_days": rate.delivery_days,
            "shipment_id": shipment_id,
            "carrier_account_id": f"ca_{rate.carrier.lower()}fake",
            "created_at": now,
            "updated_at": now,
        }

    def _next_tracking_code(self, carrier: str) -> str:
        self._serial += 1
        if carrier == "UPS":
            return f"1Z999AA1{self._serial:010d}"
        return f"9400100000000{self._serial:09d}"

    def _buy(self, shipment: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        if shipment["postage_label"] is not None:
            raise EasyPostFakeError(
                422, "SHIPMENT.POSTAGE.EXISTS", "Postage already exists for this shipment."
            )
        rate_id = (body.get("rate") or {}).get("id") if isinstance(body.get("rate"), dict) else None
        if not rate_id:
            raise _required("rate")
        rate = next((r for r in shipment["rates"] if r["id"] == rate_id), None)
        if rate is None:
            raise EasyPostFakeError(
                422, "SHIPMENT.RATE.INVALID", "The rate does not belong to this shipment."
            )
        now_moment = datetime.now(UTC)
        now = _iso(now_moment)
        tracking_code = self._next_tracking_code(rate["carrier"])
        label_id = _new_id("pl")
        pdf = shipment["options"].get("label_format") == "PDF"
        files = "https://easypost-files.s3.us-west-2.amazonaws.com/files/postage_label"
        shipment.update(
            selected_rate=copy.deepcopy(rate),
            tracking_code=tracking_code,
            status="unknown",
            updated_at=now,
            postage_label={
                "id": label_id,
                "object": "PostageLabel",
                "label_date": now,
                "label_file_type": "application/pdf" if pdf else "image/png",
                "label_resolution": 300,
                "label_size": shipment["options"].get("label_size") or "4x6",
                "label_type": "default",
                "label_url": f"{files}/{now_moment:%Y%m%d}/{label_id}.png",
                "label_pdf_url": f"{files}/{now_moment:%Y%m%d}/{label_id}.pdf" if pdf else None,
                "label_zpl_url": None,
                "label_epl2_url": None,
                "integrated_form": "none",
                "created_at": now,
                "updated_at": now,
            },
            fees=[
                {
                    "object": "Fee",
                    "type": "LabelFee",
                    "amount": "0.00000",
                    "charged": True,
                    "refunded": False,
                },
                {
                    "object": "Fee",
                    "type": "PostageFee",
                    "amount": f"{rate['rate']}000",
                    "charged": True,
                    "refunded": False,
                },
            ],
        )
        tracker = self._new_tracker(
            tracking_code, rate["carrier"], ["pre_transit"], shipment_id=shipment["id"]
        )
        shipment["tracker"] = copy.deepcopy(tracker)
        return shipment

    def _refund(self, shipment: dict[str, Any]) -> dict[str, Any]:
        if shipment["postage_label"] is None:
            raise EasyPostFakeError(
                422,
                "SHIPMENT.REFUND.UNAVAILABLE",
                "Refund unavailable: this shipment has no postage to refund.",
            )
        tracker = next(
            (t for t in self.trackers.values() if t["tracking_code"] == shipment["tracking_code"]),
            None,
        )
        scanned = tracker is not None and tracker["status"] not in ("pre_transit", "unknown")
        if shipment["refund_status"] is None:
            shipment["refund_status"] = "rejected" if scanned else "submitted"
        shipment["updated_at"] = _iso(datetime.now(UTC))
        return shipment

    def _detail(
        self, status: str, moment: datetime, message: str | None, city: str, state: str
    ) -> dict[str, Any]:
        return {
            "object": "TrackingDetail",
            "message": message or _MESSAGES.get(status, status),
            "description": "",
            "status": status,
            "status_detail": "status_update",
            "datetime": _iso(moment),
            "source": "USPS",
            "carrier_code": "",
            "tracking_location": {
                "object": "TrackingLocation",
                "city": city if status != "pre_transit" else None,
                "state": state if status != "pre_transit" else None,
                "country": "US" if status != "pre_transit" else None,
                "zip": None,
            },
        }

    def _new_tracker(
        self,
        tracking_code: str,
        carrier: str,
        history: list[str],
        *,
        shipment_id: str | None = None,
    ) -> dict[str, Any]:
        start = datetime.now(UTC) - timedelta(days=len(history))
        details = [
            self._detail(status, start + timedelta(days=index), None, "CHICAGO", "IL")
            for index, status in enumerate(history)
        ]
        now = _iso(datetime.now(UTC))
        tracker_id = _new_id("trk")
        tracker = {
            "id": tracker_id,
            "object": "Tracker",
            "mode": "test",
            "tracking_code": tracking_code,
            "status": history[-1],
            "status_detail": "status_update",
            "signed_by": None,
            "weight": None,
            "est_delivery_date": _iso(datetime.now(UTC) + timedelta(days=3)),
            "shipment_id": shipment_id,
            "carrier": carrier,
            "tracking_details": details,
            "carrier_detail": {"object": "CarrierDetail", "service": None},
            "public_url": f"https://track.easypost.com/{tracker_id}",
            "fees": [],
            "finalized": history[-1] in ("delivered", "return_to_sender", "failure"),
            "is_return": False,
            "created_at": now,
            "updated_at": now,
        }
        self.trackers[tracker_id] = tracker
        return tracker

    def _create_tracker(self, body: dict[str, Any]) -> dict[str, Any]:
        params = body.get("tracker")
        code = params.get("tracking_code") if isinstance(params, dict) else None
        if not code:
            raise _required("tracker.tracking_code")
        for tracker in self.trackers.values():
            if tracker["tracking_code"] == code:
                return tracker
        final = TEST_TRACKING_CODES.get(code)
        if final is None:
            history = ["pre_transit"]
        elif final == "unknown":
            history = ["unknown"]
        elif final in _HISTORY:
            history = list(_HISTORY[: _HISTORY.index(final) + 1])
        else:
            history = ["pre_transit", "in_transit", final]
        return self._new_tracker(code, str(params.get("carrier") or "USPS"), history)
