"""Run independent jobs on a process pool so that Ctrl-C keeps every finished one.

The workers ignore SIGINT, so a Ctrl-C at the terminal reaches only the parent: it
cancels the queued jobs, terminates the running ones at once and reports the run as
interrupted; every result already handed to ``on_done`` stands (callers write each
one out as it arrives). Used by sweeps and cross-training comparisons.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import TypeVar

from simulations.errors import InvalidArgumentError

__all__ = ["run_parallel"]

J = TypeVar("J")
R = TypeVar("R")


def _ignore_sigint() -> None:  # pragma: no cover - runs in worker processes
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_parallel(
    fn: Callable[[J], R],
    jobs: Sequence[J],
    *,
    workers: int,
    on_done: Callable[[J, R], None],
) -> bool:
    """Run ``fn(job)`` for every job on ``workers`` processes (in this process when 1),
    calling ``on_done(job, result)`` in this process as each finishes.

    Ctrl-C stops at once: queued jobs are cancelled, running ones are killed (workers
    ignore SIGINT so only this process sees it), and ``True`` (interrupted) is
    returned; every ``on_done`` already called stands. ``fn`` must be picklable. A job
    that raises stops the run with its exception.
    """
    if workers < 1:
        raise InvalidArgumentError(f"workers {workers!r} must be at least 1")
    try:
        if workers == 1 or len(jobs) <= 1:
            for job in jobs:
                on_done(job, fn(job))
            return False
        pool = ProcessPoolExecutor(max_workers=min(workers, len(jobs)), initializer=_ignore_sigint)
        try:
            futures: dict[Future[R], J] = {pool.submit(fn, job): job for job in jobs}
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    on_done(futures[future], future.result())
        except KeyboardInterrupt:
            _kill(pool)
            raise
        except BaseException:  # a job failed: stop the others, report the error
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    except KeyboardInterrupt:
        return True
    return False


def _kill(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: cancel what is queued and terminate the workers."""
    processes = list(getattr(pool, "_processes", {}).values())  # no public API before 3.14
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
