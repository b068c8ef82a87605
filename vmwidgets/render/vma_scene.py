"""The VMA view: an address space's ``vm_area_struct`` list (vm_next, and vm_prev from 2.6.36) and its maps table."""

from __future__ import annotations

from typing import Any

from ..model.mm_types import VM_EXEC, VM_MAYSHARE, VM_READ, VM_WRITE
from ..state import ViewState
from .dot import escape
from .focus import Focus
from .fold import keep_indices
from .incremental import RbSizes
from .scene import ROW, Item, Row, box, curve, mb, scene
from .selection import parse_key

__all__ = [
    "GAP_X",
    "GAP_Y",
    "HEAD_W",
    "VmaRecord",
    "W",
    "has_vm_prev",
    "maps_html",
    "perms",
    "sorted_vmas",
    "vma_key",
    "vma_list_scene",
    "vma_name",
]

W, GAP_X, GAP_Y, HEAD_W = 176, 40, 34, 86

VmaRecord = tuple[int, int, int, int, str | None]
"""``state.vmas[mm][vma]``: ``(vm_start, vm_end, vm_flags, vm_pgoff, file)``."""


def perms(flags: int) -> str:
    """The rwxp column of /proc/PID/maps."""
    out = "".join(c if flags & b else "-" for b, c in ((VM_READ, "r"), (VM_WRITE, "w"), (VM_EXEC, "x")))
    return out + ("s" if flags & VM_MAYSHARE else "p")


def has_vm_prev(era: str) -> bool:
    """Does ``struct vm_area_struct`` of kernel ``era`` have ``vm_prev``?  From 2.6.36 only.

    2.6.24 (include/linux/mm_types.h) and mainline 2.6.32 have only ``vm_next``: the
    kernel finds the VMA before another with find_vma_prev, a walk of the tree.  Some
    2.6.32.y stable releases backport ``vm_prev``; the model follows mainline.

    >>> has_vm_prev("2.6.24"), has_vm_prev("2.6.32"), has_vm_prev("2.6.36")
    (False, False, True)
    """
    minor = era.rsplit(".", 1)[-1]
    return minor.isdigit() and int(minor) >= 36


def vma_key(mm: str, vma: int) -> str:
    return f"vma:{mm}:{vma}"


def vma_name(rec: VmaRecord, mm_fields: dict[str, int] | None = None) -> str:
    """The name column of /proc/PID/maps for a VMA of an mm with these ``mm_fields``
    (``ViewState.mm_fields[mm]``), as :meth:`~vmwidgets.MmStruct.maps` prints it.

    fs/proc/task_mmu.c:show_map (2.6.24 show_map_internal, 2.6.32 show_map_vma) tries in
    turn: the file's path; arch_vma_name (the vdso: the model maps none); ``[heap]`` when
    the VMA covers ``start_brk`` up to ``brk``; ``[stack]`` when it holds ``start_stack``;
    else nothing (2.6.32's ``[threadstack:…]`` needs threads).  A field never set is 0, as
    in a fresh mm_struct, and is tested the same way.

    >>> heap = {"start_brk": 0x0804D000, "brk": 0x0806D123, "start_stack": 0xBFFFEE40}
    >>> vma_name((0x0804D000, 0x0806E000, 0x73, 0x804D, None), heap)
    '[heap]'
    >>> vma_name((0x0804D000, 0x0806D000, 0x73, 0x804D, None), heap)  # brk lies beyond its end
    ''
    >>> vma_name((0xBFFEB000, 0xC0000000, 0x173, 0xBFFEB, None), heap)
    '[stack]'
    """
    file = rec[4]
    if file:
        return file
    f = mm_fields or {}
    start, end = rec[0], rec[1]
    if start <= f.get("start_brk", 0) and end >= f.get("brk", 0):
        return "[heap]"
    stack = f.get("start_stack", 0)
    return "[stack]" if start <= stack <= end else ""


def sorted_vmas(state: ViewState, mm: str) -> list[tuple[int, VmaRecord]]:
    return sorted(state.vmas.get(mm, {}).items(), key=lambda kv: kv[1][0])


class _Order:
    """An mm's VMAs in address order, read by index: from ``mm_rb``'s subtree sizes (O(height)
    a read, whatever the count) when the tree holds every VMA, else by sorting them."""

    def __init__(self, state: ViewState, mm: str, sizes: RbSizes | None) -> None:
        self.recs = recs = state.vmas.get(mm, {})
        self.sizes = sizes if sizes is not None and len(sizes) == len(recs) else None
        self.items = None if self.sizes is not None else sorted(recs.items(), key=lambda kv: kv[1][0])
        self.where = None if self.items is None else {v: i for i, (v, _) in enumerate(self.items)}

    def __len__(self) -> int:
        return len(self.recs)

    def at(self, i: int) -> tuple[int, VmaRecord]:
        if self.items is not None:
            return self.items[i]
        assert self.sizes is not None
        v = self.sizes.select(i)
        return v, self.recs[v]

    def index(self, vma: int) -> int | None:
        if self.where is not None:
            return self.where.get(vma)
        assert self.sizes is not None
        return self.sizes.rank(vma) if vma in self.recs else None


def _sizes_for(state: ViewState, mm: str, limit: int, sizes: RbSizes | None) -> RbSizes | None:
    """The sizes to fold with: the view's, or counted here when the list is long enough to fold."""
    if sizes is None and len(state.vmas.get(mm, {})) > limit:
        sizes = RbSizes("mm_rb:" + mm).sync(state, None)
    return sizes


def vma_list_scene(
    state: ViewState,
    mm: str,
    f: Focus | None = None,
    selected: str = "",
    limit: int = 30,
    per_row: int = 5,
    vm_prev: bool = False,
    sizes: RbSizes | None = None,
) -> dict[str, Any]:
    """``mm->mmap`` and the VMAs in address order, ``vm_next`` solid; with ``vm_prev`` (a kernel
    that has the field, :func:`has_vm_prev`) the links back too, dashed.  A list longer than
    ``limit`` folds around the step; ``sizes`` (the view's ``mm_rb`` subtree sizes) find
    its VMAs by index without sorting them all."""
    f = f or Focus()
    vmas = _Order(state, mm, _sizes_for(state, mm, limit, sizes))
    fields = state.mm_fields.get(mm)
    changed = f.vmas.get(mm, set())
    path = set(f.rb_path.get("mm_rb:" + mm, []))
    focus_idx = [i for v in (*changed, *path) if (i := vmas.index(v)) is not None]
    kind, value = parse_key(selected)
    if kind == "vma" and value[0] == mm and (i := vmas.index(value[1])) is not None:
        focus_idx.append(i)
    nodes = [box("mmap", 0, 0, [{"c": ["mm->mmap"], "cls": "head"}], w=HEAD_W)]
    edges: list[Item] = []
    prev: tuple[str, float, float] | None = None
    slot = 0
    for item in keep_indices(len(vmas), focus_idx, limit):
        col, row = slot % per_row, slot // per_row
        x, y = HEAD_W + GAP_X + col * (W + GAP_X), row * (5 * ROW + 6 + GAP_Y)
        if isinstance(item, tuple):
            (first, lo), hi = vmas.at(item[0]), vmas.at(item[1])[1]
            rows: list[Row] = [[f"⋯ {item[1] - item[0] + 1} VMAs"], [f"{lo[0]:08x}–{hi[1]:08x}"]]
            mid = vmas.at((item[0] + item[1]) // 2)[0]  # selecting the middle one opens the run there
            tip = "folded: select to open the run at its middle VMA"
            node = box(f"fold:{first}", x, y + ROW, rows, "dim", w=W, sel=vma_key(mm, mid), tip=tip)
        else:
            vma, rec = vmas.at(item)
            start, end, flags = rec[:3]
            name = vma_name(rec, fields)
            key = vma_key(mm, vma)
            cls = [c for c, on in (("hl", vma in changed), ("visit", vma in path), ("sel", key == selected)) if on]
            rows = [
                {"c": ["vm_area_struct", ""], "cls": "head"},
                ["vm_start", f"{start:08x}"],
                ["vm_end", f"{end:08x}"],
                ["vm_flags", f"{perms(flags)} {flags:#x}"],
                ["vm_file", name[-14:] or "NULL"],
            ]
            tip = f"{start:08x}-{end:08x} {perms(flags)} {mb(end - start)} {name}"
            node = box(f"vma:{vma}", x, y, rows, " ".join(cls), cols=[0, 62], w=W, sel=key, tip=tip)
        nodes.append(node)
        if prev is None:
            edges.append(curve("mmap", (HEAD_W, ROW / 2 + 3), (x, ROW / 2 + 3), "arrow"))
        else:
            pid, px, py = prev
            edges.append(curve(f"next:{pid}", (px, py + 4), (x, y + ROW), "arrow"))
            if vm_prev:
                edges.append(curve(f"prev:{node['id']}", (x, y + 3 * ROW), (px, py + 2 * ROW), "arrow prev"))
        prev = (node["id"], x + W, y + ROW / 2)
        slot += 1
    title = f"mm {mm}: {len(vmas)} VMAs in vm_next order" + (", vm_prev dashed" if vm_prev else "")
    return scene(title, nodes, edges)


MAPS_LIMIT = 64  # lines of the maps table drawn before it folds around the step


def maps_html(
    state: ViewState,
    mm: str,
    f: Focus | None = None,
    selected: str = "",
    limit: int = MAPS_LIMIT,
    sizes: RbSizes | None = None,
) -> str:
    """A compact /proc/PID/maps (address range, perms, offset, size, name), the step's rows
    marked; more than ``limit`` lines fold into "⋯ n lines" rows around the step's and the
    selection's lines (``sizes`` as for :func:`vma_list_scene`)."""
    f = f or Focus()
    changed = f.vmas.get(mm, set())
    fields = state.mm_fields.get(mm)
    rows = []
    order = _Order(state, mm, _sizes_for(state, mm, limit, sizes))
    focus_idx = [i for v in changed if (i := order.index(v)) is not None]
    kind, value = parse_key(selected)
    if kind == "vma" and value[0] == mm and (i := order.index(value[1])) is not None:
        focus_idx.append(i)
    for item in keep_indices(len(order), focus_idx, limit):
        if isinstance(item, tuple):
            lo, hi = order.at(item[0])[1], order.at(item[1])[1]
            rows.append(
                f'<tr class="vmw-fold"><td colspan="5">⋯ {item[1] - item[0] + 1:,} lines, '
                f"{lo[0]:08x}–{hi[1]:08x}</td></tr>"
            )
            continue
        vma, rec = order.at(item)
        start, end, flags, pgoff = rec[:4]
        cls = "vmw-hl" if vma in changed else ("vmw-sel" if vma_key(mm, vma) == selected else "")
        off = pgoff << 12  # show_map prints vm_pgoff for anonymous VMAs too (2.6.2x)
        if end <= 1 << 32:
            off &= 0xFFFFFFFF
        rows.append(
            f'<tr class="{cls}"><td>{start:08x}-{end:08x}</td><td>{perms(flags)}</td>'
            f"<td>{off:08x}</td><td>{escape(mb(end - start))}</td><td>{escape(vma_name(rec, fields))}</td></tr>"
        )
    body = "".join(rows) or '<tr><td colspan="5">(no VMAs)</td></tr>'
    return (
        f'<table class="vmw-maps"><caption>/proc/{escape(mm)}/maps</caption>'
        "<tr><th>range</th><th>perms</th><th>offset</th><th>size</th><th>name</th></tr>"
        f"{body}</table>"
    )
