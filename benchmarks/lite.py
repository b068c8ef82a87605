"""Print figures for the zero-install JupyterLite site (no assertions, no pass/fail).

    python benchmarks/lite.py             # builds build/lite if an input changed; about 3 minutes
    python benchmarks/lite.py --steps 20

Needs the project venv (Playwright) and Debian's Chromium. The site is served on 127.0.0.1
with every other host aborted (lite/drive.py), in a fresh browser context each time, so
each load is a first load. Figures:

1. the site on disk: total, the Pyodide runtime, the wheels of the lock, the JupyterLite app;
2. a first load of the first lesson (open, Run All, every cell run), twice: served as the
   files are (Python's http.server) and gzip-compressed as static hosts serve them: bytes
   transferred (Playwright's response body and header sizes), time to page ready (the
   notebook shows its cells), to kernel ready (the kernel first idle after starting) and to
   the lesson's last cell done, all from navigation;
3. player step latency in Pyodide: the vmalloc lesson's vmlist player stepped forward
   ``--steps`` times; each step is timed in the page from the click to the last redraw of
   its views (their data-draws attribute), waiting for 300 ms of quiet after each.

Targets (issue 10): first load <= 20 MB, kernel ready <= 8 s, step <= 50 ms median.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.run import Row, log, table  # noqa: E402
from tests.browser.harness import ARGS, CHROMIUM, run_all  # noqa: E402

_spec = importlib.util.spec_from_file_location("lite_drive", ROOT / "lite" / "drive.py")
drive = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(drive)

MB = 1e6
FIRST_LESSON = "01-layout.ipynb"
STEP_LESSON, STEP_VIEW = "04-vmalloc.ipynb", "vmlist"

# Step the player in ``box`` forward until ``n`` steps redrew a view (back to the start at the
# end of its timeline); per step, ms from the click to the last data-draws change of the box's
# views (draw; null if none redrew within 500 ms of the player moving).
STEPS_JS = """
async ([box, n]) => {
  const scenes = [...box.querySelectorAll('.vmw-scene')];
  const button = (t) => box.querySelector(`button[title^="${t}"]`);
  const readout = () => box.querySelector('.widget-readout').textContent.trim();
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const out = [];
  while (out.filter((s) => s.draw !== null).length < n && out.length < 10 * n) {
    let last = null;
    const seen = new MutationObserver(() => { last = performance.now(); });
    scenes.forEach((s) => seen.observe(s, { attributes: true, attributeFilter: ['data-draws'] }));
    const before = readout();
    const t0 = performance.now();
    button('one step forward').click();
    while (readout() === before && performance.now() - t0 < 5000) await sleep(5);
    if (readout() === before) {  // at the end of the timeline: back to the start, not timed
      seen.disconnect();
      button('to the start').click();
      await sleep(1500);
      continue;
    }
    // the views' new scenes come with the same reply as the new position
    const moved = performance.now();
    while (last === null ? performance.now() - moved < 500 : performance.now() - last < 300) await sleep(10);
    seen.disconnect();
    out.push({ draw: last === null ? null : last - t0 });
  }
  return out;
}
"""


def du(paths) -> int:
    return sum(p.stat().st_size for p in paths if p.is_file())


def fig_site() -> list[Row]:
    site = drive.SITE
    static = site / "static" / "pyodide"
    runtime = [static / n for n in ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")]
    wheels = list(static.glob("*.whl"))
    app = [*(site / "build").rglob("*"), *(site / "extensions").rglob("*")]
    files = [p for p in site.rglob("*") if p.is_file()]
    return [
        Row("1. site", "on disk, total", f"{du(files) / MB:.1f}", "MB", f"{len(files)} files"),
        Row("1. site", "Pyodide runtime", f"{du(runtime) / MB:.1f}", "MB", "wasm, stdlib (compiled), loaders"),
        Row("1. site", "wheels in the lock", f"{du(wheels) / MB:.1f}", "MB", f"{len(wheels)} wheels, compiled"),
        Row("1. site", "JupyterLite app + extensions", f"{du(app) / MB:.1f}", "MB"),
    ]


def first_load(browser, use_gzip: bool) -> list[Row]:
    """Open the first lesson in a fresh context and Run All."""
    label = "gzip" if use_gzip else "as files"
    with drive.SiteServer(use_gzip=use_gzip) as server:
        ctx = drive.offline_context(browser)
        page = ctx.new_page()
        page.set_default_timeout(120_000)
        page.add_init_script(drive.TIMELINE)
        finished = []
        page.on("requestfinished", lambda r: finished.append(r))
        run_all(page, server.lesson_url(FIRST_LESSON))
        page.wait_for_function("() => window.__vmwDone !== undefined", timeout=60_000)
        t = drive.timeline(page)
        start_to_ready = t["kernel"] - t["kernel_start"]
        sizes = [r.sizes() for r in finished]
        sent = sum(s["responseBodySize"] + s["responseHeadersSize"] for s in sizes)
        section = f"2. first load ({label})"
        rows = [
            Row(section, "bytes transferred", f"{sent / MB:.1f}", "MB", f"target 20 MB; {len(sizes)} responses"),
            Row(section, "page ready", f"{t['page'] / 1000:.1f}", "s", "the notebook shows its cells"),
            Row(section, "kernel ready", f"{t['kernel'] / 1000:.1f}", "s", "target 8 s"),
            Row(section, "  of which kernel start to ready", f"{start_to_ready / 1000:.1f}", "s", "Pyodide + packages"),
            Row(section, f"{FIRST_LESSON} last cell done", f"{t['done'] / 1000:.1f}", "s", "Run All as soon as shown"),
            Row(section, "requests to other hosts", str(len(ctx.offsite)), "", "aborted"),
        ]
        ctx.close()
    return rows


def fig_steps(browser, n: int) -> list[Row]:
    with drive.SiteServer() as server:
        ctx = drive.offline_context(browser)
        page = ctx.new_page()
        page.set_default_timeout(120_000)
        run_all(page, server.lesson_url(STEP_LESSON))
        players = page.locator(".vmw-player")
        box = None
        for i in range(players.count()):
            candidate = players.nth(i).locator("xpath=..")
            if candidate.locator(".vmw-title", has_text=STEP_VIEW).count():
                box = candidate
                break
        box.scroll_into_view_if_needed()
        ms = page.evaluate(STEPS_JS, [box.element_handle(), n])
        ctx.close()
    drawn = [m["draw"] for m in ms if m["draw"] is not None]
    sec = "3. player step (Pyodide)"
    return [
        Row(sec, "click to views redrawn, median", f"{statistics.median(drawn):.0f}", "ms",
            f"target 50 ms; {len(drawn)} steps ({len(ms) - len(drawn)} more redrew no view)"),
        Row(sec, "click to views redrawn, worst", f"{max(drawn):.0f}", "ms", f"{STEP_LESSON}, its {STEP_VIEW} player"),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=50, help="player steps to time (default 50)")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    load = os.getloadavg()[0]
    log("building build/lite if an input changed")
    drive.build_site()
    rows = fig_site()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for use_gzip in (False, True):
            log(f"2. first load of {FIRST_LESSON} ({'gzip' if use_gzip else 'as files'})")
            rows += first_load(browser, use_gzip)
        log(f"3. {args.steps} player steps in {STEP_LESSON}")
        rows += fig_steps(browser, args.steps)
        browser.close()
    print(f"vmwidgets JupyterLite site, Chromium {CHROMIUM}, {os.cpu_count()} cores")
    print()
    print(table(rows))
    print()
    print(f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end; "
          f"total run time: {time.perf_counter() - started:.0f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
