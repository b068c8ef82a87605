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
