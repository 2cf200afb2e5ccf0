"""Estimated wait: the router's ``estimate_wait`` at each arrival against the wait.

The simulator asks the router for the expected wait of every contact just before it
submits it (``ContactCentre(..., estimate_waits=True)``; the records stay the same),
and this compares that estimate with what happened, per channel, over the contacts
that arrived in the measured window (warm-up excluded) and were answered (an
abandoned contact's wait to answer is unknown: it is censored by its patience):

* **bias** = mean(estimate - actual wait), also as a share of the mean actual wait;
* **MAE** = mean |estimate - actual wait|;
* **no estimate**: the share of arrivals with no figure (no completion yet on the
  channel, so no service rate) or an infinite one (no agent serves it), left out.

The bundled ``mmc`` scenario is M/M/33+M, the model the predictor is exact for in
expectation, served FIFO; the bundled ``default`` day has priorities, customer value,
skills relaxing over time, shifts and repeat contacts, where a later, more valuable
contact may overtake and the queue ahead may shrink or grow by relaxation, so the
estimate is a forecast, not an identity.

    python benchmarks/bench_estimate_wait.py              # 5 replications per scenario
    python benchmarks/bench_estimate_wait.py --quick      # CI: 1 replication of mmc
    python benchmarks/bench_estimate_wait.py --replications 20 --policy fifo
"""

from __future__ import annotations

import math
import sys
from dataclasses import asdict, dataclass

from _common import Figure, parser, payload, print_table, write_json

from simulations import bundled_scenarios, load_scenario
from simulations.centre.replication import ContactCentre

TARGET_BIAS = 0.10  # |bias| at most 10 % of the mean wait, on mmc


@dataclass
class Accuracy:
    scenario: str
    policy: str
    channel: str
    arrivals: int = 0
    no_estimate: int = 0
    answered: int = 0
    actual: float = 0.0  # sums over the answered
    estimated: float = 0.0
    absolute: float = 0.0

    @property
    def mean_wait(self) -> float:
        return self.actual / self.answered if self.answered else math.nan

    @property
    def bias(self) -> float:
        return (self.estimated - self.actual) / self.answered if self.answered else math.nan

    @property
    def relative_bias(self) -> float:
        return self.bias / self.mean_wait if self.mean_wait else math.nan

    @property
    def mae(self) -> float:
        return self.absolute / self.answered if self.answered else math.nan


def measure(name: str, policy: str, replications: int) -> list[Accuracy]:
    """Per-channel accuracy of the estimates over ``replications`` runs of a scenario."""
    scenario = load_scenario(bundled_scenarios()[name])
    start, end = scenario.simulation.window
    found: dict[str, Accuracy] = {}
    for replication in range(replications):
        centre = ContactCentre(scenario, policy, replication, estimate_waits=True)
        centre.run()
        for contact_id, estimate in centre.estimates.items():
            contact = centre.contacts[contact_id]
            if not start <= contact.arrived_at < end:
                continue
            channel = contact.plan.channel
            acc = found.setdefault(channel, Accuracy(name, policy, channel))
            acc.arrivals += 1
            seconds = estimate.seconds
            if seconds is None or math.isinf(seconds):
                acc.no_estimate += 1
                continue
            if contact.answered_at is None:
                continue
            wait = contact.answered_at - contact.arrived_at
            acc.answered += 1
            acc.actual += wait
            acc.estimated += seconds
            acc.absolute += abs(seconds - wait)
    return [found[channel] for channel in sorted(found)]


def figures(results: list[Accuracy]) -> list[Figure]:
    figs = []
    for acc in results:
        where = f"{acc.scenario}/{acc.policy} {acc.channel}"
        key = f"{acc.scenario}_{acc.policy}_{acc.channel}"
        target: dict[str, object] = {}
        if acc.scenario == "mmc":
            target = {"op": "<=", "target": TARGET_BIAS}
        figs += [
            Figure(f"{key}_mean_wait", f"{where}: mean wait (answered)", acc.mean_wait, "s"),
            Figure(f"{key}_bias", f"{where}: bias, estimate - wait", acc.bias, "s"),
            Figure(
                f"{key}_abs_relative_bias",
                f"{where}: |bias| / mean wait",
                abs(acc.relative_bias),
                "x",
                **target,  # type: ignore[arg-type]
            ),
            Figure(f"{key}_mae", f"{where}: mean absolute error", acc.mae, "s"),
            Figure(
                f"{key}_no_estimate",
                f"{where}: arrivals without an estimate",
                acc.no_estimate / acc.arrivals if acc.arrivals else math.nan,
                "x",
            ),
        ]
    return figs


def main() -> int:
    cli = parser(__doc__.splitlines()[0] if __doc__ else "estimated wait benchmark")
    cli.add_argument("--replications", type=int, help="per scenario (default 5; quick 1)")
    cli.add_argument("--policy", help="routing policy (default: each scenario's own)")
    cli.add_argument(
        "--scenario", action="append", help="bundled scenario (default: mmc and default)"
    )
    args = cli.parse_args()
    replications = args.replications or (1 if args.quick else 5)
    names = args.scenario or (["mmc"] if args.quick else ["mmc", "default"])
    results: list[Accuracy] = []
    for name in names:
        policy = args.policy or load_scenario(bundled_scenarios()[name]).simulation.policy
        print(f"{name} under {policy}: {replications} replication(s)", flush=True)
        results += measure(name, policy, replications)
    for acc in results:
        print(
            f"  {acc.scenario}/{acc.policy} {acc.channel:<10} {acc.answered:>7,} answered "
            f"of {acc.arrivals:,} arrivals; mean wait {acc.mean_wait:8.1f} s, bias "
            f"{acc.bias:+8.1f} s ({acc.relative_bias:+.1%}), MAE {acc.mae:8.1f} s"
        )
    figs = figures(results)
    print_table("Estimated wait against the actual wait of answered contacts", figs)
    if args.json:
        write_json(
            args.json,
            payload("bench_estimate_wait", args.quick, figs, channels=[asdict(a) for a in results]),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
