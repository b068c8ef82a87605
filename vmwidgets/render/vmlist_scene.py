"""The vmlist view: ``struct vm_struct`` records on their singly linked list."""

from __future__ import annotations

from typing import Any

from ..model.constants import PAGE_SHIFT, vm_flag_names
from ..state import ViewState
from .focus import Focus
from .fold import keep_indices
from .scene import ROW, Item, Row, box, curve, label, mb, scene
from .selection import parse_key

__all__ = ["FIELDS", "GAP_X", "GAP_Y", "H", "HEAD_W", "W", "area_key", "record_rows", "vmlist_scene"]

W, H, GAP_X, GAP_Y, HEAD_W = 214, 9 * ROW + 6, 46, 30, 70
FIELDS = ("next", "addr", "size", "flags", "pages", "nr_pages", "phys_addr", "caller")


def _short(text: str, n: int = 20) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def record_rows(state: ViewState, addr: int, last: bool) -> list[Any]:
    """The fields of one vm_struct, in the order the kernel declares them."""
    a = state.areas[addr]
    pages = state.area_pages.get(addr, [])
    values = {
        "next": "NULL" if last else "→",
        "addr": f"{a.addr:#010x}",
        "size": f"{a.size:#x} ({mb(a.size)})",
        "flags": "|".join(vm_flag_names(a.flags)) or "0",
        "pages": f"→ [{len(pages)}]" if pages else "NULL",
        "nr_pages": str(a.nr_pages),
        "phys_addr": f"{a.phys_addr:#x}",
        "caller": _short(a.caller or "NULL"),
    }
    return [{"c": ["struct vm_struct", ""], "cls": "head"}] + [[f, values[f]] for f in FIELDS]


def _index(order: list[int], addr: int | None) -> int | None:
    """Where ``addr`` is on vmlist (a search in C: no dict of 10,000 records a step)."""
    try:
        return order.index(addr) if addr is not None else None
    except ValueError:
        return None


def area_key(addr: int) -> str:
    return f"vm:{addr:#x}"


def vmlist_scene(
    state: ViewState, f: Focus | None = None, selected: str = "", limit: int = 40, per_row: int = 4
) -> dict[str, Any]:
    """``vmlist`` from its head pointer to NULL, ``per_row`` records a row.

    The step's record is highlighted (``hl``), the one a hole search is at is marked
    ``visit``; a selected record also shows its ``pages[]`` (pfn and physical address of
    each frame).  Lists longer than ``limit`` fold into "⋯ n vm_structs" boxes around
    the records the step and the selection are about.
    """
    f = f or Focus()
    order = state.vmlist
    focus_idx = [i for a in (*f.areas, f.visiting, *f.visited[-1:]) if (i := _index(order, a)) is not None]
    kind, value = parse_key(selected)
    sel_addr = value if kind == "vm" else None
    sel_at = _index(order, sel_addr)
    if sel_at is not None:
        focus_idx.append(sel_at)
    nodes: list[Item] = [box("vmlist", 0, 0, [{"c": ["vmlist"], "cls": "head"}], w=HEAD_W)]
    edges: list[Item] = []
    prev = ("vmlist", HEAD_W, ROW / 2 + 3)
    slot = 0
    for item in keep_indices(len(order), focus_idx, limit):
        col, row = slot % per_row, slot // per_row
        x, y = HEAD_W + GAP_X + col * (W + GAP_X), row * (H + GAP_Y)
        if isinstance(item, tuple):
            lo, hi = order[item[0]], order[item[1]]
            end = hi + state.areas[hi].size
            rows: list[Row] = [[f"⋯ {item[1] - item[0] + 1} vm_structs"], [f"{lo:#010x}–{end:#010x}"]]
            mid = order[(item[0] + item[1]) // 2]  # selecting the middle one opens the run there
            tip = "folded: select to open the run at its middle vm_struct"
            node = box(f"fold:{lo:x}", x, y + H / 2 - ROW, rows, "dim", w=W, sel=area_key(mid), tip=tip)
            in_y = y + H / 2
        else:
            addr = order[item]
            cls = " ".join(
                c
                for c, on in (
                    ("hl", addr in f.areas),
                    ("visit", addr == f.visiting),
                    ("sel", addr == sel_addr),
                )
                if on
            )
            a = state.areas[addr]
            tip = f"vm_struct {addr:#010x}-{addr + a.size:#010x}, caller {a.caller or 'NULL'}"
            node = box(
                f"vm:{addr:x}",
                x,
                y,
                record_rows(state, addr, item == len(order) - 1),
                cls,
                w=W,
                sel=area_key(addr),
                tip=tip,
            )
            in_y = y + ROW / 2 + 3
        nodes.append(node)
        pid, px, py = prev
        edges.append(curve(f"next:{pid}", (px, py), (x, in_y), "arrow" + (" hl" if node.get("cls") == "hl" else "")))
        prev = (node["id"], x + W, (y + ROW + ROW / 2 + 3) if not isinstance(item, tuple) else in_y)
        slot += 1
    if not order:
        nodes.append(label("null", HEAD_W + GAP_X, 0, "NULL"))
        edges.append(curve("next:null", (HEAD_W, ROW / 2 + 3), (HEAD_W + GAP_X, ROW / 2 + 3), "arrow"))
    if sel_at is not None:
        sel_addr = order[sel_at]
        pages = state.area_pages.get(sel_addr, [])
        shown = pages[:16]
        rows = [{"c": [f"pages[] of {sel_addr:#010x}", ""], "cls": "head"}]
        rows += [[f"[{i}]", f"pfn {p:#x}  phys {p << PAGE_SHIFT:#010x}"] for i, p in enumerate(shown)]
        if len(pages) > len(shown):
            rows.append(["", f"⋯ {len(pages) - len(shown)} more"])
        if not pages:
            rows.append(
                ["", "NULL (no pages: " + ("ioremap" if state.areas[sel_addr].phys_addr else "not filled") + ")"]
            )
        y0 = (slot + per_row - 1) // per_row * (H + GAP_Y)
        nodes.append(box("pages", HEAD_W + GAP_X, y0, rows, "sel"))
    title = f"vmlist: {len(order)} vm_struct" + ("" if len(order) == 1 else "s")
    return scene(title, nodes, edges)
