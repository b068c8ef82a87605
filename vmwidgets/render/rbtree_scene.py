"""A red-black tree drawn in key order: each node keeps its column, so rotations glide up and down."""

from __future__ import annotations

from typing import Any

from ..state import ViewState
from .focus import Focus
from .scene import ROW, Item, box, label, line, scene

__all__ = ["NODE_W", "STEP_X", "STEP_Y", "TOP", "inorder", "rbtree_scene"]

NODE_W, STEP_X, STEP_Y, TOP = 82, 88, 44, 26


def inorder(state: ViewState, tree: str) -> list[tuple[int, int]]:
    """(node, depth) in key order."""
    nodes = state.rb.get(tree, {})
    out: list[tuple[int, int]] = []
    stack: list[tuple[int, int]] = []
    cur, depth = state.rb_root.get(tree), 0
    while stack or cur is not None:
        while cur is not None:
            stack.append((cur, depth))
            cur, depth = nodes[cur][1], depth + 1
        cur, depth = stack.pop()
        out.append((cur, depth))
        cur, depth = nodes[cur][2], depth + 1
    return out


def rbtree_scene(
    state: ViewState,
    tree: str,
    f: Focus | None = None,
    selected: str = "",
    key: Any = None,
    title: str | None = None,
) -> dict[str, Any]:
    """The tree ``tree``: red and black nodes also lettered R/B; the step's nodes ``hl``,
    the search path so far ``visit``; ``key(node)`` gives a node's selection key."""
    f = f or Focus()
    nodes = state.rb.get(tree, {})
    labels = state.rb_labels.get(tree, {})
    changed, path = f.rb.get(tree, set()), f.rb_path.get(tree, [])
    on_path = set(path)
    place: dict[int, tuple[float, float]] = {}
    out: list[Item] = [label("root", 0, 0, tree)]
    for rank, (node, depth) in enumerate(inorder(state, tree)):
        x, y = rank * STEP_X, TOP + depth * STEP_Y
        place[node] = (x, y)
        colour = nodes[node][3]
        text = labels.get(node, f"{node:x}")
        short = text.split("-")[0]
        cls = ["rb-red" if colour == 0 else "rb-black"]
        cls += [c for c, on in (("hl", node in changed), ("visit", node in on_path)) if on]
        sel = key(node) if key else None
        if sel and sel == selected:
            cls.append("sel")
        out.append(
            box(
                f"n{node:x}",
                x,
                y,
                [[("R " if colour == 0 else "B ") + short]],
                " ".join(cls),
                w=NODE_W,
                sel=sel,
                tip=text,
            )
        )
    edges: list[Item] = []
    for node, (nx, ny) in place.items():
        parent = nodes[node][0]
        if parent is None or parent not in place:
            continue
        px, py = place[parent]
        edge_cls = "visit" if node in on_path and parent in on_path else ""
        edges.append(line(f"e{node:x}", [(px + NODE_W / 2, py + ROW + 6), (nx + NODE_W / 2, ny)], edge_cls))
    if not nodes:
        out.append(label("empty", 0, TOP, "(empty tree)", "muted"))
    n = len(nodes)
    return scene(title or f"{tree}: {n} node{'' if n == 1 else 's'}", out, edges)
