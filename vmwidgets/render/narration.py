"""One English sentence per event: what the step did, in the words of the lessons.

:func:`explain` is keyed by event class; every kind has a sentence (tests/test_event_coverage.py
checks).  With ``names`` (the labels of the tree the event is about, as the views show
them) red-black tree nodes read as ``08048000-0804c000`` instead of their ids.
"""

from __future__ import annotations

from collections.abc import Callable
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
from ..model.constants import PAGE_SHIFT, VM_VPAGES, ZONE_NAMES, pte_flag_names, vm_flag_names
from ..timeline import TimelineMarker

__all__ = ["SENTENCES", "Sentence", "explain"]

Sentence = Callable[[Any, "dict[int, str] | None"], str]
SENTENCES: dict[type[Event], Sentence] = {}


def explain(ev: Event | TimelineMarker, names: dict[int, str] | None = None) -> str:
    """What ``ev`` did, in one sentence: the line the player shows under its buttons.

    ``ev`` is an event of a timeline (``kernel.timeline[i]``) or a step the timeline added
    itself; ``names`` maps the node ids of the tree it is about to their labels, as the
    views show them.  Import it as ``from vmwidgets import explain``.

    >>> from vmwidgets.events import FrameFreed
    >>> explain(FrameFreed(op=0, fn="mm/page_alloc.c:__free_pages", zone=1, order=0, pfn=0x1234))
    'The last reference to pfn 0x1234 is dropped: 1 page goes back to the buddy allocator.'
    """
    if isinstance(ev, TimelineMarker):  # a step the timeline adds itself (a pause's gap, dropped operations)
        return ev.message
    return SENTENCES[type(ev)](ev, names)


def _says(cls: type[Event]) -> Callable[[Sentence], Sentence]:
    def register(fn: Sentence) -> Sentence:
        SENTENCES[cls] = fn
        return fn

    return register


def _h(x: int) -> str:
    return f"{x:#010x}"


def _zone(z: int) -> str:
    return ZONE_NAMES[z]


def _pages(n: int) -> str:
    return "1 page" if n == 1 else f"{n} pages"


def _n(x: int | None, names: dict[int, str] | None = None) -> str:
    """A tree node as the views label it (``names``: the tree's labels), else its id."""
    if x is None:
        return "NULL"
    if names and x in names:
        return names[x]
    return f"{x:#x}"


@_says(OperationBegan)
def _operation_began(ev: Any, names: dict[int, str] | None) -> str:
    return f"A call to {ev.name}({ev.args}) begins."


@_says(OperationEnded)
def _operation_ended(ev: Any, names: dict[int, str] | None) -> str:
    return f"The call to {ev.name} returns {ev.result}."


@_says(AllocationFailed)
def _allocation_failed(ev: Any, names: dict[int, str] | None) -> str:
    return f"{ev.what} failed: {ev.reason}; the caller gets NULL."


@_says(WarningPrinted)
def _warning_printed(ev: Any, names: dict[int, str] | None) -> str:
    return f'The kernel prints a warning: "{ev.message}".'


# --- buddy allocator ---------------------------------------------------------------------


@_says(FreeBlockTaken)
def _free_block_taken(ev: Any, names: dict[int, str] | None) -> str:
    return (
        f"The free block at pfn {ev.pfn:#x} ({_pages(1 << ev.order)}) is taken off "
        f"{_zone(ev.zone)} free_area[{ev.order}]."
    )


@_says(BuddySplit)
def _buddy_split(ev: Any, names: dict[int, str] | None) -> str:
    return (
        f"The block at pfn {ev.pfn:#x} is halved: its upper half at pfn {ev.buddy:#x} "
        f"goes to the head of free_area[{ev.order}] ({_pages(1 << ev.order)}), the lower half stays."
    )


@_says(FrameAllocated)
def _frame_allocated(ev: Any, names: dict[int, str] | None) -> str:
    n = 1 << ev.order
    what = "the frame" if n == 1 else f"{n} frames"
    phys = ev.pfn << PAGE_SHIFT
    return f"The buddy allocator hands out {what} at pfn {ev.pfn:#x} (phys {phys:#x}) from {_zone(ev.zone)}."


@_says(FrameFreed)
def _frame_freed(ev: Any, names: dict[int, str] | None) -> str:
    n = 1 << ev.order
    verb = "goes" if n == 1 else "go"
    return f"The last reference to pfn {ev.pfn:#x} is dropped: {_pages(n)} {verb} back to the buddy allocator."


@_says(BuddyMerged)
def _buddy_merged(ev: Any, names: dict[int, str] | None) -> str:
    return (
        f"Its buddy at pfn {ev.buddy:#x} (= {ev.pfn:#x} ^ {1 << ev.order:#x}) is free too: "
        f"it leaves free_area[{ev.order}] and the two merge into one block of order {ev.order + 1}."
    )


@_says(BuddyNotMerged)
def _buddy_not_merged(ev: Any, names: dict[int, str] | None) -> str:
    return (
        f"Its buddy at pfn {ev.buddy:#x} (= {ev.pfn:#x} ^ {1 << ev.order:#x}) {ev.reason}: "
        f"no merge, the block stays at order {ev.order}."
    )


@_says(FreeBlockAdded)
def _free_block_added(ev: Any, names: dict[int, str] | None) -> str:
    return f"The block at pfn {ev.pfn:#x} goes to the head of {_zone(ev.zone)} free_area[{ev.order}]."


@_says(PageTableAllocated)
def _page_table_allocated(ev: Any, names: dict[int, str] | None) -> str:
    return (
        f"A new {ev.level.upper()} table (frame {ev.pfn:#x}) covering {_h(ev.vaddr)} is linked "
        f"into entry {ev.index} of the table above ({', '.join(pte_flag_names(ev.entry))})."
    )


@_says(PageTableFreed)
def _page_table_freed(ev: Any, names: dict[int, str] | None) -> str:
    return f"The {ev.level.upper()} table at frame {ev.pfn:#x} ({_h(ev.vaddr)}) maps nothing any more: freed."


@_says(PteChanged)
def _pte_changed(ev: Any, names: dict[int, str] | None) -> str:
    gone = set(pte_flag_names(ev.old)) - set(pte_flag_names(ev.new))
    came = set(pte_flag_names(ev.new)) - set(pte_flag_names(ev.old))
    what = ", ".join([f"+{f}" for f in sorted(came)] + [f"-{f}" for f in sorted(gone)]) or "same bits"
    if ev.level != "pte":
        now = f"now table {ev.new >> PAGE_SHIFT:#x}" if ev.new & 1 else "now empty"
        return f"{ev.level.upper()} entry {ev.index} (for {_h(ev.vaddr)}) is set ({what}, {now})."
    moved = "" if (ev.old ^ ev.new) >> PAGE_SHIFT == 0 else f", now frame {ev.new >> PAGE_SHIFT:#x}"
    return f"The PTE for {_h(ev.vaddr)} changes ({what}{moved})."


@_says(PageFaulted)
def _page_faulted(ev: Any, names: dict[int, str] | None) -> str:
    access = "write to" if ev.write else "read of"
    return f"A {access} {_h(ev.addr)} faults ({ev.cause}): the CPU enters do_page_fault."


@_says(PageRefChanged)
def _page_ref_changed(ev: Any, names: dict[int, str] | None) -> str:
    return f"Frame {ev.pfn:#x}'s _count is now {ev.count} ({ev.why})."


@_says(SignalSent)
def _signal_sent(ev: Any, names: dict[int, str] | None) -> str:
    return f"{ev.signal} for the access at {_h(ev.addr)}: {ev.reason}."


@_says(PgdFreed)
def _pgd_freed(ev: Any, names: dict[int, str] | None) -> str:
    return f"Process {ev.mm}'s page directory (frame {ev.pfn:#x}) is freed."


@_says(PteInstalled)
def _pte_installed(ev: Any, names: dict[int, str] | None) -> str:
    return (
        f"PTE {ev.index} now maps {_h(ev.vaddr)} to frame {(ev.entry & 0xFFFFFFFFF000) >> PAGE_SHIFT:#x} "
        f"({', '.join(pte_flag_names(ev.entry))})."
    )


@_says(PteCleared)
def _pte_cleared(ev: Any, names: dict[int, str] | None) -> str:
    return f"PTE {ev.index} for {_h(ev.vaddr)} is cleared: the address is no longer mapped."


@_says(TlbFlushed)
def _tlb_flushed(ev: Any, names: dict[int, str] | None) -> str:
    return f"The TLB entries for {_h(ev.start)}-{_h(ev.end)} are flushed so no CPU uses the old mapping."


@_says(TableEntryRead)
def _table_entry_read(ev: Any, names: dict[int, str] | None) -> str:
    if not ev.entry & 1:
        return f"{ev.level.upper()} entry {ev.index} of table {ev.table:#x} is not present: the walk stops."
    return (
        f"{ev.level.upper()} entry {ev.index} of table {ev.table:#x} holds {ev.entry:#x} "
        f"({', '.join(pte_flag_names(ev.entry))})."
    )


# --- vmalloc -----------------------------------------------------------------------------


@_says(VmlistVisited)
def _vmlist_visited(ev: Any, names: dict[int, str] | None) -> str:
    area = f"the area at {_h(ev.addr)}-{_h(ev.addr + ev.size)}"
    return {
        "fits": f"The hole before {area} is big enough: the new area goes at {_h(ev.candidate)}.",
        "skip": f"{area.capitalize()} is in the way: the search moves on to {_h(ev.candidate)}.",
        "below": f"{area.capitalize()} lies below the search start: move on.",
        "match": f"{area.capitalize()} is the one asked for.",
        "before": f"{area.capitalize()} starts below the new area: move on.",
        "insert": f"The new area is linked before {area}.",
        "no-match": f"{area.capitalize()} is not the one asked for: move on.",
    }.get(ev.verdict, f"Visit {area}: {ev.verdict}.")


@_says(VmStructLinked)
def _vm_struct_linked(ev: Any, names: dict[int, str] | None) -> str:
    n = ev.position  # 0-based, so say how many areas come before it
    where = "at the head of vmlist" if n == 0 else f"after the first {n} area{'s' if n > 1 else ''} of vmlist"
    return (
        f"A vm_struct for {_h(ev.addr)}-{_h(ev.addr + ev.size)} ({ev.size} bytes with its guard "
        f"page, {'|'.join(vm_flag_names(ev.flags))}) is linked {where}."
    )


@_says(VmStructUpdated)
def _vm_struct_updated(ev: Any, names: dict[int, str] | None) -> str:
    if ev.field == "flags":
        value = "|".join(vm_flag_names(ev.new))
        if ev.new & ~ev.old & VM_VPAGES:
            value += " (its pages[] array is too big for one page, so it was vmalloc'ed too)"
    else:
        value = str(ev.new) if ev.field == "nr_pages" else f"{ev.new:#x}"
    return f"The vm_struct at {_h(ev.addr)} gets area->{ev.field} = {value}."


@_says(VmPageStored)
def _vm_page_stored(ev: Any, names: dict[int, str] | None) -> str:
    return f"The vm_struct at {_h(ev.addr)} stores frame {ev.pfn:#x} in area->pages[{ev.index}]."


@_says(VmStructUnlinked)
def _vm_struct_unlinked(ev: Any, names: dict[int, str] | None) -> str:
    return f"The vm_struct for {_h(ev.addr)} is unlinked from vmlist; its guard page is dropped from size."


@_says(VmapAreaVisited)
def _vmap_area_visited(ev: Any, names: dict[int, str] | None) -> str:
    area = f"vmap_area {_h(ev.va_start)}-{_h(ev.va_end)}"
    return {
        "left": f"The {area} ends at or after {_h(ev.candidate)}: look in its left subtree.",
        "right": f"The {area} ends before {_h(ev.candidate)}: look in its right subtree.",
        "skip": f"The {area} is in the way: try again one page after its end, at {_h(ev.candidate)}.",
        "match": f"The {area} starts at {_h(ev.candidate)}: found.",
        "overflow": (
            f"No hole is left below VMALLOC_END ({_h(ev.va_end)}) for a start at {_h(ev.candidate)}: "
            "purge the lazily freed areas, then search again."
        ),
        "fail": f"Still no hole below VMALLOC_END ({_h(ev.va_end)}) after the purge: the allocation fails.",
    }.get(ev.verdict, f"Visit the {area}: {ev.verdict}.")


@_says(VmapAreaLazyFreed)
def _vmap_area_lazy_freed(ev: Any, names: dict[int, str] | None) -> str:
    return (
        f"The vmap_area {_h(ev.va_start)}-{_h(ev.va_end)} is only marked VM_LAZY_FREE: its PTEs and "
        f"address stay until a purge ({ev.lazy_pages} of {ev.lazy_max} lazy pages now wait)."
    )


@_says(VmapAreaFreed)
def _vmap_area_freed(ev: Any, names: dict[int, str] | None) -> str:
    return f"The purged vmap_area {_h(ev.va_start)}-{_h(ev.va_end)} leaves the tree: its addresses are free."


@_says(PgdCreated)
def _pgd_created(ev: Any, names: dict[int, str] | None) -> str:
    return (
        f"Process {ev.mm} gets its own page directory (frame {ev.pfn:#x}); pgd_ctor copies the "
        "kernel entries from swapper_pg_dir, so every process sees the same kernel."
    )


_MM_FIELD = {
    "start_brk": "the start of the heap; maps calls the VMA from start_brk up to brk [heap]",
    "brk": "the end of the heap (the break); maps calls the VMA from start_brk up to brk [heap]",
    "start_stack": "where the initial stack pointer was; maps calls the VMA holding it [stack]",
}


@_says(MmStructUpdated)
def _mm_struct_updated(ev: Any, names: dict[int, str] | None) -> str:
    if ev.new == 0 and ev.fn.endswith("__mmdrop"):
        return f"The mm_struct of {ev.mm} is freed (free_mm), and its {ev.field} ({_h(ev.old)}) with it."
    who = f"The child's mm ({ev.mm}) copies" if ev.fn.endswith("dup_mm") else f"The mm of {ev.mm} gets"
    return f"{who} mm->{ev.field} = {_h(ev.new)}: {_MM_FIELD.get(ev.field, 'a field of the mm_struct')}."


@_says(MmapCacheChecked)
def _mmap_cache_checked(ev: Any, names: dict[int, str] | None) -> str:
    if ev.hit:
        return f"mmap_cache already holds the VMA for {_h(ev.addr)}: no tree walk needed."
    return f"mmap_cache does not cover {_h(ev.addr)}: walk mm_rb."


@_says(VmaVisited)
def _vma_visited(ev: Any, names: dict[int, str] | None) -> str:
    vma = f"VMA {_h(ev.vm_start)}-{_h(ev.vm_end)}"
    return {
        "contains": f"The {vma} contains {_h(ev.addr)}: stop.",
        "left": f"The {vma} ends above {_h(ev.addr)}: remember it, look left for a lower one.",
        "right": f"The {vma} ends at or below {_h(ev.addr)}: look right.",
    }.get(ev.verdict, f"Visit the {vma}: {ev.verdict}.")


@_says(VmaLinked)
def _vma_linked(ev: Any, names: dict[int, str] | None) -> str:
    where = "at the head of mm->mmap" if ev.prev is None else f"after VMA {_n(ev.prev, names)}"
    name = f" ({ev.file})" if ev.file else ""
    return f"VMA {_h(ev.vm_start)}-{_h(ev.vm_end)}{name} is linked into the list {where}."


@_says(VmaUnlinked)
def _vma_unlinked(ev: Any, names: dict[int, str] | None) -> str:
    return f"VMA {_h(ev.vm_start)}-{_h(ev.vm_end)} leaves the list and the tree."


@_says(VmaAdjusted)
def _vma_adjusted(ev: Any, names: dict[int, str] | None) -> str:
    (a, b, _), (c, d, _) = ev.old, ev.new
    return f"VMA {_h(a)}-{_h(b)} now spans {_h(c)}-{_h(d)}."


@_says(VmaFlagsChanged)
def _vma_flags_changed(ev: Any, names: dict[int, str] | None) -> str:
    def rwx(f: int) -> str:
        return "".join(c if f & b else "-" for b, c in ((1, "r"), (2, "w"), (4, "x")))

    return f"The VMA's vm_flags change from {rwx(ev.old)} to {rwx(ev.new)} (and vm_page_prot with them)."


@_says(RbNodeLinked)
def _rb_node_linked(ev: Any, names: dict[int, str] | None) -> str:
    where = "as the root" if ev.side == "root" else f"as the {ev.side} child of {_n(ev.parent, names)}"
    return f"Node {ev.label or _n(ev.node, names)} is linked into {ev.tree} {where}, coloured red."


@_says(RbRecolored)
def _rb_recolored(ev: Any, names: dict[int, str] | None) -> str:
    case = ev.case[0].upper() + ev.case[1:]
    return f"{case} ({', '.join(_n(n, names) for n in ev.nodes)})."


@_says(RbRotatedLeft)
def _rb_rotated_left(ev: Any, names: dict[int, str] | None) -> str:
    node, pivot = _n(ev.node, names), _n(ev.pivot, names)
    return f"Left rotation at {node}: its right child {pivot} takes its place ({ev.case})."


@_says(RbRotatedRight)
def _rb_rotated_right(ev: Any, names: dict[int, str] | None) -> str:
    node, pivot = _n(ev.node, names), _n(ev.pivot, names)
    return f"Right rotation at {node}: its left child {pivot} takes its place ({ev.case})."


@_says(RbNodeErased)
def _rb_node_erased(ev: Any, names: dict[int, str] | None) -> str:
    how = "" if ev.successor is None else f"; its successor {_n(ev.successor, names)} takes its place and colour"
    return f"Node {ev.label or _n(ev.node, names)} is unlinked from {ev.tree}{how}."


# --- highmem: pkmap and kmap_atomic ----------------------------------------------------------


@_says(PageAddressRead)
def _page_address_read(ev: Any, names: dict[int, str] | None) -> str:
    if not ev.virtual:
        return f"page_address of highmem frame {ev.pfn:#x} is NULL: it has no pkmap slot yet."
    return f"page_address of frame {ev.pfn:#x} is {_h(ev.virtual)}."


@_says(PkmapSlotVisited)
def _pkmap_slot_visited(ev: Any, names: dict[int, str] | None) -> str:
    if ev.verdict == "wrap":
        return "last_pkmap_nr wraps to 0: every unused slot (count 1) is flushed before the search goes on."
    if ev.verdict == "free":
        return f"pkmap slot {ev.nr} has count 0: free and flushed, so the page takes it."
    return f"pkmap slot {ev.nr} has count {ev.count}: not free, the search moves on."


@_says(PkmapCountChanged)
def _pkmap_count_changed(ev: Any, names: dict[int, str] | None) -> str:
    if ev.new == 0:
        return f"pkmap slot {ev.nr} had no user: its count drops to 0 and frame {ev.pfn:#x} loses its address."
    if ev.old == 0:
        return f"pkmap slot {ev.nr} now maps frame {ev.pfn:#x}: count 1, and page_address points there."
    users = ev.new - 1
    return (
        f"pkmap_count[{ev.nr}] goes from {ev.old} to {ev.new}: frame {ev.pfn:#x} has {users} user{'s' * (users != 1)}."
    )


@_says(PkmapWaitQueued)
def _pkmap_wait_queued(ev: Any, names: dict[int, str] | None) -> str:
    return (
        f"Every pkmap slot is in use: kmap of frame {ev.pfn:#x} would sleep on pkmap_map_wait "
        "until a kunmap frees one (the model returns None)."
    )


@_says(FixmapSlotComputed)
def _fixmap_slot_computed(ev: Any, names: dict[int, str] | None) -> str:
    return (
        f"km_type {ev.km_type} on CPU 0 is fixmap index {ev.idx}: "
        f"address {_h(ev.vaddr)}, that many pages below FIXADDR_TOP."
    )


# --- SLUB ----------------------------------------------------------------------------------


@_says(KmallocRouted)
def _kmalloc_routed(ev: Any, names: dict[int, str] | None) -> str:
    if ev.cache == "ZERO_SIZE_PTR":
        return "kmalloc(0) allocates nothing: it returns ZERO_SIZE_PTR, the address 16, which kfree ignores."
    if not ev.cache:
        return (
            f"{ev.size} bytes is too big for the kmalloc caches: the request goes to the page allocator "
            f"as an order-{ev.order} block ({_pages(1 << ev.order)})."
        )
    return f"A request of {ev.size} bytes is served by {ev.cache}, the smallest kmalloc cache it fits."


@_says(KmemCacheCreated)
def _kmem_cache_created(ev: Any, names: dict[int, str] | None) -> str:
    return (
        f"Cache {ev.name} is created: {ev.objsize}-byte objects in {ev.size}-byte slots, "
        f"{ev.objects} per slab of {_pages(1 << ev.order)}, free pointer at offset {ev.offset}."
    )


@_says(KmemCacheMerged)
def _kmem_cache_merged(ev: Any, names: dict[int, str] | None) -> str:
    return f"No new cache: {ev.name} becomes an alias of {ev.cache}, whose slots fit it (refcount {ev.refcount})."


@_says(SlabCreated)
def _slab_created(ev: Any, names: dict[int, str] | None) -> str:
    return (
        f"new_slab makes pfn {ev.pfn:#x} ({_pages(1 << ev.order)}) a slab of {ev.cache}: PG_slab is set and "
        f"its {ev.objects} objects from {_h(ev.addr)} are chained on its freelist in address order."
    )


@_says(SlabDiscarded)
def _slab_discarded(ev: Any, names: dict[int, str] | None) -> str:
    return f"The slab at pfn {ev.pfn:#x} of {ev.cache} is empty: PG_slab is cleared and its frames are freed."


@_says(CpuSlabChanged)
def _cpu_slab_changed(ev: Any, names: dict[int, str] | None) -> str:
    if ev.new is None:
        return f"The cpu slab of {ev.cache} (pfn {ev.old:#x}) is used up: it is unfrozen and dropped."
    return f"The slab at pfn {ev.new:#x} becomes the cpu slab of {ev.cache} (frozen: frees to it skip the lists)."


@_says(SlabFreelistLoaded)
def _slab_freelist_loaded(ev: Any, names: dict[int, str] | None) -> str:
    return (
        f"The slab's freelist moves to the CPU: c->freelist gets {ev.count} objects after the first, "
        f"and the slab at pfn {ev.pfn:#x} counts as full."
    )


@_says(SlabPartialAdded)
def _slab_partial_added(ev: Any, names: dict[int, str] | None) -> str:
    return (  # the position, not "head"/"tail": on an empty list a tail add is position 0 too
        f"The slab at pfn {ev.pfn:#x} has free objects again: it joins {ev.cache}'s partial list at "
        f"position {ev.index} (0 is the head)."
    )


@_says(SlabPartialRemoved)
def _slab_partial_removed(ev: Any, names: dict[int, str] | None) -> str:
    return f"The slab at pfn {ev.pfn:#x} leaves {ev.cache}'s partial list (position {ev.index})."


@_says(SlabObjectAllocated)
def _slab_object_allocated(ev: Any, names: dict[int, str] | None) -> str:
    how = "popped off c->freelist (fast path)" if ev.path == "fast" else "the first object of the new cpu freelist"
    return f"Object {_h(ev.addr)} of {ev.cache} is handed out: {how}."


@_says(SlabObjectFreed)
def _slab_object_freed(ev: Any, names: dict[int, str] | None) -> str:
    if ev.path == "fast":
        return f"Object {_h(ev.addr)} goes back on {ev.cache}'s c->freelist: the next allocation gets it first."
    return f"Object {_h(ev.addr)} goes back on the freelist of its slab at pfn {ev.pfn:#x} (slow path)."
