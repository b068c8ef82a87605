"""Issue 15's figures: a step of the explorer and of each view at 100, 1,000 and 10,000 VMAs.

    python benchmarks/views.py                     # Python side, about 4 minutes on 2 cores
    python benchmarks/views.py --quick             # 100 and 300 VMAs, about 20 s
    python benchmarks/views.py --baseline 125acd6  # also the code of that commit, same steps
    python benchmarks/views.py --browser           # also the draw time in Chromium

For each size, ``n`` VMAs and ``n`` vm_structs are built with recording paused (the
model's own vmalloc walk is quadratic: 80 s at 10,000), then a student's operations are
recorded (mmaps into holes, munmaps, mprotect splits, faults, vmallocs, vfrees) and the
last 300 steps are timed, one step forward at a time (``Player.step_forward``: the seek,
the focus, every view's scene and what the widgets send).  Each is measured two ways in
the same process: as the views draw now (keeping what a step did not change, sending scene
changes), and rebuilt whole at every step with the whole scenes counted as sent (what
every step cost before issue 15, with this code's folding).  ``--baseline REV`` runs the
same steps on the code of commit REV (a temporary git worktree, its own process).

"Sent" is every comm message the step's widgets send (state updates and custom
messages, JSON), captured at ``ipywidgets.Widget._send``.  A real process: the explorer of
``from_proc_maps`` of the stored Chromium renderer (13,623 VMAs), the last 300 steps of its
building.  Timings use ``time.perf_counter()`` with the garbage collector on; figures are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
try:
    import vmwidgets  # noqa: F401
except ImportError:  # run from a checkout without installing: use the package beside us
    sys.path.insert(0, str(HERE.parent))

from vmwidgets import Kernel, from_proc_maps  # noqa: E402 - after the path is set

STEPS = 300
TARGET_MS, WORST_MS, TARGET_BYTES = 16.0, 50.0, 10_000


def _helpers() -> Any:
    """tests/helpers.py of this checkout, by its path (under --baseline, vmwidgets is an older one)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("vmw_test_helpers", HERE.parent / "tests" / "helpers.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def scenario(n: int, ops: int = 60, seed: int = 0) -> tuple[Kernel, Any]:
    """``n`` VMAs and ``n`` vm_structs built unrecorded, then ``ops`` recorded operations
    (tests/helpers.py:big_process, which tests/test_incremental.py walks too)."""
    k, task = _helpers().big_process(n, era="2.6.32", ops=ops, seed=seed)
    return k, task


def browser_mm(searches: int = 0) -> Any:
    """The stored Chromium renderer's mm: its building recorded (68,050 steps), or with
    ``searches`` built unrecorded and then that many ``find_vma`` recorded, as lesson 7 does."""
    import gzip

    text = gzip.decompress((HERE.parent / "vmwidgets" / "data" / "proc-maps-chromium.txt.gz").read_bytes()).decode()
    if not searches:
        return from_proc_maps(text, name="chromium")
    k = Kernel()
    with k.timeline.paused():
        mm = from_proc_maps(text, kernel=k, name="chromium")
    vmas = list(mm)
    rng = random.Random(0)
    for _ in range(searches):
        v = vmas[rng.randrange(len(vmas))]
        mm.find_vma(v.vm_start + (v.vm_end - v.vm_start) // 2)
    return mm


class Wire:
    """Bytes of every comm message widgets send while ``on``."""

    def __init__(self) -> None:
        from ipywidgets import Widget

        self.bytes, self.on = 0, False
        real = Widget._send

        def send(widget: Any, msg: Any, buffers: Any = None) -> Any:
            if self.on:
                self.bytes += len(json.dumps(msg, separators=(",", ":"), default=str).encode())
                self.bytes += sum(len(b) for b in buffers or ())
            return real(widget, msg, buffers)

        Widget._send = send  # type: ignore[method-assign]


def _leaves(ex_views: list[Any]) -> list[Any]:
    out = []
    for v in ex_views:
        out += list(v.scenes)
        if hasattr(v, "maps"):
            out.append(v.maps)
    return out


def _whole(leaf: Any) -> Any:
    return leaf.scene if hasattr(leaf, "scene") else leaf.value


def measure(make: Callable[[], tuple[Any, list[Any]]], whole: bool, wire: Wire | None) -> dict[str, float]:
    """Median and worst ms and sent bytes of the last STEPS steps of the player ``make`` gives."""
    player, views = make()
    panels = [player.narration, player.code]
    leaves = _leaves(views)
    n = len(player.timeline)
    start = max(0, n - STEPS)
    player.seek(start)
    times: list[float] = []
    sent: list[int] = []
    for _ in range(n - start):
        if whole:
            player._drawn = None  # nothing kept: every view rebuilds from the whole state
            before = [_whole(x) for x in leaves + panels]
        if wire is not None:
            wire.bytes, wire.on = 0, True
        t0 = time.perf_counter()
        player.step_forward()
        times.append((time.perf_counter() - t0) * 1e3)
        if wire is not None:
            wire.on = False
        if whole:  # a synced trait resends its whole value when it changes
            after = [_whole(x) for x in leaves + panels]
            sent.append(sum(len(json.dumps(a)) for a, b in zip(after, before, strict=True) if a != b))
        elif wire is not None:
            sent.append(wire.bytes)
    times.sort()
    return {
        "median": statistics.median(times),
        "worst": times[-1],
        "sent": statistics.median(sent) if sent else 0,
        "sent_max": max(sent) if sent else 0,
    }


def makers(k: Kernel, task: Any) -> dict[str, Callable[[], tuple[Any, list[Any]]]]:
    from vmwidgets.widgets import LayoutView, PageTableView, PhysicalMemoryView, Player, VmaView, VmlistView, explore

    def view(cls: Any, obj: Any) -> Callable[[], tuple[Any, list[Any]]]:
        def make() -> tuple[Any, list[Any]]:
            v = cls(obj)
            return Player(task, [v]), [v]

        return make

    def ex() -> tuple[Any, list[Any]]:
        e = explore(task)
        return e.player, e.views

    return {
        "explore(task)": ex,
        "VmaView": view(VmaView, task),
        "VmlistView": view(VmlistView, k),
        "LayoutView": view(LayoutView, task),
        "PageTableView": view(PageTableView, task),
        "PhysicalMemoryView": view(PhysicalMemoryView, task),
    }


def python_side(sizes: list[int], modes: tuple[str, ...], real: bool) -> list[dict[str, Any]]:
    rows = []
    wire = Wire()
    k, task = scenario(50, ops=8)  # a warm-up, not printed: the first steps of a process pay for imports
    measure(makers(k, task)["explore(task)"], False, wire)
    for n in sizes:
        t0 = time.perf_counter()
        k, task = scenario(n)
        print(f"  {n:,} VMAs built in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        for name, make in makers(k, task).items():
            for mode in modes:
                r = measure(make, mode == "whole", wire)
                rows.append({"n": n, "what": name, "mode": mode, **r})
    if real:
        mm = browser_mm()

        def ex() -> tuple[Any, list[Any]]:
            from vmwidgets.widgets import explore

            e = explore(mm)
            return e.player, e.views

        n = mm.map_count
        for mode in modes:
            rows.append({"n": n, "what": "explore(Chromium maps)", "mode": mode, **measure(ex, mode == "whole", wire)})
    return rows


def baseline(rev: str, sizes: list[int], real: bool) -> list[dict[str, Any]]:
    """The explorer's figures on the code of commit ``rev`` (its own worktree and process).
    They are kept in the temporary folder and reused by the next run with the same arguments
    (an old commit's figures do not change; at 10,000 VMAs they take ten minutes)."""
    root = HERE.parent
    sha = subprocess.run(["git", "-C", str(root), "rev-parse", rev], capture_output=True, text=True).stdout.strip()
    cache = Path(tempfile.gettempdir()) / f"vmwidgets-baseline-{sha[:12]}-{'-'.join(map(str, sizes))}-{real}.json"
    if cache.exists():
        print(f"  baseline {rev}: figures kept from an earlier run ({cache})", file=sys.stderr)
        return [dict(r, mode=rev) for r in json.loads(cache.read_text())]
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(root), "worktree", "add", "-q", "--detach", str(tree), rev], check=True)
        try:
            env = {**os.environ, "PYTHONPATH": str(tree)}
            args = [sys.executable, __file__, "--as-baseline", "--sizes", ",".join(map(str, sizes))]
            out = subprocess.run(args + (["--real"] if real else []), env=env, capture_output=True, text=True)
            if out.returncode:
                print(out.stderr[-2000:], file=sys.stderr)
                return []
            rows = json.loads(out.stdout.splitlines()[-1])
            cache.write_text(json.dumps(rows))
            return [dict(r, mode=rev) for r in rows]
        finally:
            subprocess.run(["git", "-C", str(root), "worktree", "remove", "--force", str(tree)], check=False)


def old_explorer(sizes: list[int], real: bool) -> list[dict[str, Any]]:
    """Run by ``baseline`` under an older vmwidgets: whole scenes synced, as that code sends them."""
    from vmwidgets.widgets import explore

    rows = []
    for n in sizes:
        _, task = scenario(n)
        e = explore(task)
        rows.append({"n": n, "what": "explore(task)", **measure(lambda e=e: (e.player, e.views), True, None)})
    if real:
        e = explore(browser_mm())
        n = len(e.views[0]._now().vmas[e.source.mm])
        rows.append({"n": n, "what": "explore(Chromium maps)", **measure(lambda: (e.player, e.views), True, None)})
    return rows


def browser_side(sizes: list[int]) -> list[dict[str, Any]]:
    from draw import draw_times  # benchmarks/draw.py: Chromium via Playwright

    rows = []
    for n in sizes:
        _, task = scenario(n, ops=12)
        rows.append({"n": n, "what": "explore(task) in Chromium", "mode": "draw", **draw_times(task)})
    rows.append({"n": 13_623, "what": "explore(Chromium maps) in Chromium", "mode": "draw", **draw_times(None)})
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """One line per size and what, the modes side by side, and the gain over the whole rebuild."""
    by: dict[tuple[int, str], dict[str, dict[str, Any]]] = {}
    for r in rows:
        by.setdefault((r["n"], r["what"]), {})[r["mode"]] = r
    head = f"{'VMAs':>7}  {'what':<34} {'mode':<12} {'median ms':>9} {'worst ms':>9}"
    lines = [head + f" {'sent B median':>13} {'max':>9}  note"]
    for (n, what), modes in sorted(by.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        now = modes.get("incremental")
        for mode, r in modes.items():
            note = ""
            if mode == "incremental":
                ok = r["median"] <= TARGET_MS and r["worst"] <= WORST_MS and r["sent"] <= TARGET_BYTES
                note = "targets met" if ok else "target missed"
            elif now is not None:
                gain = r["median"] / max(now["median"], 1e-3)
                note = f"x{gain:.1f} time, x{r['sent'] / max(now['sent'], 1):.0f} bytes"
            if mode == "draw":  # its "sent" is the replay page's size, its "max" the page's steps
                met = " (met)" if r["median"] <= 16 else " (missed)"
                note = f"page {r['sent'] / 1e6:.1f} MB, {r['sent_max']:,} steps; target <= 16 ms median{met}"
            lines.append(
                f"{n:>7,}  {what:<34} {mode:<12} {r['median']:>9.2f} {r['worst']:>9.1f} "
                f"{r['sent']:>13,.0f} {r['sent_max']:>9,.0f}  {note}"
            )
    return "\n".join(lines)


def growth(rows: list[dict[str, Any]]) -> str:
    ex = {r["n"]: r["median"] for r in rows if r["what"] == "explore(task)" and r["mode"] == "incremental"}
    if len(ex) < 2:
        return ""
    lo, hi = min(ex), max(ex)
    return f"explorer step growth {lo:,} -> {hi:,} VMAs: x{ex[hi] / ex[lo]:.2f} (target <= 2)"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100 and 300 VMAs")
    ap.add_argument("--baseline", metavar="REV", help="also measure the explorer on the code of commit REV")
    ap.add_argument("--browser", action="store_true", help="also the draw time in Chromium (Playwright)")
    ap.add_argument("--as-baseline", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--sizes", help=argparse.SUPPRESS)
    ap.add_argument("--real", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    sizes = [int(s) for s in a.sizes.split(",")] if a.sizes else ([100, 300] if a.quick else [100, 1_000, 10_000])
    if a.as_baseline:
        print(json.dumps(old_explorer(sizes, a.real)))
        return 0
    rows = python_side(sizes, ("incremental", "whole"), real=not a.quick)
    if a.baseline:
        rows += baseline(a.baseline, sizes, real=not a.quick)
    if a.browser:
        sys.path.insert(0, str(HERE))
        rows += browser_side(sizes)
    print(table(rows))
    print(growth(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
