"""Self and inclusive shares per function from a py-spy raw (collapsed-stack) profile.

    py-spy record -r 500 --format raw -o run.raw -- python benchmarks/bench_router.py \\
        --sizes 10000 --no-sweep --no-oracle --no-memory
    python benchmarks/spy_summary.py run.raw --within "Centre.run" --top 20

``--within NAME`` keeps only samples with a frame whose name contains NAME and cuts each
stack at the outermost such frame, so set-up and reporting are left out. Functions are
named ``qualified.name (file.py)``, line numbers dropped, so one function is one row.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

FRAME = re.compile(r" \((?:[^()]*/)?([^/()]+):\d+\)")


def summarise(lines: Sequence[str], within: str | None) -> tuple[int, Counter[str], Counter[str]]:
    """Total samples, and samples per function as the innermost frame and anywhere."""
    own: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    total = 0
    for line in lines:
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack:
            continue
        frames = stack.split(";")
        if within:
            hits = [i for i, frame in enumerate(frames) if within in frame]
            if not hits:
                continue
            frames = frames[hits[0] :]
        names = [FRAME.sub(r" (\1)", frame) for frame in frames]
        n = int(count)
        total += n
        own[names[-1]] += n
        for name in set(names):
            anywhere[name] += n
    return total, own, anywhere


def main(argv: Sequence[str] | None = None) -> int:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    cli.add_argument("raw", type=Path, help="py-spy record --format raw output")
    cli.add_argument("--within", help="keep samples under the frame whose name contains this")
    cli.add_argument("--top", type=int, default=20, help="rows per table")
    args = cli.parse_args(argv)
    lines = args.raw.read_text(encoding="utf-8").splitlines()
    total, own, anywhere = summarise(lines, args.within)
    if not total:
        print("no samples matched", file=sys.stderr)
        return 1
    print(f"{total} samples")
    for title, counts in (("self", own), ("inclusive", anywhere)):
        print(f"\n{title}:")
        for name, n in counts.most_common(args.top):
            print(f"  {100 * n / total:5.1f} %  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
