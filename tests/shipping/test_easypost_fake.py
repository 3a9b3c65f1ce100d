"""The fake EasyPost answers the real SDK in EasyPost's shapes, errors included."""

import easypost
import pytest

SHIPMENT = {
    "to_address": {"name": "Ada Buyer", "street1": "145 Spring Street", "city": "New York",
                   "state": "NY", "zip": "10012", "country": "US"},
    "from_address": {"company": "East Coast Warehouse", "street1": "200 Logistics Way",
                     "city": "Edison", "state": "NJ", "zip": "08817", "country": "US"},
    "parcel": {"weight": 10.0},
    "options": {"label_format": "PDF"},
}  # fmt: skip


@pytest.fixture
def client(fake_easypost):
    return fake_easypost.client()


def test_a_shipment_comes_back_as_the_sdks_objects_with_rates(client):
    shipment = client.shipment.create(**SHIPMENT)
    assert isinstance(shipment, easypost.models.Shipment)
    assert shipment.id.startswith("shp_") and shipment.object == "Shipment"
    rate = shipment.rates[0]
    assert isinstance(rate, easypost.models.Rate)
    assert (rate.carrier, rate.service, rate.rate, rate.currency) == (
        "USPS",
        "GroundAdvantage",
        "5.95",
        "USD",
    )
    assert rate.shipment_id == shipment.id
    assert easypost.util.get_lowest_object_rate(shipment).rate == "5.95"
    assert client.shipment.retrieve(shipment.id).to_dict() == shipment.to_dict()


def test_buy_gives_postage_a_tracking_code_and_a_tracker(client, fake_easypost):
    shipment = client.shipment.create(**SHIPMENT)
    bought = client.shipment.buy(shipment.id, rate=shipment.rates[1])  # the SDK sends its id
    assert bought.selected_rate.id == shipment.rates[1].id
    assert bought.postage_label.label_pdf_url.endswith(".pdf")
    assert bought.tracker.status == "pre_transit"
    assert fake_easypost.tracker_for(bought.tracking_code)["shipment_id"] == shipment.id


def test_errors_map_to_the_sdks_exceptions(client, fake_easypost):
    with pytest.raises(easypost.errors.NotFoundError):
        client.shipment.retrieve("shp_nothing")
    with pytest.raises(easypost.errors.InvalidRequestError) as caught:
        client.shipment.create(**{**SHIPMENT, "parcel": {}})
    assert caught.value.code == "PARAMETER.REQUIRED"
    assert caught.value.errors == [
        {"field": "shipment.parcel.weight", "message": "cannot be blank"}
    ]
    shipment = client.shipment.create(**SHIPMENT)
    with pytest.raises(easypost.errors.InvalidRequestError, match="no postage"):
        client.shipment.refund(shipment.id)
    with pytest.raises(easypost.errors.UnauthorizedError):
        fake_easypost.client(api_key="").shipment.retrieve(shipment.id)
