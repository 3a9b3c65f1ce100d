"""Where an order's units are reserved: the sourcing engine (distributed order management).

For each order it chooses, from the active locations that ship (less the channel's excluded
ones), the plan that, in this order:

1. fulfils every line it can (most lines complete, then most units);
2. uses the fewest locations, i.e. shipments;
3. costs the least to ship, as the registered estimator prices each location's parcel
   (``register_cost_estimator``; without one every plan costs the same);
4. meets the promised date, when the estimator tells when a parcel arrives;
5. prefers the locations of higher priority (lower number, then code).

An order taken at a store's till (``store_first``) first takes as much as it can from the store
shelves (the customer is standing there), then the rest as above. A click & collect order
(``Order.pickup_location``) takes every unit from its store, or backorders it. A location's
safety stock (units a store keeps for walk-in customers) is never taken. With "never split"
(the channel's or the order's) only single-location plans are considered. What the chosen
plan cannot cover is backordered where the product allows it (or ``partial`` is set),
otherwise the whole request is refused with InsufficientStock naming every short SKU.

**The search** (``_location_sets``), per order, over the locations holding any of its SKUs:

* every location is reduced to its *profile*: per SKU, the units it can give, capped at what
  the order can get of that SKU anywhere. Locations with one profile are interchangeable for
  coverage.
* a greedy set cover (the location giving the most units still missing, ties to priority),
  then shrunk while one of its locations is not needed or two can be swapped for one, gives a
  plan and a bound on the shipments;
* a pool of at most ``POOL_SIZE`` locations: the greedy cover's, each SKU's two best holders,
  then the most covering, with at most ``TIES_KEPT`` of one profile (by priority), so cost and
  priority still choose among interchangeable locations;
* an exhaustive search of every set of up to ``MAX_SEARCHED_SHIPMENTS`` locations of the pool
  finds the covers with the fewest shipments, and the irredundant covers one shipment bigger
  as runners-up, stopping at ``MAX_PRICED`` of them. Bound: at most C(16,1) + C(16,2) +
  C(16,3) = 696 sets checked, whatever the number of locations (shrinking the greedy cover of
  g locations checks at most g × (g + 16 × C(g, 2)) more); the rest is linear in the locations
  holding stock. An order no 3 locations can cover ships as the shrunk greedy cover says,
  which a brute force over random orders found one shipment too many in about 0.5% of them.
  Never split: the ``MAX_PRICED`` single locations filling the most.
* at most ``MAX_PRICED`` plans, the best by the criteria before cost, are priced (at most one
  estimator call per location and parcel weight), then ranked by all five criteria.

Every decision is kept on the plan (``ReservationPlan.decision_for``): the chosen plan and up
to three runners-up with their scores, for the order's timeline.
"""

from .choosing import choose_plan
from .options import (
    MAX_PRICED,
    CostEstimator,
    Decision,
    Demand,
    Option,
    ParcelEstimate,
    ReservationPlan,
    Rules,
    Site,
    decision_sentence,
    describe_score,
    register_cost_estimator,
    registered_cost_estimator,
    rules_for,
)
from .planning import channels_with_exclusions, plan_reservations

__all__ = [
    "MAX_PRICED",
    "CostEstimator",
    "Decision",
    "Demand",
    "Option",
    "ParcelEstimate",
    "ReservationPlan",
    "Rules",
    "Site",
    "channels_with_exclusions",
    "choose_plan",
    "decision_sentence",
    "describe_score",
    "plan_reservations",
    "register_cost_estimator",
    "registered_cost_estimator",
    "rules_for",
]
