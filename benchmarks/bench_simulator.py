"""Simulator benchmark: M/M/c customers per second against ciw and plain SimPy,
one day of the 500-agent centre, and replications over 1 and 2 processes.

    python benchmarks/bench_simulator.py            # full, about a minute
    python benchmarks/bench_simulator.py --quick    # CI smoke run, a few seconds
    python benchmarks/bench_simulator.py --profile mmc   # cProfile of our M/M/c day instead

1. M/M/c. The bundled ``mmc`` scenario without patience (lambda = 0.1/s, mean service
   300 s, 33 servers, so 91 % busy) run by three simulators to the same horizon in this
   one run: ciw (its own network: exponential arrivals and service, 33 servers),
   a minimal SimPy model (a ``simpy.Resource`` and one process per customer) and
   ``simulations.centre.ContactCentre``, which runs the full ``routing.Router`` for
   every customer (submit, offer, accept, complete, SLA timers) and keeps a record of every
   contact. Throughput is completed customers per second of CPU time, the median of
   ``--rounds`` rounds that run the three in turn. Loading the scenario and importing
   the libraries are outside the timing; building each model is inside. Every timed
   run starts after a full garbage collection (untimed), so that no model pays for a
   collection that the garbage of the runs before it triggered: without it, a full
   collection (50-100 ms, it walks every object of the process) landed in one run in
   three or so, whichever model was running. DESIGN.md section 9 target: ours >= ciw.
2. One replication of the bundled ``large`` scenario (500 agents in 18 groups, 8 skills,
   voice, chat, email and back office, one day): wall and CPU time. Target: "seconds,
   not minutes". The quick run simulates 08:00-09:30 with 20,000 customers instead.
3. Replication scaling: the wall time of N replications of the ``default`` scenario
   through ``run_experiment`` with 1 worker and with 2 worker processes.
"""

from __future__ import annotations

import cProfile
import gc
import pstats
import random
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial

import ciw
import simpy
from _common import Figure, Stopwatch, median, parser, payload, print_table, write_json

from simulations.centre.replication import ContactCentre, run_replication
from simulations.experiment import run_experiment
from simulations.scenario import Scenario, apply_override, bundled_scenarios, load_scenario

# The bundled mmc.toml: 360 calls an hour, exponential handle time of mean 300 s, 33 agents.
ARRIVAL_RATE = 0.1  # per second
SERVICE_MEAN = 300.0  # seconds
SERVERS = 33

# A model gets a horizon and a seed and returns how many customers it completed.
Model = Callable[[float, int], int]


def mmc_scenario(horizon: float) -> Scenario:
    """The bundled M/M/c+M scenario without abandonment, run to ``horizon``."""
    scenario = load_scenario(bundled_scenarios()["mmc"])
    scenario = apply_override(scenario, "contact_types.calls.patience", None)
    scenario = apply_override(scenario, "simulation.warmup", 0.0)
    return apply_override(scenario, "simulation.horizon", horizon)


def ours(scenario: Scenario) -> Model:
    """Our contact-centre model (full router per customer) on ``scenario``."""
    policy = scenario.simulation.policy

    def run(horizon: float, seed: int) -> int:
        result = ContactCentre(scenario, policy, 0, seed=seed).run()
        return sum(1 for c in result.contacts if c.completed_at is not None)

    return run


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
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=ARRIVAL_RATE)],
        service_distributions=[ciw.dists.Exponential(rate=1.0 / SERVICE_MEAN)],
        number_of_servers=[SERVERS],
    )
    ciw.seed(seed)  # ciw draws from a global stream; this benchmark is its only user
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(horizon)
    return len(simulation.get_all_records())


def mmc_rates(
    models: dict[str, Model], horizon: float, seed: int, rounds: int
) -> dict[str, tuple[float, int]]:
    """Median completed customers per CPU second of each model, and its last count.

    Each round runs every model once, in turn, with the round's seed, each after an
    untimed full garbage collection.
    """
    rates: dict[str, list[float]] = {name: [] for name in models}
    counts: dict[str, int] = {}
    for r in range(rounds):
        for name, model in models.items():
            gc.collect()  # start clean: no collection owed by the previous runs
            with Stopwatch() as watch:
                counts[name] = model(horizon, seed + r)
            rates[name].append(counts[name] / (watch.cpu_ns / 1e9))
    return {name: (median(values), counts[name]) for name, values in rates.items()}


def mmc_figures(quick: bool, seed: int, rounds: int) -> list[Figure]:
    """Section 1: the M/M/c comparison."""
    horizon = 3_600.0 if quick else 86_400.0
    models = {"ciw": with_ciw, "simpy": minimal_simpy, "ours": ours(mmc_scenario(horizon))}
    got = mmc_rates(models, horizon, seed, rounds)
    (ours_rate, ours_n), (ciw_rate, ciw_n), (simpy_rate, simpy_n) = (
        got["ours"],
        got["ciw"],
        got["simpy"],
    )
    span = f"{horizon / 3600:g} h, median of {rounds}"
    return [
        Figure(
            "mmc_ours_per_s",
            f"M/M/c customers/s, ours (full router per customer), {span}",
            ours_rate,
            "/s",
        ),
        Figure("mmc_ciw_per_s", f"M/M/c customers/s, ciw, {span}", ciw_rate, "/s"),
        Figure("mmc_simpy_per_s", f"M/M/c customers/s, minimal SimPy, {span}", simpy_rate, "/s"),
        Figure("mmc_ours_over_ciw", "ours / ciw", ours_rate / ciw_rate, "x", ">=", 1.0),
        Figure("mmc_ours_over_simpy", "ours / minimal SimPy", ours_rate / simpy_rate, "x"),
        Figure("mmc_customers_ours", "customers completed, ours (last round)", ours_n),
        Figure("mmc_customers_ciw", "customers completed, ciw (last round)", ciw_n),
        Figure("mmc_customers_simpy", "customers completed, SimPy (last round)", simpy_n),
    ]


def large_scenario(quick: bool) -> tuple[Scenario, str]:
    """The bundled ``large`` scenario and what stretch of it runs."""
    scenario = load_scenario(bundled_scenarios()["large"])
    if not quick:
        return scenario, "one day"
    scenario = apply_override(scenario, "contact_types.claims.arrivals.at", ["08:00"])
    scenario = apply_override(scenario, "customers.population", 20_000)
    return apply_override(scenario, "simulation.horizon", 9.5 * 3600), "08:00-09:30 (quick)"


def large_figures(quick: bool, seed: int) -> list[Figure]:
    """Section 2: one replication of the 500-agent centre."""
    scenario, span = large_scenario(quick)
    gc.collect()  # as in mmc_rates: no collection owed by the runs before
    with Stopwatch() as watch:
        result = run_replication(scenario, scenario.simulation.policy, 0, seed=seed)
    contacts = len(result.contacts)
    return [
        Figure(
            "large_day_wall_s",
            f"large (500 agents), {span}, wall time",
            watch.wall_ns / 1e9,
            "s",
            "<=",
            60.0,
            "seconds, not minutes",
        ),
        Figure("large_day_cpu_s", f"large, {span}, CPU time", watch.cpu_ns / 1e9, "s"),
        Figure("large_day_contacts", f"large, {span}, contacts", contacts),
        Figure(
            "large_day_contacts_per_s",
            f"large, {span}, contacts per CPU second",
            contacts / (watch.cpu_ns / 1e9),
            "/s",
        ),
    ]


def scaling_figures(quick: bool) -> list[Figure]:
    """Section 3: replications over 1 and 2 worker processes."""
    if quick:
        scenario, policy, replications = mmc_scenario(2 * 3600.0), "fifo", 2
        what = f"{replications} two-hour mmc replications"
    else:
        scenario, policy, replications = load_scenario(bundled_scenarios()["default"]), "default", 8
        what = f"{replications} default-day replications"
    walls: dict[int, float] = {}
    for workers in (1, 2):
        began = time.perf_counter()
        run_experiment(scenario, [policy], replications=replications, workers=workers)
        walls[workers] = time.perf_counter() - began
    return [
        Figure("replications_1_worker_s", f"{what}, 1 process, wall", walls[1], "s"),
        Figure("replications_2_workers_s", f"{what}, 2 processes, wall", walls[2], "s"),
        Figure("replication_speedup_2", "speed-up with 2 processes", walls[1] / walls[2], "x"),
    ]


def profile(what: str, quick: bool, seed: int, top: int = 25) -> None:
    """Print a cProfile of our model on the M/M/c day (``mmc``) or the large day (``large``)."""
    if what == "mmc":
        run: Callable[[], object] = partial(ours(mmc_scenario(86_400.0)), 86_400.0, seed)
    else:
        scenario = large_scenario(quick)[0]
        run = partial(run_replication, scenario, scenario.simulation.policy, 0, seed=seed)
    profiler = cProfile.Profile()
    profiler.runcall(run)
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def main(argv: Sequence[str] | None = None) -> int:
    cli = parser(__doc__.splitlines()[0] if __doc__ else "simulator benchmark")
    cli.add_argument("--seed", type=int, default=11, help="random seed")
    cli.add_argument("--rounds", type=int, help="M/M/c rounds (default: 5 full, 1 quick)")
    cli.add_argument(
        "--profile",
        choices=("mmc", "large"),
        help="instead of measuring, cProfile our model on the M/M/c day or the large day",
    )
    args = cli.parse_args(argv)
    if args.profile:
        profile(args.profile, args.quick, args.seed)
        return 0
    rounds = args.rounds or (1 if args.quick else 5)
    figures = mmc_figures(args.quick, args.seed, rounds)
    figures += large_figures(args.quick, args.seed)
    figures += scaling_figures(args.quick)
    print_table("Simulator", figures)
    if args.json:
        write_json(args.json, payload("bench_simulator", args.quick, figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
