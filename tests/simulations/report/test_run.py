"""Tests for simulations.report.run: every writer produces files that parse back."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from simulations.kpi.summary import Comparison, Summary, compare, summarise
from simulations.records import AgentRecord, ContactRecord, QueueSample, ReplicationResult
from simulations.report.console import to_rich
from simulations.report.run import (
    kpi_table,
    plot_kpi_bars,
    plot_queue_length,
    plot_service_level,
    render_table,
    run_document,
    write_csv,
    write_json,
    write_plots,
    write_raw_csv,
    write_report,
)
from simulations.scenario import ChurnModel

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHURN = ChurnModel(
    base_annual=0.12,
    per_minute_over=0.01,
    wait_threshold=60.0,
    per_unresolved=0.05,
    new_customer_multiplier=2.0,
)


def make_contact(
    policy: str, rep: int, n: int, arrived_at: float, wait: float, **kw: Any
) -> ContactRecord:
    values: dict[str, Any] = {
        "replication": rep,
        "policy": policy,
        "contact_id": f"c{n}",
        "issue_id": f"i{n}",
        "customer_id": f"u{n % 7}",
        "contact_type": "billing" if n % 2 else "tech",
        "channel": "voice" if n % 3 else "chat",
        "tier": "gold" if n % 5 == 0 else "standard",
        "customer_value": 1.0 + n % 3,
        "is_new_customer": n % 4 == 0,
        "attempt": 1,
        "arrived_at": arrived_at,
        "answered_at": arrived_at + wait,
        "abandoned_at": None,
        "deflected": False,
        "completed_at": arrived_at + wait + 120.0,
        "handle_time": 100.0,
        "wrap_up": 20.0,
        "agent_id": "a1",
        "agent_group": "general",
        "resolved": n % 3 != 0,
        "sla_target": 20.0,
        "due_at": None,
        "cost": 1.5,
    }
    values.update(kw)
    return ContactRecord(**values)


def make_result(policy: str, rep: int, slow: float) -> ReplicationResult:
    """24 contacts over two hours; ``slow`` scales the waits (a worse policy)."""
    contacts = [
        make_contact(policy, rep, n, 300.0 * n, wait=(n * 7 + rep * 3) % 40 * slow)
        for n in range(24)
    ]
    contacts.append(
        make_contact(
            policy, rep, 99, 100.0, 0.0, answered_at=None, completed_at=None, handle_time=0.0,
            wrap_up=0.0, agent_id=None, agent_group=None, resolved=None, abandoned_at=150.0,
        )
    )  # fmt: skip
    agents = (
        AgentRecord(rep, policy, "a1", "general", 7200.0, 3000.0 * slow, 24, 60.0),
        AgentRecord(rep, policy, "a2", "general", 7200.0, 2000.0, 0, 60.0),
    )
    samples = tuple(
        QueueSample(
            rep, policy, float(t), channel, (t // 600 + rep) % 4, 12.5, 1, 0, 2, 0, 0.8, 9.0, 0.05
        )
        for t in range(0, 7200, 600)
        for channel in ("voice", "chat")
    )
    return ReplicationResult(rep, policy, tuple(contacts), agents, samples, (0.0, 7200.0))


@pytest.fixture(scope="module")
def results() -> list[ReplicationResult]:
    return [
        make_result(p, rep, slow) for p, slow in (("fifo", 1.0), ("sla", 0.5)) for rep in range(3)
    ]


@pytest.fixture(scope="module")
def summaries(results: list[ReplicationResult]) -> list[Summary]:
    return [summarise([r for r in results if r.policy == p], churn=CHURN) for p in ("fifo", "sla")]


@pytest.fixture(scope="module")
def comparison(summaries: list[Summary]) -> Comparison:
    return compare(summaries[0], summaries[1])


class TestTerminalTable:
    def test_renders_policies_side_by_side_with_intervals(
        self, summaries: list[Summary], comparison: Comparison
    ) -> None:
        console = Console(record=True, width=160, file=io.StringIO())
        console.print(to_rich(kpi_table(run_document(summaries, [comparison]))))
        text = console.export_text()
        assert "fifo (n=3)" in text and "sla (n=3)" in text
        assert "Δ sla − fifo" in text
        assert "Service level" in text and "FCR" in text and "AHT" in text
        assert "±" in text

    def test_breakdown_table_has_a_section_per_key(
        self, summaries: list[Summary], comparison: Comparison
    ) -> None:
        text = render_table(
            summaries, [comparison], kpis=["service_level", "asa"], breakdown="channel"
        )
        channels = summaries[0].keys("channel")
        assert channels and all(f"│ {ch} " in text for ch in channels)
        assert text.count("Service level") == len(channels)
        assert "by channel" in text

    def test_render_table_returns_plain_text(self, summaries: list[Summary]) -> None:
        text = render_table(summaries)
        assert "Service level" in text
        assert "Δ" not in text
        assert "\x1b[" not in text

    def test_significant_improvement_is_bold_green(
        self, summaries: list[Summary], comparison: Comparison
    ) -> None:
        asa = comparison.get("asa")
        assert asa is not None and asa.significant and asa.mean < 0  # waits halved
        console = Console(
            record=True, width=160, file=io.StringIO(), force_terminal=True, color_system="standard"
        )
        document = run_document(summaries, [comparison])
        console.print(to_rich(kpi_table(document, kpis=["asa", "offered"])))
        asa_line = next(
            line for line in console.export_text(styles=True).splitlines() if "ASA" in line
        )
        assert "\x1b[1;32m" in asa_line

    def test_single_replication_shows_n_instead_of_interval(
        self, results: list[ReplicationResult]
    ) -> None:
        text = render_table([summarise(results[:1])], kpis=["service_level"])
        assert "(n=1)" in text


class TestJson:
    def test_whole_summary_round_trips(
        self, tmp_path: Path, summaries: list[Summary], comparison: Comparison
    ) -> None:
        path = write_json(summaries, tmp_path, [comparison])
        data = json.loads(path.read_text())
        assert [s["policy"] for s in data["summaries"]] == ["fifo", "sla"]
        sl = data["summaries"][0]["kpis"]["overall"]["all"]["service_level"]
        expected = summaries[0].get("service_level")
        assert expected is not None
        assert sl["mean"] == pytest.approx(expected.mean)
        assert sl["n"] == 3
        assert "interval" in data["summaries"][0]["kpis"]
        assert data["comparisons"][0]["candidate"] == "sla"

    def test_undefined_interval_is_null(
        self, tmp_path: Path, results: list[ReplicationResult]
    ) -> None:
        path = write_json([summarise(results[:1])], tmp_path)
        sl = json.loads(path.read_text())["summaries"][0]["kpis"]["overall"]["all"]["service_level"]
        assert sl["half_width"] is None and sl["ci_low"] is None


class TestCsv:
    def test_tidy_rows_one_per_policy_breakdown_key_kpi(
        self, tmp_path: Path, summaries: list[Summary], comparison: Comparison
    ) -> None:
        summary_path, diff_path = write_csv(summaries, tmp_path / "nested" / "out", [comparison])
        with summary_path.open(newline="") as f:
            rows = list(csv.DictReader(f))
        expected = sum(
            len(kv) for s in summaries for by_key in s.estimates.values() for kv in by_key.values()
        )
        assert len(rows) == expected
        assert list(rows[0]) == [
            "policy", "breakdown", "key", "kpi", "mean", "ci_low", "ci_high", "half_width", "n"
        ]  # fmt: skip
        fcr = next(
            r for r in rows if r["policy"] == "sla" and r["kpi"] == "fcr" and r["key"] == "all"
        )
        est = summaries[1].get("fcr")
        assert est is not None and est.ci_low is not None
        assert float(fcr["mean"]) == pytest.approx(est.mean)
        assert float(fcr["ci_low"]) == pytest.approx(est.ci_low)
        assert {r["breakdown"] for r in rows} >= {"overall", "channel", "interval", "tier"}
        with diff_path.open(newline="") as f:
            diffs = list(csv.DictReader(f))
        asa = next(r for r in diffs if r["kpi"] == "asa" and r["breakdown"] == "overall")
        assert asa["significant"] == "True"

    def test_no_differences_file_without_comparisons(
        self, tmp_path: Path, summaries: list[Summary]
    ) -> None:
        assert [p.name for p in write_csv(summaries, tmp_path)] == ["summary.csv"]

    def test_raw_records_one_row_each(
        self, tmp_path: Path, results: list[ReplicationResult]
    ) -> None:
        paths = write_raw_csv(results, tmp_path)
        assert [p.name for p in paths] == ["contacts.csv", "agents.csv", "queue_samples.csv"]
        with paths[0].open(newline="") as f:
            contacts = list(csv.DictReader(f))
        assert len(contacts) == sum(len(r.contacts) for r in results)
        abandoned = next(c for c in contacts if c["contact_id"] == "c99")
        assert abandoned["answered_at"] == "" and abandoned["abandoned_at"] == "150.0"
        with paths[2].open(newline="") as f:
            assert len(list(csv.DictReader(f))) == sum(len(r.samples) for r in results)


class TestPlots:
    def test_every_plot_is_a_png(
        self, tmp_path: Path, summaries: list[Summary], results: list[ReplicationResult]
    ) -> None:
        paths = write_plots(summaries, results, tmp_path)
        assert sorted(p.name for p in paths) == [
            "aht.png", "fcr.png", "queue_length.png", "service_level.png"
        ]  # fmt: skip
        for p in paths:
            assert p.read_bytes()[:8] == PNG_SIGNATURE

    def test_nothing_to_draw_writes_nothing(self, tmp_path: Path, summaries: list[Summary]) -> None:
        assert plot_queue_length([], tmp_path) is None
        assert plot_kpi_bars(summaries, tmp_path, "no_such_kpi") is None
        assert plot_service_level([], tmp_path) is None
        assert list(tmp_path.iterdir()) == []


class TestWriteReport:
    def test_writes_everything_into_a_new_directory(
        self,
        tmp_path: Path,
        summaries: list[Summary],
        results: list[ReplicationResult],
        comparison: Comparison,
    ) -> None:
        out = tmp_path / "run"
        paths = write_report(summaries, results, out, [comparison])
        assert all(p.exists() and p.parent == out for p in paths)
        assert {p.name for p in paths} >= {
            "summary.json",
            "summary.csv",
            "differences.csv",
            "contacts.csv",
            "service_level.png",
        }
        assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)

    def test_plots_can_be_skipped(
        self, tmp_path: Path, summaries: list[Summary], results: list[ReplicationResult]
    ) -> None:
        paths = write_report(summaries, results, tmp_path, plots=False)
        assert not any(p.suffix == ".png" for p in paths)


def test_public_names_exist_once() -> None:
    from simulations.report import run as report

    assert len(set(report.__all__)) == len(report.__all__)
    assert all(hasattr(report, name) for name in report.__all__)
