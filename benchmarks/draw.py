"""Browser-side draw time of an explorer step, in Debian's Chromium (Playwright).

    python benchmarks/draw.py 100 1000 10000     # sizes (views.py's scenario); "real": the
                                                 # stored Chromium renderer's 13,623 VMAs,
                                                 # built unrecorded, then 8 find_vma

The explorer is written as a replay page (``export_html``: the views' own scene.js behind
page.js, every step stored as scene changes), served on 127.0.0.1 with every other host
aborted, and its player is stepped ``STEPS`` times with the → key from 100 steps before the end.
Per step: the script (seek and every view's redraw, the keyed SVG update included), the
draw (that and the style and layout of what changed, forced at once by reading
``offsetHeight``; painting is the compositor's) and the frame (until the next frame was
rendered, as site.py measures it: headless Chromium renders on its 16.7 ms clock, so this is
about one frame whenever the work fits in one).  Median and worst are printed, with
scene.js's own ``drawMs`` and the page's size.  Steps are ``GAP`` ms apart, so each starts
after the last one's animations; the median draw with a step every frame (→ held down, the
animations of several steps running at once) is printed too.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

STEPS = 100
GAP = 400  # ms between steps: the last step's animations (350 ms) are over, as for → pressed twice a second
_STEP = """async ([box, n, gap]) => {
  const key = (k) => box.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true }));
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => {
    const ch = new MessageChannel();  // its message runs after this frame's style, layout and paint
    ch.port1.onmessage = () => resolve(performance.now());
    ch.port2.postMessage(0);
  }));
  const scenes = [...document.querySelectorAll(".vmw-scene")];
  const slider = box.querySelector(".vmw-slider");
  slider.value = Math.max(0, +slider.max - n);
  slider.dispatchEvent(new Event("input"));
  await frame();
  await new Promise((r) => setTimeout(r, 400));
  const out = { script: [], draw: [], frame: [], drawMs: [] };
  for (let i = 0; i < n; i++) {
    const before = scenes.map((s) => s.dataset.draws);
    const t0 = performance.now();
    key("ArrowRight");
    const t1 = performance.now();
    void document.documentElement.offsetHeight;  // style and layout now
    const t2 = performance.now();
    out.script.push(t1 - t0);
    out.draw.push(t2 - t0);
    out.frame.push((await frame()) - t0);
    if (gap) await new Promise((r) => setTimeout(r, gap));
    scenes.forEach((s, j) => { if (s.dataset.draws !== before[j]) out.drawMs.push(+s.dataset.drawMs); });
  }
  return out;
}"""


def _page(task: Any, folder: Path) -> Path:
    from vmwidgets.widgets import explore
    from vmwidgets.widgets.page import export_html

    if task is None:  # the stored Chromium renderer, built unrecorded, then searched (as in lesson 7)
        from views import browser_mm

        task = browser_mm(searches=8)
    return export_html(explore(task), folder / "explorer.html", title="draw benchmark")


def draw_times(task: Any) -> dict[str, float]:
    """Median and worst ms of a step's draw (script, style and layout), its script and frame
    medians, scene.js's drawMs, and the page's size (``sent``) and steps (``sent_max``)."""
    from playwright.sync_api import sync_playwright

    from benchmarks.lite import drive
    from tests.browser.harness import ARGS, CHROMIUM

    with tempfile.TemporaryDirectory() as tmp:
        page_file = _page(task, Path(tmp))
        size = page_file.stat().st_size
        with drive.SiteServer(Path(tmp)) as server, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            ctx = drive.offline_context(browser)
            page = ctx.new_page()
            page.goto(f"{server.url}/explorer.html")
            page.wait_for_selector("html[data-vmw-ready]")
            box = page.locator(".vmw-page-player").first
            n = int(box.locator(".vmw-slider").get_attribute("max") or 0)
            out = page.evaluate(_STEP, [box.element_handle(), STEPS, GAP])
            fast = page.evaluate(_STEP, [box.element_handle(), STEPS, 0])
            offsite = ctx.offsite
            browser.close()
    assert not offsite, offsite
    draw = sorted(out["draw"])
    return {
        "median": statistics.median(draw),
        "worst": draw[-1],
        "script": statistics.median(out["script"]),
        "frame": statistics.median(out["frame"]),
        "draw_ms": statistics.median(out["drawMs"]) if out["drawMs"] else 0.0,
        "fast": statistics.median(fast["draw"]),  # a step every frame: the animations overlap
        "sent": size,
        "sent_max": n,
    }


def main(argv: list[str]) -> int:
    from views import scenario

    for arg in argv or ["100"]:
        task = None if arg == "real" else scenario(int(arg), ops=12)[1]
        r = draw_times(task)
        print(
            f"{arg:>6}: draw median {r['median']:.1f} ms, worst {r['worst']:.1f} ms (script {r['script']:.1f} ms,"
            f" scene.js drawMs {r['draw_ms']:.1f} ms, to the rendered frame {r['frame']:.1f} ms;"
            f" a step every frame {r['fast']:.1f} ms); "
            f"page {r['sent'] / 1e6:.2f} MB, {r['sent_max']:,} steps"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
