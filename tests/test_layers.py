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
