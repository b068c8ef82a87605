"""Print figures for the course website's lesson pages (no assertions, no pass/fail).

    python benchmarks/site.py                     # builds the site into a temporary folder (about 50 s)
    python benchmarks/site.py --site build/site   # measures a site already built (make site)

Needs the project venv (Sphinx, Playwright) and Debian's Chromium. The site is served on
127.0.0.1 with every other host aborted (lite/drive.py, as tests/browser/test_site.py does),
each load in a fresh browser context (nothing cached). Per lesson page:

1. bytes: the page's HTML file alone, and the player data alone (the text of all its
   ``script.vmw-data`` blocks), raw and gzip-compressed (level 6, as a static host serves it);
2. load: from navigation to ``html[data-vmw-ready]`` and every view's first draw done
   (``data-draws`` >= 1), timed in the page (``performance.now()``), median of ``--loads``;
3. step latency: the page's largest player (most steps; not one held by a question) stepped
   ``--steps`` times with a keydown ArrowRight dispatched on its box. In the page, per step:
   *script*: from the keydown to its return (the seek and every view's redraw are
   synchronous); *to frame*: from the keydown until the next frame has been rendered (the
   next requestAnimationFrame, then a message posted from it, which runs after that frame's
   style, layout and paint), which includes waiting for the frame (up to 16.7 ms at 60 Hz,
   so it is about one frame interval whenever the work fits in one); *step*: the work
   itself, script plus that frame's rendering (from the rAF callback to the message), the
   figure the 16 ms target is for; and scene.js's own ``drawMs`` of each view that redrew.

Targets: <= 100 kB gzipped player data per lesson, load <= 1 s, step <= 16 ms median.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.lite import drive  # noqa: E402  (lite/drive.py: the loopback server, the offline context)
from benchmarks.run import log  # noqa: E402
from tests.browser.harness import ARGS, CHROMIUM  # noqa: E402

KB = 1000
DATA_TARGET_KB, LOAD_TARGET_MS, STEP_TARGET_MS = 100, 1000, 16
DATA = re.compile(r'<script type="application/json" class="vmw-data">(.*?)</script>', re.S)

# resolves with performance.now() once the runtime mounted and every view drew once
LOADED = """() => new Promise((resolve) => {
  const done = () => document.documentElement.dataset.vmwReady &&
    [...document.querySelectorAll('.vmw-scene')].every((s) => +s.dataset.draws >= 1);
  const poll = () => (done() ? resolve(performance.now()) : requestAnimationFrame(poll));
  poll();
})"""

# the player (not held) with the most steps: its index among the page's players, and its steps
LARGEST = """() => {
  const boxes = [...document.querySelectorAll('.vmw-page-player')];
  let best = -1, steps = -1;
  boxes.forEach((b, i) => {
    const max = +b.querySelector('.vmw-slider').max;
    const held = b.querySelector('.vmw-pos').textContent.includes('held');
    if (!held && max > steps) { best = i; steps = max; }
  });
  return [best, steps];
}"""

STEPS = """async ([box, n]) => {
  const key = (k) => box.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
  // resolves with [when the next frame began, when its rendering was done]
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => {
    const began = performance.now();
    const ch = new MessageChannel();  // its message runs after this frame's style, layout and paint
    ch.port1.onmessage = () => resolve([began, performance.now()]);
    ch.port2.postMessage(0);
  }));
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const scenes = [...document.querySelectorAll('.vmw-scene')];
  const max = +box.querySelector('.vmw-slider').max;
  const out = { script: [], work: [], frame: [], draw: [] };
  key('Home');
  await frame();
  await sleep(400);
  while (out.frame.length < n) {
    if (+box.dataset.position >= max) {  // at the end: back to the start, not timed
      key('Home');
      await frame();
      await sleep(400);
    }
    const before = scenes.map((s) => s.dataset.draws);
    const t0 = performance.now();
    key('ArrowRight');
    const t1 = performance.now();
    const [began, rendered] = await frame();
    out.script.push(t1 - t0);
    out.work.push(t1 - t0 + rendered - began);
    out.frame.push(rendered - t0);
    scenes.forEach((s, i) => { if (s.dataset.draws !== before[i]) out.draw.push(+s.dataset.drawMs); });
  }
  return out;
}"""


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 6))


def kb(n: int) -> str:
    return f"{n / KB:,.1f}"


def sizes(page: Path) -> dict[str, int]:
    raw = page.read_bytes()
    data = "".join(DATA.findall(raw.decode("utf-8"))).encode()
    return {"page": len(raw), "page_gz": gz(raw), "data": len(data), "data_gz": gz(data)}


OFFSITE: list[str] = []  # requests for other hosts (aborted): there should be none


def load_ms(browser, url: str, loads: int) -> float:
    times = []
    for _ in range(loads):
        ctx = drive.offline_context(browser)
        page = ctx.new_page()
        page.set_default_timeout(60_000)
        page.goto(url)
        times.append(page.evaluate(LOADED))
        OFFSITE.extend(ctx.offsite)
        ctx.close()
    return statistics.median(times)


def step_ms(browser, url: str, steps: int) -> dict | None:
    ctx = drive.offline_context(browser)
    page = ctx.new_page()
    page.set_default_timeout(120_000)
    page.goto(url)
    page.evaluate(LOADED)
    index, n = page.evaluate(LARGEST)
    if index < 0 or n < 1:
        ctx.close()
        return None
    box = page.locator(".vmw-page-player").nth(index)
    box.scroll_into_view_if_needed()
    out = page.evaluate(STEPS, [box.element_handle(), steps])
    OFFSITE.extend(ctx.offsite)
    ctx.close()
    return {"n": n, **out}


def build(out: Path) -> None:
    cmd = [sys.executable, str(ROOT / "website" / "build.py"), "--no-lite", "--out", str(out)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"website/build.py failed:\n{(done.stdout + done.stderr)[-3000:]}")


def measure(site: Path, loads: int, steps: int) -> list[list[str]]:
    from playwright.sync_api import sync_playwright

    rows = []
    pages = sorted((site / "lessons").glob("[0-9][0-9]-*.html"))
    with drive.SiteServer(site) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for page in pages:
            log(f"{page.stem}: {loads} loads, {steps} steps")
            url = f"{server.url}/lessons/{page.name}"
            s = sizes(page)
            load = load_ms(browser, url, loads)
            st = step_ms(browser, url, steps)
            row = [page.stem, f"{kb(s['page'])} ({kb(s['page_gz'])})", f"{kb(s['data'])} ({kb(s['data_gz'])})",
                   f"{load:.0f}"]  # fmt: skip
            if st is None:
                row += ["no player"] + [""] * 4
            else:
                draw = f"{statistics.median(st['draw']):.1f}" if st["draw"] else "-"
                row += [str(st["n"])] + [f"{statistics.median(st[k]):.1f} / {max(st[k]):.1f}"
                                         for k in ("work", "script", "frame")] + [draw]  # fmt: skip
            rows.append(row)
        browser.close()
    return rows


def table(rows: list[list[str]]) -> str:
    head = ["lesson", "page kB (gz)", "player data kB (gz)", "load ms", "player steps",
            "step ms med / worst", "script ms med / worst", "to frame ms med / worst", "drawMs med"]  # fmt: skip
    target = [
        "target",
        "",
        f"gz <= {DATA_TARGET_KB}",
        f"<= {LOAD_TARGET_MS}",
        "",
        f"med <= {STEP_TARGET_MS}",
        "",
        "",
        "",
    ]
    w = [max(len(r[i]) for r in [head, target, *rows]) for i in range(len(head))]
    line = lambda r: "  ".join(c.rjust(w[i]) if i else c.ljust(w[i]) for i, c in enumerate(r)).rstrip()  # noqa: E731
    out = [line(head), line(target), "-" * len(line(head))]
    return "\n".join([*out, *(line(r) for r in rows)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--site", type=Path, help="a site already built (default: build one into a temporary folder)")
    ap.add_argument("--loads", type=int, default=3, help="loads per page, the median is printed (default 3)")
    ap.add_argument("--steps", type=int, default=50, help="player steps to time per page (default 50)")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site
        if site is None:
            site = Path(tmp) / "site"
            log("building the site (website/build.py --no-lite)")
            t0 = time.perf_counter()
            build(site)
            log(f"built in {time.perf_counter() - t0:.0f} s")
        rows = measure(site, args.loads, args.steps)
        bundle = [site / "_static" / n for n in ("vmw-page.js", "vmw-page.css")]
        shared = sum(p.stat().st_size for p in bundle)
        shared_gz = sum(gz(p.read_bytes()) for p in bundle)
    print(f"vmwidgets course website, Chromium {CHROMIUM}, {os.cpu_count()} cores")
    print()
    print(table(rows))
    print()
    print(f"shared by every page: _static/vmw-page.js + vmw-page.css {kb(shared)} kB ({kb(shared_gz)} kB gzipped)")
    print(f"load: median of {args.loads}; step: {args.steps} ArrowRight keydowns on the page's largest player")
    print(f"requests for other hosts: {len(OFFSITE)}" + (f" (aborted), e.g. {OFFSITE[0]}" if OFFSITE else ""))
    print(f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end; "
          f"total run time: {time.perf_counter() - started:.0f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
