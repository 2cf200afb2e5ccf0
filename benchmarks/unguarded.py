"""Write a copy of this checkout's ``routing/`` with the router's concurrency guard
turned off, to measure what the guard costs.

Every public ``Router`` method claims the router inline (``if self._busy is not None:
raise ...``, ``self._busy = "name"``, and ``self._busy = None`` in ``finally``). The
copy compiles the check away (``if False:``) and turns the two stores into ``pass``;
everything else, ``try``/``finally`` included, is left as it is. Then:

    python benchmarks/unguarded.py /tmp/unguarded
    python benchmarks/ab_router.py /tmp/unguarded          # the lifecycle, A/B
    PYTHONPATH=/tmp/unguarded python -m timeit -s "from routing import Router; \\
        r = Router(); r.advance(0.0)" "r.advance(1.0)"      # one call, against:
    python -m timeit -s "from routing import Router; r = Router(); r.advance(0.0)" \\
        "r.advance(1.0)"

BENCHMARKS.md records the figures.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("out", type=Path, help="the folder to write (its routing/ is replaced)")
    args = cli.parse_args()
    target = args.out / "routing"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(ROOT / "routing", target, ignore=shutil.ignore_patterns("__pycache__"))
    router = target / "router.py"
    text = router.read_text(encoding="utf-8")
    checks = text.count("if self._busy is not None:")
    text = text.replace("if self._busy is not None:", "if False:")
    text, claims = re.subn(r'self\._busy = "\w+"', "pass", text)
    text, releases = re.subn(r"^(\s+)self\._busy = None$", r"\1pass", text, flags=re.M)
    if not checks or not checks == claims == releases:
        print(f"unexpected guard shape: {checks} checks, {claims} claims, {releases} releases")
        return 1
    router.write_text(text, encoding="utf-8")
    print(f"{target}: {checks} public methods unguarded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
