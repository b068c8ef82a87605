"""Pictures out: scenes as standalone SVG documents (render/svg.py), the views' to_svg and save."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from vmwidgets import Config, Kernel
from vmwidgets.errors import InvalidArgument, VmError
from vmwidgets.render.scene import box, curve, label, scene
from vmwidgets.render.svg import clean, maps_scene, scene_svg, stack_svg, style, svg_to_png
from vmwidgets.widgets import LayoutView, PageTableView, PhysicalMemoryView, VmaView, VmlistView

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "</text><script>alert(1)</script> & \"q\" 'a' \x00\x01\x1b\ud800 ok"
CSS = Path(__file__).resolve().parents[1] / "vmwidgets" / "widgets" / "scene.css"


def parse(doc: str) -> ET.Element:
    root = ET.fromstring(doc.encode("utf-8"))
    assert root.tag == SVG + "svg" and root.get("version") == "1.1"
    return root


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(SVG + "text")]


def sample(label_text: str = "hello") -> dict:
    a = box("a", 0, 0, [["struct vm_struct"], {"c": ["addr", "0xf8800000"], "cls": "hl"}], "k-area sel", tip="tip!")
    b = box("b", 200, 40, [[label_text], ["size", None, "4 kB"]], "rb-red")
    return scene(
        "vmlist: 1 vm_struct",
        [a, b, label("l", 0, 120, "a label", "muted")],
        [curve("e", (a["x"] + a["w"], 10), (200, 50), "arrow hl")],
        [{"id": "g", "x": 0, "y": 150, "cols": 4, "cell": 6, "vals": "01234rhc"}],
    )


def test_a_scene_is_drawn_as_the_front_end_draws_it() -> None:
    sc = sample()
    root = parse(scene_svg(sc))
    assert root.find(SVG + "title").text == sc["title"]
    assert root.get("viewBox") == f"-8 -8 {sc['w'] + 8} {sc['h'] + 8}"
    assert root.find(SVG + "style") is not None
    bg = root.find(SVG + "rect")
    assert bg.get("class") == "vmw-bg" and bg.get("width") == str(sc["w"] + 8)
    # every non-empty cell of every node, at scene.js's x/y
    want = [str(c) for n in sc["nodes"] for r in n["rows"] for c in (r if isinstance(r, list) else r["c"]) if c]
    assert texts(root) == want
    groups = {g.get("class"): g for g in root.iter(SVG + "g")}
    a = groups["vmw-node k-area sel"]
    assert a.get("transform") == "translate(0,0)"
    assert a.find(SVG + "title").text == "tip!"
    assert a.find(SVG + "rect").get("class") == "vmw-box"
    band = a.findall(SVG + "rect")[1]
    assert band.get("class") == "vmw-row hl" and band.get("y") == "17" and band.get("height") == "14"
    cell = a.findall(SVG + "text")[2]
    assert (cell.get("x"), cell.get("y"), cell.get("class")) == (
        str(sc["nodes"][0]["cols"][1] + 5),
        "28",
        "vmw-text hl",
    )
    b = groups["vmw-node rb-red"]
    assert b.get("transform") == "translate(200,40)"
    assert [t.get("x") for t in b.findall(SVG + "text")] == ["5", "5", str(sc["nodes"][1]["cols"][2] + 5)]
    assert groups["vmw-node label muted"].find(SVG + "rect") is None  # a label has no box
    assert next(root.iter(SVG + "marker")).get("id") == "vmw-arrow"
    edge = next(p for p in root.iter(SVG + "path") if "vmw-edge" in (p.get("class") or ""))
    assert edge.get("d") == sc["edges"][0]["d"] and edge.get("marker-end") == "url(#vmw-arrow)"
    cells = groups["vmw-grid"].findall(SVG + "rect")
    assert [c.get("class") for c in cells] == [f"v{ch}" for ch in "01234rhc"]
    assert (cells[5].get("x"), cells[5].get("y"), cells[5].get("width")) == ("6", "6", "5")


def test_hostile_labels_stay_text_and_the_document_well_formed() -> None:
    sc = sample(HOSTILE)
    sc["title"] = HOSTILE
    sc["nodes"][0]["tip"] = HOSTILE
    sc["nodes"][0]["cls"] = 'x" onload="alert(1)'
    sc["edges"][0]["d"] = 'M0,0" onclick="x'
    doc = scene_svg(sc)
    root = parse(doc)
    assert "<script" not in doc and not list(root.iter(SVG + "script"))
    assert not any(k.startswith("on") for e in root.iter() for k in e.attrib)
    shown = HOSTILE.replace("\x00", "\ufffd").replace("\x01", "\ufffd").replace("\x1b", "\ufffd")
    shown = shown.replace("\ud800", "\ufffd")
    assert shown in texts(root)
    assert root.find(SVG + "title").text == shown
    assert doc.encode("utf-8")  # no lone surrogate left
    both = stack_svg([sc, sample()])
    assert shown in texts(parse(both))


def test_dark_differs_from_light_and_every_class_of_scene_css_is_styled() -> None:
    light, dark = scene_svg(sample()), scene_svg(sample(), dark=True)
    assert light != dark
    bg = re.compile(r"\.vmw-bg\{fill:(#[0-9a-f]{6})")
    assert bg.search(light)[1] == "#ffffff" and bg.search(dark)[1] == "#1e1e1e"
    for doc in (light, dark):
        assert "var(" not in doc and "color-mix" not in doc and "rgba(" not in doc
    # the palette's classes: a class scene.css gives a look must have one in the pictures too
    css = CSS.read_text()
    ours = style()
    for kind, cls in re.findall(r"\.vmw-(node|row|grid|edge|text)(?:\.|\s+\.)([a-z][\w-]*)", css):
        if cls == "arrow" or cls.startswith("vmw-"):  # arrows: a marker-end attribute
            continue
        assert f".{cls}" in ours, f"scene.css styles .vmw-{kind} .{cls}; the SVG style sheet does not"


def test_stacked_scenes_sit_under_one_another() -> None:
    a, b = sample(), sample("second")
    root = parse(stack_svg([a, b], gap=10))
    parts = [g for g in root.iter(SVG + "g") if g.get("class") == "vmw-part"]
    assert [p.get("transform") for p in parts] == ["translate(0,20)", f"translate(0,{20 + a['h'] + 10 + 20})"]
    assert [t.text for t in root.iter(SVG + "text") if t.get("class") == "vmw-caption"] == [a["title"], b["title"]]
    assert root.get("height") == str(8 + 20 + a["h"] + 10 + 20 + b["h"])
    assert parse(stack_svg([a], captions=False)).get("viewBox") == parse(scene_svg(a)).get("viewBox")
    parse(stack_svg([]))  # nothing drawn yet: still a document


def small():
    k = Kernel(Config(era="2.6.32"))
    for i in range(3):
        k.vmalloc(4096 * (i + 1), caller=HOSTILE if i == 0 else "drv")
    task = k.spawn("cat")
    return k, task


@pytest.mark.parametrize("make", [VmaView, VmlistView, LayoutView, PageTableView, PhysicalMemoryView])
def test_every_view_gives_its_picture(make) -> None:
    k, task = small()
    view = make(task if make is VmaView else k)
    doc = view.to_svg()
    root = parse(doc)
    shown = set(texts(root))
    cells = [c for sw in view.scenes for n in sw.scene.get("nodes", []) for r in n.get("rows", [])
             for c in (r if isinstance(r, list) else r["c"]) if c not in (None, "")]  # fmt: skip
    assert cells and {clean(c) for c in cells} <= shown
    assert view.to_svg(dark=True) != doc
    if make is VmaView:
        assert "/proc/1/maps" in [t.text for t in root.iter(SVG + "text") if t.get("class") == "vmw-caption"]
        assert "/bin/cat" in shown and "r-xp" in shown


def test_maps_scene_marks_the_selection() -> None:
    _, task = small()
    view = VmaView(task)
    s, mm = view._state, view.source.mm
    key = next(iter(s.vmas[mm]))
    sc = maps_scene(s, mm, selected=f"vma:{mm}:{key}")
    rows = sc["nodes"][0]["rows"]
    assert rows[0]["cls"] == "head" and sum(isinstance(r, dict) and r.get("cls") == "sel" for r in rows) == 1
    assert len(rows) == 1 + len(s.vmas[mm])


def test_save_writes_svg_and_png(tmp_path) -> None:
    k, _ = small()
    view = VmlistView(k)
    out = view.save(tmp_path / "vmlist.svg")
    assert out == tmp_path / "vmlist.svg" and parse(out.read_text(encoding="utf-8")) is not None
    view.save(str(tmp_path / "dark.SVG"), dark=True)
    assert "#1e1e1e" in (tmp_path / "dark.SVG").read_text(encoding="utf-8")
    pytest.importorskip("cairosvg")
    png = view.save(tmp_path / "vmlist.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000
    w = int.from_bytes(png[16:20], "big")
    assert w == 2 * (view.scene.scene["w"] + 8)
    assert svg_to_png(scene_svg(sample()), scale=1)[:4] == b"\x89PNG"


@pytest.mark.parametrize("bad", ["picture.jpg", "picture", 42, None])
def test_save_names_a_bad_path(tmp_path, bad) -> None:
    k, _ = small()
    view = LayoutView(k)
    arg = bad if not isinstance(bad, str) else tmp_path / bad
    with pytest.raises(InvalidArgument, match=r"^path=") as e:
        view.save(arg)
    assert isinstance(e.value, VmError) and e.value.name == "path"
    with pytest.raises(InvalidArgument, match=r"^scale="):
        view.save(tmp_path / "x.png", scale=0)
    assert not list(tmp_path.iterdir())


def test_png_without_cairosvg_says_what_to_install(monkeypatch, tmp_path) -> None:
    import builtins

    real = builtins.__import__

    def no_cairo(name, *args, **kwargs):
        if name == "cairosvg":
            raise ImportError("No module named 'cairosvg'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_cairo)
    k, _ = small()
    with pytest.raises(VmError, match="pip install cairosvg"):
        LayoutView(k).save(tmp_path / "layout.png")
    assert not (tmp_path / "layout.png").exists()
