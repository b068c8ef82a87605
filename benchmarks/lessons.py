"""Print how long each lesson takes to make its exercises and to check them (no assertions).

    python benchmarks/lessons.py            # 10 seeds a lesson, a few seconds on 2 cores
    python benchmarks/lessons.py --quick    # 2 seeds a lesson: a smoke run

For every registered lesson (``vmwidgets.exercises.LESSONS``), ``LESSON.exercises(seed)``
for seeds 0 to n-1: each boots its own kernels and runs the model to compute the answers,
which is what a notebook's exercise cell waits for.  "first" is seed 0, the first call in
this process (as a fresh kernel's first exercise cell sees it); "median" and "worst" are
over all the seeds.  "check" is the median, over the seeds, of checking every exercise's
own key (``e.check(e.answer_text())``), what a student's "Check" costs for the whole lesson.

Timings use ``time.perf_counter()`` with the garbage collector enabled, after a
``gc.collect()``.  Targets (printed beside the figures, never asserted): making one seed's
exercises takes at most 500 ms (lesson 4: 200 ms); "median/target" is the ratio of the two.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

try:
    import vmwidgets  # noqa: F401
except ImportError:  # run from a checkout without installing: use the package beside us
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vmwidgets.exercises import LESSONS, Lesson
from vmwidgets.exercises.lessons import load_all

TARGET_MS = {4: 200.0}  # a lesson not listed: DEFAULT_TARGET_MS
DEFAULT_TARGET_MS = 500.0


def _time_lesson(lesson: Lesson, seeds: int) -> tuple[int, list[float], list[float]]:
    """(exercises in seed 0, ms to make each seed's exercises, ms to check each seed's keys)."""
    made, checked = [], []
    count = 0
    for seed in range(seeds):
        gc.collect()
        t0 = time.perf_counter()
        exercises = lesson.exercises(seed)
        made.append((time.perf_counter() - t0) * 1000)
        count = count or len(exercises)
        gc.collect()
        t0 = time.perf_counter()
        for e in exercises:
            e.check(e.answer_text())
        checked.append((time.perf_counter() - t0) * 1000)
    return count, made, checked


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="2 seeds a lesson: a smoke run")
    seeds = 2 if ap.parse_args(argv).quick else 10
    load_all()
    cols = ("seeds", "exercises", "first ms", "median ms", "worst ms", "check ms", "target ms", "median/target")
    widths = (5, 9, 8, 9, 8, 8, 9, 13)
    head = f"{'lesson':6} " + " ".join(f"{c:>{w}}" for c, w in zip(cols, widths, strict=True))
    print(head)
    print("-" * len(head))
    for number in sorted(LESSONS):
        print(f"lesson {number}...", file=sys.stderr)
        count, made, checked = _time_lesson(LESSONS[number], seeds)
        median = statistics.median(made)
        target = TARGET_MS.get(number, DEFAULT_TARGET_MS)
        print(
            f"{number:>6} {seeds:>5} {count:>9} {made[0]:>8.1f} {median:>9.1f} {max(made):>8.1f}"
            f" {statistics.median(checked):>8.2f} {target:>9.0f} {median / target:>12.2f}x"
        )
    print(f"targets: making one seed's exercises <= {DEFAULT_TARGET_MS:.0f} ms (lesson 4: {TARGET_MS[4]:.0f} ms)")


if __name__ == "__main__":
    main()
