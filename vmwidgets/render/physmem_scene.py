"""The physical memory view: frames by zone at an aggregate scale, and the buddy free lists."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..model.constants import MAX_ORDER, PAGE_SIZE
from ..state import ViewState
from .focus import Focus
from .scene import ROW, Item, box, label, mb, scene

__all__ = ["CELL", "COLS", "MAX_CELLS", "cell_levels", "frames_per_cell", "physmem_scene"]

COLS, CELL, MAX_CELLS = 64, 9, 1024


def frames_per_cell(total_pfns: int) -> int:
    """A power of two so that all of RAM fits in about ``MAX_CELLS`` cells (1 GB: 256 frames = 1 MB)."""
    n = 1
    while total_pfns / n > MAX_CELLS:
        n *= 2
    return n


def cell_levels(state: ViewState, zone: Any, per: int, lit: set[int], changed: set[int]) -> str:
    """One character per cell: ``0``–``4`` how full (free … all in use), ``r`` all reserved by
    boot, ``h`` holds a frame of the selection, ``c`` a frame the step changed."""
    n = -(-(zone.end_pfn - zone.start_pfn) // per)
    free = [0] * n
    for (_z, order), blocks in state.free.items():
        size = 1 << order
        for pfn in blocks:
            if not zone.start_pfn <= pfn < zone.end_pfn:
                continue
            lo = pfn - zone.start_pfn
            hi = min(lo + size, zone.end_pfn - zone.start_pfn)
            while lo < hi:
                cell = lo // per
                step = min(hi, (cell + 1) * per) - lo
                free[cell] += step
                lo += step
    reserved = [0] * n
    for start, end, _what in state.reserved:
        lo, hi = max(start, zone.start_pfn) - zone.start_pfn, min(end, zone.end_pfn) - zone.start_pfn
        while lo < hi:
            cell = lo // per
            step = min(hi, (cell + 1) * per) - lo
            reserved[cell] += step
            lo += step
    marks = {}
    for pfn in lit:
        if zone.start_pfn <= pfn < zone.end_pfn:
            marks[(pfn - zone.start_pfn) // per] = "h"
    for pfn in changed:
        if zone.start_pfn <= pfn < zone.end_pfn:
            marks[(pfn - zone.start_pfn) // per] = "c"
    out = []
    for i in range(n):
        size = min(per, zone.end_pfn - zone.start_pfn - i * per)
        if i in marks:
            out.append(marks[i])
        elif reserved[i] >= size:
            out.append("r")
        else:
            used = size - free[i]
            out.append(str(0 if used <= 0 else 4 if used >= size else 1 + min(2, 3 * used // size)))
    return "".join(out)


def physmem_scene(
    state: ViewState,
    zones: Sequence[Any],
    f: Focus | None = None,
    lit: Iterable[int] = (),
    lit_what: str = "",
) -> dict[str, Any]:
    """Each zone a grid of cells (one cell = a power-of-two number of frames), with its
    ``free_area[0..MAX_ORDER-1]`` beside it: nr_free and the head of each list.  ``lit``
    frames (a selected vm_struct's or VMA's) are blue; the step's frames amber."""
    f = f or Focus()
    lit = set(lit)
    changed = f.changed_pfns()
    total = max((z.end_pfn for z in zones), default=0)
    per = frames_per_cell(total)
    nodes: list[Item] = []
    grids: list[Item] = []
    y = 0.0
    legend = f"1 cell = {per} frame{'s' if per > 1 else ''} ({mb(per * PAGE_SIZE)}); darker = more in use"
    nodes.append(label("legend", 0, y, legend))
    if lit_what:
        nodes.append(label("lit", 0, y + ROW, f"blue: {lit_what} ({len(lit)} frames)"))
    y += 2 * ROW + 8
    fa_x = COLS * CELL + 40
    for zi, zone in enumerate(zones):
        vals = cell_levels(state, zone, per, lit, changed)
        size = mb((zone.end_pfn - zone.start_pfn) * PAGE_SIZE)
        head = f"ZONE_{zone.name.upper()}  pfn {zone.start_pfn:#x}–{zone.end_pfn:#x}  ({size})"
        nodes.append(label(f"z{zi}", 0, y, head))
        grids.append({"id": f"g{zi}", "x": 0, "y": y + ROW + 6, "cols": COLS, "cell": CELL, "vals": vals})
        grid_h = -(-len(vals) // COLS) * CELL
        rows: list[Any] = [{"c": ["order", "nr_free", "free_list (head first)"], "cls": "head"}]
        for order in range(MAX_ORDER):
            blocks = state.free.get((zi, order), [])
            head_pfns = " ".join(f"{p:#x}" for p in blocks[:3]) + (" ⋯" if len(blocks) > 3 else "")
            cls = "hl" if (zi, order) in f.free_area else ""
            rows.append({"c": [str(order), str(len(blocks)), head_pfns or "empty"], "cls": cls})
        fa = box(f"fa{zi}", fa_x, y + ROW + 6, rows, "", cols=[0, 44, 104], w=330, tip=f"{zone.name} free_area[]")
        nodes.append(fa)
        y += ROW + 6 + max(grid_h, fa["h"]) + 16
    return scene("physical memory: zones and buddy free lists", nodes, [], grids)
