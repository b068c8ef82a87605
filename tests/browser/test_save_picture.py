"""The views' SVG and PNG buttons in Chromium: a static page with the real front end (scene.js
behind a stand-in model, as hostpages.py does) drawing real scenes; each button downloads
the whole drawing, and nothing is fetched from outside the machine."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from vmwidgets import Kernel
from vmwidgets.widgets import PhysicalMemoryView, VmlistView

from .harness import lite_drive
from .hostpages import MODEL_JS, WIDGETS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

drive = lite_drive()
SVG = "{http://www.w3.org/2000/svg}"
CALLER = '</text><script>alert(1)</script> & "q"'

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>save</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="scene.css"></head><body>
<div id="view0"></div><div id="view1"></div>
<script type="application/json" id="scenes">{scenes}</script>
<script type="module">
import scene from "./scene.js";
{model}
JSON.parse(document.getElementById("scenes").textContent).forEach((s, i) =>
  scene.render({{ model: model({{ scene: s, selected: "", duration: 350, max_height: 300, refit: false }}),
                  el: document.getElementById("view" + i) }}));
</script></body></html>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("save")
    js = b"".join((WIDGETS / f).read_bytes() for f in ("colours.js", "delta.js", "scene.js"))  # as scene.py's esm
    (root / "scene.js").write_bytes(js)
    (root / "scene.css").write_bytes((WIDGETS / "scene.css").read_bytes())
    k = Kernel()
    k.vmalloc(8192, caller=CALLER)
    scenes = [VmlistView(k).scene.scene, PhysicalMemoryView(k).scene.scene]
    page = PAGE.format(scenes=json.dumps(scenes).replace("</", "<\\/"), model=MODEL_JS)
    (root / "index.html").write_text(page, encoding="utf-8")
    with drive.SiteServer(root) as server:
        yield server.url, scenes


@pytest.fixture
def tab(browser):
    ctx = drive.offline_context(browser, viewport={"width": 1000, "height": 800}, accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(15_000)
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    assert ctx.offsite == [], f"requests off this machine: {ctx.offsite}"
    ctx.close()


def _open(tab, url: str) -> None:
    tab.goto(f"{url}/index.html")
    tab.wait_for_function("() => [...document.querySelectorAll('.vmw-scene')].every((e) => +e.dataset.draws >= 1)")


def _download(tab, scene, label: str) -> tuple[str, bytes]:
    button = scene.get_by_role("button", name=label, exact=True)
    assert button.get_attribute("title")
    with tab.expect_download() as info:
        button.click()
    download = info.value
    path = download.path()
    return download.suggested_filename, path.read_bytes()


def test_svg_button_downloads_the_whole_drawing(site, tab) -> None:
    url, scenes = site
    _open(tab, url)
    scene = tab.locator(".vmw-scene").first
    scene.get_by_role("button", name="zoom in").click()  # a zoomed view still saves the whole drawing
    name, data = _download(tab, scene, "save as SVG")
    assert re.fullmatch(r"[a-z0-9-]+\.svg", name), name
    root = ET.fromstring(data)
    assert root.tag == SVG + "svg"
    w, h = scenes[0]["w"], scenes[0]["h"]
    assert root.get("viewBox") == f"-8 -8 {w + 8} {h + 8}"
    assert root.find(SVG + "title").text == scenes[0]["title"]
    texts = [t.text for t in root.iter(SVG + "text")]
    assert "struct vm_struct" in texts, texts
    assert any(t.startswith("</text><script>") for t in texts), texts  # the caller (shortened), as text
    assert b"<script" not in data and not list(root.iter(SVG + "script"))
    # standalone: concrete colours on the elements, a background, no CSS variable, no page state
    assert b"var(" not in data and b"color-mix" not in data and b"data-sig" not in data
    rects = list(root.iter(SVG + "rect"))
    assert rects[0].get("width") == str(w + 8) and rects[0].get("fill", "").startswith("rgb(")
    boxes = [r for r in rects if "vmw-box" in (r.get("class") or "")]
    assert boxes and all(r.get("fill") and r.get("stroke", "").startswith("rgb(") for r in boxes)
    viewport = next(g for g in root.iter(SVG + "g") if g.get("class") == "vmw-viewport")
    assert viewport.get("transform") is None
    assert not tab.errors, tab.errors


def test_png_button_downloads_a_picture_at_twice_the_size(site, tab) -> None:
    url, scenes = site
    _open(tab, url)
    scene = tab.locator(".vmw-scene").nth(1)  # physical memory: grids
    name, data = _download(tab, scene, "save as PNG")
    assert name.endswith(".png"), name
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (2 * (scenes[1]["w"] + 8), 2 * (scenes[1]["h"] + 8))
    assert len(data) > 5000
    assert not tab.errors, tab.errors
