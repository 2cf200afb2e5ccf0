"""The terminal: tables drawn with rich, a progress bar, and plain lines under it.

:func:`to_rich` draws a :class:`~simulations.report.table.Table` model: number
columns right-aligned, total rows bold, sections ruled, tones as styles (``good``
bold green, ``bad`` bold red, ``strong`` bold, ``dim`` muted). The ``ccsim`` commands
print through :func:`print_tables`, :func:`say` and :func:`progress`, so ``rich`` is
imported here and nowhere in ``simulations.cli``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from rich import table as rich_table
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.text import Text

from simulations.report.table import Table, Tone

__all__ = ["print_tables", "progress", "render_text", "say", "to_rich"]

_STYLES: dict[Tone, str] = {
    "": "",
    "good": "bold green",
    "bad": "bold red",
    "strong": "bold",
    "dim": "dim",
}


def to_rich(table: Table) -> rich_table.Table:
    """The model as a rich table (cell text is never read as markup)."""
    out = rich_table.Table(title=table.title or None, caption=table.caption or None)
    for column in table.columns:
        out.add_column(column.name, justify="right" if column.numeric else "left")
    for r in table.rows:
        if r.section and out.row_count:
            out.add_section()
        cells = [Text(c.text, style=_STYLES[c.tone]) for c in r.cells]
        out.add_row(*cells, style="bold" if r.total else None)
    return out


def render_text(tables: Iterable[Table], *, width: int = 120) -> str:
    """The tables as plain text (no colours), ``width`` columns wide at most."""
    console = Console(record=True, width=width, file=io.StringIO())
    for table in tables:
        console.print(to_rich(table))
    return console.export_text()


def print_tables(tables: Iterable[Table]) -> None:
    """Print the tables to standard output; a file or a pipe gets 140 columns rather
    than tables squeezed into 80."""
    console = Console()
    if not console.is_terminal:
        console = Console(width=140)
    for table in tables:
        console.print(to_rich(table))


def say(text: str) -> None:
    """Print one line as it is (no markup, no highlighting), also under a progress bar."""
    Console().print(text, markup=False, highlight=False)


@contextmanager
def progress(quiet: bool, label: str, total: int) -> Iterator[Callable[..., None]]:
    """A progress bar (nothing when quiet) and a function advancing/resetting it:
    ``update()`` advances by one, ``update(n, **fields)`` sets completed to ``n``."""
    if quiet:
        yield lambda *a, **k: None
        return
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)

        def update(completed: int | None = None, **kw: Any) -> None:
            if completed is None:
                bar.advance(task)
            else:
                bar.update(task, completed=completed, **kw)

        yield update
