"""A planner report as one self-contained HTML file.

Everything the page needs is inside it: the CSS is inline and every plot is embedded
as a ``data:`` URI (PNG or SVG, base64), so the file can be mailed, archived or opened
offline, and it runs no script. The page summarises what a results directory holds,
whichever command wrote it:

* ``ccsim run`` / ``ccsim compare`` (``summary.json``): KPIs per policy with paired
  differences, per-channel KPIs, the plots;
* ``ccsim staff`` (``staffing.json``): the staffing table, the targets with their CIs,
  the plan per interval and the search history;
* ``ccsim sweep`` (``sweep.json`` + ``sweep.csv``): one row per variant, the plots;
* ``ccsim crosstrain`` (``crosstrain.json``): one row per skill pattern, the plot.

:func:`write_html` builds the page for a directory; :class:`Page` is the small builder
behind it (text is always escaped).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from simulations.errors import MissingResultsError
from simulations.report.table import Table

__all__ = ["Page", "page_for", "write_html"]

_CSS = """
:root { --ink: #1d2430; --muted: #5b6576; --line: #d8dde6; --band: #f4f6f9;
        --good: #17733a; --bad: #b3261e; --accent: #1f5fa8; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); margin: 0; background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 48px; }
header { border-bottom: 3px solid var(--accent); margin-bottom: 20px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 8px; border-bottom: 1px solid var(--line);
     padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
p.sub, p.note, figcaption, caption { color: var(--muted); }
p.sub { margin: 0 0 12px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }
caption { caption-side: bottom; text-align: left; font-size: 12.5px; padding-top: 4px; }
th, td { border: 1px solid var(--line); padding: 4px 10px; vertical-align: top; }
th { background: var(--band); text-align: left; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: 700; background: var(--band); }
.good { color: var(--good); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
.strong { font-weight: 600; }
.dim { color: var(--muted); }
tr.section td { border-top: 2px solid var(--muted); }
figure { margin: 12px 0 24px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px;
          margin: 8px 0 16px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
.banner { padding: 8px 12px; border-radius: 4px; margin: 8px 0 16px; }
.banner.bad { background: #fbe9e7; }
.banner.good { background: #e6f4ea; }
div.scroll { overflow-x: auto; }
footer { margin-top: 40px; color: var(--muted); font-size: 12.5px; }
"""

_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


class Page:
    """Builds one self-contained HTML page; all text passed in is escaped.

    >>> from simulations.report.table import Cell, table
    >>> page = Page("Report")
    >>> page.table(table("", ["a", "b"], [["<1>", Cell("2", "good")]]))
    >>> "&lt;1&gt;" in page.render()
    True
    """

    def __init__(self, title: str, subtitle: str = "") -> None:
        self.title = title
        self.subtitle = subtitle
        self.parts: list[str] = []

    def heading(self, text: str, level: int = 2) -> None:
        """A section heading (``<h2>`` by default)."""
        self.parts.append(f"<h{level}>{html.escape(text)}</h{level}>")

    def paragraph(self, text: str, css: str = "") -> None:
        """A paragraph; ``css`` is ``note``, ``good``, ``bad``... or a banner class."""
        attr = f' class="{html.escape(css)}"' if css else ""
        self.parts.append(f"<p{attr}>{html.escape(text)}</p>")

    def banner(self, text: str, good: bool) -> None:
        """A coloured status line."""
        kind = "good" if good else "bad"
        self.parts.append(f'<div class="banner {kind}">{html.escape(text)}</div>')

    def facts(self, items: Iterable[tuple[str, str]]) -> None:
        """A definition list of ``(label, value)``."""
        rows = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in items if v)
        self.parts.append(f'<dl class="meta">{rows}</dl>')

    def table(self, model: Table) -> None:
        """A :class:`~simulations.report.table.Table`: its title as a heading, number
        columns right-aligned, tones as classes, its caption under it."""
        if model.title:
            self.heading(model.title, 3)
        head = "".join(f"<th>{html.escape(c.name)}</th>" for c in model.columns)
        body = []
        for i, r in enumerate(model.rows):
            cells = []
            for column, cell in zip(model.columns, r.cells, strict=True):
                classes = " ".join(c for c in ("num" if column.numeric else "", cell.tone) if c)
                attr = f' class="{classes}"' if classes else ""
                cells.append(f"<td{attr}>{html.escape(cell.text)}</td>")
            ruled = r.section and i > 0  # a rule between groups, as in the terminal
            kinds = " ".join(k for k, on in (("total", r.total), ("section", ruled)) if on)
            opening = f'<tr class="{kinds}">' if kinds else "<tr>"
            body.append(f"{opening}{''.join(cells)}</tr>")
        cap = f"<caption>{html.escape(model.caption)}</caption>" if model.caption else ""
        self.parts.append(
            f'<div class="scroll"><table>{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>"
        )

    def image(self, source: str | os.PathLike[str] | bytes, alt: str, caption: str = "") -> None:
        """An image embedded as a base64 ``data:`` URI (a path's suffix picks the type;
        bytes are PNG)."""
        if isinstance(source, bytes):
            data, mime = source, "image/png"
        else:
            path = Path(source)
            data, mime = path.read_bytes(), _MIME.get(path.suffix.lower(), "image/png")
        uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
        self.parts.append(f'<figure><img src="{uri}" alt="{html.escape(alt)}">{cap}</figure>')

    def render(self) -> str:
        """The whole document."""
        sub = f'<p class="sub">{html.escape(self.subtitle)}</p>' if self.subtitle else ""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head>"
            f"<body><main><header><h1>{html.escape(self.title)}</h1>{sub}</header>"
            + "\n".join(self.parts)
            + f"<footer>Written by ccsim (skills-routing) on {stamp}.</footer>"
            "</main></body></html>\n"
        )

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the page (UTF-8), creating the directory."""
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(self.render(), encoding="utf-8")
        return out


# --------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------


def _images(page: Page, out: Path, names: Sequence[tuple[str, str]]) -> None:
    for name, caption in names:
        path = out / name
        if path.exists():
            page.image(path, caption, caption)


def _run_section(page: Page, out: Path, doc: Mapping[str, Any], meta: Mapping[str, Any]) -> None:
    from simulations.report.run import CHANNEL_KPIS, kpi_table

    summaries = doc.get("summaries", [])
    page.heading("Simulation results" if len(summaries) < 2 else "Policy comparison")
    page.facts(
        [
            ("scenario", str(meta.get("scenario", ""))),
            ("description", str(meta.get("description", ""))),
            ("policies", ", ".join(s["policy"] for s in summaries)),
            ("replications", str(meta.get("replications", ""))),
        ]
    )
    page.table(kpi_table(doc))
    if any(s.get("kpis", {}).get("channel") for s in summaries):
        page.table(kpi_table(doc, kpis=CHANNEL_KPIS, breakdown="channel"))
    _images(
        page,
        out,
        [
            ("service_level.png", "Service level per interval with CI bands"),
            ("queue_length.png", "Contacts waiting over the day"),
            ("fcr.png", "First-contact resolution per policy"),
            ("aht.png", "Average handle time per policy"),
        ],
    )


def _staffing_section(page: Page, out: Path, doc: Mapping[str, Any]) -> None:
    from simulations.report.staffing import history_table, staffing_tables

    page.heading("Staffing")
    page.facts(
        [
            ("scenario", str(doc["scenario"])),
            ("description", str(doc.get("description", ""))),
            ("policy", str(doc["policy"])),
            ("replications per plan", str(doc["replications"])),
            ("plans simulated", str(doc["evaluations"])),
            ("counts", "per interval" if doc["per_interval"] else "per group"),
        ]
    )
    if doc["feasible"]:
        page.banner(f"Every target met with {doc['total_agents']} agents.", True)
    else:
        relaxed = ", ".join(doc.get("relaxed", {})) or "none"
        page.banner(
            "Not every target could be met"
            + (" (interrupted)" if doc.get("interrupted") else "")
            + f"; unreachable by staffing: {relaxed}.",
            False,
        )
    for table in staffing_tables(doc):
        page.table(table)
    _images(
        page,
        out,
        [
            ("staffing.png", "Agents per group: Erlang estimate and simulation"),
            ("staffing_profile.png", "Agents per interval"),
        ],
    )
    if doc.get("history"):
        page.table(history_table(doc))


def _sweep_section(page: Page, out: Path) -> None:
    from simulations.planning.sweep import load_sweep
    from simulations.report.sweep import PLOT_KPIS, sweep_table

    result = load_sweep(out)
    document = json.loads((out / "sweep.json").read_text())
    page.heading("Sweep")
    page.facts(
        [
            ("scenario", str(document.get("scenario", ""))),
            ("description", str(document.get("description", ""))),
            ("parameters", "; ".join(p.text or p.path for p in result.params)),
            ("variants", str(len(result.variants))),
            ("replications per variant", str(result.replications)),
        ]
    )
    if result.interrupted:
        page.banner("Interrupted: the table holds the replications that finished.", False)
    page.table(sweep_table(result, str(document.get("scenario", ""))))
    _images(page, out, [(f"sweep_{k}.png", f"{k} against the first parameter") for k in PLOT_KPIS])


def _crosstrain_section(page: Page, out: Path, doc: Mapping[str, Any]) -> None:
    from simulations.report.crosstrain import crosstrain_table, patterns_table

    page.heading("Cross-training patterns")
    page.facts(
        [
            ("scenario", str(doc["scenario"])),
            ("description", str(doc.get("description", ""))),
            ("replications per pattern", str(doc["replications"])),
            ("staffing targets", ", ".join(doc.get("targets", []))),
        ]
    )
    page.table(crosstrain_table(doc))
    page.table(patterns_table(doc))
    _images(page, out, [("crosstrain.png", "KPIs per pattern with CI error bars")])


def page_for(out_dir: str | os.PathLike[str], title: str | None = None) -> Page:
    """The report page for a results directory (every kind of result found in it).

    Raises:
        FileNotFoundError: the directory holds no result ccsim knows.
    """
    out = Path(out_dir)
    meta: dict[str, Any] = {}
    if (out / "meta.json").exists():
        meta = json.loads((out / "meta.json").read_text())
    found = [
        name
        for name in ("staffing.json", "crosstrain.json", "sweep.json", "summary.json")
        if (out / name).exists()
    ]
    if not found:
        raise MissingResultsError(
            f"{out} holds no ccsim results (summary.json, staffing.json, sweep.json or "
            "crosstrain.json)"
        )
    docs = {name: json.loads((out / name).read_text()) for name in found}
    scenario = meta.get("scenario") or next(
        (d.get("scenario") for d in docs.values() if isinstance(d, dict) and "scenario" in d),
        out.name,
    )
    description = meta.get("description") or next(
        (d.get("description", "") for d in docs.values() if isinstance(d, dict)), ""
    )
    page = Page(title or f"Contact-centre planning report: {scenario}", description)
    if "staffing.json" in docs:
        _staffing_section(page, out, docs["staffing.json"])
    if "crosstrain.json" in docs:
        _crosstrain_section(page, out, docs["crosstrain.json"])
    if "sweep.json" in docs:
        _sweep_section(page, out)
    if "summary.json" in docs:
        _run_section(page, out, docs["summary.json"], meta)
    return page


def write_html(
    out_dir: str | os.PathLike[str],
    path: str | os.PathLike[str] | None = None,
    *,
    title: str | None = None,
) -> Path:
    """Write the report for ``out_dir`` to ``path`` (default ``out_dir/report.html``)."""
    target = Path(path) if path is not None else Path(out_dir) / "report.html"
    return page_for(out_dir, title).write(target)
