"""The player and the views: built for a small and a large scenario, stepped forward and
back, the rendered scenes checked against what the events say."""

from __future__ import annotations

import json

import pytest

from vmwidgets import (
    GFP_KERNEL,
    MAP_ANONYMOUS,
    MAP_FIXED,
    MAP_PRIVATE,
    PROT_READ,
    PROT_WRITE,
    Config,
    InvalidArgument,
    Kernel,
    explore,
    from_proc_maps,
)
from vmwidgets.render.narration import explain
from vmwidgets.widgets import (
    Explorer,
    LayoutView,
    PageTableView,
    PhysicalMemoryView,
    Player,
    SlabView,
    VmaView,
    VmlistView,
)

FLAGS = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED


def small() -> tuple[Kernel, object]:
    k = Kernel(Config(era="2.6.32"))
    for i in range(3):
        k.vmalloc(4096 * (i + 1))
    task = k.spawn("cat")
    x = task.mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS)
    task.access(x, write=True)
    return k, task


@pytest.fixture(scope="module")
def large() -> tuple[Kernel, object]:
    """1,000 vm_structs on vmlist and 1,000 more VMAs: the sizes the issue asks to stay usable."""
    k = Kernel(Config())
    task = k.spawn("big")
    for i in range(1000):
        task.mmap(0x10000000 + 2 * i * 4096, 4096, PROT_READ | (PROT_WRITE if i % 2 else 0), FLAGS)
        k.vmalloc(4096)
    return k, task


def node(scene: dict, id: str) -> dict | None:
    return next((n for n in scene["nodes"] if n["id"] == id), None)


def all_views(k: Kernel, task: object) -> list:
    return [LayoutView(k), PhysicalMemoryView(k), PageTableView(task), PageTableView(k), VmlistView(k), VmaView(task)]


def scenes(views: list) -> list[dict]:
    return [json.loads(json.dumps(sw.scene)) for v in views for sw in v.scenes if sw.scene]


def index_of(tl, kind: str, start: int = 0, **fields) -> int:
    for i in range(start, len(tl)):
        ev = tl[i]
        if ev.kind == kind and all(getattr(ev, f) == v for f, v in fields.items()):
            return i
    raise AssertionError(f"no {kind} {fields}")


@pytest.mark.parametrize("which", ["small", "large"])
def test_every_view_builds_and_stepping_back_restores_the_picture(which: str, large) -> None:
    k, task = small() if which == "small" else large
    views = all_views(k, task)
    player = Player(task, views)
    tl = k.timeline
    end = len(tl)
    assert player.position == end
    for sc in scenes(views):
        assert sc["nodes"] and sc["w"] > 0 and sc["h"] > 0
        assert len({n["id"] for n in sc["nodes"]}) == len(sc["nodes"]), "node ids must be unique"
        assert len({e["id"] for e in sc["edges"]}) == len(sc["edges"]), "edge ids must be unique"
    # a stretch inside the last operations: forward then back shows the same pictures
    lo = max(0, end - 60)
    player.seek(lo)
    before = scenes(views)
    seen = [before]
    for _ in range(end - lo):
        player.step_forward()
        seen.append(scenes(views))
    assert seen[-1] != before
    for i in range(end - lo, 0, -1):
        assert scenes(views) == seen[i]
        player.step_back()
    assert scenes(views) == before


def test_vmlist_view_shows_the_record_linked_and_unlinked_by_the_events() -> None:
    k = Kernel()
    a = k.vmalloc(8192)
    view = VmlistView(k)
    player = Player(k, [view])
    tl = k.timeline
    i = index_of(tl, "VmStructLinked", addr=a)
    player.seek(i)  # just before the link
    assert node(view.scene.scene, f"vm:{a:x}") is None
    player.step_forward()
    linked = node(view.scene.scene, f"vm:{a:x}")
    assert linked is not None and "hl" in linked["cls"]
    k.vfree(a)
    player.seek(len(tl))
    assert node(view.scene.scene, f"vm:{a:x}") is None
    j = index_of(tl, "VmStructUnlinked", addr=a)
    player.seek(j)
    assert node(view.scene.scene, f"vm:{a:x}") is not None


def test_the_hole_search_visits_records_one_by_one() -> None:
    k = Kernel()
    first = [k.vmalloc(4096) for _ in range(3)]
    b = k.vmalloc(4096)
    view = VmlistView(k)
    player = Player(k, [view])
    op = k.timeline.operations[-1]
    visited = []
    player.seek(op.start)
    while player.position < op.end:
        player.step_forward()
        ev = k.timeline[player.position - 1]
        if ev.kind == "VmlistVisited":
            visiting = [n["id"] for n in view.scene.scene["nodes"] if "visit" in n.get("cls", "")]
            assert visiting == [f"vm:{ev.addr:x}"]
            visited.append(ev.addr)
    assert visited == first and b not in visited


def test_page_table_view_shows_a_pte_row_appear() -> None:
    k = Kernel()
    a = k.vmalloc(4096)
    view = PageTableView(k)
    player = Player(k, [view])
    i = index_of(k.timeline, "PteInstalled", vaddr=a)
    ev = k.timeline[i]

    def rows_for_index(sc: dict) -> list:
        table = node(sc, f"t{ev.table:x}")
        if table is None:
            return []
        return [r for r in table["rows"] if isinstance(r, dict) and r["c"][0] == str(ev.index)]

    player.seek(i)
    assert not rows_for_index(view.scene.scene) or rows_for_index(view.scene.scene)[0]["c"][1] == "empty"
    player.step_forward()
    (row,) = rows_for_index(view.scene.scene)
    assert row["cls"] == "hl" and row["c"][1] == f"frame {ev.entry >> 12:#x}"
    assert node(view.scene.scene, f"f{ev.entry >> 12:x}") is not None  # the frame it maps, drawn


def test_an_address_walk_colours_index_bits_and_entries_alike() -> None:
    k = Kernel(Config(pae=True, ram=2 << 30))
    a = k.vmalloc(4096)
    k.translate(a + 0x123)
    view = PageTableView(k)
    player = Player(k, [view])
    player.seek(len(k.timeline) - 1)  # after the last entry read
    sc = view.scene.scene
    bits = {n["id"]: n["cls"] for n in sc["nodes"] if n["id"].startswith("bits:")}
    assert bits == {
        "bits:addr": "label",
        "bits:pgd": "walk0",
        "bits:pmd": "walk1",
        "bits:pte": "walk2",
        "bits:offset": "walkoff",
    }
    lit = [
        r["cls"] for n in sc["nodes"] for r in n.get("rows", []) if isinstance(r, dict) and r["cls"].startswith("walk")
    ]
    assert lit == ["walk0", "walk1", "walk2"]


def test_rb_tree_nodes_turn_black_as_the_recolouring_says() -> None:
    k = Kernel()
    task = k.spawn("cat")
    view = VmaView(task)
    player = Player(task, [view])
    tl = k.timeline
    i = next(j for j in range(len(tl)) if tl[j].kind == "RbRecolored" and 1 in tl[j].colors)
    ev = tl[i]
    blackened = [n for n, c in zip(ev.nodes, ev.colors, strict=True) if c == 1]
    player.seek(i)
    for n in blackened:
        assert "rb-red" in node(view.tree.scene, f"n{n:x}")["cls"]
    player.step_forward()
    for n in blackened:
        cls = node(view.tree.scene, f"n{n:x}")["cls"]
        assert "rb-black" in cls and "hl" in cls
        assert node(view.tree.scene, f"n{n:x}")["rows"][0][0].startswith("B ")  # lettered for colour-blind readers
    player.step_back()
    assert "rb-red" in node(view.tree.scene, f"n{blackened[0]:x}")["cls"]


@pytest.mark.parametrize(("era", "links_back"), [("2.6.24", False), ("2.6.32", False), ("2.6.36", True)])
def test_the_vma_list_draws_vm_prev_only_where_the_era_has_it(era: str, links_back: bool) -> None:
    """issue 14: 2.6.24's vm_area_struct (and mainline 2.6.32's) has vm_next only; vm_prev is from 2.6.36."""
    task = Kernel(Config(era=era)).spawn("cat")
    view = VmaView(task)
    scene = view.list.scene
    n_vmas = sum(1 for n in scene["nodes"] if n["id"].startswith("vma:"))
    back = [e for e in scene["edges"] if e["id"].startswith("prev:") or "prev" in e.get("cls", "").split()]
    nexts = [e for e in scene["edges"] if e["id"].startswith("next:")]
    assert n_vmas > 3 and len(nexts) == n_vmas - 1
    assert len(back) == (n_vmas - 1 if links_back else 0)
    assert ("vm_prev" in scene["title"]) is links_back
    assert ("vm_prev" in view.to_svg()) is links_back


def test_a_rotation_keeps_every_node_in_its_column() -> None:
    """Nodes are placed by key order, so a rotation moves them up or down only (they glide)."""
    k = Kernel()
    task = k.spawn("cat")
    view = VmaView(task)
    player = Player(task, [view])
    tl = k.timeline
    i = index_of(tl, "RbRotatedLeft")
    player.seek(i)
    before = {n["id"]: (n["x"], n["y"]) for n in view.tree.scene["nodes"] if n["id"].startswith("n")}
    player.step_forward()
    after = {n["id"]: (n["x"], n["y"]) for n in view.tree.scene["nodes"] if n["id"].startswith("n")}
    assert before.keys() == after.keys()
    assert all(before[n][0] == after[n][0] for n in before)
    assert any(before[n][1] != after[n][1] for n in before)


def test_buddy_split_shows_in_the_free_lists() -> None:
    k = Kernel()
    view = PhysicalMemoryView(k)
    player = Player(k, [view])
    k.vmalloc(4096)
    tl = k.timeline
    i = index_of(tl, "BuddySplit")
    ev = tl[i]

    def nr_free(sc: dict) -> int:
        rows = node(sc, f"fa{ev.zone}")["rows"]
        return int(rows[1 + ev.order]["c"][1])

    player.seek(i)
    n = nr_free(view.scene.scene)
    player.step_forward()
    assert nr_free(view.scene.scene) == n + 1
    assert node(view.scene.scene, f"fa{ev.zone}")["rows"][1 + ev.order]["cls"] == "hl"
    assert "c" in view.scene.scene["grids"][ev.zone]["vals"]  # the block's cell, marked changed


def test_linked_selection_reaches_every_view() -> None:
    k = Kernel(Config(aged=True, seed=5))
    a = k.vmalloc(5 * 4096)
    ex = explore(k)
    assert isinstance(ex, Explorer)
    vmlist, layout, tables, phys, _slab = ex.views
    vmlist.scene.selected = f"vm:{a:#x}"  # as a click in the browser sets it
    assert ex.selected == f"vm:{a:#x}" == phys.selected == layout.selected
    assert "sel" in node(layout.scene.scene, f"a:{a:x}")["cls"]
    assert "sel" in node(vmlist.scene.scene, f"vm:{a:x}")["cls"]
    pages = node(vmlist.scene.scene, "pages")["rows"]
    assert len(pages) == 1 + 5
    lit, what = phys.lit()
    assert sorted(lit) == sorted(k.timeline.state.area_pages[a]) and "pages[]" in what
    ex.address.value = hex(a + 0x10)
    assert ex.selected == f"addr:{a + 0x10:#x}"
    assert node(layout.scene.scene, "mark:t")["rows"][0][0].startswith(f"{a + 0x10:#010x}")
    assert [n["id"] for n in tables.scene.scene["nodes"] if n["id"] == "bits:pte"]
    ex.address.value = "nonsense"
    assert "not an address" in ex.info.value and ex.selected == f"addr:{a + 0x10:#x}"


def test_the_kernel_explorer_has_a_slab_tab_whose_selection_every_view_shares() -> None:
    k = Kernel()
    objs = [k.kmalloc(100, GFP_KERNEL) for _ in range(3)]
    ex = explore(k)
    vmlist, layout, tables, phys, slab = ex.views
    assert isinstance(vmlist, VmlistView) and isinstance(slab, SlabView)
    assert slab in ex.player.views and slab.player is ex.player  # it steps with the others
    s = k.timeline.head
    pfn = s.slab_objects[objs[0]]
    r = s.slabs[pfn]
    node(slab.scene.scene, f"slab:{pfn:x}")  # drawn: a click on it selects it
    slab.scene.selected = f"slab:{pfn:#x}"  # as a click in the browser sets it
    assert ex.selected == f"slab:{pfn:#x}" == phys.selected == tables.selected == layout.selected
    assert phys.lit()[0] == list(range(pfn, pfn + (1 << r.order)))
    info = ex.info.value
    assert f"{r.addr:#010x}" in info and f"cache {r.cache}" in info and f"frame {pfn:#x}" in info
    ex.player.seek(0)  # before the kmalloc: no slab at that frame
    assert "no slab there at this step" in ex.info.value
    ex.player.seek(len(k.timeline))
    assert ex.info.value == info
    ex.selected = "slab:zz"  # malformed: nothing selected, nothing breaks
    assert "click a vm_struct" in ex.info.value
    ex.close()


def test_task_explorer_and_proc_maps_mm() -> None:
    _k, task = small()
    ex = explore(task)
    vma_view = ex.views[0]
    assert isinstance(vma_view, VmaView)
    # an address space's explorer: its VMAs, layout, tables and frames; SLUB's caches are the kernel's
    assert [type(v) for v in ex.views] == [VmaView, LayoutView, PageTableView, PhysicalMemoryView]
    mm = from_proc_maps("08048000-0804c000 r-xp 00000000 08:01 1 /bin/<b>&'cat\"\n", name="demo")
    ex2 = explore(mm)
    html = ex2.views[0].maps.value
    assert "/bin/&lt;b&gt;&amp;&#x27;cat&quot;" in html and "<b>" not in html
    assert ex2.views[2].root == mm.kernel.swapper_pg_dir.pfn  # no pgd of its own: the kernel's tables


def test_a_view_alone_follows_new_operations() -> None:
    k = Kernel()
    view = VmlistView(k)
    assert view.scene.scene["title"] == "vmlist: 0 vm_structs"
    a = k.vmalloc(4096)
    assert node(view.scene.scene, f"vm:{a:x}") is not None


def test_player_follows_the_end_and_keys_move_it() -> None:
    k = Kernel()
    player = Player(k)
    k.vmalloc(4096)
    assert player.position == len(k.timeline) == player.slider.max
    player._on_key(None, {"key": "Home"}, None)
    assert player.position == 0
    player._on_key(None, {"key": "ArrowRight"}, None)
    assert player.position == 1 and "vmalloc" in player.narration.value
    player._on_key(None, {"key": "PageDown"}, None)
    assert player.position == k.timeline.operations[0].end
    player._on_key(None, {"key": "ArrowLeft"}, None)
    assert player.position == k.timeline.operations[0].end - 1
    k.vmalloc(4096)  # not at the end: the player stays where the student is
    assert player.position == k.timeline.operations[0].end - 1 and player.slider.max == len(k.timeline)
    player.slider.value = 3  # dragging the slider (or Play) moves it too
    assert player.position == 3


def test_pseudocode_marks_the_line_of_each_step() -> None:
    from vmwidgets.render.pseudocode import PSEUDOCODE, current_line

    k, task = small()
    k.vfree(k.timeline.state.vmlist[0])
    child = k.fork(task)
    child.access(0x08048000)
    k.translate(k.timeline.state.vmlist[0])
    missing = {
        (ev.fn, ev.kind)
        for ev in k.timeline
        if ev.fn in PSEUDOCODE and current_line(ev) is None and not ev.kind.startswith("Operation")
    }
    assert not missing


def test_bad_input_is_refused_and_changes_nothing() -> None:
    k, _task = small()
    player = Player(k)
    pos = player.position
    with pytest.raises(InvalidArgument, match="index"):
        player.seek(len(k.timeline) + 1)
    with pytest.raises(InvalidArgument, match="speed"):
        Player(k, speed="9×")
    assert player.position == pos
    view = LayoutView(k)
    with pytest.raises(InvalidArgument, match="mark"):
        view.mark = 1 << 32
    assert view.mark is None
    with pytest.raises(InvalidArgument, match="obj"):
        explore(k.timeline)
    with pytest.raises(InvalidArgument, match="obj"):
        explore("a kernel")
    with pytest.raises(InvalidArgument, match="source"):
        VmaView(k)


def test_hostile_names_stay_text() -> None:
    """Caller and file names reach the page as text: scenes carry them raw for textContent;
    every HTML piece (maps table, narration, pseudo-code, selection line) escapes them."""
    k = Kernel()
    evil = "<img src=x onerror=alert(1)>&\"'"
    a = k.vmalloc(4096, caller=evil)
    view = VmlistView(k)
    player = Player(k, [view])
    rec = node(view.scene.scene, f"vm:{a:x}")
    assert rec["rows"][-1][1] == evil[:19] + "…"  # shortened text; the full name in the tooltip
    assert evil in rec["tip"]
    i = index_of(k.timeline, "VmStructLinked", addr=a)
    player.seek(i + 1)
    assert "<img" not in player.narration.value and "<img" not in player.code.value
    from vmwidgets.events import WarningPrinted
    from vmwidgets.render.narrate import narration_html
    from vmwidgets.render.pseudocode import pseudocode_html

    ev = WarningPrinted(op=0, fn=evil, message=evil)
    for html in (narration_html(ev, 1, 2), pseudocode_html(ev)):
        assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;&amp;&quot;&#x27;" in html
    ex = explore(k)
    ex.address.value = evil
    assert "<img" not in ex.info.value and "&lt;img" in ex.info.value


def test_selecting_a_vm_struct_or_frame_shows_in_the_page_tables_and_layout() -> None:
    k = Kernel(Config(aged=True, seed=2))
    a = k.vmalloc(2 * 4096)
    ex = explore(k)
    _vmlist, layout, tables, phys, _slab = ex.views
    ex.selected = f"vm:{a:#x}"
    sel_rows = [
        r for n in tables.scene.scene["nodes"] for r in n.get("rows", []) if isinstance(r, dict) and r["cls"] == "sel"
    ]
    pfns = k.timeline.state.area_pages[a]
    assert {r["c"][1] for r in sel_rows} >= {f"frame {p:#x}" for p in pfns}  # the area's PTEs
    pfn = pfns[0]
    ex.selected = f"pfn:{pfn:#x}"
    assert phys.lit()[0] == [pfn]
    if pfn < 0x38000:  # a lowmem frame is marked where the direct map shows it: __va()
        assert node(layout.scene.scene, "mark:t")["rows"][0][0].startswith(f"{0xC0000000 + (pfn << 12):#010x}")
    rows = [
        r for n in tables.scene.scene["nodes"] for r in n.get("rows", []) if isinstance(r, dict) and r["cls"] == "sel"
    ]
    assert [r["c"][1] for r in rows] == [f"frame {pfn:#x}"]


def test_narration_names_tree_nodes_as_the_views_label_them() -> None:
    k = Kernel()
    task = k.spawn("cat")
    player = Player(task)
    tl = k.timeline
    i = index_of(tl, "RbRotatedLeft")
    player.seek(i + 1)
    labels = tl.seek(i + 1).rb_labels[tl[i].tree]
    assert labels[tl[i].node] in player.narration.value and f"{tl[i].node:#x}" not in player.narration.value


def test_a_vmalloc_fault_is_a_fault_and_sets_a_pgd_entry() -> None:
    k = Kernel()
    task = k.spawn("cat")
    a = k.vmalloc(4096)
    result = k.access(task, a, user=False)
    assert result.faulted and result.signal is None
    kinds = [(e.kind, e.fn.rpartition(":")[2]) for e in k.timeline[k.timeline.operations[-1].start :]]
    assert ("PageFaulted", "do_page_fault") in kinds and ("PteChanged", "vmalloc_sync_one") in kinds
    sync = next(e for e in k.timeline if e.kind == "PteChanged" and e.fn.endswith("vmalloc_sync_one"))
    assert sync.level == "pgd" and explain(sync).startswith("PGD entry")
    assert sync.fn == "arch/x86/mm/fault_32.c:vmalloc_sync_one"  # 2.6.24: before fault.c was merged


def test_a_cleared_pte_is_marked_in_its_table() -> None:
    k = Kernel()
    a = k.vmalloc(4096)
    k.vfree(a)
    view = PageTableView(k)
    player = Player(k, [view])
    i = index_of(k.timeline, "PteCleared", vaddr=a)
    ev = k.timeline[i]
    player.seek(i + 1)
    table = node(view.scene.scene, f"t{ev.table:x}")
    (row,) = [r for r in table["rows"] if isinstance(r, dict) and r["c"][0] == str(ev.index)]
    assert row["cls"] == "hl" and row["c"][1] == "empty (just cleared)"


def test_play_and_slider_agree_so_a_fresh_page_keeps_the_position() -> None:
    k = Kernel()
    k.vmalloc(4096)
    player = Player(k)
    assert player.play.value == player.slider.value == len(k.timeline)
    player.seek(3)
    assert player.play.value == 3


def test_a_large_page_walk_shows_a_22_bit_offset() -> None:
    k = Kernel()
    k.translate(0xC0801234)
    view = PageTableView(k)
    Player(k, [view]).seek(len(k.timeline) - 1)
    bits = {n["id"]: n["rows"][0][0] for n in view.scene.scene["nodes"] if n["id"].startswith("bits:")}
    assert bits == {"bits:addr": "walk of 0xc0801234", "bits:pgd": "pgd 770", "bits:offset": "offset 0x001234"}


def test_a_malformed_selection_key_selects_nothing_and_breaks_nothing() -> None:
    k = Kernel()
    k.vmalloc(4096)
    ex = explore(k)
    for key in ("vm:zz", "vma:1:x", "pfn:", "nonsense"):
        ex.selected = key
        assert ex.views[3].lit() == ([], "")
        assert not [
            n for v in ex.views for sw in v.scenes for n in sw.scene.get("nodes", []) if "sel" in n.get("cls", "")
        ]


def test_the_marked_address_and_the_steps_span_labels_do_not_overlap() -> None:
    from vmwidgets.render.focus import Focus
    from vmwidgets.render.layout_scene import layout_scene

    k = Kernel()
    a = k.vmalloc(4 * 4096, caller="drv")
    view = LayoutView(k)
    scene = layout_scene(
        view.source.regions, k.timeline.seek(len(k.timeline)), Focus(span=(a, a + 4096)), mark=a + 0x234
    )
    ys = [node(scene, key)["y"] for key in ("mark:t", "span:t")]
    assert abs(ys[0] - ys[1]) >= 12, ys


def test_layout_view_shows_pkmap_slots_and_kmap_atomic_pages_and_steps_back() -> None:
    from vmwidgets import GFP_HIGHUSER, KM_USER0

    k = Kernel()
    pages = [k.alloc_pages(GFP_HIGHUSER, 0) for _ in range(3)]
    before = len(k.timeline)
    for p in pages:
        k.kmap(p)
    k.kunmap(pages[2])  # slot 3: count 1, unused but mapped
    a = k.kmap_atomic(pages[0], KM_USER0)
    view = LayoutView(k)
    player = Player(k, [view])
    sc = scenes([view])[0]
    ticks = [n for n in sc["nodes"] if n["id"].startswith("pk:") and n["id"] != "pk:sum"]
    assert ticks and all("k-area" in n["cls"] for n in ticks)
    assert "2 in use, 1 unused (last_pkmap_nr 3)" in str(node(sc, "pk:sum"))
    assert node(sc, f"fx:{a:x}") is not None and "KM_USER0" in str(node(sc, "fx:sum"))
    player.seek(before)
    sc = scenes([view])[0]
    assert not [n for n in sc["nodes"] if n["id"].startswith(("pk:", "fx:"))]
    player.seek(len(k.timeline))
    assert node(scenes([view])[0], f"fx:{a:x}") is not None
    k.kunmap_atomic(a, KM_USER0)
    player.seek(len(k.timeline))
    assert node(scenes([view])[0], f"fx:{a:x}") is None


@pytest.mark.parametrize("era", ["2.6.24", "2.6.32"])
@pytest.mark.parametrize("pae", [False, True], ids=["2level", "pae"])
def test_the_page_tables_name_pkmap_page_table_and_the_fixmap_tables(era: str, pae: bool) -> None:
    from vmwidgets import GFP_HIGHUSER, KM_USER0
    from vmwidgets.render.tables import ENTRIES, walk_path

    k = Kernel(Config(era=era, pae=pae))
    page = k.alloc_pages(GFP_HIGHUSER, 0)
    pk, fx, vm = k.kmap(page), k.kmap_atomic(page, KM_USER0), k.vmalloc(4096)
    s = k.timeline.head
    for src in (k, k.spawn("cat")):  # a process's directory reaches the same kernel tables
        view = PageTableView(src)
        heads = {n["id"]: n["rows"][0]["c"][0] for n in view.scene.scene["nodes"] if n["id"].startswith("t")}

        def head(addr: int, view: PageTableView = view, heads: dict[str, str] = heads) -> str:
            *_, (_, table, _, level) = walk_path(s, view.root, addr, pae)
            assert level == "pte"
            return heads[f"t{table:x}"]

        # where kmap wrote its PTE (pkmap_page_table[nr]) and kmap_atomic its slot's (kmap_pte - idx)
        span = ENTRIES[pae]["pte"] << 12
        assert head(pk).endswith(f"(from {pk & -span:#010x}) · pkmap_page_table")
        assert head(fx).endswith(" · fixmap")
        assert " · " not in head(vm)  # an ordinary vmalloc table has no name
        assert [h for h in heads.values() if "pkmap_page_table" in h] == [head(pk)]
        view.close()
