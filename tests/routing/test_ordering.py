"""routing.ordering: routing profiles (ranks and delays per agent group) and how the
router applies them, with hand-computed expectations.

The default policy scores a task without an SLA target by ``w_sla * wait / 300`` (its
``default_sla_target``), so between two such tasks the one that waited longer scores
higher; every test below relies on that and says which task is older.
"""

from __future__ import annotations

from typing import Any

import pytest

from routing import (
    Agent,
    AgentState,
    InvalidDurationError,
    InvalidIdError,
    InvalidInputError,
    InvalidTypeError,
    Offered,
    Policy,
    Requirement,
    Router,
    RoutingProfile,
    Task,
    UnknownRoutingProfileError,
)
from routing.ordering import UNLISTED


def offered(events: list[Any]) -> list[tuple[str, str, float]]:
    """``(task, agent, made_at)`` of every offer among ``events``."""
    return [
        (e.offer.task_id, e.offer.agent_id, e.offer.made_at)
        for e in events
        if isinstance(e, Offered)
    ]


def router_with(profiles: dict[str, Any], **policy: Any) -> Router:
    return Router(Policy(routing_profiles=profiles, offer_timeout=None, **policy))


class TestRoutingProfileValues:
    def test_entries_are_normalised_and_sorted(self) -> None:
        profile = RoutingProfile({"email": (2, 60), "chat": 1, ("email", "vip"): (0, 0)})
        assert profile.entries == (
            ("chat", None, 1, 0.0),
            ("email", None, 2, 60.0),
            ("email", "vip", 0, 0.0),
        )
        assert RoutingProfile(profile.entries) == profile  # the stored form round-trips

    def test_the_entry_is_the_lowest_matching_skill_then_the_channel_then_unlisted(
        self,
    ) -> None:
        profile = RoutingProfile(
            {"email": (2, 60), ("email", "vip"): (1, 30), ("email", "fraud"): (1, 10)}
        )
        assert profile.entry("email", (("billing", 3),)) == (2, 60.0)
        assert profile.entry("email", (("vip", 1),)) == (1, 30.0)
        # both skill entries match: the lower (rank, delay) wins
        assert profile.entry("email", (("fraud", 2), ("vip", 1))) == (1, 10.0)
        assert profile.entry("voice", (("vip", 1),)) == UNLISTED == (0, 0.0)
        assert profile.delays == frozenset({60.0, 30.0, 10.0})

    @pytest.mark.parametrize(
        ("entries", "error", "text"),
        [
            ("chat", InvalidTypeError, "must map a channel or a (channel, skill) pair"),
            ({5: 1}, InvalidInputError, "entry 5 must be a channel or a (channel, skill)"),
            ({"": 1}, InvalidIdError, "routing profile channel '' must be a non-empty"),
            ({("chat", ""): 1}, InvalidIdError, "('chat', ''): skill '' must be a non-empty"),
            ({"chat": "1"}, InvalidInputError, "entry 'chat': rank '1' must be an integer"),
            ({"chat": True}, InvalidInputError, "entry 'chat': rank True must be an integer"),
            ({"chat": 1.5}, InvalidInputError, "rank 1.5 must be an integer"),
            ({"chat": (1, 2, 3)}, InvalidInputError, "(1, 2, 3) must be a rank or a (rank, delay)"),
            ({"chat": (1, -1)}, InvalidDurationError, "'chat': delay -1 must be finite"),
            ({"chat": (1, 1e-4)}, InvalidDurationError, "shorter than MIN_DURATION"),
            ({"chat": (1, "5")}, InvalidDurationError, "delay '5' is not a number"),
            (
                (("chat", None, 1, 0.0), ("chat", None, 2, 0.0)),
                InvalidInputError,
                "entry 'chat' appears twice",
            ),
        ],
    )
    def test_a_bad_entry_is_refused_naming_it(
        self, entries: Any, error: type[Exception], text: str
    ) -> None:
        with pytest.raises(error) as raised:
            RoutingProfile(entries)
        assert text in str(raised.value)

    def test_the_policy_names_its_profiles_and_refuses_bad_ones(self) -> None:
        policy = Policy(routing_profiles={"b": {"chat": 1}, "a": RoutingProfile({})})
        assert [name for name, _ in policy.routing_profiles] == ["a", "b"]
        assert policy.routing_profile("b") == RoutingProfile({"chat": 1})
        assert policy.routing_profile("c") is None
        with pytest.raises(InvalidInputError, match=r"routing_profiles\['b'\]: .*rank 'x'"):
            Policy(routing_profiles={"b": {"chat": "x"}})
        with pytest.raises(InvalidIdError, match="routing_profiles: name '' must be"):
            Policy(routing_profiles={"": {}})
        with pytest.raises(InvalidInputError, match="must map a name to a routing profile"):
            Policy(routing_profiles=["b"])

    def test_delays_for_are_the_distinct_positive_delays_of_every_profile(self) -> None:
        policy = Policy(
            routing_profiles={
                "p": {"email": (1, 60), "chat": 0},
                "q": {"email": (0, 20), ("email", "vip"): (0, 60)},
                "r": {},
            }
        )
        assert policy.delays_for("email", ()) == (20.0, 60.0)
        assert policy.delays_for("email", (("vip", 1),)) == (60.0,)
        assert policy.delays_for("chat", ()) == ()
        assert policy.delays_work and not Policy().delays_work

    def test_an_agent_names_its_profile_with_a_non_empty_string(self) -> None:
        assert Agent("ann", {}, {"chat": 1}).routing_profile is None
        assert Agent("ann", {}, {"chat": 1}, routing_profile="p").routing_profile == "p"
        for bad in ("", 5, ("p",)):
            with pytest.raises(InvalidIdError, match="agent 'ann': routing_profile"):
                Agent("ann", {}, {"chat": 1}, routing_profile=bad)  # type: ignore[arg-type]


class TestUnknownProfile:
    def test_an_agent_naming_a_profile_the_policy_lacks_is_refused_and_nothing_changes(
        self,
    ) -> None:
        router = router_with({"p": {"chat": 1}})
        router.submit(Task("t", "chat"), now=0.0)
        with pytest.raises(UnknownRoutingProfileError, match=r"'q' is not one of .*\['p'\]"):
            router.add_agent(Agent("ann", {}, {"chat": 1}, routing_profile="q"), now=5.0)
        with pytest.raises(KeyError):
            router.add_agent(Agent("ann", {}, {"chat": 1}, routing_profile="q"), now=5.0)
        assert router.now == 0.0 and router.agents_by_state()[AgentState.AVAILABLE] == []
        assert router.waiting_count() == 1
        router.check()


class TestRanks:
    """ann (chat and email, one unit at a time) ranks chat before email."""

    def ann(self, router: Router, now: float, profile: str | None = "chat-first") -> None:
        agent = Agent(
            "ann", {"billing": 2}, {"chat": 1, "email": 1}, max_units=1, routing_profile=profile
        )
        router.add_agent(agent, now=now)
        router.set_agent_state("ann", AgentState.AWAY, now=now)

    def test_an_agent_takes_its_best_rank_before_an_older_task_of_a_worse_one(self) -> None:
        router = router_with({"chat-first": {"chat": 0, "email": 1}})
        self.ann(router, 0.0)
        router.submit(Task("e1", "email"), now=0.0)  # older: the higher score
        router.submit(Task("c1", "chat"), now=10.0)
        events = router.set_agent_state("ann", AgentState.AVAILABLE, now=20.0)
        assert offered(events) == [("c1", "ann", 20.0)]
        [offer] = [e.offer for e in events if isinstance(e, Offered)]
        router.accept(offer.id, now=20.0)
        # no chat waits now: the older email is hers once she is free
        assert offered(router.complete("c1", now=30.0)) == [("e1", "ann", 30.0)]
        router.check()

    def test_without_the_profile_the_same_agent_takes_the_older_task(self) -> None:
        router = router_with({"chat-first": {"chat": 0, "email": 1}})
        self.ann(router, 0.0, profile=None)
        router.submit(Task("e1", "email"), now=0.0)
        router.submit(Task("c1", "chat"), now=10.0)
        events = router.set_agent_state("ann", AgentState.AVAILABLE, now=20.0)
        assert offered(events) == [("e1", "ann", 20.0)]

    def test_a_chat_she_is_not_eligible_for_does_not_hold_back_the_email(self) -> None:
        router = router_with({"chat-first": {"chat": 0, "email": 1}})
        self.ann(router, 0.0)
        router.submit(Task("e1", "email"), now=0.0)
        router.submit(Task("c1", "chat", Requirement({"fraud": 1})), now=10.0)
        events = router.set_agent_state("ann", AgentState.AVAILABLE, now=20.0)
        assert offered(events) == [("e1", "ann", 20.0)]

    def test_within_one_rank_the_score_decides(self) -> None:
        # Amazon Connect's "same priority, different delay": email waits 30 s, then
        # competes with chat on equal rank, and the older task (the email) wins
        router = router_with({"chat-first": {"chat": 1, "email": (1, 30)}})
        self.ann(router, 0.0)
        router.submit(Task("e1", "email"), now=0.0)
        router.submit(Task("c1", "chat"), now=35.0)
        events = router.set_agent_state("ann", AgentState.AVAILABLE, now=40.0)
        assert offered(events) == [("e1", "ann", 40.0)]

    def test_a_skill_entry_ranks_that_work_apart_from_its_channel(self) -> None:
        router = router_with({"chat-first": {"chat": 0, "email": 1, ("email", "vip"): -1}})
        self.ann(router, 0.0)
        router.submit(Task("c1", "chat"), now=0.0)  # older
        router.submit(Task("e1", "email", Requirement({"vip": 1})), now=10.0)
        router.add_agent(Agent("bob", {"vip": 1}, {"chat": 1}), now=10.0)  # takes c1
        router.submit(Task("c2", "chat"), now=11.0)
        router.submit(Task("e2", "email"), now=12.0)
        # ann lacks "vip": e1 is not hers; of c2 (rank 0) and e2 (rank 1), c2
        events = router.set_agent_state("ann", AgentState.AVAILABLE, now=20.0)
        assert offered(events) == [("c2", "ann", 20.0)]

    def test_a_task_looking_for_an_idle_agent_ignores_ranks(self) -> None:
        # ann ranks voice last, bob first; ann has been idle longer, so she gets it
        router = router_with({"last": {"voice": 9}, "first": {"voice": -9}})
        router.add_agent(Agent("ann", {}, {"voice": 1}, routing_profile="last"), now=0.0)
        router.add_agent(Agent("bob", {}, {"voice": 1}, routing_profile="first"), now=1.0)
        assert offered(router.submit(Task("v1", "voice"), now=2.0)) == [("v1", "ann", 2.0)]


class TestDelays:
    """ann takes email only once it has waited 60 s."""

    def router(self, **policy: Any) -> Router:
        router = router_with({"email-late": {"email": (0, 60)}}, **policy)
        router.add_agent(Agent("ann", {}, {"email": 1}, routing_profile="email-late"), now=0.0)
        return router

    def test_email_is_not_offered_before_its_delay_and_is_at_exactly_the_delay(self) -> None:
        router = self.router()
        assert offered(router.submit(Task("e1", "email"), now=0.0)) == []
        assert router.next_timer_at() == 60.0
        assert offered(router.advance(59.5)) == []
        assert offered(router.advance(60.0)) == [("e1", "ann", 60.0)]
        router.check()

    def test_a_late_call_offers_it_at_the_call_not_before(self) -> None:
        router = self.router()
        router.submit(Task("e1", "email"), now=0.0)
        assert offered(router.advance(75.0)) == [("e1", "ann", 75.0)]

    def test_the_delay_counts_from_arrival_not_from_submission(self) -> None:
        router = self.router()
        router.submit(Task("e1", "email", created_at=-45.0), now=0.0)
        assert router.next_timer_at() == 15.0
        assert offered(router.advance(15.0)) == [("e1", "ann", 15.0)]
        router2 = self.router()
        events = router2.submit(Task("e1", "email", created_at=-60.0), now=0.0)
        assert offered(events) == [("e1", "ann", 0.0)]  # waited 60 s already

    def test_an_agent_free_before_the_delay_waits_for_it_and_one_free_after_takes_it(
        self,
    ) -> None:
        router = self.router()
        router.set_agent_state("ann", AgentState.AWAY, now=0.0)
        router.submit(Task("e1", "email"), now=0.0)
        assert offered(router.set_agent_state("ann", AgentState.AVAILABLE, now=30.0)) == []
        assert offered(router.advance(60.0)) == [("e1", "ann", 60.0)]
        later = self.router()
        later.set_agent_state("ann", AgentState.AWAY, now=0.0)
        later.submit(Task("e1", "email"), now=0.0)
        assert offered(later.advance(60.0)) == []  # nobody available at the delay
        events = later.set_agent_state("ann", AgentState.AVAILABLE, now=70.0)
        assert offered(events) == [("e1", "ann", 70.0)]

    def test_an_agent_without_the_delay_takes_it_at_once(self) -> None:
        router = self.router()
        router.add_agent(Agent("bob", {}, {"email": 1}), now=5.0)  # idle for less long
        assert offered(router.submit(Task("e1", "email"), now=10.0)) == [("e1", "bob", 10.0)]

    def test_the_delay_instants_do_not_depend_on_who_is_in_the_pool(self) -> None:
        router = router_with({"email-late": {"email": (0, 60)}, "other": {"email": (0, 20)}})
        router.submit(Task("e1", "email"), now=0.0)
        # no agent at all: the task still has a breakpoint at each delay of the policy
        assert router.next_timer_at() == 20.0
        assert router.advance(20.0) == [] and router.next_timer_at() == 60.0
        router.add_agent(Agent("ann", {}, {"email": 1}, routing_profile="email-late"), 30.0)
        assert offered(router.advance(60.0)) == [("e1", "ann", 60.0)]

    def test_a_declined_task_keeps_its_arrival_so_its_delay_stays_passed(self) -> None:
        router = self.router(decline_cooldown=5.0)
        router.add_agent(Agent("bob", {}, {"email": 1}, routing_profile="email-late"), 0.0)
        router.submit(Task("e1", "email"), now=0.0)
        [offer] = [e.offer for e in router.advance(60.0) if isinstance(e, Offered)]
        assert offer.agent_id == "ann"
        # declined at 61: ann is excluded, bob (same delay, passed) gets it at once
        assert offered(router.decline(offer.id, now=61.0)) == [("e1", "bob", 61.0)]

    def test_a_delay_passing_on_a_breakpoint_of_another_kind_routes_the_task(self) -> None:
        # the SLA deadline (a breakpoint) and the delay fall at the same instant
        router = self.router()
        router.submit(Task("e1", "email", sla_target=60.0), now=0.0)
        assert offered(router.advance(60.0)) == [("e1", "ann", 60.0)]
