"""routing.agents: profiles, idle indexes and masks, the idle-agent choice, invariants."""

from __future__ import annotations

from typing import Any

import pytest

from routing import Agent, AgentState, Customer, Policy, Requirement, Task, UnknownAgentError
from routing._state import LiveAgent, LiveTask
from routing.agents import AgentPool
from routing.events import Event
from routing.offers import Offers
from routing.task_queue import TaskQueue
from routing.timers import Timers

POLICY = Policy(offer_timeout=None)


class Harness:
    """A pool, a queue and the offers, wired as the router wires them."""

    def __init__(self, policy: Policy = POLICY) -> None:
        self.policy = policy
        self.pool = AgentPool(policy)
        self.queue = TaskQueue(policy)
        self.offers = Offers(policy, Timers())
        self.seq = 0

    def add(
        self,
        agent_id: str,
        skills: dict[str, int],
        now: float = 0.0,
        capacity: dict[str, int] | None = None,
        max_units: int | None = None,
    ) -> LiveAgent:
        agent = Agent(agent_id, skills, capacity or {"voice": 1}, max_units)
        return self.pool.add(agent, now, list(self.queue.groups.values()))

    def task(self, task: Task, now: float = 10.0) -> LiveTask:
        """A new task located (not queued) at ``now``, as ``submit`` looks for an agent."""
        value = task.customer.value if task.customer is not None else 0.0
        self.seq += 1
        rec = LiveTask(task, self.seq, now, None, 300.0, 0.0, self.policy.is_high_value(value))
        created, _ = self.queue.locate(rec, now)
        if created is not None:
            self.pool.link_group(created)
        return rec

    def best(self, task: Task, now: float = 10.0) -> str | None:
        found = self.pool.best_for(self.task(task, now), now)
        return None if found is None else found[0].id

    def hold(self, task: Task, agent: LiveAgent) -> LiveTask:
        """Offer ``task`` to ``agent`` (it holds a slot and units) and reindex it."""
        rec = self.task(task)
        events: list[Event] = []
        self.offers.make(rec, agent, 0.0, 0.0, 10.0, events)
        self.pool.reindex(agent)
        return rec


def billing(task_id: str = "t1", level: int = 1, **fields: Any) -> Task:
    return Task(task_id, "voice", Requirement({"billing": level}), **fields)


class TestProfiles:
    def test_agents_with_the_same_skills_share_a_profile(self) -> None:
        h = Harness()
        ann, bob = h.add("ann", {"billing": 3}), h.add("bob", {"billing": 3})
        cat = h.add("cat", {"billing": 2})
        assert ann.profile is bob.profile is not cat.profile
        assert ann.profile.mask == ann.bit | bob.bit
        h.pool.check()

    def test_a_group_is_linked_to_the_profiles_that_may_take_it(self) -> None:
        h = Harness()
        senior, junior = h.add("senior", {"billing": 4}), h.add("junior", {"billing": 1})
        rec = h.task(billing(level=3))
        assert rec.group is not None
        assert rec.group.eligible == senior.bit
        assert rec.group in senior.profile.fits and rec.group not in junior.profile.fits
        h.pool.check()

    def test_a_removed_agent_s_slot_is_reused_and_its_bits_cleared(self) -> None:
        h = Harness()
        h.add("ann", {"billing": 1})
        bob = h.add("bob", {"billing": 1})
        group = h.task(billing()).group
        assert group is not None
        h.pool.remove(bob)
        assert group.eligible & bob.bit == 0
        assert h.add("cat", {"billing": 1}).slot == bob.slot
        h.pool.check()


class TestIdleAgentChoice:
    def test_routine_work_goes_to_the_least_over_qualified_agent(self) -> None:
        h = Harness()
        h.add("expert", {"billing": 5, "tech": 4})
        h.add("fit", {"billing": 2})
        assert h.best(billing(level=2)) == "fit"

    def test_high_value_work_goes_to_the_most_proficient_agent(self) -> None:
        h = Harness()
        h.add("expert", {"billing": 5, "tech": 4})
        h.add("fit", {"billing": 2})
        assert h.best(billing(level=2, customer=Customer("vip", value=9.0))) == "expert"

    def test_among_equal_fits_the_longest_idle_agent_wins(self) -> None:
        h = Harness()
        h.add("recent", {"billing": 2}, now=5.0)
        h.add("longest", {"billing": 2}, now=1.0)
        h.add("tied", {"billing": 2}, now=1.0)  # idle as long, added later
        assert h.best(billing()) == "longest"

    def test_an_agent_away_or_without_a_free_slot_is_not_idle(self) -> None:
        h = Harness()
        ann = h.add("ann", {"billing": 2})
        ann.state = AgentState.AWAY
        h.pool.reindex(ann)
        assert h.best(billing()) is None and h.pool.idle_mask["voice"] == 0
        ann.state = AgentState.AVAILABLE
        h.pool.reindex(ann)
        h.hold(billing("busy"), ann)  # voice capacity 1, now used
        assert h.best(billing()) is None
        h.pool.check()

    def test_a_unit_capped_agent_without_enough_free_units_is_skipped(self) -> None:
        h = Harness()
        blended = h.add("blended", {"billing": 2}, capacity={"voice": 1, "chat": 3}, max_units=3)
        h.add("spare", {"billing": 2}, now=5.0)
        h.hold(Task("chat1", "chat", Requirement({"billing": 1})), blended)
        assert blended.free_units() == 2 and h.pool.free_units_mask[2] == blended.bit
        assert h.best(billing(units=3)) == "spare"  # blended is idle longer, but short
        h.pool.check()

    def test_an_agent_that_declined_the_task_is_skipped(self) -> None:
        h = Harness()
        h.add("ann", {"billing": 2}, now=0.0)
        h.add("bob", {"billing": 2}, now=5.0)
        rec = h.task(billing())
        rec.declined_by = {"ann"}
        found = h.pool.best_for(rec, 0.0)
        assert found is not None and found[0].id == "bob"

    def test_in_its_preferred_window_a_task_looks_only_at_its_preferred_agents(self) -> None:
        h = Harness()
        h.add("ann", {"billing": 2}, now=0.0)
        h.add("bob", {"billing": 2}, now=5.0)
        rec = LiveTask(billing(), 1, 10.0, None, 300.0, 0.0, False)
        rec.preferred, rec.preferred_until = {"bob"}, 40.0
        h.queue.locate(rec, 10.0)
        assert rec.group is None
        found = h.pool.best_for(rec, 10.0)
        assert found is not None and found[0].id == "bob" and found[2] == POLICY.w_context


class TestViewsAndInvariants:
    def test_get_names_an_unknown_agent(self) -> None:
        with pytest.raises(UnknownAgentError, match=r"^agent 'zed' is not in the pool$"):
            AgentPool(POLICY).get("zed")

    def test_by_state_lists_every_state_sorted(self) -> None:
        h = Harness()
        for agent_id in ("cat", "ann", "bob"):
            h.add(agent_id, {"billing": 1})
        h.pool.get("bob").state = AgentState.AWAY
        assert h.pool.by_state() == {
            AgentState.AVAILABLE: ["ann", "cat"],
            AgentState.AWAY: ["bob"],
            AgentState.OFFLINE: [],
            AgentState.NOT_RESPONDING: [],
        }

    def test_check_holds_through_adds_holds_releases_and_removals(self) -> None:
        h = Harness()
        agents = [
            h.add(f"a{i}", {"billing": 1 + i % 5, "tech": 1 + i % 2}, now=float(i))
            for i in range(12)
        ]
        held = [h.hold(billing(f"t{i}", level=1), agent) for i, agent in enumerate(agents[:6])]
        h.pool.check()
        for rec, agent in zip(held, agents, strict=False):
            agent.release(rec)
            h.pool.set_idle_since(agent, 20.0)
            h.pool.reindex(agent)
            h.pool.check()
        for agent in agents[::3]:
            h.pool.remove(agent)
            h.pool.check()
        assert len(h.pool.agents) == 8

    def test_check_catches_a_load_that_disagrees_with_the_work(self) -> None:
        h = Harness()
        ann = h.add("ann", {"billing": 1}, capacity={"chat": 3})
        ann.load["chat"] = 1
        with pytest.raises(AssertionError):
            h.pool.check()


class TestReleasingProfilesAndGroups:
    def test_a_profile_stays_after_its_last_agent_leaves_until_a_release(self) -> None:
        h = Harness()
        ann = h.add("ann", {"billing": 2})
        h.add("bob", {"billing": 3})
        group = h.task(billing()).group
        assert group is not None
        h.pool.remove(ann)
        assert ann.profile.mask == 0 and ann.profile in group.profiles[0][0]  # kept
        h.pool.check()
        h.pool.check_links(h.queue.groups.values())
        assert h.pool.release_vacant() == [ann.profile]
        assert list(h.pool.profiles) == [(("billing", 3),)]
        assert [entry[2].skills for entry in group.profiles[0]] == [(("billing", 3),)]
        assert group.fit_masks is None  # rebuilt when next needed
        h.pool.check()
        h.pool.check_links(h.queue.groups.values())

    def test_a_returning_agent_gets_a_fresh_profile_with_a_new_seq(self) -> None:
        h = Harness()
        ann = h.add("ann", {"billing": 2})
        h.task(billing())
        h.pool.remove(ann)
        h.pool.release_vacant()
        again = h.add("ann", {"billing": 2})
        assert again.profile is not ann.profile and again.profile.seq > ann.profile.seq
        assert h.best(billing("t2")) == "ann"
        h.pool.check()
        h.pool.check_links(h.queue.groups.values())

    def test_a_new_profile_past_the_limit_releases_the_vacant_ones(self) -> None:
        h = Harness()
        h.pool.profile_limit = 3
        gone = [h.add(f"a{i}", {"billing": 1 + i}) for i in range(3)]
        for rec in gone[:2]:
            h.pool.remove(rec)
        newcomer = h.add("new", {"tech": 1})  # the fourth profile
        assert {profile.skills for profile in h.pool.profiles.values()} == {
            (("billing", 3),),
            (("tech", 1),),
        }
        assert newcomer.profile.seq == 4 and h.pool.profile_limit == 64
        h.pool.check()

    def test_unlinked_groups_leave_every_profile(self) -> None:
        h = Harness()
        ann = h.add("ann", {"billing": 3, "tech": 2})
        bob = h.add("bob", {"billing": 1}, capacity={"voice": 1, "chat": 1})
        billing_group = h.task(billing()).group
        tech_group = h.task(Task("t2", "voice", Requirement({"tech": 1}))).group
        chat_group = h.task(Task("t3", "chat", Requirement({"billing": 1}))).group
        assert billing_group is not None and tech_group is not None and chat_group is not None
        h.queue.groups = {tech_group.key: tech_group}  # as ``TaskQueue.release_idle`` does
        h.pool.unlink_groups([billing_group, chat_group])
        assert list(ann.profile.fits) == [tech_group] and bob.profile.fits == {}
        assert [entry[0] for entry in ann.profile.groups["voice"]] == [tech_group.buckets]
        assert bob.profile.groups == {}
        h.pool.check()
        h.pool.check_links(h.queue.groups.values())

    def test_check_links_catches_a_released_profile_left_in_a_group(self) -> None:
        h = Harness()
        ann = h.add("ann", {"billing": 2})
        h.task(billing())
        h.pool.remove(ann)
        del h.pool.profiles[ann.profile.skills]  # dropped without unlinking
        with pytest.raises(AssertionError, match="not the eligible ones"):
            h.pool.check_links(h.queue.groups.values())
