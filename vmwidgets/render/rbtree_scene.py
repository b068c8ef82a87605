"""A red-black tree drawn in key order: each node keeps its column, so rotations glide up and down."""

from __future__ import annotations

from typing import Any

from ..state import ViewState
from .focus import Focus
from .incremental import RbSizes
from .scene import ROW, Item, box, label, line, scene

__all__ = ["NODE_W", "STEP_X", "STEP_Y", "TOP", "TREE_LIMIT", "inorder", "rbtree_scene"]

TREE_LIMIT = 255  # nodes drawn whole; a bigger tree folds subtrees away from the step (issue 15)

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


def _node_box(
    node: int,
    x: float,
    y: float,
    colour: int,
    labels: dict[int, str],
    changed: set[int],
    on_path: set[int],
    key: Any,
    selected: str,
) -> Item:
    """A node: R or B and its label's first part; the step's ``hl``, the search's ``visit``."""
    text = labels.get(node, f"{node:x}")
    cls = ["rb-red" if colour == 0 else "rb-black"]
    cls += [c for c, on in (("hl", node in changed), ("visit", node in on_path)) if on]
    sel = key(node) if key else None
    if sel and sel == selected:
        cls.append("sel")
    row = [("R " if colour == 0 else "B ") + text.split("-")[0]]
    return box(f"n{node:x}", x, y, [row], " ".join(cls), w=NODE_W, sel=sel, tip=text)


def _edges(nodes: dict[int, Any], place: dict[int, tuple[float, float]], on_path: set[int]) -> list[Item]:
    """A line from each placed node's parent (if placed) down to it, ``visit`` along the search."""
    edges: list[Item] = []
    for node, (nx, ny) in place.items():
        parent = nodes[node][0]
        if parent is None or parent not in place:
            continue
        px, py = place[parent]
        edge_cls = "visit" if node in on_path and parent in on_path else ""
        edges.append(line(f"e{node:x}", [(px + NODE_W / 2, py + ROW + 6), (nx + NODE_W / 2, ny)], edge_cls))
    return edges


def rbtree_scene(
    state: ViewState,
    tree: str,
    f: Focus | None = None,
    selected: str = "",
    key: Any = None,
    title: str | None = None,
    limit: int = TREE_LIMIT,
    sizes: RbSizes | None = None,
    chosen: int | None = None,
) -> dict[str, Any]:
    """The tree ``tree``: red and black nodes also lettered R/B; the step's nodes ``hl``,
    the search path so far ``visit``; ``key(node)`` gives a node's selection key.

    A tree of more than ``limit`` nodes is folded: its top levels, the step's nodes, the
    last nodes of its search path and the ``chosen`` node (the selection's) are drawn with
    their ancestors and children, and every other subtree is one "⋯ n" box (selecting it
    opens it a level).  Its counts come from ``sizes`` (kept by the view from step to
    step; counted here if None)."""
    f = f or Focus()
    nodes = state.rb.get(tree, {})
    if len(nodes) > limit:
        if sizes is None:
            sizes = RbSizes(tree).sync(state, None)
        return _folded(state, tree, f, selected, key, title, limit, sizes, chosen)
    labels = state.rb_labels.get(tree, {})
    changed, path = f.rb.get(tree, set()), f.rb_path.get(tree, [])
    on_path = set(path)
    place: dict[int, tuple[float, float]] = {}
    out: list[Item] = [label("root", 0, 0, tree)]
    for rank, (node, depth) in enumerate(inorder(state, tree)):
        x, y = rank * STEP_X, TOP + depth * STEP_Y
        place[node] = (x, y)
        out.append(_node_box(node, x, y, nodes[node][3], labels, changed, on_path, key, selected))
    edges = _edges(nodes, place, on_path)
    if not nodes:
        out.append(label("empty", 0, TOP, "(empty tree)", "muted"))
    n = len(nodes)
    return scene(title or f"{tree}: {n} node{'' if n == 1 else 's'}", out, edges)


def _folded(
    state: ViewState,
    tree: str,
    f: Focus,
    selected: str,
    key: Any,
    title: str | None,
    limit: int,
    sizes: RbSizes,
    chosen: int | None,
) -> dict[str, Any]:
    nodes = state.rb[tree]
    labels = state.rb_labels.get(tree, {})
    changed, path = f.rb.get(tree, set()), f.rb_path.get(tree, [])
    on_path = set(path)
    root = state.rb_root.get(tree)
    keep: set[int] = set()
    level = [root] if root is not None else []
    top = 2  # the root and its children: the path gives the rest its context
    for _ in range(top):
        keep.update(level)
        level = [c for n in level for c in nodes[n][1:3] if c is not None]
    # the search's last few nodes: 2.6.32's hole search walks on in address order (rb_next)
    for n in (*changed, *path[-4:], *([chosen] if chosen is not None else [])):
        if n not in nodes:
            continue
        keep.update(c for c in nodes[n][1:3] if c is not None)
        c: int | None = n
        while c is not None and c not in keep:
            keep.add(c)
            c = nodes[c][0]
        if c is not None:
            keep.add(c)
    out: list[Item] = []
    place: dict[int, tuple[float, float]] = {}
    slot = 0

    def ends(n: int) -> tuple[str, str]:
        lo, hi = n, n
        while (down := nodes[lo][1]) is not None:
            lo = down
        while (down := nodes[hi][2]) is not None:
            hi = down
        return labels.get(lo, f"{lo:x}"), labels.get(hi, f"{hi:x}")

    def draw(n: int, depth: int) -> None:
        nonlocal slot
        x, y = 0.0, TOP + depth * STEP_Y
        if n not in keep:
            x = slot * STEP_X
            slot += 1
            count = sizes.of(n)
            lo, hi = ends(n)
            sel = key(n) if key else None
            tip = f"{count:,} nodes folded, {lo.split('-')[0]} … {hi.split('-')[-1]}: select to open"
            out.append(box(f"n{n:x}", x, y, [[f"⋯ {count:,}"]], "dim fold", w=NODE_W, sel=sel, tip=tip))
            place[n] = (x, y)
            return
        _, lt, rt, colour = nodes[n]
        if lt is not None:
            draw(lt, depth + 1)
        x = slot * STEP_X
        slot += 1
        place[n] = (x, y)
        out.append(_node_box(n, x, y, colour, labels, changed, on_path, key, selected))
        if rt is not None:
            draw(rt, depth + 1)

    if root is not None:
        draw(root, 0)
    edges = _edges(nodes, place, on_path)
    count = len(nodes)
    shown = len(keep)
    note = f"{tree}: {shown} of {count:,} nodes drawn, the rest folded (⋯): select one to open it"
    out.insert(0, label("root", 0, 0, note))
    return scene(title or f"{tree}: {count:,} nodes", out, edges)
