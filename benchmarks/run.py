"""Print benchmark figures for the vmwidgets model (no assertions, no pass/fail).

    python benchmarks/run.py            # full run, about 35 s on 2 cores
    python benchmarks/run.py --quick    # smoke run with small sizes, about 1 s

Figures (one function each, all printed in one table at the end):

1. boot time (median of repeats) and tracemalloc peak memory, 1 GB non-PAE and 4 GB PAE;
2. vmalloc+vfree operations per second with ``live`` areas on vmlist, recording on and
   off, and their ratio (target: recording costs at most 1.5x);
3. time to record a timeline of ``events`` events, then seek latency at random
   positions and alternating between the two ends (target: < 50 ms per seek);
4. bytes per recorded event: tracemalloc growth while recording (events, operations,
   checkpoints and the model's own state) and ``Timeline.memory_bytes()`` (events only),
   plus the number and size of checkpoints.

The workload: boot 1 GB non-PAE, ``vmalloc`` ``live`` areas of 1..``pages`` pages
(``random.Random(0)``), then repeat "vfree a random live area, vmalloc a new one".
Figures 3 and 4 run it twice: *list-heavy* (1,000 live areas of 1..4 pages: most events
are vmlist visits, recorded as slices) and *state-heavy* (20 live areas of 1..64 pages:
most events change state — frames, buddy lists, PTEs).  Only the standard library and
vmwidgets are used.
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

try:
    import vmwidgets
except ImportError:  # run from a checkout without installing: use the package beside us
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import vmwidgets

from vmwidgets import Config, Kernel
from vmwidgets.reducers import PLANS

PAGE = 4096
MB = 1 << 20
SEEK_TARGET_MS = 50.0
RECORD_RATIO_TARGET = 1.5


@dataclass(frozen=True)
class Sizes:
    boot_repeats: int
    live: int  # vmalloc areas kept on vmlist
    churn_iters: int  # "vfree one, vmalloc one" iterations timed for figure 2
    churn_repeats: int  # figure 2 is the median of this many fresh runs per mode
    events: int  # timeline length for figures 3 and 4
    seeks: int  # random seeks
    end_seeks: int  # seeks alternating between position 0 and len


FULL = Sizes(boot_repeats=40, live=1000, churn_iters=2000, churn_repeats=3, events=1_000_000, seeks=200, end_seeks=20)
QUICK = Sizes(boot_repeats=2, live=200, churn_iters=200, churn_repeats=1, events=50_000, seeks=20, end_seeks=4)


@dataclass(frozen=True)
class Workload:
    name: str
    live: int
    pages: int


LIST_HEAVY = Workload("list-heavy", 1000, 4)
STATE_HEAVY = Workload("state-heavy", 20, 64)


@dataclass
class Row:
    section: str
    figure: str
    value: str
    unit: str
    note: str = ""


def log(msg: str) -> None:
    """Progress goes to stderr so stdout is only the table."""
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


# -- workload ------------------------------------------------------------------------------------
def one_gb(record: bool = True) -> Kernel:
    return Kernel(Config(ram=1 << 30), record=record)


def fill(k: Kernel, rng: random.Random, n: int, pages: int = 4) -> list[int | None]:
    """vmalloc ``n`` areas of 1..pages pages; returns their addresses (None where vmalloc failed)."""
    return [k.vmalloc(rng.randint(1, pages) * PAGE) for _ in range(n)]


def churn_once(k: Kernel, rng: random.Random, live: list[int | None], pages: int = 4) -> None:
    """vfree a random live area, vmalloc a new one in its slot (two operations)."""
    i = rng.randrange(len(live))
    k.vfree(live[i])
    live[i] = k.vmalloc(rng.randint(1, pages) * PAGE)


def workload(k: Kernel, wl: Workload, until_events: int | None = None, iters: int = 0) -> int:
    """Fill ``wl.live`` areas, then churn until the timeline has ``until_events`` events (or for
    ``iters`` iterations).  Returns the number of churn iterations done."""
    rng = random.Random(0)
    live = fill(k, rng, wl.live, wl.pages)
    done = 0
    while (len(k.timeline) < until_events) if until_events is not None else (done < iters):
        churn_once(k, rng, live, wl.pages)
        done += 1
    sync(k)
    return done


def sync(k: Kernel) -> None:
    """Build what the timeline recorded (recording is lazy: steps become events when first
    read), so every recorded figure includes that cost."""
    if k.timeline is not None:
        k.timeline.head  # noqa: B018


def traced(fn: Callable[[], object]) -> tuple[object, int, int]:
    """Run ``fn`` under tracemalloc; returns (result, bytes still held, peak bytes)."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, current, peak


# -- figure 1: boot ------------------------------------------------------------------------------
def fig_boot(label: str, cfg: Config, sz: Sizes) -> list[Row]:
    times = []
    for _ in range(sz.boot_repeats):
        gc.collect()
        t0 = time.perf_counter()
        Kernel(cfg)
        times.append(time.perf_counter() - t0)
    _, held, peak = traced(lambda: Kernel(cfg))
    sec = f"1. boot {label}"
    return [
        Row(sec, "boot time (median)", f"{statistics.median(times) * 1e3:.2f}", "ms", f"of {sz.boot_repeats}"),
        Row(sec, "boot time (worst)", f"{max(times) * 1e3:.2f}", "ms"),
        Row(sec, "memory, tracemalloc peak", f"{peak / MB:.2f}", "MB", "record=True (model + timeline)"),
        Row(sec, "memory, held after boot", f"{held / MB:.2f}", "MB"),
    ]


# -- figure 2: vmalloc/vfree throughput ----------------------------------------------------------
def time_churn(sz: Sizes, record: bool, gc_off: bool = False) -> tuple[float, int]:
    """Seconds for ``sz.churn_iters`` churn iterations on a fresh kernel; and events they recorded.

    ``gc_off`` disables the cyclic garbage collector while timing (for comparison only).
    """
    rng = random.Random(0)
    k = one_gb(record)
    live = fill(k, rng, sz.live)
    sync(k)
    before = len(k.timeline) if record else 0
    gc.collect()
    if gc_off:
        gc.disable()
    try:
        t0 = time.perf_counter()
        for _ in range(sz.churn_iters):
            churn_once(k, rng, live)
        sync(k)
        dt = time.perf_counter() - t0
    finally:
        gc.enable()
    events = len(k.timeline) - before if record else 0
    del k, live
    gc.collect()
    return dt, events


def fig_churn(sz: Sizes) -> list[Row]:
    on, off, on_nogc, events = [], [], [], 0
    for _ in range(sz.churn_repeats):  # interleaved so drift hits all modes alike
        dt, events = time_churn(sz, record=True)
        on.append(dt)
        off.append(time_churn(sz, record=False)[0])
        on_nogc.append(time_churn(sz, record=True, gc_off=True)[0])
    ops = 2 * sz.churn_iters
    ops_on, ops_off = ops / statistics.median(on), ops / statistics.median(off)
    ops_on_nogc = ops / statistics.median(on_nogc)
    ratio = ops_off / ops_on
    sec = f"2. vmalloc+vfree, {sz.live} live"
    reps = f"{sz.churn_iters} iters x2 ops, median of {sz.churn_repeats}"
    return [
        Row(sec, "ops/s, record=True", f"{ops_on:,.0f}", "ops/s", reps),
        Row(sec, "ops/s, record=False", f"{ops_off:,.0f}", "ops/s", reps),
        Row(sec, "slowdown on/off", f"{ratio:.2f}", "x", f"target <= {RECORD_RATIO_TARGET}x"),
        Row(sec, "ops/s, record=True, gc off", f"{ops_on_nogc:,.0f}", "ops/s", "gc.disable() while timing"),
        Row(sec, "slowdown on/off, gc off", f"{ops_off / ops_on_nogc:.2f}", "x", "how much of it is cyclic gc"),
        Row(sec, "events recorded per op", f"{events / ops:,.0f}", "events"),
    ]


# -- figure 3: record a long timeline, then seek -------------------------------------------------
def fig_seek(sz: Sizes, wl: Workload) -> tuple[list[Row], int]:
    gc.collect()
    t0 = time.perf_counter()
    k = one_gb(True)
    iters = workload(k, wl, until_events=sz.events)
    build = time.perf_counter() - t0
    tl = k.timeline
    n = len(tl)

    rng = random.Random(1)
    rand_ms = []
    for _ in range(sz.seeks):
        pos = rng.randint(0, n)
        t0 = time.perf_counter()
        tl.seek(pos)
        rand_ms.append((time.perf_counter() - t0) * 1e3)

    ends_ms = []
    for i in range(sz.end_seeks):
        pos = n if i % 2 == 0 else 0
        t0 = time.perf_counter()
        tl.seek(pos)
        ends_ms.append((time.perf_counter() - t0) * 1e3)

    changing = sum(1 for e in tl._entries if type(e) is tuple and PLANS[e[0]][2] is not None)
    sec = f"3. {wl.name}, {n:,} events"
    target = f"target < {SEEK_TARGET_MS:.0f} ms"
    rows = [
        Row(sec, "build time (boot+fill+churn)", f"{build:.2f}", "s", f"{iters:,} churn iters"),
        Row(sec, "build rate", f"{n / build:,.0f}", "events/s"),
        Row(sec, "events that change state", f"{100 * changing / n:.0f}", "%", "the rest replay for free"),
        Row(sec, "seek, random (median)", f"{statistics.median(rand_ms):.2f}", "ms", f"{sz.seeks} seeks"),
        Row(sec, "seek, random (worst)", f"{max(rand_ms):.2f}", "ms", target),
        Row(sec, "seek, 0 <-> len (median)", f"{statistics.median(ends_ms):.2f}", "ms", f"{sz.end_seeks} seeks"),
        Row(sec, "seek, 0 <-> len (worst)", f"{max(ends_ms):.2f}", "ms", target),
    ]
    del k, tl
    gc.collect()
    return rows, iters


# -- figure 4: bytes per event -------------------------------------------------------------------
def fig_bytes(sz: Sizes, wl: Workload, iters: int) -> list[Row]:
    """Record the same timeline again under tracemalloc; growth is measured from after boot."""
    base: list[int] = []

    def build() -> Kernel:
        k = one_gb(True)
        gc.collect()
        base.append(tracemalloc.get_traced_memory()[0])
        workload(k, wl, until_events=sz.events)
        gc.collect()
        return k

    k, held, _ = traced(build)
    grown = held - base[0]
    tl = k.timeline
    n = len(tl)
    events_only = tl.memory_bytes()
    every = tl._every
    cps = tl._checkpoints
    nr_cps = len(cps)
    cp_sizes = [cp.size() for cp in cps]
    last_cp_bytes = traced(cps[-1].copy)[1]
    # every checkpoint costs about as much per entry as the last one
    all_cps = last_cp_bytes * sum(cp_sizes) / max(cp_sizes[-1], 1)
    del k, tl, cps
    gc.collect()

    # The model's own growth (vm_structs, pages, page tables) for the same calls, recording off.
    def model_only() -> None:
        k = one_gb(False)
        gc.collect()
        b = tracemalloc.get_traced_memory()[0]
        workload(k, wl, iters=iters)
        gc.collect()
        base.append(tracemalloc.get_traced_memory()[0] - b)
        del k

    traced(model_only)
    model = base[1]

    sec = f"4. {wl.name}, memory of {n:,}"
    return [
        Row(sec, "growth while recording", f"{grown / MB:.1f}", "MB", "tracemalloc, from after boot"),
        Row(sec, "bytes/event, total", f"{grown / n:.0f}", "B", "events+ops+checkpoints+model"),
        Row(sec, "bytes/event, memory_bytes()", f"{events_only / n:.0f}", "B", "events only (sys.getsizeof)"),
        Row(sec, "model growth, record=False", f"{model / MB:.2f}", "MB", "same calls, for comparison"),
        Row(sec, "checkpoints", f"{nr_cps}", "", f"one every {every:,} entries"),
        Row(sec, "checkpoint size (mean)", f"{statistics.mean(cp_sizes):,.0f}", "entries", "ViewState.size()"),
        Row(sec, "last checkpoint, bytes", f"{last_cp_bytes / 1024:.0f}", "kB", "tracemalloc of one copy()"),
        Row(sec, "all checkpoints (est.)", f"{all_cps / MB:.1f}", "MB", "last checkpoint's bytes/entry"),
        Row(sec, "bytes/event, excl. checkpoints", f"{(grown - all_cps) / n:.0f}", "B", "total minus the estimate"),
    ]


# -- figure 5: process address spaces (issue 3) ---------------------------------------------------
def fig_mm(sz: Sizes) -> list[Row]:
    """mmap/munmap per second at 1,000 VMAs, find_vma per second, mm_rb height at 10,000 VMAs."""
    from vmwidgets import MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_READ, PROT_WRITE

    vmas = 1000 if sz is FULL else 200
    flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED
    rows = []
    sec = f"5. processes, {vmas} VMAs"
    rng = random.Random(2)
    for record in (True, False):
        k = Kernel(Config(), record=record)
        task = k.spawn("bench")
        mm = task.mm
        base = 0x10000000
        for i in range(vmas):  # alternate protections so neighbours do not merge
            task.mmap(base + 2 * i * PAGE, PAGE, PROT_READ | (PROT_WRITE if i % 2 else 0), flags)
        n = sz.churn_iters
        sync(k)
        t0 = time.perf_counter()
        for _ in range(n):
            i = rng.randrange(vmas)
            task.munmap(base + 2 * i * PAGE, PAGE)
            task.mmap(base + 2 * i * PAGE, PAGE, PROT_READ | (PROT_WRITE if i % 2 else 0), flags)
        sync(k)
        dt = time.perf_counter() - t0
        rows.append(Row(sec, f"mmap+munmap ops/s, record={record}", f"{2 * n / dt:,.0f}", "ops/s"))
        lookups = [base + rng.randrange(2 * vmas) * PAGE for _ in range(10 * n)]
        t0 = time.perf_counter()
        for addr in lookups:
            mm.find_vma(addr)
        dt = time.perf_counter() - t0
        rows.append(Row(sec, f"find_vma lookups/s, record={record}", f"{len(lookups) / dt:,.0f}", "ops/s"))
    big = 10_000
    k = Kernel(Config(), record=False)
    task = k.spawn("tall")
    mm = task.mm
    for i in range(big):
        task.mmap(0x10000000 + 2 * i * PAGE, PAGE, PROT_READ | (PROT_WRITE if i % 2 else 0), flags)
    n = mm.map_count
    bound = 2 * math.log2(n + 1)
    rows.append(
        Row(f"5. mm_rb, {n:,} VMAs", "tree height", f"{mm.mm_rb.height()}", "nodes", f"bound 2*log2(n+1) = {bound:.1f}")
    )
    return rows


def scenario(n: int) -> tuple[Kernel, object]:
    """A kernel with ``n`` vm_structs on vmlist and a task with ``n`` extra VMAs (lesson size: n = 4)."""
    from vmwidgets import MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_READ, PROT_WRITE

    k = Kernel(Config(aged=True, seed=1))
    task = k.spawn("bench")
    flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED
    for i in range(n):
        task.mmap(0x10000000 + 2 * i * PAGE, PAGE, PROT_READ | (PROT_WRITE if i % 2 else 0), flags)
        k.vmalloc(PAGE * (1 + i % 3))
    task.access(0x10000000, write=True)
    k.translate(k.timeline.state.vmlist[-1])
    return k, task


def fig_views(sz: Sizes) -> list[Row]:
    """Python-side latency of one player step per view (seek, focus, scene, what is sent), and
    the bytes sent: benchmarks/views.py's measure, at lesson size and at 1,000 (200 quick)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from views import Wire, makers, measure

    rows = []
    wire = Wire()
    for n in (4, 200 if sz is QUICK else 1000):
        k, task = scenario(n)
        sec = f"6. player step, {n} vm_structs + {n} VMAs"
        for name, make in makers(k, task).items():
            r = measure(make, False, wire)
            note = "target < 100 ms" if n >= 200 else ""
            rows.append(Row(sec, f"{name}: median / worst ms", f"{r['median']:.1f} / {r['worst']:.1f}", "ms", note))
            rows.append(
                Row(sec, f"{name}: bytes sent per step, median / max", f"{r['sent']:,.0f} / {r['sent_max']:,}", "B")
            )
    return rows


# -- table ---------------------------------------------------------------------------------------
def table(rows: list[Row]) -> str:
    head = Row("section", "figure", "value", "unit", "target / note")
    w = [max(len(getattr(r, f)) for r in [head, *rows]) for f in ("section", "figure", "value", "unit")]
    lines = []

    def line(r: Row, sec: str) -> str:
        return f"{sec:<{w[0]}}  {r.figure:<{w[1]}}  {r.value:>{w[2]}}  {r.unit:<{w[3]}}  {r.note}".rstrip()

    lines.append(line(head, head.section))
    lines.append("-" * max(len(x) for x in lines))
    prev = None
    for r in rows:
        lines.append(line(r, r.section if r.section != prev else ""))
        prev = r.section
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes for a smoke run (a few seconds)")
    args = ap.parse_args(argv)
    sz = QUICK if args.quick else FULL
    t_start = time.perf_counter()
    rows: list[Row] = []

    log("1. boot")
    rows += fig_boot("1 GB non-PAE", Config(ram=1 << 30), sz)
    rows += fig_boot("4 GB PAE", Config(ram=4 << 30, pae=True), sz)
    log("2. vmalloc+vfree, recording on and off")
    rows += fig_churn(sz)
    for wl in (LIST_HEAVY, STATE_HEAVY):
        log(f"3. {wl.name}: record {sz.events:,} events, seek")
        seek_rows, iters = fig_seek(sz, wl)
        rows += seek_rows
        log(f"4. {wl.name}: record {sz.events:,} events again under tracemalloc")
        rows += fig_bytes(sz, wl, iters)
    log("5. processes: mmap/munmap, find_vma, tree height")
    rows += fig_mm(sz)
    log("6. widgets: player step latency and bytes per step, per view")
    rows += fig_views(sz)

    total = time.perf_counter() - t_start
    mode = "quick" if args.quick else "full"
    print(f"vmwidgets {vmwidgets.__version__} benchmarks ({mode}), Python {sys.version.split()[0]}, {sys.platform}")
    print()
    print(table(rows))
    print()
    print(f"total run time: {total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
