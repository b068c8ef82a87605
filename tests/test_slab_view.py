"""The SLUB view: caches, slabs and objects drawn from the replayed view state, freelists in order."""

from __future__ import annotations

import itertools
import json
import re
import xml.dom.minidom

import pytest

from vmwidgets import GFP_KERNEL, Config, InvalidArgument, Kernel
from vmwidgets.render.focus import Focus
from vmwidgets.render.slab_scene import slab_order, slab_scene
from vmwidgets.render.svg import scene_svg
from vmwidgets.widgets import LayoutView, PhysicalMemoryView, Player, SlabView

ERAS = ["2.6.24", "2.6.32"]


def node(scene: dict, id: str) -> dict | None:
    return next((n for n in scene["nodes"] if n["id"] == id), None)


def edge(scene: dict, id: str) -> dict | None:
    return next((e for e in scene["edges"] if e["id"] == id), None)


def text(n: dict) -> list[str]:
    return [c for r in n.get("rows", []) for c in (r["c"] if isinstance(r, dict) else r)]


def on_box(n: dict, x: float, y: float) -> bool:
    """(x, y) lies on the border of box ``n``."""
    inside = n["x"] - 0.1 <= x <= n["x"] + n["w"] + 0.1 and n["y"] - 0.1 <= y <= n["y"] + n["h"] + 0.1
    return inside and min(abs(x - n["x"]), abs(x - n["x"] - n["w"]), abs(y - n["y"]), abs(y - n["y"] - n["h"])) < 0.1


def chain(k: Kernel, head: int) -> list[int]:
    fp, out = k.slub.free_pointers, []
    while head:
        out.append(head)
        head = fp[head]
    return out


def partial_scenario(era: str) -> tuple[Kernel, list[int]]:
    """kmalloc-128: a full slab, a second one as cpu slab, then one object of the first freed (partial)."""
    k = Kernel(Config(era=era))
    per = k.kmem_cache("kmalloc-128").objects
    objs = [k.kmalloc(100, GFP_KERNEL) for _ in range(per + 3)]
    k.kfree(objs[5])
    k.kfree(objs[per + 1])  # the cpu slab's: onto c->freelist
    return k, objs


@pytest.mark.parametrize("era", ERAS)
def test_one_item_per_cache_slab_and_object(era: str) -> None:
    k, objs = partial_scenario(era)
    s = k.timeline.head
    sc = slab_scene(s)
    for name in s.slab_caches:
        assert node(sc, f"cache:{name}") is not None
    assert len(s.slabs) == 2
    for pfn, r in s.slabs.items():
        assert node(sc, f"slab:{pfn:x}")["sel"] == f"slab:{pfn:#x}"
        size = s.slab_size[r.cache]
        for i in range(r.objects):
            a = r.addr + i * size
            n = node(sc, f"obj:{a:x}")
            assert n is not None and n["sel"] == f"addr:{a:#x}"
            assert ("k-kernel" in n.get("cls", "")) == (a in s.slab_objects)  # in use is filled
    ids = [n["id"] for n in sc["nodes"]]
    assert len(ids) == len(set(ids))
    assert "2 slabs" in sc["title"] and f"{len(objs) - 2} objects in use" in sc["title"]


@pytest.mark.parametrize("era", ERAS)
def test_freelists_are_drawn_in_the_order_the_kernel_follows(era: str) -> None:
    k, objs = partial_scenario(era)
    c = k.kmem_cache("kmalloc-128")
    s = k.timeline.head
    cpu, full = c.cpu_slab.page, k.slub.slabs()
    assert cpu is not None
    # the replayed order is the model's: c->freelist for the cpu slab, page->freelist for the other
    assert s.slab_free[cpu.pfn] == chain(k, c.cpu_slab.freelist)
    other = next(sp for sp in full if sp is not cpu)
    assert s.slab_free[other.pfn] == chain(k, other.freelist) == [objs[5]]
    assert s.slab_free[cpu.pfn][0] == objs[c.objects + 1]  # LIFO: the freed object first
    sc = slab_scene(s)
    for pfn, free in s.slab_free.items():
        head = edge(sc, f"fl:{pfn:x}")
        assert head is not None
        for a, b in itertools.pairwise(free):
            e = edge(sc, f"fp:{a:x}")
            na, nb = node(sc, f"obj:{a:x}"), node(sc, f"obj:{b:x}")
            assert e is not None
            points = re.findall(r"(-?[\d.]+),(-?[\d.]+)", e["d"])
            assert on_box(na, *map(float, points[0])) and on_box(nb, *map(float, points[-1]))
        assert edge(sc, f"fp:{free[-1]:x}") is None  # the last free object holds NULL
    # what kmalloc returns next is the head drawn
    assert k.kmalloc(100, GFP_KERNEL) == s.slab_free[cpu.pfn][0]


@pytest.mark.parametrize("era", ERAS)
def test_cpu_slab_and_partial_list_are_marked(era: str) -> None:
    k, _ = partial_scenario(era)
    c = k.kmem_cache("kmalloc-128")
    s = k.timeline.head
    sc = slab_scene(s)
    cpu = c.cpu_slab.page.pfn
    partial = [p.pfn for p in c.local_node.partial]
    assert slab_order(s, "kmalloc-128") == [cpu, *partial]
    assert "cpu slab (c->page)" in text(node(sc, f"slab:{cpu:x}"))
    assert "partial [0]" in text(node(sc, f"slab:{partial[0]:x}"))
    cache = text(node(sc, "cache:kmalloc-128"))
    assert f"cpu_slab pfn {cpu:#x}" in cache and "partial 1, slabs 2" in cache
    assert node(sc, "cache:kmalloc-8")["h"] < node(sc, "cache:kmalloc-128")["h"]  # empty: one line


@pytest.mark.parametrize("era", ERAS)
def test_stepping_back_and_forth_gives_the_scenes_of_a_fresh_build(era: str) -> None:
    k = Kernel(Config(era=era))
    per = k.kmem_cache("kmalloc-256").objects
    objs = [k.kmalloc(200, GFP_KERNEL) for _ in range(per + 2)]
    # the first slab's objects freed in a scrambled order (the cpu slab's between them): it empties
    # and is discarded, its freelist in that order
    for a in objs[per - 4 :: -1][:6] + objs[per:] + objs[: per - 9] + objs[per - 3 : per]:
        k.kfree(a)
    assert any(ev.kind == "SlabDiscarded" for ev in k.timeline)
    tl = k.timeline
    cur = tl.cursor()
    start = next(i for i in range(len(tl)) if tl[i].kind == "KmallocRouted")
    positions = list(range(start, len(tl) + 1))
    for p in [*positions, *reversed(positions)]:
        cur.seek(p)
        fresh = tl.cursor().seek(p)
        assert cur.state == fresh
        assert slab_scene(cur.state) == slab_scene(fresh)
    assert tl.cursor().seek(len(tl)) == k.view_state()


def test_a_big_slab_folds_around_the_step() -> None:
    k = Kernel(Config(era="2.6.32"))
    objs = [k.kmalloc(8, GFP_KERNEL) for _ in range(300)]
    s = k.timeline.head
    f = Focus()
    f.objects.add(objs[200])
    sc = slab_scene(s, f, objects=64)
    assert len([n for n in sc["nodes"] if n["id"].startswith("obj:")]) < 64
    assert "hl" in node(sc, f"obj:{objs[200]:x}")["cls"]
    assert any(n["id"].startswith("ofold:") for n in sc["nodes"])
    assert len({e["id"] for e in sc["edges"]}) == len(sc["edges"])


def test_cache_names_reach_svg_escaped_and_refused_at_the_door() -> None:
    k = Kernel()
    c = k.kmem_cache_create('<b a="1">&amp;</b>', 40)
    k.kmem_cache_alloc(c, GFP_KERNEL)
    svg = scene_svg(slab_scene(k.timeline.head))
    xml.dom.minidom.parseString(svg)  # well formed: nothing of the name became markup
    assert "<b a=" not in svg and "&lt;b a=" in svg and "&amp;amp;" in svg
    n = len(k.timeline)
    for bad in ("a\nb", "x\u202ey", "", "z" * 65, 5):
        with pytest.raises(InvalidArgument):
            k.kmem_cache_create(bad, 40)
    assert len(k.timeline) == n


def test_the_widget_follows_the_kernel_and_steps_with_a_player() -> None:
    k = Kernel()
    view = SlabView(k)
    before = json.dumps(view.scene.scene)
    a = k.kmalloc(500, GFP_KERNEL)
    assert json.dumps(view.scene.scene) != before  # alone, it redraws after the operation
    assert node(view.scene.scene, f"obj:{a:x}") is not None
    phys, layout = PhysicalMemoryView(k), LayoutView(k)
    player = Player(k, [view, phys, layout])
    tl = k.timeline
    i = next(j for j in range(len(tl)) if tl[j].kind == "SlabObjectAllocated")
    player.seek(i + 1)
    sc = view.scene.scene
    assert "hl" in node(sc, f"obj:{a:x}")["cls"] and "hl" in node(sc, f"slab:{tl[i].pfn:x}")["cls"]
    player.seek(i)
    assert "k-kernel" not in node(view.scene.scene, f"obj:{a:x}").get("cls", "")
    # selecting the slab lights its frames and marks its direct-map address
    pfn = tl[i].pfn
    r = tl.head.slabs[pfn]
    for v in (view, phys, layout):
        v.selected = f"slab:{pfn:#x}"
    assert phys.lit()[0] == list(range(pfn, pfn + (1 << r.order)))
    assert "sel" in node(view.scene.scene, f"slab:{pfn:x}")["cls"]
    assert f"{r.addr:08x}" in json.dumps(layout.scene.scene)
    view.selected = f"addr:{a + 3:#x}"  # inside the object
    assert "sel" in node(view.scene.scene, f"obj:{a:x}")["cls"]
    for bad in (0, "3", 10**6):
        with pytest.raises(InvalidArgument):
            SlabView(k, limit=bad)
    player.close()
    for v in (view, phys, layout):
        v.close()


def test_the_views_picture_holds_a_hostile_cache_name_as_text() -> None:
    import xml.etree.ElementTree as ET

    name = "</text><script>alert(1)</script> & \"q\" 'a'"
    k = Kernel()
    k.kmem_cache_alloc(k.kmem_cache_create(name, 24), GFP_KERNEL)
    view = SlabView(k)
    root = ET.fromstring(view.to_svg().encode("utf-8"))
    assert not list(root.iter("{http://www.w3.org/2000/svg}script"))
    assert name in [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    view.close()


def sel_frames(scene: dict) -> tuple[set[int], list[str]]:
    """The frames the page-table scene's ``sel`` leaf rows map (PTEs and large pages), and every ``sel`` row's text."""
    frames, texts = set(), []
    for n in scene["nodes"]:
        for r in n.get("rows", []):
            if not isinstance(r, dict) or r["cls"] != "sel":
                continue
            what = r["c"][1]
            texts.append(what)
            if m := re.fullmatch(r"frame (0x[0-9a-f]+)", what):
                frames.add(int(m[1], 16))
            elif m := re.fullmatch(r"frames (0x[0-9a-f]+)–(0x[0-9a-f]+)", what):
                frames |= set(range(int(m[1], 16), int(m[2], 16) + 1))
            elif m := re.fullmatch(r"\d+ × \d+ MB → (0x[0-9a-f]+)–(0x[0-9a-f]+)", what):
                frames |= set(range(int(m[1], 16) >> 12, (int(m[2], 16) >> 12) + 1))
    return frames, texts


@pytest.mark.parametrize(
    "cfg",
    [Config(era="2.6.24"), Config(era="2.6.32"), Config(era="2.6.32", pae=True), Config(pse=False)],
    ids=["2.6.24", "2.6.32", "2.6.32-pae", "no-pse"],
)
def test_the_page_tables_mark_the_direct_map_entries_of_a_selected_slab(cfg: Config) -> None:
    from vmwidgets.widgets import PageTableView

    k = Kernel(cfg)
    a = k.kmalloc(1000, GFP_KERNEL)
    s = k.timeline.head
    pfn = s.slab_objects[a]
    r = s.slabs[pfn]
    view = PageTableView(k)
    assert sel_frames(view.scene.scene) == (set(), [])
    view.selected = f"slab:{pfn:#x}"
    frames, texts = sel_frames(view.scene.scene)
    slab = set(range(pfn, pfn + (1 << r.order)))
    assert slab <= frames, texts  # every frame of the slab, through the direct map's entries
    if not cfg.pse:  # 4 kB PTEs: exactly the slab's
        assert frames == slab, texts
    assert all("MB" in t or t.startswith(("frame", "table")) for t in texts), texts
    gone = next(p for p in itertools.count(pfn + 1) if p not in s.slabs)
    view.selected = f"slab:{gone:#x}"  # no slab begins there: nothing marked
    assert sel_frames(view.scene.scene) == (set(), [])
    view.close()
