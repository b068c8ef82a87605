"""DOT for vmlist and red-black trees: pure, escaped, and faithful to the view state."""

from __future__ import annotations

import os

import pytest

from vmwidgets import Config, Kernel
from vmwidgets.render import escape, rbtree_dot, to_svg, vmlist_dot
from vmwidgets.render.dot import RenderError

HOSTILE = "<script>alert(\"x\")</script> & 'q'"


def test_vmlist_dot_shows_every_field_and_escapes_the_caller() -> None:
    k = Kernel()
    a = k.vmalloc(8192, caller=HOSTILE)
    k.ioremap(0xFEC00000, 4096, caller="acpi_os_map_memory+0x1c/0x40")
    dot = vmlist_dot(k.timeline.state, highlight=[a])
    assert "<script>" not in dot and escape(HOSTILE) in dot
    for field in ("addr", "size", "flags", "nr_pages", "pages", "phys_addr", "caller", "next"):
        assert f">{field}<" in dot
    assert "VM_ALLOC" in dot and "VM_IOREMAP" in dot and "0xfec00000" in dot
    assert dot.index(f"a{a:x}") < dot.index("null")
    assert '"#ffb300"' in dot  # the changed area is marked


def test_rbtree_dot_marks_colours_for_colour_blind_readers() -> None:
    k = Kernel(Config(era="2.6.32"))
    for _ in range(6):
        k.vmalloc(4096)
    state = k.timeline.state
    dot = rbtree_dot(state, "vmap_area_root")
    nodes = state.rb["vmap_area_root"]
    assert dot.count("<B>R</B>") == sum(1 for v in nodes.values() if v[3] == 0)
    assert dot.count("<B>B</B>") == sum(1 for v in nodes.values() if v[3] == 1)
    for node, (_, left, right, _) in nodes.items():
        for child in (left, right):
            if child is not None:
                assert f"n{node} -> n{child}" in dot


def test_rbtree_dot_follows_the_timeline_back() -> None:
    k = Kernel(Config(era="2.6.32"))
    for _ in range(3):
        k.vmalloc(4096)
    t = k.timeline
    rotation = max(i for i, e in enumerate(t) if e.kind.startswith("RbRotated"))
    before = rbtree_dot(t.seek(rotation), "vmap_area_root")
    after = rbtree_dot(t.seek(rotation + 1), "vmap_area_root")
    assert before != after  # the rotation changed the picture
    assert rbtree_dot(t.seek(0), "vmap_area_root").count("(empty tree)") == 1


@pytest.mark.skipif(
    not any(os.access(os.path.join(p, "dot"), os.X_OK) for p in os.environ["PATH"].split(":")),
    reason="Graphviz's dot is not installed here",
)
def test_to_svg_renders_hostile_labels_as_text() -> None:
    k = Kernel()
    k.vmalloc(4096, caller=HOSTILE)
    svg = to_svg(vmlist_dot(k.timeline.state))
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_to_svg_without_dot_says_so_in_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(RenderError, match="apt-get install graphviz"):
        to_svg("digraph { a }")


def test_pagetable_dot_collapses_runs_and_highlights_a_walk() -> None:
    from vmwidgets.render import pagetable_dot

    k = Kernel()
    addr = k.vmalloc(3 * 4096)
    walk = [(s.table, s.index) for s in k.translate(addr + 4096).steps]
    dot = pagetable_dot(k.timeline.state, k.swapper_pg_dir.pfn, pae=False, walk=walk)
    assert "entries 0–767 empty" in dot  # no user space in swapper_pg_dir
    assert "224 × 4 MB → 0x0–0x37ffffff" in dot  # lowmem's large pages in one row
    pte = walk[-1][0]
    assert f"t{walk[0][0]:x}:e{walk[0][1]}:e -> t{pte:x}:w [color=" in dot  # the walked pointer is lit
    assert "frames 0x" in dot and 'BGCOLOR="#ffe082"' in dot


def test_pagetable_dot_under_pae_and_without_pse() -> None:
    from vmwidgets.render import pagetable_dot

    k = Kernel(Config(pae=True))
    dot = pagetable_dot(k.timeline.state, k.swapper_pg_dir.pfn, pae=True)
    assert "PMD frame" in dot and "2 MB" in dot
    flat = Kernel(Config(pse=False, ram=256 << 20))
    dot = pagetable_dot(flat.timeline.state, flat.swapper_pg_dir.pfn, pae=False, max_children=5)
    assert "more tables" in dot and dot.count("PTE frame") == 5
    assert "frames 0x0–0x3ff" in dot  # a full lowmem PTE table is one run
