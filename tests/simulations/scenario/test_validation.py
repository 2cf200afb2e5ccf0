"""The simulator against queueing theory, and its common random numbers (DESIGN §8).

**Erlang C / Erlang A.** With one skill, Poisson arrivals, exponential handle times, no
wrap-up, no deflection and no repeats, the simulator's KPIs must agree with
``routing.erlang`` within their confidence intervals. The scenarios are the bundled
``mmc.toml`` (M/M/c+M, Erlang A) and the same file without patience and with 35
agents (M/M/c, Erlang C, occupancy 30/35 ≈ 0.86, ASA ≈ 17 s).

How the tolerance is derived (fixed before any run, never tuned):

* Each KPI is averaged over ``REPLICATIONS`` independent replications and gets a
  Student-t interval from the per-replication values (``metrics.estimate``).
* The module makes ``COMPARISONS`` comparisons with a formula. For a correct simulator
  each 95 % interval misses the formula 5 % of the time, so with nine of them some
  assertion would fail for about a third of all seeds. We therefore use simultaneous
  (Bonferroni) intervals: each at confidence ``1 - FAMILY_ALPHA / COMPARISONS``, so a
  correct simulator fails this module for at most ``FAMILY_ALPHA`` = 1 % of seeds.
  Against the 95 % half-width this is a factor of about 1.7 (t quantile 3.43 vs 2.00
  with 59 degrees of freedom).
* No extra allowance for bias. Warm-up bias: the queue starts empty and the first
  hour is excluded; the M/M/c relaxation time ``1 / (mu (sqrt c - sqrt A)^2)`` is
  about 26 minutes at 35 agents and 30 Erlangs, so what is left of the transient after
  an hour shifts the 8-hour means by well under 1 %, far inside the intervals. Finite
  horizon: contacts arriving before the horizon are followed to the end (the model
  drains for 4 hours), so no wait is censored. Ratio-estimator bias is O(1/n) with
  n ≈ 2,900 contacts per replication. A 200-replication run (seed 99991, not part of
  the suite) put every KPI within one 95 % half-width of its formula (Erlang C
  ASA 17.01 ± 1.55 s vs 17.07 s, Erlang A abandonment 0.0259 ± 0.0010 vs 0.0257).

The seed is fixed once; it is not to be changed to make a failing test pass. A failure
here means the simulator, the router, the KPI definitions or the formulas disagree.

**Common random numbers.** Equal seeds give equal records, different seeds differ,
and different policies face the same first contacts (arrival instant, type, customer,
deflection), so their replications can be paired.
"""

from __future__ import annotations

import pytest

from routing.erlang import ErlangAResult, ErlangCResult, erlang_a_metrics, erlang_c_metrics
from simulations.centre.replication import run_replication
from simulations.experiment import cpu_count, run_experiment
from simulations.kpi.stats import Estimate, estimate
from simulations.kpi.summary import Summary
from simulations.records import ContactRecord, ReplicationResult
from simulations.scenario import Scenario, apply_override, bundled_scenarios, load_scenario
from simulations.scenario.arrivals import PoissonArrivals
from simulations.scenario.distributions import Exponential, Fixed

FAMILY_ALPHA = 0.01
COMPARISONS = 9  # 4 against Erlang C + 5 against Erlang A, below
CONFIDENCE = 1.0 - FAMILY_ALPHA / COMPARISONS
REPLICATIONS = 60
SEED = 2718
ERLANG_C_AGENTS = 35
WORKERS = min(2, cpu_count())


def _mmc() -> Scenario:
    return load_scenario(bundled_scenarios()["mmc"])


def _erlang_inputs(scenario: Scenario) -> tuple[float, float, int, float]:
    """(arrival rate per second, AHT, agents, SLA target) after checking the
    scenario really is an M/M/c(+M) model, so an edit to mmc.toml cannot silently
    invalidate the comparison."""
    (ctype,) = scenario.contact_types
    (group,) = scenario.agent_groups
    assert isinstance(ctype.arrivals, PoissonArrivals)
    assert isinstance(ctype.handle_time, Exponential)
    assert ctype.wrap_up == Fixed(0.0)
    assert ctype.deflection == 0.0
    assert ctype.repeat is None
    assert ctype.relax == ()
    assert ctype.sla_target is not None
    assert scenario.resolution.probability(ctype.margin(group.skills)) == 1.0
    assert scenario.handling.factor(ctype.margin(group.skills)) == 1.0
    assert group.shifts == ()
    assert group.capacity == {ctype.channel: 1}
    assert scenario.simulation.volume == 1.0
    assert scenario.simulation.warmup >= 3600
    rate = ctype.arrivals.per_hour / 3600.0
    return rate, ctype.handle_time.mean, group.count, ctype.sla_target


def _summary(scenario: Scenario) -> Summary:
    experiment = run_experiment(
        scenario, ["fifo"], replications=REPLICATIONS, seed=SEED, workers=WORKERS
    )
    return experiment.summaries["fifo"]


def _simultaneous(summary: Summary, kpi: str) -> Estimate:
    values = [v for r in summary.replications if (v := r.get(kpi)) is not None]
    assert len(values) == REPLICATIONS, f"{kpi} undefined in some replication"
    return estimate(values, CONFIDENCE)


def _assert_agrees(summary: Summary, kpi: str, formula: float) -> None:
    sim = _simultaneous(summary, kpi)
    at95 = summary.get(kpi)
    assert sim.half_width is not None and at95 is not None
    assert abs(sim.mean - formula) <= sim.half_width, (
        f"{kpi}: simulated {sim.mean:.5f} ± {sim.half_width:.5f} "
        f"({CONFIDENCE:.4f} CI; 95 % CI ± {at95.half_width}) vs formula {formula:.5f}"
    )


@pytest.fixture(scope="module")
def erlang_c() -> tuple[ErlangCResult, Summary]:
    scenario = apply_override(_mmc(), "contact_types.calls.patience", None)
    scenario = apply_override(scenario, "agent_groups.agents.count", ERLANG_C_AGENTS)
    assert scenario.contact_types[0].patience is None
    rate, aht, agents, target = _erlang_inputs(scenario)
    return erlang_c_metrics(rate, aht, agents, target), _summary(scenario)


@pytest.fixture(scope="module")
def erlang_a() -> tuple[ErlangAResult, Summary]:
    scenario = _mmc()
    patience = scenario.contact_types[0].patience
    assert isinstance(patience, Exponential)
    rate, aht, agents, target = _erlang_inputs(scenario)
    return erlang_a_metrics(rate, aht, agents, patience.mean, target), _summary(scenario)


@pytest.mark.slow
class TestErlangC:
    """M/M/c: no abandonment, so service level = answered within T / answered."""

    def test_the_load_makes_waiting_meaningful(
        self, erlang_c: tuple[ErlangCResult, Summary]
    ) -> None:
        formula, summary = erlang_c
        assert 0.8 <= formula.occupancy <= 0.9
        assert formula.asa > 10.0
        abandonment = summary.get("abandonment_rate")
        assert abandonment is not None and abandonment.mean == 0.0

    def test_occupancy_matches_erlang_c(self, erlang_c: tuple[ErlangCResult, Summary]) -> None:
        formula, summary = erlang_c
        _assert_agrees(summary, "occupancy", formula.occupancy)

    def test_service_level_matches_erlang_c(self, erlang_c: tuple[ErlangCResult, Summary]) -> None:
        formula, summary = erlang_c
        _assert_agrees(summary, "service_level", formula.service_level)

    def test_asa_matches_erlang_c(self, erlang_c: tuple[ErlangCResult, Summary]) -> None:
        formula, summary = erlang_c
        _assert_agrees(summary, "asa", formula.asa)

    def test_probability_of_waiting_matches_erlang_c(
        self, erlang_c: tuple[ErlangCResult, Summary]
    ) -> None:
        formula, summary = erlang_c
        _assert_agrees(summary, "wait_probability", formula.p_wait)


@pytest.mark.slow
class TestErlangA:
    """M/M/c+M: the bundled mmc.toml as shipped (33 agents, patience mean 600 s).

    Erlang A's ``service_level`` is answered within T / (arrivals − abandoned within
    T) = answered within T / (answered + abandoned after T), the simulator's
    ``service_level``; its ``service_level_offered`` (answered within T / arrivals) is
    the simulator's ``service_level_offered``; ``asa`` is the mean wait of answered
    contacts in both.
    """

    def test_every_contact_ends_answered_or_abandoned(
        self, erlang_a: tuple[ErlangAResult, Summary]
    ) -> None:
        _, summary = erlang_a
        for rep in summary.replications:
            answered, abandoned, offered = (
                rep.get("answered"),
                rep.get("abandoned"),
                rep.get("offered"),
            )
            assert answered is not None and abandoned is not None and abandoned > 0
            assert answered + abandoned == offered

    def test_abandonment_rate_matches_erlang_a(
        self, erlang_a: tuple[ErlangAResult, Summary]
    ) -> None:
        formula, summary = erlang_a
        _assert_agrees(summary, "abandonment_rate", formula.p_abandon)

    def test_service_level_matches_erlang_a(self, erlang_a: tuple[ErlangAResult, Summary]) -> None:
        formula, summary = erlang_a
        _assert_agrees(summary, "service_level", formula.service_level)

    def test_service_level_of_offered_matches_erlang_a(
        self, erlang_a: tuple[ErlangAResult, Summary]
    ) -> None:
        formula, summary = erlang_a
        _assert_agrees(summary, "service_level_offered", formula.service_level_offered)

    def test_asa_matches_erlang_a(self, erlang_a: tuple[ErlangAResult, Summary]) -> None:
        formula, summary = erlang_a
        _assert_agrees(summary, "asa", formula.asa)

    def test_occupancy_matches_erlang_a(self, erlang_a: tuple[ErlangAResult, Summary]) -> None:
        formula, summary = erlang_a
        _assert_agrees(summary, "occupancy", formula.occupancy)


# --------------------------------------------------------------------------------------
# Common random numbers
# --------------------------------------------------------------------------------------


def _first_contacts(result: ReplicationResult) -> list[tuple[float, str, str, bool]]:
    firsts = sorted(
        (c for c in result.contacts if c.attempt == 1), key=lambda c: (c.arrived_at, c.contact_id)
    )
    return [(c.arrived_at, c.contact_type, c.customer_id, c.deflected) for c in firsts]


def _routing(contacts: tuple[ContactRecord, ...]) -> list[tuple[float, str | None]]:
    return sorted((c.arrived_at, c.agent_id) for c in contacts if c.attempt == 1)


@pytest.fixture(scope="module")
def day() -> Scenario:
    return load_scenario(bundled_scenarios()["default"])


@pytest.fixture(scope="module")
def day_runs(day: Scenario) -> dict[str, ReplicationResult]:
    return {name: run_replication(day, name, 3) for name in ("default", "fifo")}


class TestCommonRandomNumbers:
    def test_same_seed_and_replication_give_identical_records(
        self, day: Scenario, day_runs: dict[str, ReplicationResult]
    ) -> None:
        again = run_replication(day, "default", 3)
        assert again == day_runs["default"]
        assert len(again.contacts) > 1000

    def test_a_different_seed_gives_different_arrivals(self) -> None:
        scenario = _mmc()
        first = run_replication(scenario, "fifo", 0, seed=1)
        other = run_replication(scenario, "fifo", 0, seed=2)
        assert _first_contacts(first) != _first_contacts(other)
        assert first.contacts[0].arrived_at != other.contacts[0].arrived_at

    def test_a_different_replication_gives_different_arrivals(self) -> None:
        scenario = _mmc()
        first = run_replication(scenario, "fifo", 0)
        other = run_replication(scenario, "fifo", 1)
        assert _first_contacts(first) != _first_contacts(other)

    def test_policies_see_identical_first_contacts(
        self, day_runs: dict[str, ReplicationResult]
    ) -> None:
        default, fifo = day_runs["default"], day_runs["fifo"]
        assert _first_contacts(default) == _first_contacts(fifo)
        assert len(_first_contacts(default)) > 4000

    def test_policies_route_differently_on_those_contacts(
        self, day_runs: dict[str, ReplicationResult]
    ) -> None:
        # Guards the previous test against passing because both runs are one run.
        default, fifo = day_runs["default"], day_runs["fifo"]
        assert _routing(default.contacts) != _routing(fifo.contacts)

    def test_first_contacts_share_patience_and_handle_time_across_policies(self) -> None:
        # mmc: one group at one level, so the handle time is the drawn base time and
        # an abandoned contact's wait is its patience. Both are drawn at arrival from
        # the contact type's stream, independent of routing.
        scenario = _mmc()
        fifo = run_replication(scenario, "fifo", 0)
        default = run_replication(scenario, "default", 0)
        by_arrival = {c.arrived_at: c for c in fifo.contacts}
        shared_handle = shared_patience = 0
        for c in default.contacts:
            other = by_arrival[c.arrived_at]
            if c.answered and other.answered:
                assert c.handle_time == other.handle_time
                shared_handle += 1
            if c.abandoned and other.abandoned:
                assert c.wait == other.wait
                shared_patience += 1
        assert shared_handle > 1000 and shared_patience > 10
