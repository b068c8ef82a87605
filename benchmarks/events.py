"""Print what recording events costs: bytes per recorded event and time (no assertions).

    python benchmarks/events.py            # full run, about a minute on 2 cores
    python benchmarks/events.py --quick    # smoke run with small sizes

Four workloads, each run twice on a fresh kernel with the same calls (``random.Random(0)``):
``Kernel(record=True)`` and ``Kernel(record=False)``.

- *vmlist-heavy*: 200 live vmalloc areas of 1..4 pages, then "vfree one, vmalloc one";
- *buddy-heavy*: 200 live blocks of order 0..3, then "free_pages one, alloc_pages one";
- *process-heavy*: spawn a task, touch its text, data and stack, fork it, write in the
  child (copy on write), exit both;
- *200k frames*: the vmlist and buddy steps mixed, on a kernel of 800 MB (204,800 frames).

Recording is lazy: a step is kept as a tuple and built into an event (and applied to the
view state) when the timeline is first read.  Bytes are measured after a read
(``timeline.head``), so they count the built timeline.

Bytes: tracemalloc's traced memory after the workload minus just after boot, divided by the
number of events recorded.  "total" is the recorded run's growth (events, operations,
checkpoints and the model's own state); "recording" subtracts the growth of the
``record=False`` run, which leaves what the timeline holds.  Time: the same workload
without tracemalloc, best of five, over the run not recorded ("off"):

- "rec/off": recorded, nothing read (what recording adds to the model's calls);
- "+build/off": recorded, then the whole timeline read once (every event built and
  applied to the view state: what a replay of the whole run costs on top);
- "live/off": recorded and read after every operation (an observer reading ``head``, as a
  player following a running kernel does).

Targets: recording <= 200 B/event, <= 1.5x time.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

try:
    import vmwidgets  # noqa: F401
except ImportError:  # run from a checkout without installing: use the package beside us
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vmwidgets import GFP_KERNEL, Config, Kernel

Workload = Callable[[Kernel, int], None]


def vmlist_heavy(k: Kernel, n: int) -> None:
    rng = random.Random(0)
    live = [k.vmalloc(rng.randint(1, 4) * 4096) for _ in range(min(n, 200))]
    for _ in range(n):
        k.vfree(live.pop(rng.randrange(len(live))))
        live.append(k.vmalloc(rng.randint(1, 4) * 4096))


def buddy_heavy(k: Kernel, n: int) -> None:
    rng = random.Random(0)
    live = []
    for _ in range(min(n, 200)):
        order = rng.randint(0, 3)
        live.append((k.alloc_pages(GFP_KERNEL, order), order))
    for _ in range(n):
        page, order = live.pop(rng.randrange(len(live)))
        k.free_pages(page, order)
        order = rng.randint(0, 3)
        live.append((k.alloc_pages(GFP_KERNEL, order), order))


def process_heavy(k: Kernel, n: int) -> None:
    for _ in range(max(1, n // 20)):
        task = k.spawn("cat")
        stack = task.mm.task_size - 0x2000
        task.access(0x08048000)  # text: a page-cache page
        task.access(0x0804C000, True)  # data: a private copy
        task.access(stack, True)  # stack: an anonymous page
        child = k.fork(task)
        child.access(0x0804C000, True)  # copy on write
        child.access(stack, True)
        k.exit(child)
        k.exit(task)


def mixed(k: Kernel, n: int) -> None:
    vmlist_heavy(k, n // 2)
    buddy_heavy(k, n // 2)


def _grow(cfg: Config, work: Workload, n: int, record: bool) -> tuple[int, int]:
    """(bytes traced after ``work`` minus just after boot, events recorded)."""
    gc.collect()
    tracemalloc.start()
    k = Kernel(cfg, record=record)
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    work(k, n)
    if k.timeline is not None:
        k.timeline.head  # noqa: B018 - build the recorded steps: they count
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return after - before, len(k.timeline) if record else 0


def _seconds(cfg: Config, work: Workload, n: int) -> tuple[float, float, float, float]:
    """Best of five times: (recorded and not read, recorded then read once, not recorded,
    recorded and read live); the runs alternate so load drifts hit all of them."""
    best = [float("inf")] * 4
    for _ in range(5):
        for i, (record, read, live) in enumerate(((True, False, False), (True, True, False),
                                                  (False, False, False), (True, True, True))):  # fmt: skip
            k = Kernel(cfg, record=record)
            tl = k.timeline
            if live and tl is not None:
                tl.observe(lambda t: t.head)
            gc.collect()
            t0 = time.perf_counter()
            work(k, n)
            if read and tl is not None:
                tl.head  # noqa: B018 - build every recorded step
            best[i] = min(best[i], time.perf_counter() - t0)
    return best[0], best[1], best[2], best[3]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    quick = ap.parse_args(argv).quick
    n = 100 if quick else 2000
    small, big = Config(ram=64 << 20), Config(ram=800 << 20)  # 800 MB = 204,800 frames
    cases: list[tuple[str, Config, Workload]] = [
        ("vmlist-heavy", small, vmlist_heavy),
        ("buddy-heavy", small, buddy_heavy),
        ("process-heavy", small, process_heavy),
        (f"{big.ram >> 12:,} frames", big, mixed),
    ]
    cols = ("events", "total B/ev", "recording B/ev", "off s", "rec/off", "+build/off", "live/off")
    widths = (9, 11, 15, 7, 8, 11, 9)
    head = f"{'workload':16} " + " ".join(f"{c:>{w}}" for c, w in zip(cols, widths, strict=True))
    print(head)
    print("-" * len(head))
    for name, cfg, work in cases:
        grown, events = _grow(cfg, work, n, True)
        model, _ = _grow(cfg, work, n, False)
        rec, built, off, live = _seconds(cfg, work, n)
        total, per = grown / events, (grown - model) / events
        print(
            f"{name:16} {events:>9,} {total:>11.0f} {per:>15.0f} {off:>7.3f} {rec / off:>7.2f}x"
            f" {built / off:>10.2f}x {live / off:>8.2f}x"
        )
    print("targets: recording <= 200 B/event, rec/off <= 1.5x (+build/off, live/off: reading it, for comparison)")


if __name__ == "__main__":
    main()
