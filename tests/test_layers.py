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
