"""The SLUB view: caches, their slabs (frames) and each slab's objects, the freelist threaded through.

One band per cache, newest first as ``slab_caches`` lists them: the cache's box, then its
slabs left to right — the cpu slab (``c->page``), the node's partial list head first, then
the full slabs by frame — each a header over a grid of its object slots, the free ones
linked in freelist order.  Caches without slabs are one-line boxes.  Long rows of slabs and
slabs of many objects fold around what the step and the selection are about.
"""

from __future__ import annotations

import itertools
from typing import Any

from ..model.constants import PAGE_SHIFT, PAGE_SIZE
from ..state import ViewState
from .focus import Focus
from .fold import keep_indices
from .scene import PAD, ROW, Item, Row, box, curve, label, scene
from .selection import parse_key

__all__ = [
    "CACHE_W",
    "OBJ_COLS",
    "OBJ_H",
    "OBJ_W",
    "SLAB_W",
    "object_key",
    "slab_key",
    "slab_order",
    "slab_scene",
    "slab_span",
]

CACHE_W, GAP_X, GAP_Y = 170, 30, 16
OBJ_W, OBJ_H, OBJ_GAP, OBJ_GAP_Y, OBJ_COLS = 30, ROW + PAD, 8, 12, 8
SLAB_W = OBJ_COLS * (OBJ_W + OBJ_GAP) - OBJ_GAP
HEAD_H = 3 * ROW + PAD


def slab_key(pfn: int) -> str:
    """The selection key of the slab whose first frame is ``pfn``."""
    return f"slab:{pfn:#x}"


def object_key(addr: int) -> str:
    """The selection key of an object: its address."""
    return f"addr:{addr:#x}"


def slab_span(state: ViewState, pfn: int) -> tuple[int, int] | None:
    """The direct-map addresses of the slab whose first frame is ``pfn``: ``[page_address,
    + PAGE_SIZE << order)`` (slabs are lowmem), or None when no slab begins there."""
    r = state.slabs.get(pfn)
    return None if r is None else (r.addr, r.addr + (PAGE_SIZE << r.order))


def slab_order(state: ViewState, cache: str) -> list[int]:
    """The slabs of ``cache`` as drawn: the cpu slab, the partial list head first, the rest by pfn."""
    cpu = state.cpu_slab.get(cache)
    partial = state.slab_partial.get(cache, [])
    listed = set(partial) | ({cpu} if cpu is not None else set())
    rest = sorted(p for p, r in state.slabs.items() if r.cache == cache and p not in listed)
    return ([cpu] if cpu is not None else []) + partial + rest


def _selected_slab(state: ViewState, selected: str) -> tuple[int | None, int | None]:
    """The slab (first pfn) and object address the selection points into, if any."""
    kind, value = parse_key(selected)
    if kind == "slab" and value in state.slabs:
        return value, None
    if kind == "pfn" or kind == "addr":
        for pfn, r in state.slabs.items():
            if kind == "pfn" and pfn <= value < pfn + (1 << r.order):
                return pfn, None
            if kind == "addr" and r.addr <= value < r.addr + (PAGE_SIZE << r.order):
                size = state.slab_size.get(r.cache, 0)
                i = (value - r.addr) // size if size else r.objects
                return pfn, (r.addr + i * size if i < r.objects else None)
    return None, None


def _cache_rows(state: ViewState, cache: str, slabs: list[int]) -> list[Any]:
    size = state.slab_size.get(cache)
    cpu = state.cpu_slab.get(cache)
    rows: list[Any] = [{"c": [cache], "cls": "head"}, [f"size {size}" if size is not None else "size ?"]]
    if slabs:
        total = sum(state.slabs[p].objects for p in slabs)
        inuse = total - sum(len(state.slab_free.get(p, ())) for p in slabs)
        rows += [
            [f"cpu_slab {'NULL' if cpu is None else f'pfn {cpu:#x}'}"],
            [f"partial {len(state.slab_partial.get(cache, []))}, slabs {len(slabs)}"],
            [f"objects {inuse}/{total} in use"],
        ]
    return rows


def _link(id: str, ax: float, ay: float, bx: float, by: float, cls: str) -> Item:
    """A free pointer from the slot at (ax, ay) to the one at (bx, by): straight to the next slot
    on its right, an arc under the row to any other in the same row, else down (or up) between rows."""
    if ay == by and bx == ax + OBJ_W + OBJ_GAP:
        return curve(id, (ax + OBJ_W, ay + OBJ_H / 2), (bx, by + OBJ_H / 2), cls)
    x1, x2 = ax + OBJ_W / 2, bx + OBJ_W / 2
    if ay == by:
        y = ay + OBJ_H
        d = f"M{x1:.1f},{y:.1f} C{x1:.1f},{y + 10:.1f} {x2:.1f},{y + 10:.1f} {x2:.1f},{y:.1f}"
        return {"id": id, "d": d, "cls": cls}
    if by > ay:
        return curve(id, (x1, ay + OBJ_H), (x2, by), cls, horizontal=False)
    y1, y2 = ay, by + OBJ_H
    d = f"M{x1:.1f},{y1:.1f} C{x1:.1f},{y1 - 12:.1f} {x2:.1f},{y2 + 12:.1f} {x2:.1f},{y2:.1f}"
    return {"id": id, "d": d, "cls": cls}


def _slab_items(
    state: ViewState, pfn: int, x: float, y: float, mark: str, f: Focus, sel: tuple[int | None, int | None], limit: int
) -> tuple[list[Item], list[Item], float]:
    """A slab's header, its object slots and freelist links; and the height they take."""
    r = state.slabs[pfn]
    size = state.slab_size.get(r.cache, 0)
    free = state.slab_free.get(pfn, [])
    free_set = set(free)
    in_use = r.objects - len(free)
    sel_slab, sel_obj = sel
    head_cls = " ".join(c for c, on in (("hl", pfn in f.slabs), ("sel", pfn == sel_slab)) if on)
    rows: list[Row] = [
        {"c": [f"slab pfn {pfn:#x}" + (f" (order {r.order})" if r.order else "")], "cls": "head"},
        [mark],
        [f"inuse {in_use}/{r.objects}, freelist {'→' if free else 'NULL'}"],
    ]
    tip = f"slab of {r.cache}: frames {pfn:#x}-{pfn + (1 << r.order) - 1:#x}, objects at {r.addr:#010x}"
    nodes: list[Item] = [box(f"slab:{pfn:x}", x, y, rows, head_cls, w=SLAB_W, h=HEAD_H, sel=slab_key(pfn), tip=tip)]
    addrs = [r.addr + i * size for i in range(r.objects)] if size else []
    index = {a: i for i, a in enumerate(addrs)}
    focus_idx = [index[a] for a in (*f.objects, sel_obj, *free[:1]) if a in index]
    where: dict[int, tuple[str, float, float]] = {}  # address -> (item id, its centre)
    slot = 0
    for item in keep_indices(len(addrs), focus_idx, limit):
        cx = x + (slot % OBJ_COLS) * (OBJ_W + OBJ_GAP)
        cy = y + HEAD_H + 6 + (slot // OBJ_COLS) * (OBJ_H + OBJ_GAP_Y)
        slot += 1
        if isinstance(item, tuple):
            lo, hi = item
            fid = f"ofold:{addrs[lo]:x}"
            nodes.append(box(fid, cx, cy, [["⋯"]], "dim", w=OBJ_W, h=OBJ_H, tip=f"objects {lo}-{hi} folded"))
            for a in addrs[lo : hi + 1]:
                where[a] = (fid, cx, cy)
            continue
        a = addrs[item]
        cls = " ".join(
            c for c, on in (("k-kernel", a not in free_set), ("hl", a in f.objects), ("sel", a == sel_obj)) if on
        )
        what = "free" if a in free_set else "in use"
        nodes.append(
            box(f"obj:{a:x}", cx, cy, [[str(item)]], cls, w=OBJ_W, h=OBJ_H, sel=object_key(a), tip=f"{a:#010x} {what}")
        )
        where[a] = (f"obj:{a:x}", cx, cy)
    edges: list[Item] = []
    if free and free[0] in where:
        _, hx, hy = where[free[0]]
        edges.append(
            curve(f"fl:{pfn:x}", (x + SLAB_W - 4, y + HEAD_H - 2), (hx + OBJ_W / 2, hy), "arrow", horizontal=False)
        )
    for a, b in itertools.pairwise(free):
        if a not in where or b not in where or where[a][0] == where[b][0]:
            continue  # within one fold: nothing to draw
        (_, ax, ay), (_, bx, by) = where[a], where[b]
        cls = "arrow hl" if a in f.objects or b in f.objects else "arrow"
        edges.append(_link(f"fp:{a:x}", ax, ay, bx, by, cls))
    height = HEAD_H + 6 + -(-slot // OBJ_COLS) * (OBJ_H + OBJ_GAP_Y)
    return nodes, edges, height


def slab_scene(
    state: ViewState, f: Focus | None = None, selected: str = "", limit: int = 6, objects: int = 64
) -> dict[str, Any]:
    """Every cache of ``state.slab_caches``, its slabs and their objects, with the freelists.

    ``limit``: slabs drawn per cache before the rest fold into "⋯ n slabs"; ``objects``:
    object slots drawn per slab before runs of them fold into "⋯".  The step's slabs and
    objects are highlighted (``hl``); the selection (``slab:0x…``, ``pfn:0x…`` of one of a
    slab's frames or ``addr:0x…`` in a slab) is marked ``sel``.  In-use objects are filled;
    free ones are linked head first from their slab's header (``c->freelist`` for the cpu
    slab, ``page->freelist`` for the others).
    """
    f = f or Focus()
    sel = _selected_slab(state, selected)
    nodes: list[Item] = []
    edges: list[Item] = []
    y = 0.0
    for cache in state.slab_caches:
        slabs = slab_order(state, cache)
        rows = _cache_rows(state, cache, slabs)
        cls = "hl" if any(p in f.slabs for p in slabs) else ""
        nodes.append(box(f"cache:{cache}", 0, y, rows, cls, w=CACHE_W, tip=f"struct kmem_cache {cache}"))
        band: float = len(rows) * ROW + PAD
        if slabs:
            cpu = state.cpu_slab.get(cache)
            partial = state.slab_partial.get(cache, [])
            focus_idx = [i for i, p in enumerate(slabs) if p in f.slabs or p == sel[0]]
            x: float = CACHE_W + GAP_X
            for item in keep_indices(len(slabs), focus_idx, limit, around=1):
                if isinstance(item, tuple):
                    lo, hi = item
                    n = hi - lo + 1
                    node = box(
                        f"sfold:{cache}:{slabs[lo]:x}", x, y, [[f"⋯ {n} slabs"]], "dim", tip="folded: select one"
                    )
                    nodes.append(node)
                    x += node["w"] + GAP_X
                    continue
                pfn = slabs[item]
                if pfn == cpu:
                    mark = "cpu slab (c->page)"
                elif pfn in partial:
                    mark = f"partial [{partial.index(pfn)}]"
                else:
                    mark = "full" if not state.slab_free.get(pfn) else "on no list"  # between two steps
                n_items, e_items, h = _slab_items(state, pfn, x, y, mark, f, sel, objects)
                nodes += n_items
                edges += e_items
                band = max(band, h)
                x += SLAB_W + GAP_X
        y += band + GAP_Y
    if not state.slab_caches:
        nodes.append(label("none", 0, 0, "no slab caches", "muted"))
    n_slabs, n_objects = len(state.slabs), len(state.slab_objects)
    title = f"SLUB: {len(state.slab_caches)} caches, {n_slabs} slab{'' if n_slabs == 1 else 's'}"
    title += f" ({sum(1 << r.order for r in state.slabs.values()) << PAGE_SHIFT >> 10} kB), {n_objects} objects in use"
    return scene(title, nodes, edges)
