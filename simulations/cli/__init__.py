"""The ``ccsim`` command (``python -m simulations`` is the same)::

    run        the parser, the entry point's error handling, and the ``run``,
               ``compare``, ``validate`` and ``scenarios`` commands
    planning   the ``staff``, ``sweep``, ``crosstrain`` and ``report`` commands

The tables, plots and progress bars need the ``sim`` extra (rich, matplotlib). Without
it, ``ccsim`` prints one line naming the extra and exits with status 2, never a
traceback: :func:`main` imports the commands inside the guard.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["EXTRA_MODULES", "main"]

EXTRA_MODULES = frozenset({"rich", "matplotlib"})
"""Top-level modules of the ``sim`` extra; a missing one is a one-line error."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ccsim`` with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    try:
        from simulations.cli.run import run_cli

        return run_cli(argv)
    except ModuleNotFoundError as error:
        module = (error.name or "").partition(".")[0]
        if module not in EXTRA_MODULES:
            raise
        print(
            f"ccsim: error: this command needs {module!r}, from the 'sim' extra: "
            "pip install 'skills-routing[sim]'",
            file=sys.stderr,
        )
        return 2
