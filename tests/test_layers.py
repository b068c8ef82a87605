"""The core stays pure: no widget, graphviz or IPython import below the render layer."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "vmwidgets"
CORE = [
    *sorted((PKG / "model").glob("*.py")),
    PKG / "events.py",
    PKG / "state.py",
    PKG / "timeline.py",
    PKG / "errors.py",
]
FORBIDDEN = {"ipywidgets", "anywidget", "graphviz", "IPython", "traitlets", "networkx"}


def test_core_modules_import_nothing_from_the_view_side() -> None:
    for path in CORE:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"


def test_importing_vmwidgets_loads_no_widget_library() -> None:
    code = f"import sys, vmwidgets; print(sorted(m for m in {sorted(FORBIDDEN)!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                names.add((node.module or "").split(".")[0])
            elif node.level == 2 and node.module:  # from ..x import: which sibling layer
                names.add("vmwidgets." + node.module.split(".")[0])
    return names


def test_render_is_pure_and_widgets_only_read_through_render() -> None:
    """render/ imports no widget library (graphviz only for the static export); widgets/
    draw through render/ and never call into the model's algorithms."""
    for path in sorted((PKG / "render").glob("*.py")):
        bad = _imports(path) & (FORBIDDEN - {"graphviz"})
        assert not bad, f"render/{path.name} imports {bad}"
    for path in sorted((PKG / "widgets").glob("*.py")):
        if path.name == "source.py":  # reads the fixed facts (layout, zones, pgd) once, by design
            continue
        assert "vmwidgets.model" not in _imports(path), f"widgets/{path.name} imports the model"


def test_the_front_end_never_parses_text_as_markup() -> None:
    """Labels reach the page through textContent only: no innerHTML, insertAdjacentHTML or
    document.write anywhere in the widgets' JavaScript."""
    for path in sorted((PKG / "widgets").glob("*.js")):
        text = path.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in text, f"{path.name} uses {sink}"
        # the replay page's HTML panels (built and escaped by Python) are parsed inert and
        # copied through an allowlist of tags and attributes, in one place
        assert ("DOMParser" in text) == (path.name == "page.js"), path.name
    page = (PKG / "widgets" / "page.js").read_text()
    assert page.count("new DOMParser()") == 1 and "copySafe(new DOMParser()" in page


# The core's subsystems, bottom up: a module may import (at run time) only modules of its own
# rank or below.  Type-only imports (under ``if TYPE_CHECKING:``) are not counted: mm/memory.c
# and mm/mmap.c name each other's structures, as in the kernel.
MODEL_RANKS = {
    "errno": 0,
    "constants": 0,
    "config": 0,
    "layout": 0,
    "rbtree": 0,
    "emit": 0,
    "printk": 0,
    "page": 0,
    "procfs": 0,
    "mm_types": 0,
    "sched": 7,
    "page_alloc": 1,
    "pgtable": 2,
    "slub": 2,
    "vmap_area": 3,
    "highmem": 3,  # page tables and frames only, as mm/highmem.c
    "vmalloc": 4,
    "vfs": 5,
    "memory": 6,  # its faults call mm/rmap.c:anon_vma_prepare, which calls into mm/mmap.c
    "validate": 6,
    "mmap": 6,
    "rmap": 6,
    "mprotect": 7,
    "fork": 7,
    "fault": 8,
    "kernel": 9,
    "procmaps": 10,
}
REPLAY_AND_ABOVE = {"timeline", "state", "recording", "render", "widgets", "exercises", "cli"}


def _runtime_imports(path: Path) -> list[tuple[int, str]]:
    """(level, module) of every import outside ``if TYPE_CHECKING:`` blocks, nested ones included."""
    tree = ast.parse(path.read_text())
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    out = []
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.ImportFrom):
            out.extend((node.level, f"{node.module or ''}.{a.name}".strip(".")) for a in node.names)
        elif isinstance(node, ast.Import):
            out.extend((0, a.name) for a in node.names)
    return out


def test_the_core_imports_no_recorder_view_state_render_or_widgets() -> None:
    for path in sorted((PKG / "model").glob("*.py")):
        for level, name in _runtime_imports(path) + [(1, n) for _, n in _type_imports(path)]:
            top = name.split(".")
            if level == 0 and top[0] == "vmwidgets":
                top = top[1:]
            elif level != 2:
                continue
            assert top[0] not in REPLAY_AND_ABOVE, f"model/{path.name} imports {name}"


def _type_imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text())
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom):
                    out.append((stmt.level, stmt.module or ""))
    return out


def test_every_model_module_has_a_rank() -> None:
    assert {p.stem for p in (PKG / "model").glob("*.py")} - {"__init__"} == set(MODEL_RANKS)


def test_lower_subsystems_import_no_upper_one() -> None:
    """page_alloc knows nothing of vmalloc, vmap_area, mmap …; vmalloc nothing of processes."""
    for path in sorted((PKG / "model").glob("*.py")):
        if path.stem == "__init__":
            continue
        rank = MODEL_RANKS[path.stem]
        for level, name in _runtime_imports(path):
            if level != 1:
                continue
            sibling = name.split(".")[0]
            if sibling in MODEL_RANKS:
                assert MODEL_RANKS[sibling] <= rank, f"model/{path.name} (rank {rank}) imports {sibling} (above it)"


def test_the_rank_check_would_catch_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "page_alloc.py"
    bad.write_text("from .vmalloc import Vmalloc\nif TYPE_CHECKING:\n    from .kernel import Kernel\n")
    assert _runtime_imports(bad) == [(1, "vmalloc.Vmalloc")]


def test_the_kernel_facade_builds_the_subsystems_bottom_up() -> None:
    from vmwidgets import Kernel
    from vmwidgets.model.page_alloc import PageAllocator

    k = Kernel(record=False)
    assert k.timeline is None and isinstance(k.page_alloc, PageAllocator)
    # the page allocator holds references to nothing above it
    above = (k.pgtable, k.vmap_area, k.mm_vmalloc, k.memory, k.processes, k.faults)
    assert not [v for v in vars(k.page_alloc).values() if any(v is s for s in above)]
    assert not [v for v in vars(k.pgtable).values() if any(v is s for s in above[1:])]
