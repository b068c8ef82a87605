"""Browser-side draw time of an explorer step, in Debian's Chromium (Playwright).

    python benchmarks/draw.py 100 1000 10000     # sizes; "real" for the stored Chromium maps

The explorer is written as a replay page (``export_html``: the views' own scene.js behind
page.js, the steps as scene changes), opened from ``file://`` at 1280 x 900, moved to 100
steps before the end, then stepped forward 100 times with the → key on the player.  Each
step gives two figures: the script (from the key to the end of every view's drawing, the
keyed SVG update included) and the draw (that, and the style and layout of what changed,
forced at once with ``offsetHeight``; painting is the compositor's, not timed).  Two frames
pass between steps.  Median and worst of the 100 steps are printed.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
STEPS = 100

_STEP = """async (box) => {
  const t0 = performance.now();
  box.dispatchEvent(new KeyboardEvent("keydown", {key: "ArrowRight", bubbles: true}));
  const t1 = performance.now();
  void document.documentElement.offsetHeight; // style and layout of what changed, now
  const t2 = performance.now();
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));  // painted
  return [t1 - t0, t2 - t0, document.querySelectorAll(".vmw-node").length];
}"""


def _page(task: Any, where: Path) -> Path:
    from vmwidgets.widgets import explore
    from vmwidgets.widgets.page import export_html

    if task is None:  # the stored Chromium renderer: its building's last steps
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from views import browser_mm

        task = browser_mm()
    ex = explore(task)
    return export_html(ex, where / "explorer.html", title="draw benchmark")


def draw_times(task: Any) -> dict[str, float]:
    """Median and worst ms of a step's script and frame, and the page's size."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        page_file = _page(task, Path(tmp))
        size = page_file.stat().st_size
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
            page.goto(page_file.as_uri())
            page.wait_for_selector("html[data-vmw-ready]")
            box = page.locator("[data-player]").first
            n = int(box.evaluate("(b) => b.querySelector('input[type=range]').max"))
            box.evaluate(
                "(b, v) => { const s = b.querySelector('input[type=range]'); s.value = v;"
                " s.dispatchEvent(new Event('input')); }",
                max(0, n - STEPS),
            )
            page.wait_for_timeout(500)
            script, frame, nodes = [], [], 0
            handle = box.element_handle()
            for _ in range(STEPS):
                s, f, nodes = page.evaluate(_STEP, handle)
                script.append(s)
                frame.append(f)
            browser.close()
    script.sort()
    frame.sort()
    return {
        "median": statistics.median(script),
        "worst": script[-1],
        "frame": statistics.median(frame),
        "frame_worst": frame[-1],
        "sent": size,
        "sent_max": nodes,
    }


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from views import scenario

    for arg in argv or ["100"]:
        task = None if arg == "real" else scenario(int(arg), ops=12)[1]
        r = draw_times(task)
        print(
            f"{arg:>6}: script median {r['median']:.1f} ms, worst {r['worst']:.1f} ms; "
            f"with style and layout median {r['frame']:.1f} ms, worst {r['frame_worst']:.1f} ms; "
            f"page {r['sent'] / 1e6:.2f} MB, {r['sent_max']:,} boxes in the DOM"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
