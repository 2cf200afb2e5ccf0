"""Tests for simulations.report.table and its two renderers (terminal and HTML)."""

from __future__ import annotations

import ast
import io
from pathlib import Path

from rich.console import Console

from simulations.report.console import render_text, to_rich
from simulations.report.html import Page
from simulations.report.table import Cell, Column, Table, row, table

PACKAGE = Path(__file__).resolve().parents[3] / "simulations"


def _model() -> Table:
    return table(
        "KPIs",
        ["channel", "KPI", "fifo", "Δ"],
        [
            row("voice", "ASA", "14.5 s ± 7.9", Cell("-3.0 s ± 1.0", "good"), section=True),
            row("", "FCR", "97.5% ± 0.5", Cell("+0.0 pp ± 0.0", "dim")),
            row("chat", "ASA", "20.0 s ± 2.0", Cell("+4.0 s ± 1.0", "bad"), section=True),
            row("all", "ASA", "17.0 s ± 3.0", "–", total=True),
        ],
        caption="mean ± CI",
        labels=2,
    )


class TestModel:
    def test_columns_after_the_labels_are_numbers(self) -> None:
        t = table("t", ["a", "b", Column("c", numeric=False)], [["1", "2", "3"]])
        assert [c.numeric for c in t.columns] == [False, True, False]
        assert t.header == ["a", "b", "c"] and t.texts() == [["1", "2", "3"]]


class TestRenderers:
    def test_terminal_and_html_show_the_same_cells(self) -> None:
        t = _model()
        text = render_text([t])
        page = Page("p")
        page.table(t)
        html = page.render()
        for cells in t.texts():
            for cell in cells:
                assert cell in text
                assert f">{cell}</td>" in html
        assert "KPIs" in text and "<h3>KPIs</h3>" in html
        assert "mean ± CI" in text and "<caption>mean ± CI</caption>" in html

    def test_tones_become_styles_and_classes(self) -> None:
        t = _model()
        console = Console(
            record=True, width=120, file=io.StringIO(), force_terminal=True, color_system="standard"
        )
        console.print(to_rich(t))
        lines = console.export_text(styles=True).splitlines()
        assert "\x1b[1;32m" in next(line for line in lines if "-3.0 s" in line)  # bold green
        assert "\x1b[1;31m" in next(line for line in lines if "+4.0 s" in line)  # bold red
        page = Page("p")
        page.table(t)
        html = page.render()
        assert '<td class="num good">-3.0 s ± 1.0</td>' in html
        assert '<td class="num bad">+4.0 s ± 1.0</td>' in html
        assert '<td class="num dim">+0.0 pp ± 0.0</td>' in html
        assert "<td>voice</td>" in html  # a label column is not a number
        assert '<tr class="total">' in html and '<tr class="section">' in html

    def test_sections_are_ruled_in_the_terminal(self) -> None:
        text = render_text([_model()])
        lines = text.splitlines()
        chat = next(i for i, line in enumerate(lines) if "│ chat" in line)
        assert lines[chat - 1].startswith("├")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_report_imports_rich_and_matplotlib() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] != "report"
        and _imports(path) & {"rich", "matplotlib"}
    ]
    assert offenders == []
