"""The customer population a replication draws its first contacts from."""

from __future__ import annotations

import bisect
import itertools
import random
from array import array

from routing import Customer
from routing.model import slot_setters
from simulations.scenario import Scenario

__all__ = ["CustomerBase"]

_new = object.__new__
_SET_CUSTOMER = slot_setters(Customer, "id", "value", "tier", "is_new")  # see CustomerBase._build


class CustomerBase:
    """The customer population: tier, value and onboarding flag per customer.

    Every customer's tier and onboarding flag are drawn up front, in customer order,
    from the customers stream (the tier's uniform, then the flag's), because which pool
    a customer is in decides who a first contact reaches. Its ``Customer`` value is
    only built when it first contacts the centre, from the tier uniform kept until
    then: a day reaches a fraction of a large population, and building values is most
    of the cost.
    """

    def __init__(self, scenario: Scenario, rng: random.Random) -> None:
        spec = scenario.customers
        self.tiers = spec.tiers
        for tier in self.tiers:  # Customer's checks, once per tier: see _build
            Customer(f"tier {tier.name!r}", value=tier.value, tier=tier.name)
        # The draw ``rng.choices(tiers, weights=shares)`` makes, kept to be made later.
        self._cum_shares = list(itertools.accumulate(t.share for t in self.tiers))
        self._total_share = self._cum_shares[-1] + 0.0
        self._tier_draws = array("d")
        self.new: list[int] = []
        self.established: list[int] = []
        draw = rng.random
        tier_draws = self._tier_draws.append
        new, established = self.new.append, self.established.append
        for i in range(spec.population):
            tier_draws(draw())
            (new if draw() < spec.new_share else established)(i)
        self._built: dict[int, Customer] = {}

    def pick(self, new_share: float, rng: random.Random) -> Customer:
        """A customer for a first contact of a type whose ``new_share`` is given.

        Runtime complexity: O(1) once the customer has been built, O(log tiers) the
        first time.
        """
        want_new = rng.random() < new_share
        pool = self.new if (want_new and self.new) or not self.established else self.established
        i = pool[int(rng.random() * len(pool))]
        customer = self._built.get(i)
        if customer is None:
            customer = self._build(i, is_new=pool is self.new)
        return customer

    def _build(self, i: int, *, is_new: bool) -> Customer:
        """Customer ``i``, whose onboarding flag is the pool it was drawn into.

        Its slots are set directly (0.3 instead of 1.1 us per customer): the only check
        ``Customer.__init__`` makes is on the tier's value, which ``__init__`` here made
        once per tier.
        """
        u = self._tier_draws[i] * self._total_share
        tier = self.tiers[bisect.bisect(self._cum_shares, u, 0, len(self.tiers) - 1)]
        set_id, set_value, set_tier, set_is_new = _SET_CUSTOMER
        customer: Customer = _new(Customer)
        set_id(customer, f"k{i + 1}")
        set_value(customer, tier.value)
        set_tier(customer, tier.name)
        set_is_new(customer, is_new)
        self._built[i] = customer
        return customer
