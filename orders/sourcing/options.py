"""The sourcing engine's vocabulary: locations as sites, what an order asks (rules, demands),
the options it weighs, the decision it records, and the cost estimator it prices parcels with."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from inventory.models import Location

from ..models import Order, OrderLine, SalesChannel

TIES_KEPT = 4
POOL_SIZE = 16
MAX_SEARCHED_SHIPMENTS = 3
MAX_PRICED = 8
RUNNERS_UP = 3


@dataclass(frozen=True, slots=True)
class Site:
    """A location as sourcing sees it: read with its stock rows, light enough to build by the
    hundred for every order (the estimator gets it as the parcel's origin)."""

    pk: int
    code: str
    priority: int
    kind: str
    country: str = ""
    postal_code: str = ""
    can_ship: bool = True  # False: a click & collect store that ships nothing


# --- the cost estimator -------------------------------------------------------------------


@dataclass(frozen=True)
class ParcelEstimate:
    """An estimator's answer for one parcel: its cost and, if known, when it arrives."""

    cost: Decimal
    delivery: date | None = None


# (origin, destination address, parcel weight in grams) -> its cost, an estimate, or None when
# no carrier takes it.
CostEstimator = Callable[[Site, Mapping[str, Any], int], Decimal | ParcelEstimate | None]
_estimator: list[CostEstimator] = []


def register_cost_estimator(estimator: CostEstimator | None) -> None:
    """Price parcels with ``estimator`` from now on (None: no estimator). Shipping registers
    its rate tables once its app is ready; orders may not import shipping."""
    _estimator.clear()
    if estimator is not None:
        _estimator.append(estimator)


def registered_cost_estimator() -> CostEstimator | None:
    """The estimator parcels are priced with now, to put it back after replacing it."""
    return _estimator[0] if _estimator else None


def estimate_parcel(
    origin: Site, destination: Mapping[str, Any], grams: int
) -> ParcelEstimate | None:
    if not _estimator:
        return None
    answer = _estimator[0](origin, destination, max(grams, 1))  # a parcel weighs something
    if answer is None or isinstance(answer, ParcelEstimate):
        return answer
    return ParcelEstimate(cost=answer)


# --- what one order asks of the engine ----------------------------------------------------


@dataclass(frozen=True)
class Rules:
    destination: Mapping[str, Any] = field(default_factory=dict)
    promised_date: date | None = None
    store_first: bool = False
    never_split: bool = False
    excluded_location_ids: frozenset[int] = frozenset()
    # Click & collect (the order's store) or a location staff chose: the only one to take from.
    only_location_id: int | None = None

    def allows(self, location_id: int) -> bool:
        if self.only_location_id is not None:
            return location_id == self.only_location_id
        return location_id not in self.excluded_location_ids


def rules_for(
    order: Order, channel: SalesChannel, excluded_location_ids: Iterable[int] = ()
) -> Rules:
    """The order's rules. A click & collect order takes every unit from its store, whatever
    the channel excludes: the customer chose it (what the store lacks is backordered)."""
    return Rules(
        destination=order.shipping_address or {},
        promised_date=order.promised_ship_date,
        store_first=channel.kind == SalesChannel.Kind.STORE,
        never_split=order.never_split or channel.never_split,
        excluded_location_ids=frozenset(excluded_location_ids),
        only_location_id=order.pickup_location_id,
    )


@dataclass(frozen=True)
class Demand:
    """One SKU of an order: the units it asks for, their unit weight."""

    product_id: int
    quantity: int
    weight_grams: int


# --- options and decisions ----------------------------------------------------------------


@dataclass
class Option:
    """One way to source an order: what each location gives, and how it scores."""

    locations: tuple[Site, ...]
    takes: dict[tuple[int, int], int]  # (product id, location id) -> units
    lines_filled: int
    units: int
    store_units: int
    rank: tuple[int, ...]  # the locations' places in priority order
    cost: Decimal | None = None
    meets_promise: bool = True

    @property
    def shipments(self) -> int:
        return len(self.locations)

    def coverage_key(self, store_first: bool) -> tuple:
        """Criteria 1 and 2 (and the store shelf first), then priority: what pricing needs."""
        return (
            -self.lines_filled,
            -self.units,
            -self.store_units if store_first else 0,
            self.shipments,
            self.rank,
        )

    def key(self, store_first: bool) -> tuple:
        *coverage, rank = self.coverage_key(store_first)
        return (*coverage, self.cost is None, self.cost or 0, not self.meets_promise, rank)

    def score(self) -> dict[str, Any]:
        return {
            "locations": [location.code for location in self.locations],
            "shipments": self.shipments,
            "units": self.units,
            "estimated_cost": None if self.cost is None else str(self.cost),
            "meets_promise": self.meets_promise,
        }

    def describe(self, *, chosen: bool) -> str:
        return describe_score(self.score(), chosen=chosen)


def describe_score(score: Mapping[str, Any], *, chosen: bool) -> str:
    """An option's ``score`` in words: "WH-EAST: 1 parcel, est. 4.90" chosen, "WH-WEST would
    be 1 parcel, 9.80" not (the order page reads them back from the recorded decision)."""
    where = " + ".join(score["locations"])
    shipments = score["shipments"]
    parcels = f"{shipments} parcel{'s' if shipments != 1 else ''}"
    cost = score["estimated_cost"]
    cost = "" if cost is None else f", {'est. ' if chosen else ''}{cost}"
    late = "" if score["meets_promise"] else ", late for the promised date"
    return f"{where}{': ' if chosen else ' would be '}{parcels}{cost}{late}"


def decision_sentence(data: Mapping[str, Any]) -> str:
    """A decision's ``as_data()`` in words: "From WH-EAST: 1 parcel, est. 4.90; WH-WEST +
    STORE-NYC would be 2 parcels, 9.80." """
    others = "".join(f"; {describe_score(o, chosen=False)}" for o in data["runners_up"])
    return f"From {describe_score(data['chosen'], chosen=True)}{others}."


@dataclass
class Decision:
    chosen: Option
    runners_up: list[Option] = field(default_factory=list)

    def as_data(self) -> dict[str, Any]:
        return {
            "chosen": self.chosen.score(),
            "runners_up": [option.score() for option in self.runners_up],
        }

    def sentence(self) -> str:
        """For the timeline: ``decision_sentence`` of its data."""
        return decision_sentence(self.as_data())


@dataclass
class ReservationPlan:
    allocations: list[tuple[OrderLine, Location, int]] = field(default_factory=list)
    backorders: dict[int, int] = field(default_factory=dict)  # line pk -> units
    decisions: list[tuple[list[OrderLine], Decision]] = field(default_factory=list)

    def decision_for(self, lines: Sequence[OrderLine]) -> Decision | None:
        """The decision made for the order these lines belong to (matched by identity: the
        lines of an order being placed have no key yet)."""
        for planned, decision in self.decisions:
            if any(line is other for line in planned for other in lines):
                return decision
        return None
