"""Simulator benchmark: M/M/c customers per second against ciw and plain SimPy,
one day of the 500-agent centre, and replications over 1 and 2 processes.

    python benchmarks/bench_simulator.py            # full
    python benchmarks/bench_simulator.py --quick    # CI smoke run, a few seconds

The M/M/c model is the bundled ``mmc`` scenario without patience (lambda = 0.1/s,
mean service 300 s, 33 servers). All three simulators run the same model to the same
horizon in this one run: ciw (its own network), a minimal SimPy model (a
``simpy.Resource`` and one process per customer) and ``simulations.ContactCentre``,
which runs the full ``routing.Router`` for every customer (submit, offer, accept,
complete, breakpoint timers) and records every contact. Throughput is completed
customers per second of CPU time. DESIGN.md section 9 target: ours >= ciw.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import simpy
from _common import Figure, Stopwatch, parser, payload, print_table, write_json

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulations.experiment import run_experiment
from simulations.model import run_replication
from simulations.scenario import (
    Scenario,
    apply_override,
    bundled_scenarios,
    load_scenario,
)

ARRIVAL_RATE = 0.1  # per second, as in mmc.toml (360 per hour)
SERVICE_MEAN = 300.0  # seconds
SERVERS = 33


def mmc_scenario(horizon: float) -> Scenario:
    """The bundled M/M/c+M scenario without abandonment, run to ``horizon``."""
    scenario = load_scenario(bundled_scenarios()["mmc"])
    scenario = apply_override(scenario, "contact_types.calls.patience", None)
    scenario = apply_override(scenario, "simulation.warmup", 0.0)
    return apply_override(scenario, "simulation.horizon", horizon)


def ours(horizon: float, seed: int) -> int:
    """Customers completed by the contact-centre model (full router)."""
    result = run_replication(mmc_scenario(horizon), "fifo", 0, seed=seed)
    return sum(1 for c in result.contacts if c.completed_at is not None)


def minimal_simpy(horizon: float, seed: int) -> int:
    """Customers completed by a minimal SimPy M/M/c model."""
    rng = random.Random(seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)
    done = 0

    def customer() -> simpy.events.ProcessGenerator:
        nonlocal done
        with servers.request() as request:
            yield request
            yield env.timeout(rng.expovariate(1.0 / SERVICE_MEAN))
        done += 1

    def arrivals() -> simpy.events.ProcessGenerator:
        while True:
            yield env.timeout(rng.expovariate(ARRIVAL_RATE))
            env.process(customer())

    env.process(arrivals())
    env.run(until=horizon)
    return done


def with_ciw(horizon: float, seed: int) -> int:
    """Customers completed by ciw on the same M/M/c model."""
    import ciw

    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=ARRIVAL_RATE)],
        service_distributions=[ciw.dists.Exponential(rate=1.0 / SERVICE_MEAN)],
        number_of_servers=[SERVERS],
    )
    ciw.seed(seed)  # ciw draws from a global stream; this benchmark is its only user
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(horizon)
    return len(simulation.get_all_records())


def rate(run: Callable[[float, int], int], horizon: float, seed: int) -> tuple[float, int]:
    """Completed customers per CPU second, and the count."""
    with Stopwatch() as watch:
        count = run(horizon, seed)
    return count / (watch.cpu_ns / 1e9), count


def main(argv: Sequence[str] | None = None) -> int:
    cli = parser(__doc__.splitlines()[0] if __doc__ else "simulator benchmark")
    cli.add_argument("--seed", type=int, default=11, help="random seed")
    args = cli.parse_args(argv)
    quick = args.quick
    horizon = 3_600.0 if quick else 86_400.0
    figures: list[Figure] = []

    ours_rate, ours_n = rate(ours, horizon, args.seed)
    simpy_rate, _ = rate(minimal_simpy, horizon, args.seed)
    ciw_rate, ciw_n = rate(with_ciw, horizon, args.seed)
    hours = f"{horizon / 3600:g} h"
    figures += [
        Figure(
            "mmc_ours_per_s", f"M/M/c customers/s, ours (full router), {hours}", ours_rate, "/s"
        ),
        Figure("mmc_simpy_per_s", f"M/M/c customers/s, minimal SimPy, {hours}", simpy_rate, "/s"),
        Figure("mmc_ciw_per_s", f"M/M/c customers/s, ciw, {hours}", ciw_rate, "/s"),
        Figure("mmc_ours_over_ciw", "ours / ciw", ours_rate / ciw_rate, "x", ">=", 1.0),
        Figure("mmc_ours_over_simpy", "ours / minimal SimPy", ours_rate / simpy_rate, "x"),
        Figure("mmc_customers_ours", "customers completed, ours", ours_n),
        Figure("mmc_customers_ciw", "customers completed, ciw", ciw_n),
    ]

    large = load_scenario(bundled_scenarios()["large"])
    with Stopwatch() as watch:
        result = run_replication(large, "default", 0, seed=args.seed)
    span = "one day"
    figures += [
        Figure(
            "large_day_wall_s", f"large (500 agents), {span}, wall time", watch.wall_ns / 1e9, "s"
        ),
        Figure("large_day_contacts", f"large, {span}, contacts", len(result.contacts)),
    ]

    default = load_scenario(bundled_scenarios()["default"])
    replications = 2 if quick else 8
    walls: dict[int, float] = {}
    for workers in (1, 2):
        began = time.perf_counter()
        run_experiment(default, ["default"], replications=replications, workers=workers)
        walls[workers] = time.perf_counter() - began
    figures += [
        Figure(
            "replications_1_worker_s",
            f"{replications} default-day replications, 1 process",
            walls[1],
            "s",
        ),
        Figure(
            "replications_2_workers_s",
            f"{replications} default-day replications, 2 processes",
            walls[2],
            "s",
        ),
        Figure("replication_speedup_2", "speed-up with 2 processes", walls[1] / walls[2], "x"),
    ]

    print_table("Simulator", figures)
    if args.json:
        write_json(args.json, payload("bench_simulator", quick, figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
