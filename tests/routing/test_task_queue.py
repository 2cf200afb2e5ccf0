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
        assert [rec.task.id for rec in map(h.queue.oldest, [None, "voice"]) if rec] == [
            "mail",
            "early",
        ]
        assert h.queue.oldest("chat") is None

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


def requirement_of(level: int, skill: str = "billing") -> Task:
    return Task(f"{skill}{level}", "voice", Requirement({skill: level}))


class TestReleasingUnusedGroups:
    def test_a_new_group_is_not_reused_and_a_group_found_again_is(self) -> None:
        h = Harness()
        first = h.record(voice("t1"), arrived_at=0.0)
        created, _ = h.queue.locate(first, 0.0)
        assert created is first.group and created is not None and not created.reused
        again = h.record(voice("t2"), arrived_at=0.0)
        assert h.queue.locate(again, 0.0)[0] is None and created.reused

    def test_only_groups_without_tasks_and_unused_since_the_last_release_go(self) -> None:
        h = Harness()
        waiting = h.queue_task(voice("waiting"), arrived_at=0.0)  # holds a task
        used = h.record(Task("used", "voice", Requirement({"tech": 1})), arrived_at=0.0)
        h.place(used, 0.0)
        h.queue.remove(used)  # empty now, but located again below: reused
        h.queue.locate(h.record(Task("again", "voice", Requirement({"tech": 1})), 0.0), 0.0)
        unused = h.record(Task("once", "voice", Requirement({"sales": 1})), arrived_at=0.0)
        h.queue.locate(unused, 0.0)  # created, never queued, never seen again
        keep = h.record(Task("new", "voice", Requirement({"fraud": 1})), arrived_at=0.0)
        h.queue.locate(keep, 0.0)
        assert keep.group is not None and unused.group is not None
        dropped = h.queue.release_idle(keep=keep.group)
        assert dropped == [unused.group]
        assert set(h.queue.groups) == {
            ("voice", (("billing", 1),), 1),
            ("voice", (("tech", 1),), 1),
            ("voice", (("fraud", 1),), 1),
        }
        assert not any(group.reused for group in h.queue.groups.values())
        assert waiting.group is h.queue.groups[("voice", (("billing", 1),), 1)]
        assert h.queue.group_limit == 64  # max(GROUP_MIN, 2 x 3 kept)

    def test_a_group_unused_for_a_whole_round_goes_at_the_next_release(self) -> None:
        h = Harness()
        rec = h.record(voice("t1"), arrived_at=0.0)
        h.queue.locate(rec, 0.0)
        h.queue.locate(h.record(voice("t2"), arrived_at=0.0), 0.0)  # reused: survives one
        other = h.record(Task("x", "voice", Requirement({"tech": 1})), arrived_at=0.0)
        h.queue.locate(other, 0.0)
        assert other.group is not None
        assert h.queue.release_idle(keep=other.group) == []
        assert h.queue.release_idle(keep=other.group) == [rec.group]

    def test_the_limit_doubles_the_groups_kept(self) -> None:
        h = Harness()
        records = [h.record(requirement_of(1, f"s{i}"), arrived_at=0.0) for i in range(100)]
        for rec in records:
            h.place(rec, 0.0)  # 100 groups with a waiting task each
        assert h.queue.release_idle(keep=records[0].group) == []  # type: ignore[arg-type]
        assert h.queue.group_limit == 200
        h.queue.check()

    def test_check_catches_more_groups_than_the_limit(self) -> None:
        h = Harness()
        h.queue_task(voice("t1"), arrived_at=0.0)
        h.queue.group_limit = 0
        with pytest.raises(AssertionError):
            h.queue.check()
