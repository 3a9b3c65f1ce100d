"""Every URL the resolver knows, fed hostile values in every form field and query parameter.

As a superuser (who may open everything), each page is fetched first and the names of its
form fields are collected; then every URL is fetched and posted to, plain and through htmx,
with each hostile value in all of those names and in the query parameters the pages read.
NUL characters, Unicode digits ("²", "①", "٣"), exponent notation, NaN, negative zero and
oversized text or numbers must give a page, an error or a refusal: never a 500.
"""

import json
import re
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from core.pagination import parse_cursor
from core.parsing import clean_text, parse_money, parse_signed_int
from core.permissions import routes
from core.roles import FINANCE
from orders.models import Order
from payments.models import StripeWebhookEvent
from payments.services import WEBHOOK_FAILED, process_stripe_event
from tests.stripe_fake import sign_webhook
from tests.test_access import ADMIN_PREFIX, url_of
from tests.test_access import data as data  # the fixture, for getfixturevalue

pytestmark = pytest.mark.django_db

HOSTILE = [
    "\x00",
    "1\x002",
    "²",
    "①",
    "٣",
    "1e15",
    "NaN",
    "-Infinity",
    "-0",
    "+2147483648",
    "9" * 40,
    "0.0000000000000000000001",
    "x" * 5000,
]
# What the pages read from their query strings besides their forms' fields: pagination,
# keyset cursors, sorting, the order entry's picked customer.
QUERY_NAMES = {"q", "customer", "after", "before", "per_page", "page", "sort", "status", "id"}
NAME = re.compile(r'\bname="([^"]+)"')
ROUTES = [route for route in routes() if not route.route.startswith(ADMIN_PREFIX)]


def field_names(client, urls: list[str]) -> set[str]:
    """The names of every form field on these pages, plain and as htmx fragments."""
    names = set(QUERY_NAMES)
    for url in urls:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                names.update(NAME.findall(response.content.decode()))
    return names - {"csrfmiddlewaretoken"}


def test_no_hostile_value_in_any_field_or_parameter_gives_a_500(login_as, request):
    client = login_as(None)
    client.raise_request_exception = True
    data = request.getfixturevalue("data")  # test_access's value for every URL argument
    urls = [url_of(route, data) for route in ROUTES]
    names = sorted(field_names(client, urls))
    failures = []
    for url in urls:
        client.force_login(client.user)  # the logout page (hostile or not) signs the user out
        for value in HOSTILE:
            params = dict.fromkeys(names, value)
            for method, headers in [
                ("get", {}),
                ("get", {"HX-Request": "true"}),
                ("post", {}),
                ("post", {"HX-Request": "true"}),
            ]:
                try:
                    with transaction.atomic():
                        response = getattr(client, method)(url, params, headers=headers)
                except Exception as error:  # collect every failure, then report them all
                    failures.append(f"{method.upper()} {url} {value[:12]!r}: {error!r}"[:300])
                    continue
                if response.status_code >= 500:
                    failures.append(
                        f"{method.upper()} {url} {value[:12]!r}: {response.status_code}"
                    )
    assert not failures, "\n".join(failures)


# --- the strict parsers where the walk found 500s ----------------------------------------

WEBHOOK_SECRET = "whsec_hostile"


def post_signed(client, payload: str):
    return client.post(
        reverse("payments:stripe_webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign_webhook(payload, WEBHOOK_SECRET),
    )


@pytest.mark.parametrize(
    "payload",
    [
        "[]",
        '"evt_1"',
        "null",
        json.dumps({"id": "evt_" + "x" * 252, "type": "charge.refunded", "data": {"object": {}}}),
        json.dumps({"id": 7, "type": "charge.refunded", "data": {"object": {}}}),
        json.dumps({"id": "evt_1", "type": ["charge.refunded"], "data": {"object": {}}}),
        json.dumps({"id": "evt_1", "type": "charge.refunded", "data": []}),
        json.dumps({"id": "evt_1", "type": "charge.refunded", "data": {"object": "ch_1"}}),
        json.dumps({"id": "evt_1", "type": "charge.refunded", "data": {"object": {"x": "\x00"}}}),
    ],
    ids=[
        "array",
        "string",
        "null",
        "long-id",
        "int-id",
        "list-type",
        "list-data",
        "str-object",
        "nul",
    ],
)
def test_a_signed_payload_that_is_not_an_event_is_refused_and_not_stored(client, settings, payload):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    response = post_signed(client, payload)
    assert response.status_code == 400
    assert "Not a Stripe event" in response.content.decode()
    assert not StripeWebhookEvent.objects.exists()


def test_an_event_id_of_255_characters_is_kept(client, settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    event_id = "evt_" + "x" * 251
    payload = json.dumps({"id": event_id, "type": "customer.created", "data": {"object": {}}})
    assert post_signed(client, payload).status_code == 200
    assert StripeWebhookEvent.objects.get().event_id == event_id


def test_an_event_that_cannot_be_processed_is_marked_failed_and_shown_to_finance(
    client, settings, login_as, django_capture_on_commit_callbacks
):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    obj = {"id": "pi_1", "object": "payment_intent", "currency": 5, "amount": "lots"}
    payload = json.dumps(
        {"id": "evt_bad", "type": "payment_intent.succeeded", "data": {"object": obj}}
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert post_signed(client, payload).status_code == 200
    event = StripeWebhookEvent.objects.get()
    assert event.processed_at is not None
    assert event.error.startswith(WEBHOOK_FAILED)
    finance = login_as(FINANCE).get(reverse("payments:list"))
    assert "Webhook events failing (1)" in finance.content.decode()
    assert "evt_bad" in finance.content.decode()


def test_an_event_stored_with_a_bad_shape_is_marked_failed_not_retried(settings):
    event = StripeWebhookEvent.objects.create(
        event_id="evt_old",
        type="charge.refunded",
        payload={"id": "evt_old", "type": "charge.refunded", "data": []},
    )
    assert process_stripe_event(event_pk=event.pk)
    event.refresh_from_db()
    assert event.processed_at is not None
    assert event.error == f"{WEBHOOK_FAILED}data.object must be a JSON object"


@pytest.mark.parametrize("card", ["4242 4242 4242 424²", "①①①①①①①①①①①①", "4242\x004242424242"])
def test_the_simulated_checkout_refuses_card_numbers_that_are_not_ascii_digits(
    client, request, card
):
    session = request.getfixturevalue("data")["session"]
    url = reverse("payments:simulated_checkout", args=[session])
    response = client.post(url, {"card_number": card})
    assert response.status_code == 200
    assert "Your card number is incorrect." in response.content.decode()


def test_unicode_digits_in_ids_cursors_and_customer_are_not_numbers(login_as, request):
    data = request.getfixturevalue("data")
    client = login_as(None)
    assert client.get(reverse("orders:create"), {"customer": "²"}).status_code == 404
    assert client.get(reverse("orders:create"), {"customer": data["pk"]}).status_code == 200
    placed_at, total = Order._meta.get_field("placed_at"), Order._meta.get_field("total")
    assert parse_cursor(placed_at, "2026-01-01T00:00:00+00:00|①") is None
    assert parse_cursor(total, "NaN|1") is None
    assert parse_cursor(total, "10.00|1") == (Decimal("10.00"), 1)
    response = client.post(reverse("orders:bulk"), {"action": "hold", "ids": ["²", "①"]})
    assert response.status_code == 200


def test_a_nul_in_a_search_searches_for_nothing(login_as):
    client = login_as(None)
    response = client.get(reverse("backoffice:search"), {"q": "SO\x00-1"})
    assert response.status_code == 200
    assert response.context["query"] == ""
    assert clean_text(" mug ", max_length=10) == "mug"
    assert clean_text("x" * 11, max_length=10) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12.5", Decimal("12.50")),
        ("0", Decimal("0.00")),
        ("1e3", None),
        ("NaN", None),
        ("-1", None),
        ("+1", None),
        ("١٢", None),
        ("1,5", None),
        ("1" * 13, None),
        ("", None),
    ],
)
def test_parse_money_takes_plain_ascii_amounts_only(text, value):
    assert parse_money(text) == value


@pytest.mark.parametrize(
    ("text", "value"), [("-2", -2), ("+5", 5), ("7", 7), ("--2", None), ("٣", None), ("-", None)]
)
def test_parse_signed_int_takes_ascii_digits_with_one_sign(text, value):
    assert parse_signed_int(text) == value
