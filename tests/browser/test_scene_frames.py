"""scene.js in Chromium behind a stand-in model that speaks SceneWidget's protocol: what a real
SceneWidget sends (keyframes, numbered changes) is handed to the page as anywidget would, and
the drawing must follow every scene exactly, ask for a keyframe after a lost change, and, in a
large scene, draw only what is near the screen (boxes without text when zoomed far out) while
the SVG button still saves every box."""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from vmwidgets.widgets import SceneWidget
from vmwidgets.widgets.scene import CSS, esm

from .harness import lite_drive

pytestmark = [pytest.mark.browser, pytest.mark.slow]

drive = lite_drive()
SVG = "{http://www.w3.org/2000/svg}"

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>frames</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="scene.css"><style>body { margin: 0; width: 900px; }</style></head><body>
<div id="view"></div>
<script type="module">
import scene from "./scene.js";
// the parts of anywidget's model scene.js uses, with custom messages in and out
window.sent = [];
window.mount = (values) => {
  const handlers = {};
  const fire = (name, ...args) => (handlers[name] || []).forEach((f) => f(...args));
  window.model = {
    get: (k) => values[k],
    set: (k, v) => { values[k] = v; fire("change:" + k); },
    save_changes() {},
    send: (m) => window.sent.push(m),
    on: (e, f) => (handlers[e] = handlers[e] || []).push(f),
    off: (e, f) => { handlers[e] = (handlers[e] || []).filter((g) => g !== f); },
    custom: (m) => fire("msg:custom", m, []),
  };
  scene.render({ model: window.model, el: document.getElementById("view") });
};
</script></body></html>"""

# the boxes drawn (not leaving), in order, with their text
DRAWN = """() => [...document.querySelectorAll('g.vmw-node:not(.vmw-exit)')].map((g) =>
  [g.dataset.id, [...g.querySelectorAll('text')].map((t) => t.textContent)])"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("frames")
    (root / "scene.js").write_text(esm("scene.js"), encoding="utf-8")
    (root / "scene.css").write_text(CSS, encoding="utf-8")
    (root / "index.html").write_text(PAGE, encoding="utf-8")
    with drive.SiteServer(root) as server:
        yield server.url


@pytest.fixture
def tab(browser, site):
    ctx = drive.offline_context(browser, viewport={"width": 1000, "height": 800}, accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(15_000)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(f"{site}/index.html")
    pg.wait_for_function("() => window.mount")
    yield pg
    assert errors == [], errors
    assert ctx.offsite == [], f"requests off this machine: {ctx.offsite}"
    ctx.close()


class Link:
    """A SceneWidget wired to the page: what it sends is queued, then handed over by ``flush``."""

    def __init__(self, sw: SceneWidget, tab) -> None:
        self.sw, self.tab, self.queue = sw, tab, []
        sw._send = lambda msg, buffers=None: self.queue.append(copy.deepcopy(msg))  # type: ignore[method-assign]
        tab.evaluate(
            "(f) => window.mount({ _frame: f, selected: '', duration: 0, max_height: 400, refit: false })", sw._frame
        )
        tab.wait_for_function("() => +document.querySelector('.vmw-scene').dataset.draws >= 1")

    def flush(self, drop: frozenset[int] = frozenset()) -> None:
        for msg in self.queue:
            if msg["method"] == "custom" and msg["content"]["seq"] not in drop:
                self.tab.evaluate("(m) => window.model.custom(m)", msg["content"])
            elif msg["method"] == "update" and "_frame" in msg["state"]:
                self.tab.evaluate("(f) => window.model.set('_frame', f)", msg["state"]["_frame"])
        self.queue.clear()

    def answer(self) -> None:
        """What the page asked of Python (``{have}``), answered."""
        for m in self.tab.evaluate("() => window.sent.splice(0)"):
            self.sw._message(self.sw, m)
        self.flush()


def box(i: int, text: str, cls: str = "") -> dict[str, Any]:
    return {
        "id": f"n{i}",
        "x": 8,
        "y": 8 + 30 * i,
        "w": 120,
        "h": 20,
        "rows": [[f"{text} {i}"]],
        "cls": cls,
        "sel": f"n{i}",
    }


def column(n: int, text: str = "box", hl: int = -1, drop: int = -1) -> dict[str, Any]:
    nodes = [box(i, text, "hl" if i == hl else "") for i in range(n) if i != drop]
    return {"title": f"{n} boxes", "w": 140, "h": 16 + 30 * n, "nodes": nodes, "edges": [], "grids": []}


def expected(scene: dict[str, Any]) -> list[list[Any]]:
    return [[n["id"], [c for r in n["rows"] for c in r]] for n in scene["nodes"]]


def test_the_drawing_follows_keyframes_and_changes_and_asks_after_a_gap(tab) -> None:
    sw = SceneWidget(scene=column(5))
    link = Link(sw, tab)
    assert tab.evaluate("() => window.sent.splice(0)") == [{"have": 1}]  # told Python what it holds
    steps = [column(5, "a"), column(6, "a", hl=2), column(6, "a", hl=2), column(6, "b", drop=3), column(2, "c")]
    for s in steps:
        sw.scene = s
        link.flush()
        assert tab.evaluate(DRAWN) == expected(s)
    seq = sw._seq
    sw.scene = column(2, "c", hl=0)
    sw.scene = column(2, "c", hl=1)
    assert [m["method"] for m in link.queue] == ["custom", "custom"]
    link.flush(drop=frozenset({seq + 1}))  # lost: the next cannot be applied
    assert tab.evaluate(DRAWN) == expected(column(2, "c"))
    assert tab.evaluate("() => window.sent") == [{"have": seq}]
    link.answer()
    assert tab.evaluate(DRAWN) == expected(column(2, "c", hl=1))
    assert tab.evaluate("() => document.querySelector('g.vmw-node.hl').dataset.id") == "n1"
    assert tab.evaluate("() => window.sent") == []


def test_a_large_scene_draws_what_is_near_the_screen(tab) -> None:
    n = 2000
    sw = SceneWidget(scene=column(n, hl=1500))
    Link(sw, tab)
    view = tab.locator(".vmw-scene")
    count = "() => document.querySelectorAll('g.vmw-node').length"
    texts = "() => document.querySelectorAll('g.vmw-node text').length"
    drawn = tab.evaluate(count)
    assert 0 < drawn < n // 10  # 400 px of a 60,000 px column, and a screen either side
    assert tab.evaluate("() => !!document.querySelector('g.vmw-node[data-id=\"n0\"]')")
    # the step's box: far down, not drawn; the button brings the view there
    step = view.get_by_role("button", name="zoom to the step")
    assert step.is_visible() and not view.get_by_role("button", name="zoom to the selected box").is_visible()
    assert not tab.evaluate("() => !!document.querySelector('g.vmw-node[data-id=\"n1500\"]')")
    tab.evaluate("() => window.model.set('selected', 'n7')")  # as a click on n7 sets it
    assert view.get_by_role("button", name="zoom to the selected box").is_visible()
    step.click()
    tab.wait_for_function("() => !!document.querySelector('g.vmw-node[data-id=\"n1500\"] text')")
    box = tab.locator('g.vmw-node[data-id="n1500"]').bounding_box()
    svg = tab.locator("svg.vmw-svg").bounding_box()
    assert box and svg and svg["y"] <= box["y"] and box["y"] + box["height"] <= svg["y"] + svg["height"]
    # zoomed far out: more boxes, none with text; fit brings the text back
    for _ in range(14):
        view.get_by_role("button", name="zoom out").click()
    tab.wait_for_function(f"() => document.querySelectorAll('g.vmw-node').length > {drawn}")
    assert tab.evaluate(texts) == 0
    view.get_by_role("button", name="fit to the view").click()
    tab.wait_for_function("() => document.querySelectorAll('g.vmw-node text').length > 0")
    assert tab.evaluate(count) < n // 10
    # the picture: every box, with its text
    with tab.expect_download() as info:
        view.get_by_role("button", name="save as SVG").click()
    root = ET.fromstring(info.value.path().read_bytes())
    nodes = [g for g in root.iter(SVG + "g") if re.search(r"\bvmw-node\b", g.get("class") or "")]
    assert len(nodes) == n
    assert sum(1 for t in root.iter(SVG + "text") if (t.text or "").startswith("box ")) == n
    assert tab.evaluate(count) < n // 10  # and back to what is near the screen


def test_a_small_scene_draws_everything_without_the_new_buttons(tab) -> None:
    sw = SceneWidget(scene=column(200, hl=150))
    Link(sw, tab)
    assert tab.evaluate("() => document.querySelectorAll('g.vmw-node').length") == 200
    assert not tab.locator(".vmw-scene").get_by_role("button", name="zoom to the step").is_visible()


def test_thousands_of_boxes_on_screen_fold_into_runs(tab) -> None:
    cols, rows = 50, 40
    nodes = [
        {"id": f"n{i}", "x": 8 + 130 * (i % cols), "y": 8 + 30 * (i // cols), "w": 120, "h": 20,
         "rows": [[f"box {i}"]], "cls": "hl" if i == 777 else ""}
        for i in range(cols * rows)
    ]  # fmt: skip
    scene = {"title": "wide", "w": 16 + 130 * cols, "h": 16 + 30 * rows, "nodes": nodes, "edges": [], "grids": []}
    sw = SceneWidget(scene=scene)
    Link(sw, tab)  # fitted to the width: every box on screen, a few pixels each
    runs = "() => [...document.querySelectorAll('g.vmw-run')].map((g) => g.getAttribute('class'))"
    folded = tab.evaluate(runs)
    assert 0 < len(folded) <= 3 * cols  # a column is one run, or three around the step's box
    assert sum("hl" in c.split() for c in folded) == 1
    assert tab.evaluate("() => document.querySelectorAll('g.vmw-node[data-id]').length") == 0
    tab.locator(".vmw-scene").get_by_role("button", name="zoom to the step").click()
    tab.wait_for_function("() => !!document.querySelector('g.vmw-node[data-id=\"n777\"] text')")
    assert tab.evaluate(runs) == []
