"""The table model every report table is built as, whatever renders it.

A builder (``report.run.kpi_table``, ``report.staffing.staffing_tables``...) returns
a :class:`Table`; :func:`simulations.report.console.to_rich` draws it in a terminal
and :meth:`simulations.report.html.Page.table` writes it into the HTML page, so the
two show the same rows, numbers and emphasis. Cells carry a *tone*, not a colour:

* ``good`` / ``bad``: a significant improvement or deterioration, a target met or
  missed (green / red);
* ``strong``: significant, with no better side (bold);
* ``dim``: not significant (muted).

>>> t = table("Targets", ["target", "met"], [["voice:80/20", Cell("yes", "good")]])
>>> t.rows[0].cells[1].tone, t.columns[1].numeric
('good', True)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal, TypeAlias

import attrs

from simulations.kpi.summary import Verdict

__all__ = ["Cell", "Column", "Row", "Table", "Tone", "row", "table", "tone"]

Tone: TypeAlias = Literal["", "good", "bad", "strong", "dim"]


@attrs.frozen
class Cell:
    """One cell: its text and how it stands out."""

    text: str
    tone: Tone = ""


@attrs.frozen
class Column:
    """A column: its header, and whether it holds numbers (right-aligned)."""

    name: str
    numeric: bool = True


@attrs.frozen
class Row:
    """One row. ``total`` rows are bold; a ``section`` row starts a new group of rows
    (a rule above it)."""

    cells: tuple[Cell, ...]
    total: bool = False
    section: bool = False


@attrs.frozen
class Table:
    """A titled table with a caption under it."""

    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    caption: str = ""

    @property
    def header(self) -> list[str]:
        """The column names."""
        return [c.name for c in self.columns]

    def texts(self) -> list[list[str]]:
        """Every row as its cells' texts."""
        return [[c.text for c in r.cells] for r in self.rows]


def table(
    title: str,
    header: Sequence[str | Column],
    rows: Iterable[Row | Sequence[str | Cell]],
    *,
    caption: str = "",
    labels: int = 1,
) -> Table:
    """A :class:`Table` from plain lists: a header name is a :class:`Column`, numeric
    after the first ``labels`` columns; a row of texts and cells is a :class:`Row`.
    """
    columns = tuple(
        h if isinstance(h, Column) else Column(h, numeric=i >= labels) for i, h in enumerate(header)
    )
    return Table(title, columns, tuple(_row(r) for r in rows), caption)


def _row(row: Row | Sequence[str | Cell]) -> Row:
    if isinstance(row, Row):
        return row
    return Row(tuple(c if isinstance(c, Cell) else Cell(c) for c in row))


def row(*cells: str | Cell, total: bool = False, section: bool = False) -> Row:
    """A :class:`Row` of texts and cells."""
    return Row(tuple(c if isinstance(c, Cell) else Cell(c) for c in cells), total, section)


_TONES: dict[Verdict, Tone] = {"better": "good", "worse": "bad", "changed": "strong", "same": "dim"}


def tone(verdict: Verdict) -> Tone:
    """The tone of a paired difference's verdict (see
    :func:`~simulations.kpi.summary.difference_verdict`)."""
    return _TONES[verdict]
