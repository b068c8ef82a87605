"""Print how fast kmalloc+kfree runs with 10,000 live objects, recording on and off (no assertions).

    python benchmarks/slub.py            # full run, a few seconds on 2 cores
    python benchmarks/slub.py --quick    # smoke run with small sizes

Workload: boot 1 GB non-PAE (2.6.24, then 2.6.32), ``kmalloc`` 10,000 objects of random
sizes 1..2048 (``random.Random(0)``), then repeat "``kfree`` a random live object,
``kmalloc`` a new one".  One pair is two operations.  Each mode runs on a fresh kernel with
the same calls: ``Kernel(record=False)`` ("off") and ``Kernel(record=True)`` ("rec"), the two
modes alternating; the figures are pairs per second of the fastest run of each mode, and
"rec/off" the ratio of the fastest times, then of the median times (on shared cores one
busy moment moves a single run by ±30 %, the fastest run much less).
Timings use ``time.perf_counter()`` with the garbage collector on (after ``gc.collect()``).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from pathlib import Path

try:
    import vmwidgets  # noqa: F401
except ImportError:  # run from a checkout without installing: use the package beside us
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vmwidgets import GFP_KERNEL, Config, Kernel


def churn(era: str, record: bool, live_n: int, pairs: int) -> float:
    """Seconds for ``pairs`` kfree+kmalloc pairs over ``live_n`` live objects."""
    k = Kernel(Config(era=era), record=record)
    rng = random.Random(0)
    live = [k.kmalloc(rng.randint(1, 2048), GFP_KERNEL) for _ in range(live_n)]
    sizes = [rng.randint(1, 2048) for _ in range(pairs)]
    picks = [rng.randrange(live_n) for _ in range(pairs)]
    gc.collect()
    t0 = time.perf_counter()
    for size, i in zip(sizes, picks, strict=True):
        k.kfree(live[i])
        live[i] = k.kmalloc(size, GFP_KERNEL)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    ap.add_argument("--repeats", type=int, default=9, help="runs of each mode (default 9)")
    args = ap.parse_args(argv)
    live_n, pairs, repeats = (1000, 2000, 1) if args.quick else (10_000, 20_000, max(1, args.repeats))
    print(f"kmalloc+kfree pairs per second, {live_n:,} live objects, {pairs:,} pairs, {repeats} runs of each mode")
    print(f"{'era':8} {'off':>12} {'rec':>12} {'rec/off':>8} {'(median)':>9}")
    for era in ("2.6.24", "2.6.32"):
        off, rec = [], []
        for _ in range(repeats):  # interleaved, so a busy moment hits both modes
            off.append(churn(era, False, live_n, pairs))
            rec.append(churn(era, True, live_n, pairs))
        t_off, t_rec = min(off), min(rec)
        median = statistics.median(rec) / statistics.median(off)
        print(f"{era:8} {pairs / t_off:12,.0f} {pairs / t_rec:12,.0f} {t_rec / t_off:8.2f}x {median:8.2f}x")


if __name__ == "__main__":
    main()
