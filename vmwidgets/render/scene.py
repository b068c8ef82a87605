"""Scenes: what the widgets' shared front end draws, as plain JSON-able dicts.

A scene is ``{"title", "w", "h", "nodes", "edges", "grids"}``.  A node is a box at
``(x, y)`` with rows of text cells (``cols`` gives each column's x offset); an edge is
an SVG path; a grid is a block of cells whose value characters pick a CSS class.  Every
item has a stable ``id`` so the front end can animate it from one step to the next, and
a node may carry ``sel``, the selection key a click on it sends back.

Text stays text: the front end sets it with ``textContent``, never as markup, so names
from the model need no escaping here (the HTML and DOT paths escape with
:func:`~vmwidgets.render.dot.escape`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["CHAR_W", "PAD", "ROW", "Item", "Row", "Scene", "box", "curve", "label", "line", "mb", "scene", "text_width"]

Item = dict[str, Any]
"""A node, edge or grid: a JSON object for scene.js, keys as the module docstring says."""
Scene = dict[str, Any]
"""``{"title", "w", "h", "nodes", "edges", "grids"}``: what one view draws at one step."""
Row = list[Any] | dict[str, Any]
"""A box's row: its cells, or ``{"c": cells, "cls": row_class}``."""

CHAR_W = 6.7  # width of one character of the 11px monospace font the front end uses
ROW = 14  # height of one row of text
PAD = 6  # padding inside a box: 3 above the first row, 3 below the last


def text_width(cells: list[Any]) -> float:
    return max((len(str(c)) for c in cells if c is not None), default=0) * CHAR_W + 10


def box(
    id: str,
    x: float,
    y: float,
    rows: Sequence[Row],
    cls: str = "",
    *,
    cols: list[float] | None = None,
    w: float | None = None,
    h: float | None = None,
    sel: str | None = None,
    tip: str | None = None,
) -> Item:
    """A node; ``rows`` are lists of cells or ``{"c": cells, "cls": row_class}``.

    Without ``cols`` the columns are laid out from the longest cell in each column.
    """
    cells = [r["c"] if isinstance(r, dict) else r for r in rows]
    if cols is None:
        ncols = max((len(c) for c in cells), default=1)
        cols, at = [], 0.0
        for j in range(ncols):
            cols.append(at)
            at += text_width([c[j] for c in cells if j < len(c)]) if ncols > 1 else 0
    if w is None:
        w = max((cols[len(c) - 1] + text_width([c[-1]]) for c in cells if c), default=20)
    node: Item = {
        "id": id,
        "x": round(x, 1),
        "y": round(y, 1),
        "w": round(w, 1),
        "h": round(h if h is not None else len(rows) * ROW + PAD, 1),
    }
    # defaults are left out: a 1,000-node tree is sent at every step
    if rows:
        node["rows"] = rows
    if len(cols) > 1:
        node["cols"] = [round(c, 1) for c in cols]
    if cls:
        node["cls"] = cls
    if sel:
        node["sel"] = sel
    if tip:
        node["tip"] = tip
    return node


def label(id: str, x: float, y: float, text: str, cls: str = "", tip: str | None = None) -> Item:
    """A line of text without a box."""
    return box(id, x, y, [[text]], ("label " + cls).strip(), tip=tip)


def line(id: str, points: list[tuple[float, float]], cls: str = "") -> Item:
    d = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return {"id": id, "d": d, "cls": cls}


def curve(id: str, a: tuple[float, float], b: tuple[float, float], cls: str = "", horizontal: bool = True) -> Item:
    """A smooth arrow from ``a`` to ``b``, leaving ``a`` sideways (or downwards)."""
    (x1, y1), (x2, y2) = a, b
    if horizontal:
        mid = max(20.0, abs(x2 - x1) / 2)
        d = f"M{x1:.1f},{y1:.1f} C{x1 + mid:.1f},{y1:.1f} {x2 - mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
    else:
        mid = max(12.0, abs(y2 - y1) / 2)
        d = f"M{x1:.1f},{y1:.1f} C{x1:.1f},{y1 + mid:.1f} {x2:.1f},{y2 - mid:.1f} {x2:.1f},{y2:.1f}"
    return {"id": id, "d": d, "cls": cls}


def scene(
    title: str, nodes: list[Item], edges: Sequence[Item] = (), grids: Sequence[Item] = (), margin: float = 8
) -> Scene:
    """Wrap items into a scene sized to fit them."""
    right = [n["x"] + n["w"] for n in nodes] + [g["x"] + g["cols"] * g["cell"] for g in grids]
    bottom = [n["y"] + n["h"] for n in nodes] + [g["y"] + -(-len(g["vals"]) // g["cols"]) * g["cell"] for g in grids]
    return {
        "title": title,
        "w": round(max(right, default=100) + margin),
        "h": round(max(bottom, default=40) + margin),
        "nodes": nodes,
        "edges": list(edges),
        "grids": list(grids),
    }


def mb(n: int) -> str:
    """A size as the boot log prints it, truncated: 8 MB, 303 MB, 3188 kB, 4 kB, 1 GB."""
    if n >= 1 << 30 and n % (1 << 29) == 0:
        return f"{n / (1 << 30):g} GB"
    if n >= 10 << 20 or (n >= 1 << 20 and n % (1 << 20) == 0):
        return f"{n >> 20} MB"
    return f"{n >> 10} kB" if n >= 1024 else f"{n} B"
