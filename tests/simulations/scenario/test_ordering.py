"""An agent group's ``ordering`` (routing profiles in scenarios): parsing, errors, the
policy it builds and its effect on a run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from routing import RoutingProfile
from simulations.centre.replication import build_policy, run_replication
from simulations.scenario import apply_override, load_scenario, parse_scenario
from tests.simulations.scenario.test_scenario import SOURCE, base, error_of

TINY = Path(__file__).parents[1] / "scenarios" / "tiny.toml"


def with_ordering(ordering: Any, group: int = 0) -> dict[str, Any]:
    spec = base()
    spec["agent_groups"][group]["ordering"] = ordering
    return spec


class TestParsing:
    def test_ranks_delays_and_skill_entries_become_a_routing_profile(self) -> None:
        spec = with_ordering(
            {"chat": 1, "voice": {"rank": 2, "delay": 30}, "voice/billing": {"delay": 5}}
        )
        scenario = parse_scenario(spec, SOURCE)
        team, juniors = scenario.agent_groups
        assert team.ordering == RoutingProfile(
            {"chat": 1, "voice": (2, 30.0), ("voice", "billing"): (0, 5.0)}
        )
        assert juniors.ordering is None

    def test_the_scenario_round_trips_through_its_spec(self) -> None:
        scenario = parse_scenario(with_ordering({"chat": {"rank": -1, "delay": 2.5}}), SOURCE)
        assert parse_scenario(scenario.to_spec(), SOURCE) == scenario
        changed = apply_override(scenario, "agent_groups.team.count", 3)
        assert changed.agent_groups[0].ordering == scenario.agent_groups[0].ordering

    @pytest.mark.parametrize(
        ("ordering", "message"),
        [
            ({"email": 1}, "agent_groups[0].ordering.email: channel 'email' is not declared"),
            ({"voice/": 1}, "ordering.voice/: must be a channel, or channel/skill with a skill"),
            ({"chat": 1.5}, "agent_groups[0].ordering.chat: must be a whole number, got 1.5"),
            ({"chat": "first"}, "ordering.chat: must be a number, got 'first'"),
            ({"chat": {"rnk": 1}}, "ordering.chat.rnk: unknown key; did you mean 'rank'?"),
            ({"chat": {"delay": -5}}, "ordering.chat.delay: must be >= 0, got -5"),
            (
                {"chat": {"delay": 0.0001}},
                "agent_groups[0].ordering: routing profile entry 'chat': delay 0.0001 is "
                "shorter than MIN_DURATION",
            ),
            ("chat", "agent_groups[0].ordering: must be a table"),
        ],
    )
    def test_a_bad_ordering_names_the_field(self, ordering: Any, message: str) -> None:
        assert message in error_of(with_ordering(ordering))

    def test_a_policy_cannot_declare_routing_profiles_itself(self) -> None:
        spec = base()
        spec["policies"] = {"p": {"routing_profiles": {"team": {"chat": 1}}}}
        assert "policies.p.routing_profiles: unknown key" in error_of(spec)


class TestRuns:
    def test_every_policy_gets_the_groups_orderings_as_routing_profiles(self) -> None:
        scenario = parse_scenario(with_ordering({"chat": 1}), SOURCE)
        for name in ("default", "fifo"):
            policy = build_policy(scenario, name)
            assert policy.routing_profiles == (("team", RoutingProfile({"chat": 1})),)
        assert build_policy(parse_scenario(base(), SOURCE), "default").routing_profiles == ()

    def test_a_delayed_channel_is_answered_only_after_the_delay(self) -> None:
        scenario = load_scenario(TINY)
        delayed = apply_override(scenario, "agent_groups.team.ordering", {"chat": {"delay": 30}})
        chats = [
            c
            for c in run_replication(delayed, "default", 0).contacts
            if c.channel == "chat" and c.answered_at is not None
        ]
        assert chats and all(c.arrived_at + 30 <= c.answered_at for c in chats)  # type: ignore[operator]
        before = [
            c
            for c in run_replication(scenario, "default", 0).contacts
            if c.channel == "chat" and c.answered_at is not None
        ]
        assert any(c.answered_at - c.arrived_at < 30 for c in before)  # type: ignore[operator]
