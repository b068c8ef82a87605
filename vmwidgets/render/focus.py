"""What one step touches: the ids each view highlights at a timeline position.

:func:`focus` reads only events — the current one (highlighted as "changed") and the
earlier ones of the same operation (a search path or an address walk so far) — so every
view highlights the same things for the same step, forward or back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..events import (  # SLUB
    AllocationFailed,
    BuddyMerged,
    BuddyNotMerged,
    BuddySplit,
    CpuSlabChanged,
    Event,
    FixmapSlotComputed,
    FrameAllocated,
    FrameFreed,
    FreeBlockAdded,
    FreeBlockTaken,
    KmallocRouted,
    KmemCacheCreated,
    KmemCacheMerged,
    MmapCacheChecked,
    MmStructUpdated,
    OperationBegan,
    OperationEnded,
    PageAddressRead,
    PageFaulted,
    PageRefChanged,
    PageTableAllocated,
    PageTableFreed,
    PgdCreated,
    PgdFreed,
    PkmapCountChanged,
    PkmapSlotVisited,
    PkmapWaitQueued,
    PteChanged,
    PteCleared,
    PteInstalled,
    RbNodeErased,
    RbNodeLinked,
    RbRecolored,
    RbRotatedLeft,
    RbRotatedRight,
    SignalSent,
    SlabCreated,
    SlabDiscarded,
    SlabFreelistLoaded,
    SlabObjectAllocated,
    SlabObjectFreed,
    SlabPartialAdded,
    SlabPartialRemoved,
    TableEntryRead,
    TlbFlushed,
    VmaAdjusted,
    VmaFlagsChanged,
    VmaLinked,
    VmapAreaFreed,
    VmapAreaLazyFreed,
    VmapAreaVisited,
    VmaUnlinked,
    VmaVisited,
    VmlistVisited,
    VmPageStored,
    VmStructLinked,
    VmStructUnlinked,
    VmStructUpdated,
    WarningPrinted,
)
from ..timeline import TimelineMarker

__all__ = ["PATHS", "RULES", "Focus", "Trail", "focus"]


@dataclass
class Focus:
    """Highlights for one step; every set is empty when nothing of its kind is touched."""

    event: Event | TimelineMarker | None = None
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
    slabs: set[int] = field(default_factory=set)  # slab first pfns changed (SLUB)
    objects: set[int] = field(default_factory=set)  # slab object addresses changed (SLUB)

    def changed_pfns(self) -> set[int]:
        return {pfn + i for pfn, order in self.frames for i in range(1 << order)}


def _rb(f: Focus, tree: str, *nodes: int | None) -> None:
    f.rb.setdefault(tree, set()).update(n for n in nodes if n is not None)


# --- a search in progress: the earlier events of the operation draw its path so far ------------
def _path_vmlist(f: Focus, ev: VmlistVisited) -> None:
    f.visited.append(ev.addr)


def _path_vma(f: Focus, ev: VmaVisited) -> None:
    f.rb_path.setdefault("mm_rb:" + ev.mm, []).append(ev.vma)


def _path_vmap(f: Focus, ev: VmapAreaVisited) -> None:
    if ev.verdict not in ("overflow", "fail"):
        f.rb_path.setdefault("vmap_area_root", []).append(ev.va_start)


def _path_walk(f: Focus, ev: TableEntryRead) -> None:
    f.walk.append((ev.vaddr, ev.table, ev.index, ev.level))


_Rule = Callable[[Focus, Any], object]  # each rule takes the kinds it is filed under: no one event type
# kind -> (forget the path when a new search of this kind starts, extend it)
PATHS: dict[type, tuple[_Rule, _Rule]] = {
    VmlistVisited: (lambda f, ev: f.visited.clear(), _path_vmlist),
    VmaVisited: (lambda f, ev: f.rb_path.pop("mm_rb:" + ev.mm, None), _path_vma),
    VmapAreaVisited: (lambda f, ev: f.rb_path.pop("vmap_area_root", None), _path_vmap),
    TableEntryRead: (lambda f, ev: f.walk.clear(), _path_walk),
}


# --- the step itself ---------------------------------------------------------------------------
def _area(f: Focus, ev: VmStructLinked | VmStructUpdated | VmPageStored | VmStructUnlinked) -> None:
    f.areas.add(ev.addr)
    size = getattr(ev, "size", None)
    if size:
        f.span = (ev.addr, ev.addr + size)


def _vmlist_visit(f: Focus, ev: VmlistVisited) -> None:
    f.visiting = ev.addr
    f.visited.append(ev.addr)
    f.span = (ev.addr, ev.addr + ev.size)


def _block(f: Focus, ev: FrameAllocated | FrameFreed) -> None:
    f.frames.add((ev.pfn, ev.order))


def _listed_block(f: Focus, ev: FreeBlockTaken | FreeBlockAdded) -> None:
    f.frames.add((ev.pfn, ev.order))
    f.free_area.add((ev.zone, ev.order))


def _buddies(f: Focus, ev: BuddySplit | BuddyMerged | BuddyNotMerged) -> None:
    f.frames.update({(ev.pfn, ev.order), (ev.buddy, ev.order)})
    f.free_area.add((ev.zone, ev.order))


def _pte(f: Focus, ev: PteInstalled | PteCleared | PteChanged) -> None:
    f.entries.add((ev.table, ev.index))
    f.span = (ev.vaddr, ev.vaddr + 4096)


def _table(f: Focus, ev: PageTableAllocated | PageTableFreed) -> None:
    f.tables.add(ev.pfn)
    f.entries.add((ev.parent, ev.index))


def _pgd(f: Focus, ev: PgdCreated | PgdFreed) -> None:
    f.tables.add(ev.pfn)


def _entry_read(f: Focus, ev: TableEntryRead) -> None:
    f.walk.append((ev.vaddr, ev.table, ev.index, ev.level))
    f.entries.add((ev.table, ev.index))


def _vma(f: Focus, ev: VmaLinked | VmaUnlinked | VmaAdjusted | VmaFlagsChanged) -> None:
    f.vmas.setdefault(ev.mm, set()).add(ev.vma)
    _rb(f, "mm_rb:" + ev.mm, ev.vma)
    if isinstance(ev, (VmaLinked, VmaUnlinked)):  # an adjust or a flags change keeps the span
        f.span = (ev.vm_start, ev.vm_end)


def _vma_visit(f: Focus, ev: VmaVisited) -> None:
    f.rb_path.setdefault("mm_rb:" + ev.mm, []).append(ev.vma)
    _rb(f, "mm_rb:" + ev.mm)
    f.vmas.setdefault(ev.mm, set())
    f.span = (ev.vm_start, ev.vm_end)


def _mmap_cache(f: Focus, ev: MmapCacheChecked) -> None:
    if ev.vma is not None:
        f.vmas.setdefault(ev.mm, set()).add(ev.vma)


def _vmap_visit(f: Focus, ev: VmapAreaVisited) -> None:
    if ev.verdict not in ("overflow", "fail"):
        f.rb_path.setdefault("vmap_area_root", []).append(ev.va_start)
        f.span = (ev.va_start, ev.va_end)


def _vmap_area(f: Focus, ev: VmapAreaLazyFreed | VmapAreaFreed) -> None:
    _rb(f, "vmap_area_root", ev.va_start)
    f.span = (ev.va_start, ev.va_end)


def _address(f: Focus, ev: PageFaulted | SignalSent) -> None:
    f.span = (ev.addr & ~0xFFF, (ev.addr & ~0xFFF) + 4096)


def _page_span(f: Focus, vaddr: int) -> None:
    if vaddr:
        f.span = (vaddr, vaddr + 4096)


def _nothing(f: Focus, ev: Event) -> None:
    """Steps that change nothing drawn (an operation's bracket, a warning, a TLB flush, a _count)."""


def _slab(f: Focus, ev: SlabCreated | SlabDiscarded) -> None:
    f.slabs.add(ev.pfn)
    f.frames.add((ev.pfn, ev.order))


def _slab_object(f: Focus, ev: SlabObjectAllocated | SlabObjectFreed) -> None:
    f.objects.add(ev.addr)
    f.slabs.add(ev.pfn)


def _slab_listed(f: Focus, ev: SlabPartialAdded | SlabPartialRemoved | SlabFreelistLoaded) -> None:
    f.slabs.add(ev.pfn)


def _cpu_slab(f: Focus, ev: CpuSlabChanged) -> None:
    f.slabs.update(p for p in (ev.old, ev.new) if p is not None)


RULES: dict[type, _Rule] = {
    OperationBegan: _nothing,
    OperationEnded: _nothing,
    AllocationFailed: _nothing,
    WarningPrinted: _nothing,
    TlbFlushed: _nothing,
    PageRefChanged: _nothing,
    VmStructLinked: _area,
    VmStructUpdated: _area,
    VmPageStored: _area,
    VmStructUnlinked: _area,
    VmlistVisited: _vmlist_visit,
    FrameAllocated: _block,
    FrameFreed: _block,
    FreeBlockTaken: _listed_block,
    FreeBlockAdded: _listed_block,
    BuddySplit: _buddies,
    BuddyMerged: _buddies,
    BuddyNotMerged: _buddies,
    PteInstalled: _pte,
    PteCleared: _pte,
    PteChanged: _pte,
    PageTableAllocated: _table,
    PageTableFreed: _table,
    PgdCreated: _pgd,
    PgdFreed: _pgd,
    TableEntryRead: _entry_read,
    VmaLinked: _vma,
    VmaUnlinked: _vma,
    VmaAdjusted: _vma,
    VmaFlagsChanged: _vma,
    VmaVisited: _vma_visit,
    MmapCacheChecked: _mmap_cache,
    MmStructUpdated: lambda f, ev: f.vmas.setdefault(ev.mm, set()),  # the mm's views; no VMA changes
    VmapAreaVisited: _vmap_visit,
    VmapAreaLazyFreed: _vmap_area,
    VmapAreaFreed: _vmap_area,
    RbNodeLinked: lambda f, ev: _rb(f, ev.tree, ev.node),
    RbNodeErased: lambda f, ev: _rb(f, ev.tree, ev.node),
    RbRecolored: lambda f, ev: _rb(f, ev.tree, *ev.nodes),
    RbRotatedLeft: lambda f, ev: _rb(f, ev.tree, ev.node, ev.pivot),
    RbRotatedRight: lambda f, ev: _rb(f, ev.tree, ev.node, ev.pivot),
    PageFaulted: _address,
    SignalSent: _address,
    # highmem: the pkmap or fixmap page the step is about (its PTE, when one changes, comes as PteInstalled)
    PageAddressRead: lambda f, ev: _page_span(f, ev.virtual),
    PkmapSlotVisited: _nothing,
    PkmapCountChanged: _nothing,
    PkmapWaitQueued: _nothing,
    FixmapSlotComputed: lambda f, ev: _page_span(f, ev.vaddr),
    KmallocRouted: _nothing,
    KmemCacheCreated: _nothing,
    KmemCacheMerged: _nothing,
    SlabCreated: _slab,
    SlabDiscarded: _slab,
    CpuSlabChanged: _cpu_slab,
    SlabFreelistLoaded: _slab_listed,
    SlabPartialAdded: _slab_listed,
    SlabPartialRemoved: _slab_listed,
    SlabObjectAllocated: _slab_object,
    SlabObjectFreed: _slab_object,
}
"""Each event kind's highlights (tests/test_event_coverage.py checks every kind has one)."""


def _fold(f: Focus, ev: Event | TimelineMarker, prev: type | None) -> type:
    """Reset ``ev``'s path if it starts a new search (a kind after another kind, or a walk
    from the pgd again): an operation may search several times (mmap calls find_vma more
    than once), and a path shows only the search in progress.  Returns ``ev``'s kind."""
    k = type(ev)
    path = PATHS.get(k)
    if path is not None and (k is not prev or (isinstance(ev, TableEntryRead) and ev.level == "pgd")):
        path[0](f, ev)
    return k


def _step(f: Focus, event: Event | TimelineMarker) -> Focus:
    if type(event) is not TimelineMarker:  # a marker is the timeline's, not the kernel's
        RULES[type(event)](f, event)
    return f


def focus(event: Event | TimelineMarker | None, earlier: Sequence[Event | TimelineMarker] = ()) -> Focus:
    """The highlights of ``event``, given the ``earlier`` events of its operation."""
    f = Focus(event)
    prev = None
    for ev in earlier:
        prev = _fold(f, ev, prev)
        path = PATHS.get(prev)
        if path is not None:
            path[1](f, ev)
    if event is None:
        return f
    _fold(f, event, prev)
    return _step(f, event)


def _paths(f: Focus) -> Focus:
    """A copy of ``f``'s search paths alone (what the earlier events of an operation leave)."""
    return Focus(visited=f.visited[:], rb_path={k: v[:] for k, v in f.rb_path.items()}, walk=f.walk[:])


class Trail:
    """:func:`focus` at any position of a timeline, without re-reading the whole operation.

    A step's focus depends on the earlier events of its operation (the search paths so
    far); a 50,000-step operation (``from_proc_maps`` of a big process) would otherwise be
    read whole at every step.  The trail keeps the paths every ``EVERY`` events of the
    operation and the last position asked, so a step forward reads one event and a seek
    at most ``EVERY``.  Equal to ``focus(tl[pos - 1], tl[op.start : pos - 1])``.
    """

    EVERY = 256

    def __init__(self, timeline: Any) -> None:
        self.timeline = timeline
        self._marks: dict[int, tuple[Focus, type | None]] = {}  # event index -> paths before it
        self._last: tuple[int, Focus, type | None] | None = None
        self._shifted = timeline._shifted

    def focus(self, pos: int) -> Focus:
        """The focus of the step that brought the timeline to ``pos`` (after ``pos`` events)."""
        tl = self.timeline
        if tl._shifted != self._shifted:  # a max_events drop renumbered the steps
            self._marks.clear()
            self._last, self._shifted = None, tl._shifted
        if pos <= 0:
            return Focus()
        event = tl[pos - 1]
        op = tl.operation_at(pos - 1)
        start = op.start if op is not None else pos - 1
        at, f, prev = start, Focus(), None
        mark = start + (pos - 1 - start) // self.EVERY * self.EVERY
        if mark in self._marks:
            at, (f, prev) = mark, self._marks[mark]
            f = _paths(f)
        last = self._last
        if last is not None and at <= last[0] <= pos - 1 and last[0] >= start:
            at, f, prev = last[0], _paths(last[1]), last[2]
        for i in range(at, pos - 1):
            if (i - start) % self.EVERY == 0 and i not in self._marks:
                self._marks[i] = (_paths(f), prev)
            ev = tl[i]
            prev = _fold(f, ev, prev)
            path = PATHS.get(prev)
            if path is not None:
                path[1](f, ev)
        if (pos - 1 - start) % self.EVERY == 0 and pos - 1 not in self._marks:
            self._marks[pos - 1] = (_paths(f), prev)
        self._last = (pos - 1, _paths(f), prev)
        out = _paths(f)
        out.event = event
        _fold(out, event, prev)
        return _step(out, event)
