"""routing.task_queue: buckets ordered once, heads compared at any time, and invariants."""

from __future__ import annotations

from typing import Any

import pytest

from routing import Agent, Customer, Policy, RelaxStep, Requirement, Task
from routing._state import Group, LiveAgent, LiveTask
from routing.agents import AgentPool
from routing.model import TaskState
from routing.task_queue import TaskQueue

POLICY = Policy(offer_timeout=None)


class Harness:
    """A queue and a pool wired as the router wires them, without the router."""

    def __init__(self, policy: Policy = POLICY) -> None:
        self.policy = policy
        self.queue = TaskQueue(policy)
        self.pool = AgentPool(policy)
        self.seq = 0

    def record(self, task: Task, arrived_at: float) -> LiveTask:
        policy = self.policy
        value = task.customer.value if task.customer is not None else 0.0
        deadline, ramp = policy.deadline_and_ramp(arrived_at, task.sla_target, task.due_at)
        self.seq += 1
        base = policy.base_score(value, task.priority)
        return LiveTask(
            task, self.seq, arrived_at, deadline, ramp, base, policy.is_high_value(value)
        )

    def queue_task(self, task: Task, arrived_at: float, t: float | None = None) -> LiveTask:
        """Locate and insert a new task at ``t`` (default: its arrival)."""
        rec = self.record(task, arrived_at)
        self.place(rec, arrived_at if t is None else t)
        return rec

    def place(self, rec: LiveTask, t: float) -> float | None:
        created, next_at = self.queue.locate(rec, t)
        if created is not None:
            self.pool.link_group(created)
        self.queue.insert(rec)
        return next_at

    def agent(self, agent_id: str, skills: dict[str, int], **capacity: int) -> LiveAgent:
        agent = Agent(agent_id, skills, capacity or {"voice": 1})
        return self.pool.add(agent, 0.0, list(self.queue.groups.values()))

    def groups(self) -> list[Group]:
        return list(self.queue.groups.values())

    def best(
        self, agent: LiveAgent, t: float, free_units: int | None = None, reserve: int = 0
    ) -> str | None:
        channels = list(agent.capacity)
        found = self.queue.best_for(agent, t, channels, free_units, reserve)
        return None if found is None else found[0].task.id


def voice(task_id: str, **fields: Any) -> Task:
    return Task(task_id, "voice", Requirement({"billing": 1}), **fields)


class TestBuckets:
    def test_a_task_waits_in_the_bucket_of_its_group_value_class_and_slope(self) -> None:
        h = Harness()
        rec = h.queue_task(voice("t1", sla_target=20.0), arrived_at=0.0)
        group = h.queue.groups[("voice", (("billing", 1),), 1)]
        assert rec.group is group and rec.state is TaskState.QUEUED
        assert list(group.buckets) == [(False, rec.slope)]
        assert group.buckets[(False, rec.slope)].heap[0] is rec.entry
        assert (h.queue.size, h.queue.by_channel) == (1, {"voice": 1})
        h.queue.check()

    def test_locate_returns_the_next_breakpoint(self) -> None:
        h = Harness()
        rec = h.record(voice("t1", sla_target=20.0), arrived_at=0.0)
        assert h.place(rec, 0.0) == 20.0  # the deadline
        steps = Requirement({"billing": 3}, (RelaxStep(5, {"billing": 1}),))
        relaxing = h.record(Task("t2", "voice", steps, sla_target=20.0), arrived_at=0.0)
        assert h.place(relaxing, 0.0) == 5.0  # the relaxation step comes first

    def test_removing_the_last_task_drops_its_bucket_and_stales_its_timers(self) -> None:
        h = Harness()
        rec = h.queue_task(voice("t1"), arrived_at=0.0)
        group, version = rec.group, rec.version
        h.queue.remove(rec)
        assert group is not None and group.buckets == {}
        assert rec.entry is None and rec.group is None and rec.version == version + 1
        assert (h.queue.size, h.queue.waiting()) == (0, [])
        h.queue.check()


class TestBestFor:
    def test_urgency_reorders_tasks_without_touching_the_buckets(self) -> None:
        """A (20 s SLA, no priority) and B (priority 5, no SLA) share a group on two
        slopes: B leads at first, A's steeper urgency overtakes it before A's deadline."""
        h = Harness()
        h.queue_task(voice("A", sla_target=20.0), arrived_at=0.0)
        h.queue_task(voice("B", priority=5.0), arrived_at=0.0)
        ann = h.agent("ann", {"billing": 1})
        assert h.best(ann, 1.0) == "B"
        assert h.best(ann, 15.0) == "A"

    def test_equal_scores_go_to_the_earlier_task(self) -> None:
        h = Harness()
        for task_id in ("first", "second", "third"):
            h.queue_task(voice(task_id, sla_target=20.0), arrived_at=0.0)
        assert h.best(h.agent("ann", {"billing": 1}), 5.0) == "first"

    def test_an_agent_sees_only_groups_it_is_eligible_for(self) -> None:
        h = Harness()
        h.queue_task(Task("expert", "voice", Requirement({"billing": 4}), priority=9), 0.0)
        h.queue_task(voice("routine"), arrived_at=0.0)
        assert h.best(h.agent("novice", {"billing": 2}), 1.0) == "routine"
        assert h.best(h.agent("senior", {"billing": 5}), 1.0) == "expert"

    def test_a_task_needing_more_units_than_are_free_is_skipped(self) -> None:
        h = Harness()
        h.queue_task(voice("call", units=3, priority=9.0), arrived_at=0.0)
        h.queue_task(voice("small"), arrived_at=0.0)
        ann = h.agent("ann", {"billing": 1})
        assert h.best(ann, 1.0, free_units=2) == "small"
        assert h.best(ann, 1.0, free_units=3) == "call"

    def test_with_reservations_a_larger_task_competes_up_to_the_cap(self) -> None:
        h = Harness()
        call = h.record(voice("call", units=3, priority=9.0), arrived_at=0.0)
        h.place(call, 0.0)
        h.queue_task(voice("small"), arrived_at=0.0)
        ann = h.pool.add(Agent("ann", {"billing": 1}, {"voice": 2}, max_units=3), 0.0, h.groups())
        assert h.best(ann, 1.0, free_units=2, reserve=1) == "call"  # the caller reserves
        capped = h.pool.add(
            Agent("bob", {"billing": 1}, {"voice": 2}, max_units=2), 0.0, h.groups()
        )
        assert h.best(capped, 1.0, free_units=2, reserve=1) == "small"  # 3 > its cap
        call.reserved_by = [ann]  # held by as many agents as allowed: skipped
        h.queue.reserved = 1
        cat = h.pool.add(Agent("cat", {"billing": 1}, {"voice": 2}, max_units=3), 0.0, h.groups())
        assert h.best(cat, 1.0, free_units=2, reserve=1) == "small"
        assert h.best(cat, 1.0, free_units=2, reserve=2) == "call"
        assert h.best(cat, 1.0, free_units=3, reserve=1) == "call"  # it fits: taken

    def test_a_declined_task_is_skipped_by_that_agent_only(self) -> None:
        h = Harness()
        declined = h.record(voice("declined", priority=9.0), arrived_at=0.0)
        declined.declined_by = {"ann": 30.0}
        h.place(declined, 0.0)
        h.queue_task(voice("other"), arrived_at=0.0)
        assert h.queue.declined == {declined.seq: declined}
        assert h.best(h.agent("ann", {"billing": 1}), 1.0) == "other"
        assert h.best(h.agent("bob", {"billing": 1}), 1.0) == "declined"
        h.queue.check()

    def test_a_task_in_its_preferred_window_waits_for_its_preferred_agents(self) -> None:
        h = Harness()
        rec = h.record(voice("t1", customer=Customer("c1")), arrived_at=0.0)
        rec.preferred, rec.preferred_until = {"ann"}, 30.0
        assert h.place(rec, 0.0) == 30.0  # the window's end is its next breakpoint
        assert rec.group is None and h.queue.preferred == {"ann": {"t1": rec}}
        ann, bob = h.agent("ann", {"billing": 1}), h.agent("bob", {"billing": 1})
        found = h.queue.best_for(ann, 1.0, ["voice"], None)
        assert found is not None and found[0] is rec and found[2] == POLICY.w_context
        assert h.best(bob, 1.0) is None
        h.queue.check()


class TestViewsAndInvariants:
    def test_waiting_tasks_are_oldest_first_and_filtered(self) -> None:
        h = Harness()
        h.queue_task(voice("late"), arrived_at=5.0)
        h.queue_task(Task("mail", "email", Requirement({"tech": 1})), arrived_at=1.0)
        h.queue_task(voice("early"), arrived_at=2.0)
        ids = [t.id for t in h.queue.waiting_tasks(None, None)]
        assert ids == ["mail", "early", "late"]
        assert [t.id for t in h.queue.waiting_tasks("voice", None)] == ["early", "late"]
        assert [t.id for t in h.queue.waiting_tasks(None, "tech")] == ["mail"]
        assert h.queue.oldest_arrival(None) == 1.0
        assert h.queue.oldest_arrival("voice") == 2.0
        assert h.queue.oldest_arrival("chat") is None

    def test_check_holds_through_inserts_moves_and_removals(self) -> None:
        h = Harness()
        records = [
            h.queue_task(voice(f"t{i}", sla_target=10.0 + i, priority=i % 3), arrived_at=i)
            for i in range(40)
        ]
        h.queue.check()
        for i, rec in enumerate(records):
            h.queue.remove(rec)
            if i % 2:  # a breakpoint: re-placed on its next segment
                h.place(rec, 40.0)
            h.queue.check()
        assert h.queue.size == 20

    def test_check_catches_a_wrong_count(self) -> None:
        h = Harness()
        h.queue_task(voice("t1"), arrived_at=0.0)
        h.queue.size += 1
        with pytest.raises(AssertionError):
            h.queue.check()
