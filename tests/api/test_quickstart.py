"""The README's API quick start works as printed: its order JSON places an order (201), and its
curl command, run as written against a live server, places it too.

Both read their block out of README.md, between ``<!-- quickstart-order -->`` /
``<!-- /quickstart-order -->`` and ``<!-- quickstart-curl -->`` / ``<!-- /quickstart-curl -->``,
so the README and the test cannot drift apart."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from api.services import issue_token
from orders.models import Order
from tests import factories

from .conftest import make_integration

README = Path(settings.BASE_DIR) / "README.md"
ORDERS = "/api/v1/orders/"


def readme_block(marker: str) -> str:
    """The fenced code block between ``<!-- marker -->`` and ``<!-- /marker -->``."""
    text = README.read_text()
    start, end = f"<!-- {marker} -->", f"<!-- /{marker} -->"
    if start not in text:
        pytest.skip("the API quick start (/tmp/readme/apibench.md) is not merged into README yet")
    inside = text.split(start, 1)[1].split(end, 1)[0]
    found = re.search(r"^```\w*\n(.*?)^```", inside, re.DOTALL | re.MULTILINE)
    assert found, f"no code block between the {marker} markers"
    return found.group(1)


def quickstart_order() -> dict:
    return json.loads(readme_block("quickstart-order"))


def stock_the_quickstart_skus(order: dict, warehouse) -> None:
    for line in order["lines"]:
        product = factories.ProductFactory(sku=line["sku"], unit_price=line["unit_price"])
        factories.stock(product, warehouse, 10)


@pytest.mark.django_db
def test_the_quickstart_order_json_places_an_order(api, warehouse):
    order = quickstart_order()
    stock_the_quickstart_skus(order, warehouse)

    response = api.post(ORDERS, order, format="json", headers={"Idempotency-Key": "qs"})

    assert response.status_code == 201, response.json()
    placed = Order.objects.get(external_id=order["external_id"])
    assert placed.lines.count() == len(order["lines"])
    assert placed.customer.email == order["customer"]["email"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_quickstart_curl_places_the_order_on_a_live_server(
    live_server, channel, warehouse, tmp_path
):
    if shutil.which("curl", path="/usr/bin:/bin") is None:
        pytest.skip("curl is not installed")
    order = quickstart_order()
    stock_the_quickstart_skus(order, warehouse)
    (tmp_path / "order.json").write_text(readme_block("quickstart-order"))
    token = issue_token(integration=make_integration(channel)).plain
    environment = {"PATH": "/usr/bin:/bin", "OMS_URL": live_server.url, "OMS_TOKEN": token}

    def curl() -> dict:
        # The README's own command, run as printed.
        done = subprocess.run(
            ["/bin/sh", "-c", readme_block("quickstart-curl")],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return json.loads(done.stdout)

    first = curl()
    assert first["status"] == "placed"
    assert Order.objects.get(external_id=order["external_id"]).number == first["number"]
    assert curl() == first  # sent again: replayed, nothing more placed
    assert Order.objects.count() == 1
