"""Tests for simulations.kpi.metrics: hand-built records with known KPIs and their CIs."""

from __future__ import annotations

import importlib
import itertools
import math
from typing import Any

import attrs
import pytest

from simulations.kpi.metrics import ALL, KPIS, OVERALL, answered_in_time, replication_kpis
from simulations.kpi.stats import Estimate
from simulations.kpi.summary import compare, difference_verdict, summarise, summarise_by_policy
from simulations.records import AgentRecord, ContactRecord, QueueSample, ReplicationResult
from simulations.scenario import ChurnModel

_ids = itertools.count()


def contact(
    arrived_at: float,
    *,
    wait: float | None = None,
    abandon: float | None = None,
    handle: float = 100.0,
    complete: bool = True,
    **fields: Any,
) -> ContactRecord:
    """A live voice contact; ``wait`` answers it, ``abandon`` abandons it after so long."""
    n = next(_ids)
    answered_at = None if wait is None else arrived_at + wait
    values: dict[str, Any] = {
        "replication": 0,
        "policy": "p",
        "contact_id": f"c{n}",
        "issue_id": f"i{n}",
        "customer_id": f"u{n}",
        "contact_type": "billing",
        "channel": "voice",
        "tier": "standard",
        "customer_value": 1.0,
        "is_new_customer": False,
        "attempt": 1,
        "arrived_at": arrived_at,
        "answered_at": answered_at,
        "abandoned_at": None if abandon is None else arrived_at + abandon,
        "deflected": False,
        "completed_at": (answered_at + handle if answered_at is not None and complete else None),
        "handle_time": handle if answered_at is not None else 0.0,
        "wrap_up": 0.0,
        "agent_id": None if answered_at is None else "a1",
        "agent_group": None if answered_at is None else "general",
        "resolved": True if answered_at is not None and complete else None,
        "sla_target": 20.0,
        "due_at": None,
        "cost": 0.0,
    }
    values.update(fields)
    return ContactRecord(**values)


def agent(
    group: str = "general", staffed: float = 1000.0, busy: float = 500.0, **kw: Any
) -> AgentRecord:
    values: dict[str, Any] = {
        "replication": 0,
        "policy": "p",
        "agent_id": f"a{next(_ids)}",
        "group": group,
        "staffed_time": staffed,
        "busy_time": busy,
        "handled": 0,
        "cost": 0.0,
    }
    values.update(kw)
    return AgentRecord(**values)


def result(
    contacts: list[ContactRecord],
    agents: list[AgentRecord] | None = None,
    *,
    window: tuple[float, float] = (0.0, 10_000.0),
    replication: int = 0,
    policy: str = "p",
) -> ReplicationResult:
    contacts = [attrs.evolve(c, replication=replication, policy=policy) for c in contacts]
    return ReplicationResult(
        replication=replication,
        policy=policy,
        contacts=tuple(contacts),
        agents=tuple(agents or ()),
        samples=(),
        window=window,
    )


def overall(contacts: list[ContactRecord], **kw: Any) -> dict[str, float | None]:
    agents = kw.pop("agents", None)
    window = kw.pop("window", (0.0, 10_000.0))
    return replication_kpis(result(contacts, agents, window=window), **kw).values[OVERALL][ALL]


class TestRecords:
    def test_answered_and_abandoned_is_rejected(self) -> None:
        with pytest.raises(ValueError, match="both answered_at and abandoned_at"):
            contact(0.0, wait=5.0, abandon=3.0)

    def test_deflected_contact_cannot_be_answered(self) -> None:
        with pytest.raises(ValueError, match="deflected"):
            contact(0.0, wait=5.0, deflected=True)

    def test_instant_before_arrival_is_rejected(self) -> None:
        with pytest.raises(ValueError, match="before arrived_at"):
            contact(10.0, wait=-1.0)

    def test_wait_is_time_to_answer_or_abandon(self) -> None:
        assert contact(10.0, wait=7.0).wait == 7.0
        assert contact(10.0, abandon=4.0).wait == 4.0
        assert contact(10.0).wait is None

    def test_records_are_flat_rows(self) -> None:
        row = attrs.asdict(contact(10.0, wait=7.0))
        assert all(not isinstance(v, dict | list | tuple) for v in row.values())

    def test_window_must_be_ordered(self) -> None:
        with pytest.raises(ValueError, match="window"):
            result([], window=(10.0, 5.0))


class TestQueueKpis:
    """Seven contacts, T = 20 s, with every outcome once."""

    @pytest.fixture
    def kpis(self) -> dict[str, float | None]:
        return overall(
            [
                contact(100.0, wait=0.0, handle=100.0, wrap_up=20.0),  # within T
                contact(110.0, wait=10.0, handle=200.0),  # within T
                contact(120.0, wait=30.0, handle=60.0, wrap_up=20.0, customer_value=4.0),  # late
                contact(130.0, abandon=5.0),  # abandoned within T: left out of SL
                contact(140.0, abandon=40.0, customer_value=2.0),  # abandoned after T
                contact(150.0),  # still waiting at the end: a miss
                contact(160.0, deflected=True),  # self-service
            ]
        )

    def test_service_level_excludes_abandoned_within_target_and_counts_waiting_as_missed(
        self, kpis: dict[str, Any]
    ) -> None:
        # within T: 2; late, abandoned after T and still waiting: 3 misses
        assert kpis["service_level"] == pytest.approx(2 / 5)

    def test_service_level_over_offered(self, kpis: dict[str, Any]) -> None:
        assert kpis["service_level_offered"] == pytest.approx(2 / 6)

    def test_value_weighted_service_level(self, kpis: dict[str, Any]) -> None:
        assert kpis["value_weighted_service_level"] == pytest.approx(2 / 9)

    def test_asa_and_wait_probability_over_answered(self, kpis: dict[str, Any]) -> None:
        assert kpis["asa"] == pytest.approx(40 / 3)
        assert kpis["wait_probability"] == pytest.approx(2 / 3)

    def test_abandonment_and_deflection_rates(self, kpis: dict[str, Any]) -> None:
        assert kpis["abandonment_rate"] == pytest.approx(2 / 6)
        assert kpis["deflection_rate"] == pytest.approx(1 / 7)
        assert (kpis["arrivals"], kpis["offered"], kpis["answered"]) == (7, 6, 3)

    def test_aht_includes_wrap_up(self, kpis: dict[str, Any]) -> None:
        assert kpis["aht"] == pytest.approx((120 + 200 + 80) / 3)
        assert kpis["handled"] == 3

    def test_empty_population_is_undefined_not_zero(self) -> None:
        kpis = overall([contact(0.0, deflected=True)])
        assert kpis["service_level"] is None
        assert kpis["asa"] is None
        assert kpis["offered"] == 0


class TestAnsweredInTime:
    """The one service-level rule, shared with the staffing targets."""

    @pytest.mark.parametrize(
        ("record", "outcome"),
        [
            (contact(0.0, wait=20.0), True),  # within T = 20 s, boundary included
            (contact(0.0, wait=21.0), False),
            (contact(0.0, abandon=40.0), False),  # abandoned after T
            (contact(0.0, abandon=5.0), None),  # abandoned within T: not counted
            (contact(0.0), False),  # still waiting when the run ended
            (contact(0.0, deflected=True), None),
            (contact(0.0, wait=5.0, sla_target=None), None),  # no T
        ],
    )
    def test_outcome_against_the_contacts_own_target(
        self, record: ContactRecord, outcome: bool | None
    ) -> None:
        assert answered_in_time(record) is outcome

    def test_still_waiting_at_the_end_counts_only_once_it_has_waited_past_t(self) -> None:
        email = contact(72_000.0, sla_target=28_800.0)  # 20:00, an 8 h target
        assert answered_in_time(email, ended_at=86_400.0 + 14_400.0) is None  # 8 h at 04:00
        assert answered_in_time(email, ended_at=72_000.0 + 28_801.0) is False
        assert answered_in_time(email) is False  # run end unknown: late for any T

    def test_the_run_end_reaches_the_kpis(self) -> None:
        waiting = contact(0.0, sla_target=28_800.0)
        answered = contact(0.0, wait=10.0, sla_target=28_800.0)
        early = result([waiting, answered], window=(0.0, 3600.0))
        ended = attrs.evolve(early, ended_at=3600.0)
        for run, level in ((early, 0.5), (ended, 1.0)):
            kpis = replication_kpis(run).values[OVERALL][ALL]
            assert kpis["service_level"] == pytest.approx(level)

    def test_a_threshold_replaces_the_contacts_target(self) -> None:
        assert answered_in_time(contact(0.0, wait=25.0), threshold=30.0) is True
        assert answered_in_time(contact(0.0, wait=5.0, sla_target=None), threshold=3.0) is False


class TestWarmUp:
    def test_only_arrivals_inside_the_half_open_window_count(self) -> None:
        kpis = overall(
            [
                contact(500.0, wait=400.0),  # warm-up, answered inside the window
                contact(1000.0, wait=10.0),  # first instant of the window: in
                contact(1500.0, wait=20.0),
                contact(2000.0, wait=900.0),  # window end: out
            ],
            window=(1000.0, 2000.0),
        )
        assert kpis["offered"] == 2
        assert kpis["asa"] == pytest.approx(15.0)
        assert kpis["service_level"] == 1.0


class TestFirstContactResolution:
    @pytest.fixture
    def contacts(self) -> list[ContactRecord]:
        return [
            # i1: resolved at the first contact (gold, new customer)
            contact(100.0, wait=5.0, issue_id="i1", tier="gold", is_new_customer=True),
            # i2: unresolved first contact, resolved by a repeat on chat
            contact(200.0, wait=5.0, issue_id="i2", resolved=False, tier="silver"),
            contact(900.0, wait=5.0, issue_id="i2", attempt=2, channel="chat", tier="silver"),
            # i3: first contact abandoned: a failure
            contact(300.0, abandon=50.0, issue_id="i3", tier="silver"),
            # i4: first contact deflected: not an agent issue
            contact(400.0, issue_id="i4", deflected=True, tier="gold"),
            # i5: first contact still waiting: outcome unknown
            contact(500.0, issue_id="i5", tier="gold"),
            # i6: first contact during warm-up, the repeat inside the window
            contact(10.0, wait=5.0, issue_id="i6", resolved=False),
            contact(600.0, wait=5.0, issue_id="i6", attempt=2),
        ]

    def test_fcr_counts_issues_by_their_first_contact(self, contacts: list[ContactRecord]) -> None:
        kpis = overall(contacts, window=(50.0, 10_000.0))
        assert kpis["fcr"] == pytest.approx(1 / 3)

    def test_repeat_contact_rate(self, contacts: list[ContactRecord]) -> None:
        kpis = overall(contacts, window=(50.0, 10_000.0))
        assert kpis["repeat_contact_rate"] == pytest.approx(2 / 6)

    def test_breakdowns_classify_issues_by_first_contact(
        self, contacts: list[ContactRecord]
    ) -> None:
        values = replication_kpis(result(contacts, window=(50.0, 10_000.0))).values
        assert values["tier"]["gold"]["fcr"] == 1.0
        assert values["tier"]["silver"]["fcr"] == 0.0
        assert values["customer_status"]["new"]["fcr"] == 1.0
        assert values["customer_status"]["established"]["fcr"] == 0.0
        assert values["channel"]["voice"]["fcr"] == pytest.approx(1 / 3)
        assert values["channel"]["chat"]["fcr"] is None
        assert values["channel"]["chat"]["repeat_contact_rate"] == 1.0


class TestBackOffice:
    @staticmethod
    def item(arrived_at: float, due_at: float, done_at: float | None) -> ContactRecord:
        wait = None if done_at is None else 1.0
        handle = 0.0 if done_at is None else done_at - arrived_at - 1.0
        return contact(
            arrived_at,
            wait=wait,
            handle=handle,
            due_at=due_at,
            channel="backoffice",
            sla_target=None,
        )

    @pytest.fixture
    def kpis(self) -> dict[str, Any]:
        return overall(
            [
                self.item(100.0, 500.0, 400.0),  # on time
                self.item(100.0, 600.0, 700.0),  # late
                self.item(100.0, 800.0, None),  # late, still open, overdue
                self.item(200.0, 1500.0, 900.0),  # due after the window: not counted
                self.item(950.0, 2000.0, None),  # open, not yet due
                contact(300.0, wait=10.0),  # a live call
            ],
            window=(0.0, 1000.0),
        )

    def test_attainment_over_items_due_in_the_window(self, kpis: dict[str, Any]) -> None:
        assert kpis["backoffice_sla"] == pytest.approx(1 / 3)

    def test_backlog_is_what_is_open_at_the_end(self, kpis: dict[str, Any]) -> None:
        assert kpis["backlog"] == 2
        assert kpis["backlog_overdue"] == 1

    def test_back_office_waits_stay_out_of_queue_kpis(self, kpis: dict[str, Any]) -> None:
        assert kpis["asa"] == 10.0
        assert kpis["offered"] == 6
        assert kpis["abandonment_rate"] == 0.0


class TestCostAndOccupancy:
    @pytest.fixture
    def values(self) -> dict[str, Any]:
        contacts = [
            contact(10.0, wait=1.0, handle=100.0, cost=2.0),
            contact(20.0, wait=1.0, handle=100.0, cost=2.0),
            contact(30.0, wait=1.0, handle=200.0, cost=2.0, channel="chat", agent_group="chat"),
            contact(40.0, deflected=True, cost=0.5, channel="chat"),
            contact(50.0, abandon=30.0, cost=1.0),
        ]
        agents = [
            agent("general", staffed=1000.0, busy=800.0, cost=100.0),
            agent("general", staffed=1000.0, busy=600.0),
            agent("chat", staffed=2000.0, busy=500.0, cost=50.0),
        ]
        return replication_kpis(result(contacts, agents)).values

    def test_cost_per_contact_over_handled_and_deflected(self, values: dict[str, Any]) -> None:
        kpis = values[OVERALL][ALL]
        assert kpis["total_cost"] == pytest.approx(150.0 + 6.0 + 0.5 + 1.0)
        assert kpis["cost_per_contact"] == pytest.approx(157.5 / 4)

    def test_agent_cost_is_allocated_by_work_and_adds_up(self, values: dict[str, Any]) -> None:
        voice, chat = values["channel"]["voice"], values["channel"]["chat"]
        assert voice["total_cost"] == pytest.approx(75.0 + 5.0)
        assert chat["total_cost"] == pytest.approx(75.0 + 2.5)
        assert chat["cost_per_contact"] == pytest.approx(77.5 / 2)

    def test_occupancy_per_group_and_overall(self, values: dict[str, Any]) -> None:
        assert values[OVERALL][ALL]["occupancy"] == pytest.approx(1900 / 4000)
        assert values["agent_group"]["general"]["occupancy"] == pytest.approx(0.7)
        assert values["agent_group"]["chat"]["occupancy"] == pytest.approx(0.25)
        assert values["agent_group"]["chat"]["aht"] == 200.0
        assert values["agent_group"]["general"]["handled"] == 2


class TestChurn:
    MODEL = ChurnModel(
        base_annual=0.1,
        per_minute_over=0.01,
        wait_threshold=60.0,
        per_unresolved=0.05,
        new_customer_multiplier=2.0,
    )

    @pytest.fixture
    def values(self) -> dict[str, Any]:
        contacts = [
            contact(10.0, wait=180.0, customer_id="x", tier="gold"),  # 2 min over
            contact(20.0, abandon=60.0, customer_id="y", is_new_customer=True),  # unresolved
            contact(30.0, wait=30.0, customer_id="z"),  # fine
            # z's back-office item waits an hour: due dates, not waits, govern it
            contact(35.0, wait=3600.0, customer_id="z", due_at=9000.0, sla_target=None),
            # w: unresolved first, resolved by the repeat: no unresolved issue
            contact(40.0, wait=10.0, customer_id="w", issue_id="iw", resolved=False),
            contact(90.0, wait=10.0, customer_id="w", issue_id="iw", attempt=2),
        ]
        return replication_kpis(result(contacts), churn=self.MODEL).values

    def test_expected_increment_per_customer(self, values: dict[str, Any]) -> None:
        kpis = values[OVERALL][ALL]
        # x: +0.02; y: 2 * (0.1 + 0.05) - 2 * 0.1 = +0.10; z and w: 0
        assert kpis["customers"] == 4
        assert kpis["churn_increment_mean"] == pytest.approx(0.12 / 4)
        assert kpis["expected_churners"] == pytest.approx(0.12)
        assert kpis["customers_at_risk"] == 2
        assert kpis["churn_probability_mean"] == pytest.approx((0.12 + 0.3 + 0.1 + 0.1) / 4)

    def test_a_wait_within_the_promised_service_level_does_not_count(self) -> None:
        # An email promised within 8 h and answered in 1 h: nothing over. A call with a
        # 20 s target waiting 180 s: 2 minutes over the 60 s threshold.
        email = contact(10.0, wait=3600.0, customer_id="e", sla_target=28800.0)
        call = contact(20.0, wait=180.0, customer_id="c", sla_target=20.0)
        kpis = replication_kpis(result([email, call]), churn=self.MODEL).values[OVERALL][ALL]
        assert kpis["expected_churners"] == pytest.approx(0.02)
        assert kpis["customers_at_risk"] == 1

    def test_churn_breaks_down_by_customer_not_by_channel(self, values: dict[str, Any]) -> None:
        assert values["customer_status"]["new"]["churn_increment_mean"] == pytest.approx(0.1)
        assert values["tier"]["gold"]["expected_churners"] == pytest.approx(0.02)
        assert "churn_increment_mean" not in values["channel"]["voice"]

    def test_probability_is_capped_at_one(self) -> None:
        p = self.MODEL.probability(minutes_over=1000.0, unresolved=0, is_new=True)
        assert p == 1.0

    def test_field_names_match_the_scenario_table(self) -> None:
        assert [a.name for a in attrs.fields(ChurnModel)] == [
            "base_annual",
            "per_minute_over",
            "wait_threshold",
            "per_unresolved",
            "new_customer_multiplier",
        ]

    @pytest.mark.parametrize(("field", "value"), [("base_annual", 1.5), ("per_unresolved", -0.1)])
    def test_rejects_bad_parameters(self, field: str, value: float) -> None:
        with pytest.raises(ValueError, match=field):
            attrs.evolve(self.MODEL, **{field: value})


class TestIntervals:
    def test_keys_are_interval_starts_covering_the_window(self) -> None:
        contacts = [
            contact(500.0, wait=100.0),  # warm-up
            contact(1000.0, wait=5.0),
            contact(2000.0, wait=50.0),
        ]
        by_interval = replication_kpis(
            result(contacts, window=(900.0, 3600.0)), interval=1800.0
        ).values["interval"]
        assert list(by_interval) == ["0", "1800"]
        assert by_interval["0"]["service_level"] == 1.0
        assert by_interval["0"]["offered"] == 1
        assert by_interval["1800"]["service_level"] == 0.0

    def test_empty_interval_has_zero_counts_and_no_rates(self) -> None:
        by_interval = replication_kpis(
            result([contact(10.0, wait=1.0)], window=(0.0, 3600.0)), interval=900.0
        ).values["interval"]
        assert list(by_interval) == ["0", "900", "1800", "2700"]
        assert by_interval["2700"]["offered"] == 0
        assert by_interval["2700"]["service_level"] is None

    def test_interval_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match="interval"):
            replication_kpis(result([]), interval=0.0)


def sl_result(replication: int, within: int, late: int, policy: str = "p") -> ReplicationResult:
    """A replication whose service level is ``within / (within + late)``."""
    contacts = [contact(float(i), wait=5.0) for i in range(within)]
    contacts += [contact(float(100 + i), wait=50.0) for i in range(late)]
    return result(contacts, replication=replication, policy=policy)


class TestSummarise:
    def test_mean_and_interval_across_replications(self) -> None:
        summary = summarise([sl_result(0, 5, 5), sl_result(1, 6, 4), sl_result(2, 7, 3)])
        est = summary.get("service_level")
        assert est is not None
        assert est.mean == pytest.approx(0.6)
        assert est.n == 3
        assert est.half_width == pytest.approx(4.302653 * 0.1 / math.sqrt(3))
        assert summary.policy == "p"

    def test_one_replication_has_no_interval(self) -> None:
        est = summarise([sl_result(0, 3, 1)]).get("service_level")
        assert est is not None and est.half_width is None and est.n == 1

    def test_undefined_kpis_reduce_n_and_missing_counts_are_zero(self) -> None:
        chat = contact(5.0, wait=1.0, channel="chat")
        summary = summarise([result([chat], replication=0), sl_result(1, 2, 2)])
        # the chat channel exists only in replication 0: offered is 1 and 0
        offered = summary.get("offered", "channel", "chat")
        assert offered is not None and offered.mean == 0.5 and offered.n == 2
        sl = summary.get("service_level", "channel", "chat")
        assert sl is not None and sl.n == 1
        assert summary.get("fcr", "channel", "nonexistent") is None

    def test_breakdown_keys_in_display_order(self) -> None:
        summary = summarise([sl_result(0, 1, 1)], interval=600.0)
        keys = summary.keys("interval")
        assert keys == sorted(keys, key=float)
        assert next(iter(summary.estimates)) == OVERALL

    def test_mixed_policies_are_rejected(self) -> None:
        with pytest.raises(ValueError, match="mix policies"):
            summarise([sl_result(0, 1, 1, "a"), sl_result(1, 1, 1, "b")])

    def test_repeated_replication_is_rejected(self) -> None:
        with pytest.raises(ValueError, match="repeat"):
            summarise([sl_result(0, 1, 1), sl_result(0, 1, 1)])

    def test_by_policy_groups_results(self) -> None:
        summaries = summarise_by_policy(
            [sl_result(0, 1, 1, "a"), sl_result(0, 2, 0, "b"), sl_result(1, 1, 1, "a")]
        )
        assert list(summaries) == ["a", "b"]
        assert len(summaries["a"].replications) == 2

    def test_every_kpi_has_catalogue_metadata(self) -> None:
        summary = summarise([sl_result(0, 1, 1)], churn=TestChurn.MODEL)
        names = {
            kpi for by_key in summary.estimates.values() for kv in by_key.values() for kpi in kv
        }
        assert names <= set(KPIS)


class TestCompare:
    def test_paired_difference_detects_a_consistent_improvement(self) -> None:
        base = summarise(
            [sl_result(0, 5, 5, "a"), sl_result(1, 7, 3, "a"), sl_result(2, 3, 7, "a")]
        )
        cand = summarise(
            [sl_result(0, 6, 4, "b"), sl_result(1, 8, 2, "b"), sl_result(2, 4, 6, "b")]
        )
        diff = compare(base, cand).get("service_level")
        assert diff is not None
        assert diff.mean == pytest.approx(0.1)
        assert diff.half_width == pytest.approx(0.0, abs=1e-12)
        assert diff.significant
        # the unpaired intervals overlap widely: only pairing shows the difference
        a, b = base.get("service_level"), cand.get("service_level")
        assert a is not None and b is not None and a.ci_high is not None and b.ci_low is not None
        assert a.ci_high > b.ci_low

    def test_noise_is_not_significant(self) -> None:
        base = summarise(
            [sl_result(0, 5, 5, "a"), sl_result(1, 5, 5, "a"), sl_result(2, 5, 5, "a")]
        )
        cand = summarise(
            [sl_result(0, 6, 4, "b"), sl_result(1, 4, 6, "b"), sl_result(2, 5, 5, "b")]
        )
        diff = compare(base, cand).get("service_level")
        assert diff is not None and diff.mean == pytest.approx(0.0) and not diff.significant

    def test_replications_must_pair(self) -> None:
        base = summarise([sl_result(0, 5, 5, "a"), sl_result(1, 5, 5, "a")])
        cand = summarise([sl_result(0, 5, 5, "b"), sl_result(2, 5, 5, "b")])
        with pytest.raises(ValueError, match="cannot pair"):
            compare(base, cand)


class TestDifferenceVerdict:
    """The one significance rule every table and differences.csv reads by."""

    @pytest.mark.parametrize(
        ("kpi", "mean", "verdict"),
        [
            ("service_level", +0.02, "better"),
            ("service_level", -0.02, "worse"),
            ("asa", -12.0, "better"),
            ("asa", +12.0, "worse"),
            ("occupancy", +0.02, "changed"),  # no better side
            ("no_such_kpi", +1.0, "changed"),
        ],
    )
    def test_a_ci_excluding_zero_reads_by_the_kpis_direction(
        self, kpi: str, mean: float, verdict: str
    ) -> None:
        assert difference_verdict(Estimate(mean, abs(mean) / 2, 5), kpi) == verdict

    def test_a_ci_containing_zero_or_no_ci_is_the_same(self) -> None:
        assert difference_verdict(Estimate(0.02, 0.03, 5), "service_level") == "same"
        assert difference_verdict(Estimate(0.02, 0.02, 5), "service_level") == "same"
        assert difference_verdict(Estimate(0.02, None, 1), "service_level") == "same"
        assert difference_verdict(None, "service_level") == "same"


def test_sample_record_is_flat() -> None:
    sample = QueueSample(0, "p", 60.0, "voice", 3, 12.5, 1, 0, 2, 1, None, None, None)
    assert attrs.asdict(sample)["waiting"] == 3
    assert attrs.asdict(sample)["service_level"] is None


@pytest.mark.parametrize("module", ["simulations.records", "simulations.kpi.metrics"])
def test_public_names_exist_once(module: str) -> None:
    mod = importlib.import_module(module)
    assert len(set(mod.__all__)) == len(mod.__all__)
    assert all(hasattr(mod, name) for name in mod.__all__)
