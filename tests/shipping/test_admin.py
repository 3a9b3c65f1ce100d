"""Carriers, services and rate tables in the admin: every page opens, bad values are refused
with an error on the field that holds them."""

import pytest
from django.urls import reverse

from shipping.carriers import ShipmentRequest, adapter_for
from shipping.models import Carrier, CarrierLabel, Rate, ShippingService, ShippingZone, ZoneRule
from tests.shipping.conftest import address

pytestmark = pytest.mark.django_db

MODELS = (Carrier, ShippingService, ShippingZone, Rate, CarrierLabel)


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:shipping_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def issued_label(tables, warehouse):
    adapter = adapter_for(tables.post)
    request = ShipmentRequest(destination=address(), weight_grams=300, origin=warehouse)
    return adapter.buy_label(request, adapter.quote(request)[0])


def form_errors(response) -> dict:
    return response.context["adminform"].form.errors


def inline_errors(response) -> list:
    return [formset.formset.errors for formset in response.context["inline_admin_formsets"]]


def zone_post(zone: ShippingZone, rules: list[dict], rates: list[dict]) -> dict:
    """The zone change form with its two inlines (rules, rates) as new rows."""
    data = {"carrier": zone.carrier_id, "name": zone.name}
    for prefix, rows in (("rules", rules), ("rates", rates)):
        existing = list(getattr(zone, prefix).order_by("pk"))
        data |= {
            f"{prefix}-TOTAL_FORMS": len(existing) + len(rows),
            f"{prefix}-INITIAL_FORMS": len(existing),
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
        for index, obj in enumerate(existing):
            data[f"{prefix}-{index}-id"] = obj.pk
            data[f"{prefix}-{index}-zone"] = zone.pk
            fields = (
                ("country", "postal_prefix")
                if prefix == "rules"
                else ("service", "max_weight_grams", "base", "per_kg")
            )
            for name in fields:
                value = getattr(obj, f"{name}_id" if name == "service" else name)
                data[f"{prefix}-{index}-{name}"] = value
        for offset, row in enumerate(rows, start=len(existing)):
            data[f"{prefix}-{offset}-zone"] = zone.pk
            data |= {f"{prefix}-{offset}-{name}": value for name, value in row.items()}
    return data


def test_every_shipping_admin_page_opens(admin_client, tables, issued_label):
    for model in MODELS:
        assert admin_client.get(admin_url(model, "changelist")).status_code == 200, model
        obj = model.objects.order_by("pk").first()
        assert admin_client.get(admin_url(model, "change", obj.pk)).status_code == 200, model
    for model in (Carrier, ShippingService, ShippingZone, Rate):
        assert admin_client.get(admin_url(model, "add")).status_code == 200, model


def test_the_built_in_carriers_labels_are_read_only(admin_client, issued_label):
    assert admin_client.get(admin_url(CarrierLabel, "add")).status_code == 403


def test_a_negative_rate_is_refused_naming_the_field(admin_client, tables):
    response = admin_client.post(
        admin_url(Rate, "add"),
        {
            "service": tables.economy.pk,
            "zone": tables.nyc.pk,
            "max_weight_grams": 20000,
            "base": "-1.00",
            "per_kg": "-0.50",
        },
    )
    assert response.status_code == 200
    errors = form_errors(response)
    assert set(errors) == {"base", "per_kg"}
    assert "greater than or equal to 0" in errors["base"][0]
    assert not Rate.objects.filter(max_weight_grams=20000).exists()


def test_a_negative_rate_in_the_zone_inline_is_refused_naming_the_field(admin_client, tables):
    data = zone_post(
        tables.nyc,
        rules=[],
        rates=[
            {"service": tables.economy.pk, "max_weight_grams": 20000, "base": "-3", "per_kg": "1"}
        ],
    )
    response = admin_client.post(admin_url(ShippingZone, "change", tables.nyc.pk), data)
    assert response.status_code == 200
    rate_errors = inline_errors(response)[1]
    assert "base" in rate_errors[-1]
    assert not Rate.objects.filter(max_weight_grams=20000).exists()


def test_a_service_of_another_carrier_is_refused_in_a_zone(admin_client, tables):
    response = admin_client.post(
        admin_url(Rate, "add"),
        {
            "service": tables.express.pk,
            "zone": tables.nyc.pk,
            "max_weight_grams": 900,
            "base": "1",
            "per_kg": "0",
        },
    )
    assert "the zone's carrier" in form_errors(response)["service"][0]


def test_a_destination_already_in_another_zone_of_the_carrier_is_refused(admin_client, tables):
    data = zone_post(tables.canada, rules=[{"country": "US", "postal_prefix": "100"}], rates=[])
    response = admin_client.post(admin_url(ShippingZone, "change", tables.canada.pk), data)
    assert response.status_code == 200
    rule_errors = inline_errors(response)[0]
    assert "already in the zone New York City" in rule_errors[-1]["postal_prefix"][0]
    assert ZoneRule.objects.filter(zone=tables.canada).count() == 1


def test_the_same_destination_twice_in_one_submission_is_refused(admin_client, tables):
    rows = [{"country": "MX", "postal_prefix": ""}, {"country": "mx", "postal_prefix": ""}]
    data = zone_post(tables.canada, rules=rows, rates=[])
    response = admin_client.post(admin_url(ShippingZone, "change", tables.canada.pk), data)
    assert response.status_code == 200
    assert "listed twice" in str(inline_errors(response)[0])
    assert not ZoneRule.objects.filter(country="MX").exists()


def test_an_unknown_country_is_refused_naming_the_field(admin_client, tables):
    data = zone_post(tables.canada, rules=[{"country": "XX", "postal_prefix": ""}], rates=[])
    response = admin_client.post(admin_url(ShippingZone, "change", tables.canada.pk), data)
    assert "not an ISO country code" in inline_errors(response)[0][-1]["country"][0]


def test_a_rule_is_saved_normalised_and_with_its_zones_carrier(admin_client, tables):
    data = zone_post(tables.canada, rules=[{"country": "gb", "postal_prefix": "sw1 a"}], rates=[])
    response = admin_client.post(admin_url(ShippingZone, "change", tables.canada.pk), data)
    assert response.status_code == 302
    rule = ZoneRule.objects.get(country="GB")
    assert (rule.postal_prefix, rule.carrier_id) == ("SW1A", tables.post.pk)


def test_a_tracking_url_without_the_placeholder_is_refused(admin_client):
    response = admin_client.post(
        admin_url(Carrier, "add"),
        {
            "code": "NEW",
            "name": "New carrier",
            "adapter": "rate_table",
            "currency": "USD",
            "tracking_url_template": "https://new.example/track",
            "is_active": "on",
            "services-TOTAL_FORMS": 0,
            "services-INITIAL_FORMS": 0,
            "services-MIN_NUM_FORMS": 0,
            "services-MAX_NUM_FORMS": 1000,
        },
    )
    assert "{tracking_number}" in form_errors(response)["tracking_url_template"][0]


def test_a_negative_transit_time_is_refused_naming_the_field(admin_client, tables):
    response = admin_client.post(
        admin_url(ShippingService, "add"),
        {
            "carrier": tables.post.pk,
            "code": "X",
            "name": "X",
            "level": "economy",
            "transit_days": -1,
            "is_active": "on",
        },
    )
    assert "transit_days" in form_errors(response)
