"""What one step touches: the ids each view highlights at a timeline position.

:func:`focus` reads only events — the current one (highlighted as "changed") and the
earlier ones of the same operation (a search path or an address walk so far) — so every
view highlights the same things for the same step, forward or back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Focus:
    """Highlights for one step; every set is empty when nothing of its kind is touched."""

    event: Any = None
    areas: set[int] = field(default_factory=set)  # vm_struct addr changed
    visiting: int | None = None  # vm_struct the vmlist search is at
    visited: list[int] = field(default_factory=list)  # vm_structs searched so far in this call
    rb: dict[str, set[int]] = field(default_factory=dict)  # tree -> nodes changed
    rb_path: dict[str, list[int]] = field(default_factory=dict)  # tree -> search path so far
    vmas: dict[str, set[int]] = field(default_factory=dict)  # mm -> VMA ids changed
    entries: set[tuple[int, int]] = field(default_factory=set)  # (table pfn, index) changed
    tables: set[int] = field(default_factory=set)  # page tables allocated or freed
    walk: list[tuple[int, int, int, str]] = field(default_factory=list)  # (vaddr, table, index, level) read
    frames: set[tuple[int, int]] = field(default_factory=set)  # (pfn, order) blocks changed
    free_area: set[tuple[int, int]] = field(default_factory=set)  # (zone, order) lists changed
    span: tuple[int, int] | None = None  # virtual range the step is about

    def changed_pfns(self) -> set[int]:
        return {pfn + i for pfn, order in self.frames for i in range(1 << order)}


def _rb(f: Focus, tree: str, *nodes: int | None) -> None:
    f.rb.setdefault(tree, set()).update(n for n in nodes if n is not None)


def focus(event: Any, earlier: list[Any] = ()) -> Focus:
    """The highlights of ``event``, given the ``earlier`` events of its operation."""
    f = Focus(event)
    prev = None
    for ev in [*earlier, event] if event is not None else earlier:
        # an operation may search several times (mmap calls find_vma more than once):
        # a path shows only the search in progress
        k = type(ev).__name__
        if k != prev or (k == "TableEntryRead" and ev.level == "pgd"):
            if k == "VmlistVisited":
                f.visited.clear()
            elif k == "VmaVisited":
                f.rb_path.pop("mm_rb:" + ev.mm, None)
            elif k == "VmapAreaVisited":
                f.rb_path.pop("vmap_area_root", None)
            elif k == "TableEntryRead":
                f.walk.clear()
        prev = k
        if ev is event:
            break
        if k == "VmlistVisited":
            f.visited.append(ev.addr)
        elif k == "VmaVisited":
            f.rb_path.setdefault("mm_rb:" + ev.mm, []).append(ev.vma)
        elif k == "VmapAreaVisited" and ev.verdict not in ("overflow", "fail"):
            f.rb_path.setdefault("vmap_area_root", []).append(ev.va_start)
        elif k == "TableEntryRead":
            f.walk.append((ev.vaddr, ev.table, ev.index, ev.level))
    if event is None:
        return f
    k = type(event).__name__
    if k in ("VmStructLinked", "VmStructUpdated", "VmPageStored", "VmStructUnlinked"):
        f.areas.add(event.addr)
        size = getattr(event, "size", None)
        if size:
            f.span = (event.addr, event.addr + size)
    elif k == "VmlistVisited":
        f.visiting = event.addr
        f.visited.append(event.addr)
        f.span = (event.addr, event.addr + event.size)
    elif k in ("FreeBlockTaken", "FrameAllocated", "FrameFreed", "FreeBlockAdded"):
        f.frames.add((event.pfn, event.order))
        if k in ("FreeBlockTaken", "FreeBlockAdded"):
            f.free_area.add((event.zone, event.order))
    elif k in ("BuddySplit", "BuddyMerged", "BuddyNotMerged"):
        f.frames.update({(event.pfn, event.order), (event.buddy, event.order)})
        f.free_area.add((event.zone, event.order))
    elif k in ("PteInstalled", "PteCleared", "PteChanged"):
        f.entries.add((event.table, event.index))
        f.span = (event.vaddr, event.vaddr + 4096)
    elif k in ("PageTableAllocated", "PageTableFreed"):
        f.tables.add(event.pfn)
        f.entries.add((event.parent, event.index))
    elif k in ("PgdCreated", "PgdFreed"):
        f.tables.add(event.pfn)
    elif k == "TableEntryRead":
        f.walk.append((event.vaddr, event.table, event.index, event.level))
        f.entries.add((event.table, event.index))
    elif k in ("VmaLinked", "VmaUnlinked", "VmaAdjusted", "VmaFlagsChanged"):
        f.vmas.setdefault(event.mm, set()).add(event.vma)
        _rb(f, "mm_rb:" + event.mm, event.vma)
        if hasattr(event, "vm_start"):
            f.span = (event.vm_start, event.vm_end)
    elif k == "VmaVisited":
        f.rb_path.setdefault("mm_rb:" + event.mm, []).append(event.vma)
        _rb(f, "mm_rb:" + event.mm)
        f.vmas.setdefault(event.mm, set())
        f.span = (event.vm_start, event.vm_end)
    elif k == "MmapCacheChecked" and event.vma is not None:
        f.vmas.setdefault(event.mm, set()).add(event.vma)
    elif k == "VmapAreaVisited" and event.verdict not in ("overflow", "fail"):
        f.rb_path.setdefault("vmap_area_root", []).append(event.va_start)
        f.span = (event.va_start, event.va_end)
    elif k in ("VmapAreaLazyFreed", "VmapAreaFreed"):
        _rb(f, "vmap_area_root", event.va_start)
        f.span = (event.va_start, event.va_end)
    elif k == "RbNodeLinked" or k == "RbNodeErased":
        _rb(f, event.tree, event.node)
    elif k == "RbRecolored":
        _rb(f, event.tree, *event.nodes)
    elif k in ("RbRotatedLeft", "RbRotatedRight"):
        _rb(f, event.tree, event.node, event.pivot)
    elif k in ("PageFaulted", "SignalSent"):
        f.span = (event.addr & ~0xFFF, (event.addr & ~0xFFF) + 4096)
    return f
