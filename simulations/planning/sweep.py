"""Parameter sweeps: a grid of scenario variants, replicated, in parallel, streamed to CSV.

A sweep parameter is ``PATH=VALUES`` where ``PATH`` is a scenario field as
:func:`~simulations.scenario.apply_override` addresses it and ``VALUES`` is

* ``START:STOP:STEP``: numbers from START to STOP **inclusive** (``40:60:2`` is 40, 42,
  ..., 60; whole numbers stay whole);
* ``A,B,C``: a list, each item read as a TOML value, else as a bare string
  (``simulation.policy=default,fifo``);
* a single value.

Several parameters make the full grid (their Cartesian product). Every variant runs
``replications`` replications with the same seeds (common random numbers), so
neighbouring variants differ by the parameter, not by luck. The jobs, one per
(variant, replication), run on a process pool; each finished job's KPIs are appended
to ``replications.csv`` at once and flushed, so Ctrl-C (or a crash) loses only the
jobs still running, and ``resume=True`` skips every job already in the file.

Files (in ``out_dir``):

* ``replications.csv``: tidy, one row per variant x replication x breakdown x key x
  KPI (``value``), one column per parameter; written as jobs finish;
* ``sweep.csv``: tidy, one row per variant x breakdown x key x KPI with ``mean``,
  ``ci_low``, ``ci_high``, ``half_width`` and ``n`` over replications;
* ``sweep.json``: the parameters, the variants and which finished.

:mod:`simulations.report.sweep` draws the plots and the table (``ccsim sweep`` calls
it), from a live :class:`SweepResult` or one read back with :func:`load_sweep`.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import attrs

from simulations.centre.replication import run_replication
from simulations.errors import InvalidArgumentError, ResultsError
from simulations.kpi.metrics import OVERALL, replication_kpis
from simulations.kpi.stats import Estimate, estimate
from simulations.parallel import run_parallel
from simulations.scenario import Scenario, apply_override, parse_override

__all__ = [
    "DEFAULT_BREAKDOWNS",
    "Param",
    "SweepResult",
    "Variant",
    "expand",
    "load_sweep",
    "parse_param",
    "run_parallel",
    "run_sweep",
    "run_variants",
    "value_text",
]

DEFAULT_BREAKDOWNS = (OVERALL, "channel", "contact_type", "agent_group")
REPLICATIONS_FILE = "replications.csv"
_MAX_VARIANTS = 10_000


# --------------------------------------------------------------------------------------
# Parameters and the grid
# --------------------------------------------------------------------------------------


@attrs.frozen
class Param:
    """One swept scenario field and its values."""

    path: str
    values: tuple[object, ...]
    text: str = ""


def _number(raw: str, text: str) -> int | float:
    _, value = parse_override(f"x={raw}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidArgumentError(f"sweep {text!r}: {raw!r} is not a number")
    return value


def parse_param(text: str) -> Param:
    """Parse ``PATH=START:STOP:STEP``, ``PATH=A,B,C`` or ``PATH=VALUE``.

    >>> parse_param("agent_groups.voice.count=40:46:2").values
    (40, 42, 44, 46)
    >>> parse_param("simulation.policy=default,fifo").values
    ('default', 'fifo')

    Raises:
        ValueError: no ``=``, a range with a zero step, a step pointing away from
            STOP, or non-numbers in a range; the message repeats the text.
    """
    path, sep, raw = text.partition("=")
    path, raw = path.strip(), raw.strip()
    if not sep or not path or not raw:
        raise InvalidArgumentError(
            f"sweep parameter {text!r}: expected PATH=START:STOP:STEP or PATH=A,B,C"
        )
    parts = raw.split(":")
    if len(parts) == 3 and not raw.startswith(("[", "{", '"', "'")):
        start, stop, step = (_number(p.strip(), text) for p in parts)
        if step == 0 or (stop - start) * step < 0:
            raise InvalidArgumentError(
                f"sweep parameter {text!r}: step {step} never reaches {stop}"
            )
        count = math.floor((stop - start) / step + 1e-9) + 1
        if count > _MAX_VARIANTS:
            raise InvalidArgumentError(f"sweep parameter {text!r}: {count} values is too many")
        whole = all(isinstance(v, int) for v in (start, stop, step))
        values: tuple[object, ...] = tuple(
            start + i * step if whole else round(start + i * step, 12) for i in range(count)
        )
        return Param(path, values, text)
    if "," in raw and not raw.startswith(("[", "{")):
        items = [parse_override(f"x={item.strip()}")[1] for item in raw.split(",")]
        return Param(path, tuple(items), text)
    return Param(path, (parse_override(f"x={raw}")[1],), text)


@attrs.frozen
class Variant:
    """One grid point: its index and the value of each parameter."""

    index: int
    assignments: tuple[tuple[str, object], ...]

    @property
    def label(self) -> str:
        """``path=value; path=value`` (the key ``replications.csv`` is resumed by)."""
        return "; ".join(f"{p}={value_text(v)}" for p, v in self.assignments)

    def value(self, path: str) -> object:
        """The value of one parameter."""
        return dict(self.assignments)[path]


def value_text(value: object) -> str:
    """A parameter value as ``replications.csv`` and the variant labels write it: strings
    bare, anything else as JSON (``40``, ``0.8``, ``true``)."""
    return json.dumps(value) if not isinstance(value, str) else value


def expand(scenario: Scenario, params: Sequence[Param]) -> list[tuple[Variant, Scenario]]:
    """Every grid point with its scenario, the first parameter varying slowest.

    Raises:
        ValueError: no parameters, a path given twice, or too many variants.
        ScenarioError: a path that does not exist or a value that makes the scenario
            invalid (naming the override).
    """
    if not params:
        raise InvalidArgumentError("give at least one sweep parameter")
    paths = [p.path for p in params]
    if len(set(paths)) != len(paths):
        raise InvalidArgumentError(f"sweep parameters {paths!r} repeat a path")
    total = math.prod(len(p.values) for p in params)
    if total > _MAX_VARIANTS:
        raise InvalidArgumentError(f"the grid has {total} variants, more than {_MAX_VARIANTS}")
    out = []
    for index, combo in enumerate(itertools.product(*(p.values for p in params))):
        variant = scenario
        for path, value in zip(paths, combo, strict=True):
            variant = apply_override(variant, path, value)
        out.append((Variant(index, tuple(zip(paths, combo, strict=True))), variant))
    return out


# --------------------------------------------------------------------------------------
# Running a sweep
# --------------------------------------------------------------------------------------


@attrs.frozen
class _Job:
    variant: int
    scenario: Scenario
    policy: str
    replication: int
    seed: int
    breakdowns: tuple[str, ...]


def _run_job(job: _Job) -> list[tuple[str, str, str, float]]:
    """One replication of one variant -> ``(breakdown, key, kpi, value)`` rows."""
    result = run_replication(job.scenario, job.policy, job.replication, seed=job.seed)
    kpis = replication_kpis(result, interval=job.scenario.simulation.interval)
    rows = []
    for breakdown in job.breakdowns:
        for key, values in kpis.values.get(breakdown, {}).items():
            for kpi, value in values.items():
                if value is not None and math.isfinite(value):
                    rows.append((breakdown, key, kpi, value))
    return rows


@attrs.frozen
class SweepResult:
    """A finished (or interrupted) sweep.

    Attributes:
        params: the swept parameters.
        variants: every grid point.
        replications: per variant.
        estimates: ``{(variant index, breakdown, key, kpi): Estimate}`` over the
            finished replications.
        done: finished replications per variant index.
        interrupted: stopped by Ctrl-C.
        paths: files written.
    """

    params: tuple[Param, ...]
    variants: tuple[Variant, ...]
    replications: int
    estimates: Mapping[tuple[int, str, str, str], Estimate]
    done: Mapping[int, int]
    interrupted: bool
    paths: tuple[Path, ...] = ()

    def get(
        self, variant: int, kpi: str, breakdown: str = OVERALL, key: str = "all"
    ) -> Estimate | None:
        """The estimate of one KPI of one variant, ``None`` if undefined."""
        return self.estimates.get((variant, breakdown, key, kpi))


def _header(params: Sequence[Param]) -> list[str]:
    return [
        "variant",
        "label",
        *(p.path for p in params),
        "policy",
        "replication",
        "breakdown",
        "key",
        "kpi",
        "value",
    ]


def _read_existing(path: Path, header: list[str]) -> list[dict[str, str]]:
    """Complete rows of an earlier run (a row cut short by a crash is dropped)."""
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != header:
            raise InvalidArgumentError(
                f"{path} was written by a different sweep (columns {reader.fieldnames}); "
                "use another output directory or remove the file"
            )
        rows = []
        for row in reader:
            try:
                float(row["value"]), int(row["replication"])
            except (TypeError, ValueError):
                continue
            rows.append(row)
        return rows


def run_sweep(
    scenario: Scenario,
    params: Sequence[Param],
    out_dir: str | os.PathLike[str],
    *,
    replications: int | None = None,
    seed: int | None = None,
    policy: str | None = None,
    workers: int = 1,
    breakdowns: Sequence[str] = DEFAULT_BREAKDOWNS,
    resume: bool = False,
    on_job: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run the grid and write the data files listed in the module docstring.

    Args:
        scenario: the base scenario.
        params: swept parameters (:func:`parse_param`).
        out_dir: where the files go (created).
        replications: per variant (default: the scenario's).
        seed: base seed (default: the scenario's), shared by every variant.
        policy: routing policy (default: each variant's ``simulation.policy``).
        workers: processes.
        breakdowns: KPI breakdowns to keep (see :mod:`simulations.kpi.metrics`).
        resume: keep ``replications.csv`` and skip the jobs it already holds.
        on_job: called with ``(finished, total)`` after each job.

    Raises:
        ValueError: bad parameters or counts, or a ``replications.csv`` from another
            sweep when resuming.
        ScenarioError: a parameter makes an invalid scenario.
    """
    grid = expand(scenario, params)
    result = run_variants(
        scenario,
        params,
        grid,
        out_dir,
        replications=replications,
        seed=seed,
        policy=policy,
        workers=workers,
        breakdowns=breakdowns,
        resume=resume,
        on_job=on_job,
    )
    paths = [*result.paths, *_write_summary(result, scenario, Path(out_dir))]
    return attrs.evolve(result, paths=tuple(paths))


def run_variants(
    scenario: Scenario,
    params: Sequence[Param],
    grid: Sequence[tuple[Variant, Scenario]],
    out_dir: str | os.PathLike[str],
    *,
    replications: int | None = None,
    seed: int | None = None,
    policy: str | None = None,
    workers: int = 1,
    breakdowns: Sequence[str] = DEFAULT_BREAKDOWNS,
    resume: bool = False,
    prefix: str = "",
    on_job: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run any set of variants (not only a grid) as :func:`run_sweep` does, streaming
    ``<prefix>replications.csv``; no summary or plots. ``params`` name the columns
    (each variant assigns a value to every one)."""
    count = scenario.simulation.replications if replications is None else replications
    if count < 1:
        raise InvalidArgumentError(f"replications {count!r} must be at least 1")
    run_seed = scenario.simulation.seed if seed is None else seed
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{prefix}{REPLICATIONS_FILE}"
    header = _header(params)
    existing = _read_existing(path, header) if resume and path.exists() else []
    labels = {v.label: v.index for v, _ in grid}
    done_jobs = {
        (labels[row["label"]], int(row["replication"]))
        for row in existing
        if row["label"] in labels
    }
    jobs = []
    for variant, staffed in grid:
        name = staffed.simulation.policy if policy is None else policy
        staffed.policy(name)
        for r in range(count):
            if (variant.index, r) not in done_jobs:
                jobs.append(_Job(variant.index, staffed, name, r, run_seed, tuple(breakdowns)))
    values: dict[tuple[int, str, str, str], list[float]] = {}
    finished: dict[int, set[int]] = {}
    for row in existing:
        if row["label"] in labels:
            index = labels[row["label"]]
            key = (index, row["breakdown"], row["key"], row["kpi"])
            values.setdefault(key, []).append(float(row["value"]))
            finished.setdefault(index, set()).add(int(row["replication"]))
    variants = {v.index: v for v, _ in grid}
    total = len(grid) * count
    with path.open("w", newline="") as f:
        # rewritten from the complete rows, so a line cut short by a crash is gone
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(existing)
        f.flush()

        def record(job: _Job, rows: list[tuple[str, str, str, float]]) -> None:
            variant = variants[job.variant]
            prefix = [
                variant.index,
                variant.label,
                *(value_text(v) for _, v in variant.assignments),
            ]
            buffer = io.StringIO()
            lines = csv.writer(buffer)
            for breakdown, key, kpi, value in rows:
                lines.writerow([*prefix, job.policy, job.replication, breakdown, key, kpi, value])
            f.write(buffer.getvalue())  # one write per job: Ctrl-C never splits a job
            f.flush()
            for breakdown, key, kpi, value in rows:
                values.setdefault((job.variant, breakdown, key, kpi), []).append(value)
            finished.setdefault(job.variant, set()).add(job.replication)
            if on_job is not None:
                on_job(sum(len(s) for s in finished.values()), total)

        interrupted = run_parallel(_run_job, jobs, workers=workers, on_done=record)
    return SweepResult(
        tuple(params),
        tuple(variants.values()),
        count,
        {key: estimate(v) for key, v in values.items()},
        {i: len(s) for i, s in finished.items()},
        interrupted,
        (path,),
    )


def _write_summary(result: SweepResult, scenario: Scenario, out: Path) -> list[Path]:
    summary = out / "sweep.csv"
    variants = {v.index: v for v in result.variants}
    with summary.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "variant",
                "label",
                *(p.path for p in result.params),
                "breakdown",
                "key",
                "kpi",
                "mean",
                "ci_low",
                "ci_high",
                "half_width",
                "n",
            ]
        )
        for (index, breakdown, key, kpi), est in sorted(
            result.estimates.items(), key=lambda item: item[0]
        ):
            v = variants[index]
            writer.writerow(
                [
                    index,
                    v.label,
                    *(value_text(x) for _, x in v.assignments),
                    breakdown,
                    key,
                    kpi,
                    est.mean,
                    est.ci_low,
                    est.ci_high,
                    est.half_width,
                    est.n,
                ]
            )
    meta = out / "sweep.json"
    document = {
        "kind": "sweep",
        "scenario": scenario.simulation.name,
        "description": scenario.simulation.description,
        "source": scenario.source,
        "params": [
            {"path": p.path, "values": list(p.values), "text": p.text} for p in result.params
        ],
        "variants": [
            {
                "index": v.index,
                "label": v.label,
                "values": dict(v.assignments),
                "replications_done": result.done.get(v.index, 0),
            }
            for v in result.variants
        ],
        "replications": result.replications,
        "interrupted": result.interrupted,
    }
    meta.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return [summary, meta]


def load_sweep(out_dir: str | os.PathLike[str]) -> SweepResult:
    """Read back a sweep from its ``sweep.json`` and ``sweep.csv`` (for reports).

    Raises:
        OSError: a file is missing.
        ValueError: the files are not a sweep's.
    """
    out = Path(out_dir)
    document = json.loads((out / "sweep.json").read_text())
    if document.get("kind") != "sweep":
        raise ResultsError(f"{out / 'sweep.json'} is not a sweep description")
    params = tuple(
        Param(p["path"], tuple(p["values"]), p.get("text", "")) for p in document["params"]
    )
    variants = tuple(
        Variant(v["index"], tuple((p.path, v["values"][p.path]) for p in params))
        for v in document["variants"]
    )
    estimates: dict[tuple[int, str, str, str], Estimate] = {}
    with (out / "sweep.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            hw = row["half_width"]
            estimates[int(row["variant"]), row["breakdown"], row["key"], row["kpi"]] = Estimate(
                float(row["mean"]), float(hw) if hw else None, int(row["n"])
            )
    done = {v["index"]: v["replications_done"] for v in document["variants"]}
    return SweepResult(
        params, variants, document["replications"], estimates, done, document["interrupted"]
    )
