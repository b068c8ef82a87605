"""Print scene.js's draw time for a synthetic large scene (no assertions, no pass/fail).

    python benchmarks/scene_draw.py [--nodes 10000] [--steps 100]

A static page with the widgets' front end (``esm("scene.js")``) behind a stand-in model draws
a scene of ``--nodes`` boxes (three rows of text each, four columns, an edge between every
fifth pair) and steps it ``--steps`` times; each step moves the highlight (``hl``) to three
other boxes and rewrites one box's text, applied as the live widget applies it (a
:func:`~vmwidgets.render.delta.scene_delta` through delta.js's ``applyDelta``).  Per step:
*drawMs*, scene.js's own time (``data-draw-ms``); *step*, from the change to the end of the
next rendered frame's work (script, then that frame's style, layout and paint, as
benchmarks/site.py measures it).  Views: four columns fitted (as first shown) and zoomed out
to 5 %, the least zoom (text too small to draw; a few hundred boxes on screen), a hundred
columns zoomed out (every box on screen) and 200 boxes (too few for culling) for comparison.

Needs the project venv (Playwright) and Debian's Chromium.  Target: step <= 16 ms median.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from lite import drive  # noqa: E402
from tests.browser.harness import ARGS, CHROMIUM  # noqa: E402
from vmwidgets.render.delta import scene_delta  # noqa: E402
from vmwidgets.render.scene import box, curve, scene  # noqa: E402
from vmwidgets.widgets.scene import CSS, esm  # noqa: E402

PAGE = """<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="scene.css">
<style>body {{ margin: 0; width: 1000px; }}</style></head><body><div id="view"></div>
<script type="module">
import scene from "./scene.js";
window.applyDelta = (s, d) => scene.applyDelta(s, d);
{model}
window.model = model({{ scene: {{}}, selected: "", duration: 350, max_height: 460, refit: false }});
scene.render({{ model: window.model, el: document.getElementById("view") }});
</script></body></html>"""

from tests.browser.hostpages import MODEL_JS  # noqa: E402 - the stand-in model the browser tests use

# per step: apply the change, let scene.js draw, then wait for the frame that shows it
STEPS = """async (deltas) => {
  const root = document.querySelector('.vmw-scene');
  const frame = () => new Promise((ok) => requestAnimationFrame(() => {
    const began = performance.now();
    const ch = new MessageChannel();
    ch.port1.onmessage = () => ok([began, performance.now()]);
    ch.port2.postMessage(0);
  }));
  const out = { draw: [], step: [] };
  let s = window.model.get('scene');
  for (const d of deltas) {
    const t0 = performance.now();
    s = window.applyDelta(s, d);
    window.model.set('scene', s);
    const t1 = performance.now();
    const [began, rendered] = await frame();
    out.draw.push(+root.dataset.drawMs);
    out.step.push(t1 - t0 + rendered - began);
  }
  return out;
}"""


def scenes(nodes: int, steps: int, cols: int = 4) -> list[dict]:
    rnd = random.Random(0)

    def build(hl: set[int], text: dict[int, str]) -> dict:
        items = []
        for i in range(nodes):
            c, r = i % cols, i // cols
            path = text.get(i, "/lib/libc.so.6")
            rows = [[f"vma {i}", f"{0x08048000 + i * 0x1000:#010x}"], ["r-xp", path], ["pages", "4"]]
            items.append(box(f"n{i}", 8 + c * 260, 8 + r * 56, rows, "hl" if i in hl else "", w=240, sel=f"n{i}"))
        edges = []
        for i in range(0, nodes - cols, 5):
            x, y = 248 + (i % cols) * 260, 32 + (i // cols) * 56
            edges.append(curve(f"e{i}", (x, y), (x + 20, y + 56)))
        return scene(f"synthetic: {nodes} boxes", items, edges)

    out = [build(set(), {})]
    for step in range(steps):
        out.append(build({rnd.randrange(nodes) for _ in range(3)}, {rnd.randrange(nodes): f"/tmp/file{step}"}))
    return out


def stats(xs: list[float]) -> str:
    return f"{statistics.median(xs):6.2f} / {max(xs):6.2f}"


def measure(browser, url: str, nodes: int, steps: int, zoom_out: bool, cols: int) -> tuple[str, str, int]:
    seq = scenes(nodes, steps, cols)
    deltas = [scene_delta(a, b) for a, b in itertools.pairwise(seq)]
    ctx = drive.offline_context(browser, viewport={"width": 1000, "height": 800})
    page = ctx.new_page()
    page.goto(url)
    page.wait_for_function("() => +document.querySelector('.vmw-scene')?.dataset.draws >= 1")
    page.evaluate("(s) => window.model.set('scene', s)", seq[0])
    if zoom_out:
        for _ in range(14):  # 1 * 0.8^14: about 5 %
            page.get_by_role("button", name="zoom out").click()
    page.wait_for_timeout(500)
    out = page.evaluate(STEPS, deltas)
    drawn = page.evaluate("() => document.querySelectorAll('g.vmw-node').length")
    ctx.close()
    return stats(out["draw"]), stats(out["step"]), drawn


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=10_000)
    ap.add_argument("--steps", type=int, default=100)
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        js = esm("scene.js")
        # the module's exports, plus applyDelta (from delta.js, in front of scene.js) for the steps
        js = js.replace("export default { render };", "export default { render, applyDelta };")
        (root / "scene.js").write_text(js)
        (root / "scene.css").write_text(CSS)
        (root / "index.html").write_text(PAGE.format(model=MODEL_JS))
        with drive.SiteServer(root) as server, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            print(f"{'view':<40} {'boxes drawn':>11} {'drawMs med / worst':>20} {'step ms med / worst':>20}")
            runs = [
                (args.nodes, 4, False, "4 columns, fitted"),
                (args.nodes, 4, True, "4 columns, zoomed out 5 %"),
                (args.nodes, 100, True, "100 columns, zoomed out 5 %"),  # every box on screen
                (200, 4, False, "4 columns, fitted"),  # too few to cull
            ]
            for nodes, cols, zoom_out, name in runs:
                draw, step, drawn = measure(browser, f"{server.url}/index.html", nodes, args.steps, zoom_out, cols)
                print(f"{f'{nodes:,} boxes, {name}':<40} {drawn:>11,} {draw:>20} {step:>20}", flush=True)
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
