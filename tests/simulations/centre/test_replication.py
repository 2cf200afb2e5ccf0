"""The SimPy model: shifts, deflection, repeats, relaxation, back office, capacity and
the bookkeeping of outcomes and agent time, checked by replaying its records.

Most tests run ``tests/simulations/scenarios/features.toml`` (every feature at once:
split and late shifts, relaxation to a junior group, deflection, repeats across
channels, back-office drops, blended voice/chat agents with ``max_units``) under both
built-in policies for two replications, and check properties that must hold for every
contact or agent of every run.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

import attrs
import pytest

from routing import Customer
from simulations.centre.contacts import contact_record
from simulations.centre.replication import ContactCentre, run_replication, stream
from simulations.kpi.metrics import replication_kpis
from simulations.records import ContactRecord, ReplicationResult
from simulations.scenario import Scenario, apply_override, bundled_scenarios, load_scenario
from simulations.scenario.schema import DRAIN

SCENARIOS = Path(__file__).parents[1] / "scenarios"
POLICIES = ("default", "fifo")
REPLICATIONS = (0, 1)
EPS = 1e-6  # float slack for instants computed as now + (instant - now)
Z_999 = 3.2905  # two-sided 99.9 % normal quantile for binomial intervals


@pytest.fixture(scope="module")
def features() -> Scenario:
    return load_scenario(SCENARIOS / "features.toml")


@pytest.fixture(scope="module")
def runs(features: Scenario) -> list[ReplicationResult]:
    return [run_replication(features, p, r) for p in POLICIES for r in REPLICATIONS]


@pytest.fixture(scope="module")
def default_runs(runs: list[ReplicationResult]) -> list[ReplicationResult]:
    """One policy only: its replications have independent arrivals (for pooling)."""
    return [r for r in runs if r.policy == "default"]


def _contacts(runs: Iterable[ReplicationResult]) -> list[ContactRecord]:
    return [c for r in runs for c in r.contacts]


def _run_end(scenario: Scenario) -> float:
    return scenario.simulation.horizon + DRAIN


def _binomial_ok(successes: int, trials: int, p: float) -> bool:
    """``successes / trials`` lies in the 99.9 % normal interval around ``p``."""
    return abs(successes / trials - p) <= Z_999 * math.sqrt(p * (1 - p) / trials)


class TestShifts:
    def test_no_contact_is_answered_by_an_agent_off_shift(
        self, features: Scenario, runs: list[ReplicationResult]
    ) -> None:
        answered = [c for c in _contacts(runs) if c.answered]
        for c in answered:
            assert c.agent_group is not None and c.answered_at is not None
            group = features.agent_group(c.agent_group)
            assert group.on_duty_at(c.answered_at), (
                f"{c.contact_id} answered at {c.answered_at} by {c.agent_id}, off shift"
            )
        groups = Counter(c.agent_group for c in answered)
        assert set(groups) == {g.name for g in features.agent_groups}

    def test_work_held_at_the_end_of_a_shift_is_finished(
        self, features: Scenario, runs: list[ReplicationResult]
    ) -> None:
        held_over: list[tuple[ContactRecord, float]] = []  # (contact, end of its shift)
        for c in _contacts(runs):
            if c.agent_group is None or c.answered_at is None:
                continue
            for shift in features.agent_group(c.agent_group).shifts:
                if shift.start_at <= c.answered_at < shift.end_at and (
                    c.completed_at is None or c.completed_at > shift.end_at
                ):
                    held_over.append((c, shift.end_at))
        assert all(c.completed for c, _ in held_over)
        # seniors into their lunch break (7200), back office past 10800, juniors past 14400
        assert {(c.agent_group, end) for c, end in held_over} == {
            ("seniors", 7200.0),
            ("seniors", 14400.0),
            ("backoffice", 10800.0),
            ("juniors", 14400.0),
        }

    def test_late_shift_agents_take_no_work_before_they_start(
        self, runs: list[ReplicationResult]
    ) -> None:
        juniors = [c for c in _contacts(runs) if c.agent_group == "juniors"]
        assert juniors
        assert min(c.answered_at or math.inf for c in juniors) >= 3600

    def test_staffed_time_is_the_shifts_inside_the_window(
        self, runs: list[ReplicationResult]
    ) -> None:
        # window [1800, 14400): seniors 0-7200 + 9000-14400, juniors 3600-14400,
        # chatters always, back office 0-10800
        expected = {"seniors": 10800.0, "juniors": 10800.0, "chatters": 12600.0}
        expected["backoffice"] = 9000.0
        for run in runs:
            assert all(a.staffed_time == expected[a.group] for a in run.agents)
            assert Counter(a.group for a in run.agents) == {
                "seniors": 4,
                "juniors": 8,
                "chatters": 3,
                "backoffice": 2,
            }


class TestDeflection:
    @pytest.mark.parametrize(
        ("contact_type", "share"), [("support_voice", 0.3), ("support_chat", 0.2)]
    )
    def test_deflected_share_is_within_a_binomial_interval(
        self, default_runs: list[ReplicationResult], contact_type: str, share: float
    ) -> None:
        firsts = [
            c for c in _contacts(default_runs) if c.contact_type == contact_type and c.attempt == 1
        ]
        deflected = sum(c.deflected for c in firsts)
        assert len(firsts) > 300
        assert _binomial_ok(deflected, len(firsts), share), (deflected, len(firsts))

    def test_deflected_contacts_never_reach_an_agent(self, runs: list[ReplicationResult]) -> None:
        deflected = [c for c in _contacts(runs) if c.deflected]
        assert deflected
        for c in deflected:
            assert c.answered_at is None and c.abandoned_at is None
            assert c.completed_at is None and c.agent_id is None
            assert c.attempt == 1 and c.cost == 0.0

    def test_repeats_and_back_office_items_are_never_deflected(
        self, runs: list[ReplicationResult]
    ) -> None:
        contacts = _contacts(runs)
        assert any(c.attempt > 1 for c in contacts)
        assert not any(c.deflected for c in contacts if c.attempt > 1 or c.is_back_office)

    @pytest.mark.parametrize("share", [0.0, 1.0])
    def test_extreme_shares_deflect_nothing_or_everything(
        self, features: Scenario, share: float
    ) -> None:
        scenario = apply_override(features, "contact_types.support_voice.deflection", share)
        result = run_replication(scenario, "default", 0)
        firsts = [
            c for c in result.contacts if c.contact_type == "support_voice" and c.attempt == 1
        ]
        assert firsts
        assert all(c.deflected == (share == 1.0) for c in firsts)


class TestRepeats:
    def test_a_repeat_carries_the_issue_customer_and_next_attempt(
        self, runs: list[ReplicationResult]
    ) -> None:
        for run in runs:
            issues: dict[str, list[ContactRecord]] = defaultdict(list)
            for c in run.contacts:
                issues[c.issue_id].append(c)
            repeated = 0
            for issue_id, contacts in issues.items():
                contacts.sort(key=lambda c: c.attempt)
                assert [c.attempt for c in contacts] == list(range(1, len(contacts) + 1)), issue_id
                assert len({c.customer_id for c in contacts}) == 1
                assert all(a.arrived_at < b.arrived_at for a, b in itertools.pairwise(contacts))
                repeated += len(contacts) > 1
            assert repeated > 20

    def test_only_unresolved_or_abandoned_contacts_come_back_after_the_delay(
        self, runs: list[ReplicationResult]
    ) -> None:
        delay = 300.0  # features.toml: repeat.delay = 300 for both live types
        for run in runs:
            by_attempt = {(c.issue_id, c.attempt): c for c in run.contacts}
            for (issue_id, attempt), c in by_attempt.items():
                nxt = by_attempt.get((issue_id, attempt + 1))
                if c.resolved is True or c.deflected:
                    assert nxt is None, f"{c.contact_id} was resolved but came back"
                if nxt is None:
                    continue
                assert c.resolved is False or c.abandoned
                ended_at = c.completed_at if c.completed_at is not None else c.abandoned_at
                assert ended_at is not None
                assert nxt.arrived_at == pytest.approx(ended_at + delay, abs=EPS)

    def test_unresolved_issues_come_back_with_the_repeat_probability(
        self, features: Scenario, default_runs: list[ReplicationResult]
    ) -> None:
        came_back = trials = 0
        for run in default_runs:
            keys = {(c.issue_id, c.attempt) for c in run.contacts}
            for c in run.contacts:
                ended_at = c.completed_at if c.resolved is False else c.abandoned_at
                if ended_at is None or ended_at + 300 >= _run_end(features):
                    continue
                trials += 1
                came_back += (c.issue_id, c.attempt + 1) in keys
        assert trials > 150
        assert _binomial_ok(came_back, trials, 0.5), (came_back, trials)

    def test_repeats_come_back_as_the_configured_contact_types(
        self, runs: list[ReplicationResult]
    ) -> None:
        seen = set()
        for run in runs:
            by_attempt = {(c.issue_id, c.attempt): c for c in run.contacts}
            for c in run.contacts:
                if c.attempt > 1:
                    previous = by_attempt[c.issue_id, c.attempt - 1]
                    seen.add((previous.contact_type, c.contact_type))
        assert seen == {
            ("support_voice", "support_voice"),
            ("support_voice", "support_chat"),
            ("support_chat", "support_chat"),
        }


class TestRelaxation:
    def test_juniors_answer_only_after_the_relaxation_delay(
        self, runs: list[ReplicationResult]
    ) -> None:
        waits = [c.wait for c in _contacts(runs) if c.agent_group == "juniors"]
        assert len(waits) > 50
        assert min(w for w in waits if w is not None) >= 60.0 - EPS

    def test_seniors_answer_voice_before_the_relaxation_delay(
        self, runs: list[ReplicationResult]
    ) -> None:
        waits = [
            c.wait
            for c in _contacts(runs)
            if c.agent_group == "seniors" and c.contact_type == "support_voice"
        ]
        assert sum(w is not None and w < 60.0 for w in waits) > 20

    def test_every_answer_meets_a_requirement_in_force_at_that_wait(
        self, features: Scenario, runs: list[ReplicationResult]
    ) -> None:
        for c in _contacts(runs):
            if c.agent_group is None or c.wait is None:
                continue
            ctype = features.contact_type(c.contact_type)
            group = features.agent_group(c.agent_group)
            in_force = [ctype.skills] + [s.skills for s in ctype.relax if c.wait >= s.after - EPS]
            assert c.channel in group.capacity
            assert any(group.meets(req) for req in in_force), (c.contact_id, c.agent_group, c.wait)


class TestBackOffice:
    def test_items_are_due_after_arrival_and_live_contacts_have_no_due_date(
        self, runs: list[ReplicationResult]
    ) -> None:
        for c in _contacts(runs):
            if c.contact_type == "claims":
                assert c.due_at == c.arrived_at + 7200 and c.sla_target is None
                assert c.is_back_office
            else:
                assert c.due_at is None and c.sla_target is not None

    def test_batches_drop_every_item_at_the_given_instants(
        self, runs: list[ReplicationResult]
    ) -> None:
        for run in runs:
            drops = Counter(c.arrived_at for c in run.contacts if c.contact_type == "claims")
            assert drops == {1800.0: 30, 7200.0: 30}


def _max_concurrency(
    contacts: Iterable[ContactRecord], end: float, units: dict[str, int]
) -> tuple[dict[str, int], int]:
    """Most tasks held at once per channel, and most capacity units at once."""
    events = []
    for c in contacts:
        assert c.answered_at is not None
        events.append((c.answered_at, 1, c.channel))
        events.append((c.completed_at if c.completed_at is not None else end, 0, c.channel))
    events.sort()  # at equal instants the end (0) frees capacity before a start (1)
    held: Counter[str] = Counter()
    most: Counter[str] = Counter()
    most_units = 0
    for _, start, channel in events:
        held[channel] += 1 if start else -1
        most[channel] = max(most[channel], held[channel])
        most_units = max(most_units, sum(units[ch] * n for ch, n in held.items()))
    return dict(most), most_units


class TestCapacity:
    def test_agents_never_exceed_per_channel_capacity_or_max_units(
        self, features: Scenario, runs: list[ReplicationResult]
    ) -> None:
        units = {name: ch.units for name, ch in features.channels.items()}
        peak: dict[str, Counter[str]] = defaultdict(Counter)
        for run in runs:
            by_agent: dict[str, list[ContactRecord]] = defaultdict(list)
            for c in run.contacts:
                if c.agent_id is not None:
                    by_agent[c.agent_id].append(c)
            for agent_id, contacts in by_agent.items():
                group = features.agent_group(contacts[0].agent_group or "")
                most, most_units = _max_concurrency(contacts, _run_end(features), units)
                for channel, n in most.items():
                    assert n <= group.capacity.get(channel, 0), (agent_id, channel, n)
                    peak[group.name][channel] = max(peak[group.name][channel], n)
                if group.max_units is not None:
                    assert most_units <= group.max_units, (agent_id, most_units)
        # The limits were reached, so the checks above had something to check.
        assert peak["chatters"]["chat"] == 3
        assert peak["seniors"] == {"voice": 1, "chat": 2}

    def test_busy_time_is_the_time_holding_work_while_on_shift_inside_the_window(
        self, features: Scenario, runs: list[ReplicationResult]
    ) -> None:
        for run in runs:
            start, end = run.window
            intervals: dict[str, list[tuple[float, float]]] = defaultdict(list)
            for c in run.contacts:
                if c.agent_id is not None and c.answered_at is not None:
                    done = c.completed_at if c.completed_at is not None else _run_end(features)
                    intervals[c.agent_id].append((c.answered_at, done))
            for agent in run.agents:
                group = features.agent_group(agent.group)
                shifts = [(s.start_at, s.end_at) for s in group.shifts] or [(start, end)]
                union = 0.0
                reach = -math.inf
                for a, b in sorted(intervals[agent.agent_id]):
                    a, b = max(a, reach), b
                    for shift_start, shift_end in shifts:
                        lo = max(a, start, shift_start)
                        hi = min(b, end, shift_end)
                        if hi > lo:
                            union += hi - lo
                    reach = max(reach, b)
                assert agent.busy_time == pytest.approx(union, abs=1e-6), agent.agent_id

    def test_agents_count_the_contacts_they_completed_in_the_window(
        self, runs: list[ReplicationResult]
    ) -> None:
        for run in runs:
            start, end = run.window
            done = Counter(
                c.agent_id
                for c in run.contacts
                if c.completed_at is not None and start <= c.completed_at < end
            )
            assert {a.agent_id: a.handled for a in run.agents} == {
                a.agent_id: done[a.agent_id] for a in run.agents
            }


class TestOccupancy:
    def test_occupancy_is_a_fraction_without_shifts(self) -> None:
        result = run_replication(load_scenario(SCENARIOS / "tiny.toml"), "default", 0)
        for agent in result.agents:
            assert 0.0 < agent.busy_time <= agent.staffed_time
        occupancy = replication_kpis(result).get("occupancy")
        assert occupancy is not None and 0.0 < occupancy <= 1.0

    def test_occupancy_is_a_fraction_for_every_agent_and_group(
        self, runs: list[ReplicationResult]
    ) -> None:
        for run in runs:
            for agent in run.agents:
                assert 0.0 <= agent.busy_time <= agent.staffed_time, agent
            by_group = replication_kpis(run).values["agent_group"]
            for group, kpis in by_group.items():
                occupancy = kpis["occupancy"]
                assert occupancy is not None and 0.0 <= occupancy <= 1.0, (group, occupancy)


class TestOutcomes:
    def test_every_arrival_is_recorded_exactly_once(
        self, features: Scenario, runs: list[ReplicationResult]
    ) -> None:
        horizon = features.simulation.horizon
        for run in runs:
            assert len({c.contact_id for c in run.contacts}) == len(run.contacts)
            for ctype in features.contact_types:
                rng = stream(features.simulation.seed, run.replication, f"arrivals/{ctype.name}")
                expected = list(features.arrivals(ctype).arrival_times(rng, 0.0, horizon))
                recorded = sorted(
                    c.arrived_at
                    for c in run.contacts
                    if c.contact_type == ctype.name and c.attempt == 1
                )
                assert recorded == expected
                assert len(expected) > 50

    def test_every_record_field_holds_what_its_name_says(
        self, features: Scenario, runs: list[ReplicationResult]
    ) -> None:
        # The model passes a record's 24 fields by position: a swap would show here.
        tiers = {t.name: t.value for t in features.customers.tiers}
        for run in runs:
            for c in run.contacts:
                ctype = features.contact_type(c.contact_type)
                channel = features.channels[c.channel]
                assert (c.replication, c.policy) == (run.replication, run.policy)
                assert c.contact_id[0] == "c" and c.issue_id[0] == "i"
                assert c.customer_id[0] == "k" and c.customer_value == tiers[c.tier]
                assert c.channel == ctype.channel and c.sla_target == ctype.sla_target
                due_at = None if ctype.due_after is None else c.arrived_at + ctype.due_after
                assert c.due_at == due_at
                assert c.cost == (0.0 if c.deflected else channel.cost_per_contact)
                assert type(c.is_new_customer) is bool and type(c.deflected) is bool
                assert c.resolved is None or type(c.resolved) is bool
                if c.agent_id is None:
                    assert c.agent_group is None and c.handle_time == c.wrap_up == 0.0
                else:
                    assert c.agent_id.rpartition("-")[0] == c.agent_group
                    assert c.handle_time > 0 and c.wrap_up == ctype.wrap_up.mean

    def test_every_offered_contact_ends_answered_abandoned_or_pending_once(
        self, features: Scenario, runs: list[ReplicationResult]
    ) -> None:
        horizon = features.simulation.horizon
        outcomes: Counter[str] = Counter()
        for c in _contacts(runs):
            if c.deflected:
                continue
            states = [c.answered, c.abandoned, not (c.answered or c.abandoned)]
            assert sum(states) == 1
            outcome = ("answered", "abandoned", "pending")[states.index(True)]
            outcomes[outcome] += 1
            if c.abandoned:
                assert c.agent_id is None and c.completed_at is None and c.resolved is None
            if c.answered and c.arrived_at < horizon:
                assert c.completed and c.resolved is not None
            if outcome == "pending":
                # only back office waits without patience; it waits for staff to return
                assert c.is_back_office
        assert min(outcomes.values()) > 10

    def test_a_mixed_day_keeps_every_record_consistent(self) -> None:
        # The bundled default scenario end to end: records validate on construction,
        # so building the result is itself a check; then the outcome totals add up.
        scenario = load_scenario(bundled_scenarios()["default"])
        centre = ContactCentre(scenario, "default", 0)
        result = centre.run()
        offered = [c for c in result.contacts if c.offered]
        answered = sum(c.answered for c in offered)
        abandoned = sum(c.abandoned for c in offered)
        pending = sum(not (c.answered or c.abandoned) for c in offered)
        assert answered + abandoned + pending == len(offered)
        assert answered > 0.8 * len(offered)
        assert {s.channel for s in result.samples} == set(scenario.channels)


class TestRecordBuilding:
    """The model builds records and customers without attrs' ``__init__`` (records as a
    mutable draft whose ``__class__`` becomes ``ContactRecord``, customers through their
    slot descriptors): the values must be the constructor's, still validated."""

    def test_every_record_equals_the_one_the_constructor_builds(
        self, runs: list[ReplicationResult]
    ) -> None:
        for run in runs:
            for c in run.contacts:
                assert type(c) is ContactRecord
                rebuilt = ContactRecord(**attrs.asdict(c))  # an unset slot would raise here
                assert rebuilt == c and hash(rebuilt) == hash(c)
                pairs = zip(attrs.astuple(rebuilt), attrs.astuple(c), strict=True)
                assert all(type(a) is type(b) for a, b in pairs)

    def test_every_customer_equals_the_one_the_constructor_builds(self, features: Scenario) -> None:
        centre = ContactCentre(features, "default", 0)
        centre.run()
        built = list(centre._customers._built.values())
        assert len(built) > 100
        for customer in built:
            rebuilt = Customer(**attrs.asdict(customer))  # an unset slot would raise here
            assert rebuilt == customer and hash(rebuilt) == hash(customer)
            pairs = zip(attrs.astuple(rebuilt), attrs.astuple(customer), strict=True)
            assert all(type(a) is type(b) for a, b in pairs)

    def test_a_tier_value_is_still_validated(self, features: Scenario) -> None:
        bad = attrs.evolve(features.customers.tiers[0], value=math.inf)
        customers = attrs.evolve(features.customers, tiers=(bad,))
        scenario = attrs.evolve(features, customers=customers)
        with pytest.raises(ValueError, match=f"tier {bad.name!r}.* value inf"):
            ContactCentre(scenario, "default", 0)

    def test_a_record_is_still_validated(self, features: Scenario) -> None:
        centre = ContactCentre(features, "default", 0)
        centre.run()
        contact = next(c for c in centre.contacts.values() if c.completed_at is not None)
        contact.completed_at = contact.arrived_at - 1.0
        with pytest.raises(ValueError, match=rf"contact '{contact.id}': completed_at"):
            contact_record(contact, centre.replication, centre.policy_name)


class TestRepeatsWhileClosed:
    """A repeat that would come back while nobody able to take it is on shift calls
    again at the next opening, or falls on another day (not simulated)."""

    @pytest.fixture
    def centre(self) -> ContactCentre:
        scenario = load_scenario(SCENARIOS / "features.toml")
        split = [{"start": 0, "end": 3600}, {"start": 7200, "end": 10800}]
        scenario = apply_override(scenario, "agent_groups.backoffice.shifts", split)
        return ContactCentre(scenario, "default", replication=0)

    def test_comes_back_at_once_while_a_group_is_on_shift(self, centre: ContactCentre) -> None:
        claims = centre.scenario.contact_type("claims")
        assert centre._next_opening(claims, 1000.0) == 1000.0

    def test_waits_for_the_next_shift_start_while_closed(self, centre: ContactCentre) -> None:
        claims = centre.scenario.contact_type("claims")
        assert centre._next_opening(claims, 5000.0) == 7200.0

    def test_falls_on_another_day_after_the_last_shift(self, centre: ContactCentre) -> None:
        claims = centre.scenario.contact_type("claims")
        assert centre._next_opening(claims, 11000.0) is None
