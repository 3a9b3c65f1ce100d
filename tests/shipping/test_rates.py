"""Quoting from the rate tables: zones, weight brackets, prices, delivery dates, the best quote."""

from datetime import date
from decimal import Decimal

import pytest

from shipping import rates
from shipping.models import Rate, ShippingService
from tests.shipping.conftest import address, make_rates, make_zone

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 30)
FRIDAY = date(2026, 12, 4)
SATURDAY = date(2026, 12, 5)


def by_service(quotes) -> dict[str, rates.Quote]:
    return {quote.service.code: quote for quote in quotes}


# --- zones ------------------------------------------------------------------------------------


def test_the_longest_matching_postal_prefix_picks_the_zone(tables):
    # given NYC (prefix 100) inside the US-wide zone, then when quoting to 10012
    quotes = by_service(rates.quote(address(postal_code="10012"), 400, ship_date=MONDAY))
    # then Parcel Post prices from the NYC zone, Swift from its only (country-wide) zone
    assert quotes["ECO"].amount == Decimal("4.00")
    assert quotes["ECO"].details["zone_id"] == tables.nyc.pk
    assert quotes["EXP"].details["zone_id"] == tables.swift_us.pk


def test_a_postal_code_outside_every_prefix_falls_back_to_the_whole_country(tables):
    quotes = by_service(rates.quote(address(postal_code="60607"), 400, ship_date=MONDAY))
    assert quotes["ECO"].details["zone_id"] == tables.us.pk
    assert quotes["ECO"].amount == Decimal("5.00")


def test_postal_codes_match_whatever_their_spacing_and_case(tables):
    make_zone(tables.post, "London", ("GB", "SW1"))
    make_rates(tables.economy, tables.post.zones.get(name="London"), [(1000, "9.99", "0")])
    quotes = rates.quote(address(country="GB", postal_code="sw1a 1aa"), 400, ship_date=MONDAY)
    assert [q.amount for q in quotes] == [Decimal("9.99")]


def test_a_second_prefix_of_the_same_zone_also_matches(tables):
    quotes = by_service(rates.quote(address(postal_code="89502"), 400, ship_date=MONDAY))
    assert quotes["ECO"].details["zone_id"] == tables.west.pk


def test_a_country_no_zone_covers_gets_no_quote(tables):
    assert rates.quote(address(country="DE", postal_code="10115"), 400) == []
    assert rates.quote(address(country="", postal_code=""), 400) == []


def test_only_carriers_covering_the_country_quote(tables):
    quotes = rates.quote(address(country="CA", postal_code="M5V 2T6"), 400, ship_date=MONDAY)
    assert {q.carrier.code for q in quotes} == {"PPOST"}


def test_inactive_services_and_carriers_are_not_quoted(tables):
    tables.economy.is_active = False
    tables.economy.save()
    tables.swift.is_active = False
    tables.swift.save()
    quotes = rates.quote(address(), 400, ship_date=MONDAY)
    assert [q.service.code for q in quotes] == ["STD"]


def test_a_carrier_filter_quotes_that_carrier_only(tables):
    quotes = rates.quote(address(), 400, ship_date=MONDAY, carrier=tables.swift)
    assert [q.service.code for q in quotes] == ["EXP"]


# --- brackets and prices --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grams", "expected"),
    [
        (1, "4.00"),  # the lightest bracket
        (500, "4.00"),  # on the bound: still the 500 g bracket
        (501, "4.50"),  # one gram over: the next
        (1000, "4.50"),
        (1001, "5.71"),  # 4.50 + 1.10 × 1.1 kg
        (1200, "5.82"),  # 4.50 + 1.10 × 1.2 kg
        (1201, "5.93"),  # rounded up to 1.3 kg
        (5000, "10.00"),  # 4.50 + 1.10 × 5.0
    ],
)
def test_the_lightest_bracket_holding_the_weight_prices_it(tables, grams, expected):
    quotes = by_service(rates.quote(address(), grams, ship_date=MONDAY))
    assert quotes["ECO"].amount == Decimal(expected)


def test_heavier_than_the_heaviest_bracket_gets_no_quote(tables):
    quotes = rates.quote(address(), 5001, ship_date=MONDAY)
    assert quotes == []  # Parcel Post stops at 5 kg, Swift at 2 kg


def test_the_price_is_decimal_rounded_half_up_to_cents(tables):
    rate = Rate(base=Decimal("1.00"), per_kg=Decimal("0.05"))
    # 0.05 × 0.1 kg = 0.005 → 0.01 (half up), never a float
    assert rates.price(rate, 100) == Decimal("1.01")
    assert rates.billable_kg(1) == Decimal("0.1")
    assert rates.billable_kg(12345) == Decimal("12.4")


@pytest.mark.parametrize("weight", [0, -5, 1.5, True, "100"])
def test_a_parcel_must_weigh_a_positive_whole_number_of_grams(tables, weight):
    with pytest.raises(ValueError, match="positive whole number"):
        rates.quote(address(), weight)


# --- dates and the best quote ---------------------------------------------------------------


def test_estimated_delivery_counts_business_days_skipping_weekends(tables):
    quotes = by_service(rates.quote(address(), 400, ship_date=FRIDAY))
    assert quotes["STD"].estimated_delivery == date(2026, 12, 9)  # Fri + 3 → Wed
    assert quotes["ECO"].estimated_delivery == date(2026, 12, 11)  # Fri + 5 → next Fri


def test_a_weekend_ship_date_counts_from_monday():
    assert rates.add_business_days(SATURDAY, 1) == date(2026, 12, 8)  # Tue
    assert rates.add_business_days(SATURDAY, 0) == date(2026, 12, 7)  # Mon
    assert rates.add_business_days(MONDAY, 0) == MONDAY


def test_quotes_are_sorted_by_amount_then_transit(tables):
    ShippingService.objects.filter(pk=tables.standard.pk).update(transit_days=1)
    Rate.objects.filter(service=tables.standard, zone=tables.nyc).update(base=Decimal("4.00"))
    quotes = rates.quote(address(), 400, ship_date=MONDAY)
    assert [(q.service.code, q.amount) for q in quotes] == [
        ("STD", Decimal("4.00")),  # as cheap as Economy and faster
        ("ECO", Decimal("4.00")),
        ("EXP", Decimal("12.80")),
    ]


def test_meets_promise_compares_the_estimated_delivery_with_the_promised_date(tables):
    quotes = by_service(
        rates.quote(address(), 400, ship_date=MONDAY, promised_date=date(2026, 12, 3))
    )
    assert quotes["EXP"].meets_promise  # Wed 2 Dec
    assert quotes["STD"].meets_promise  # Thu 3 Dec: on the day counts
    assert not quotes["ECO"].meets_promise  # Mon 7 Dec
    assert all(q.meets_promise for q in rates.quote(address(), 400, ship_date=MONDAY))


def test_best_is_the_cheapest_that_meets_the_promise(tables):
    quotes = rates.quote(address(), 400, ship_date=MONDAY, promised_date=date(2026, 12, 3))
    assert rates.best(quotes).service.code == "STD"


def test_best_is_the_fastest_when_none_meets_the_promise(tables):
    quotes = rates.quote(address(), 400, ship_date=MONDAY, promised_date=date(2026, 12, 1))
    assert not any(q.meets_promise for q in quotes)
    assert rates.best(quotes).service.code == "EXP"


def test_best_without_a_promise_is_the_cheapest_and_of_nothing_is_none(tables):
    assert rates.best(rates.quote(address(), 400, ship_date=MONDAY)).service.code == "ECO"
    assert rates.best([]) is None


def test_estimate_cost_is_the_cheapest_quote(tables, warehouse):
    assert rates.estimate_cost(warehouse, address(), 400) == Decimal("4.00")
    assert rates.estimate_cost(warehouse, address(country="DE"), 400) is None


def test_quoting_costs_two_queries_whatever_the_number_of_services(
    tables, django_assert_max_num_queries
):
    # given thirty more services, each with a zone and brackets
    for index in range(30):
        service = ShippingService.objects.create(
            carrier=tables.swift, code=f"S{index}", name=f"Service {index}", transit_days=index % 6
        )
        make_rates(service, tables.swift_us, [(1000, "9.00", "1.00"), (3000, "11.00", "1.00")])
    # when quoting, then the zone rules and the rates are read once each
    with django_assert_max_num_queries(2):
        quotes = rates.quote(address(), 1500, ship_date=MONDAY)
    assert len(quotes) == 2 + 1 + 30
