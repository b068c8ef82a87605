"""How each event moves a :class:`~vmwidgets.state.ViewState` forward (``apply``) or back (``revert``).

The reducers are keyed by event class.  An event that changes no state (a search visit, a
fault, a warning) has none and is not in :data:`MUTATING`.  Where one event's ``revert`` is
exactly another's ``apply`` (a frame handed out and freed, a VMA linked and unlinked) the
pair is declared once by :func:`_inverse`.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from functools import partial
from typing import Any

from .errors import InvariantError
from .events import (  # SLUB
    _BUILD,
    KINDS,
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
from .state import AreaRecord, SlabRecord, ViewState

__all__ = ["APPLY", "BACKWARD", "FORWARD", "MUTATING", "PLANS", "READ_ONLY", "REVERT", "Reducer", "apply", "revert"]

Reducer = Callable[[Any, ViewState], object]
APPLY: dict[type[Event], Reducer] = {}
REVERT: dict[type[Event], Reducer] = {}


def apply(ev: Event, state: ViewState) -> None:
    """Move ``state`` forward over ``ev`` (nothing for an event that changes no state)."""
    APPLY.get(type(ev), _unchanged)(ev, state)


def revert(ev: Event, state: ViewState) -> None:
    """Move ``state`` back over ``ev``: the state before ``ev`` was applied."""
    REVERT.get(type(ev), _unchanged)(ev, state)


def _unchanged(ev: Event, state: ViewState) -> None:
    return None


def _reducer(cls: type[Event], forward: Reducer, backward: Reducer) -> None:
    APPLY[cls], REVERT[cls] = forward, backward


def _inverse(a: type[Event], b: type[Event], forward: Reducer, backward: Reducer) -> None:
    """``a`` does ``forward`` and ``b`` undoes it: ``b``'s apply is ``a``'s revert and back."""
    _reducer(a, forward, backward)
    _reducer(b, backward, forward)


# --- buddy allocator -----------------------------------------------------------------------------
def _free_del(s: ViewState, zone: int, order: int, index: int) -> None:
    lst = s.free[(zone, order)]
    del lst[index]
    if not lst:  # an empty free list is no entry, as in a fresh snapshot
        del s.free[(zone, order)]


def _free_add(s: ViewState, zone: int, order: int, index: int, pfn: int) -> None:
    s.free.setdefault((zone, order), []).insert(index, pfn)


def _take(ev: Any, s: ViewState) -> None:  # FreeBlockTaken and BuddyMerged: a block leaves its list
    _free_del(s, ev.zone, ev.order, ev.index)


_reducer(FreeBlockTaken, _take, lambda ev, s: _free_add(s, ev.zone, ev.order, ev.index, ev.pfn))
_reducer(BuddyMerged, _take, lambda ev, s: _free_add(s, ev.zone, ev.order, ev.index, ev.buddy))
_reducer(
    BuddySplit,
    lambda ev, s: _free_add(s, ev.zone, ev.order, 0, ev.buddy),
    lambda ev, s: _free_del(s, ev.zone, ev.order, 0),
)
_reducer(
    FreeBlockAdded,
    lambda ev, s: _free_add(s, ev.zone, ev.order, 0, ev.pfn),
    lambda ev, s: _free_del(s, ev.zone, ev.order, 0),
)


def _hand_out(ev: Any, s: ViewState) -> None:
    s.allocated[ev.pfn] = ev.order


def _take_back(ev: Any, s: ViewState) -> None:
    del s.allocated[ev.pfn]


_inverse(FrameAllocated, FrameFreed, _hand_out, _take_back)


# --- page tables ---------------------------------------------------------------------------------
def _link_table(ev: Any, s: ViewState) -> None:
    s.tables[ev.pfn] = {}
    s.table_meta[ev.pfn] = (ev.level, ev.vaddr)
    s.tables[ev.parent][ev.index] = ev.entry


def _unlink_table(ev: Any, s: ViewState) -> None:
    del s.tables[ev.pfn], s.table_meta[ev.pfn], s.tables[ev.parent][ev.index]


_inverse(PageTableAllocated, PageTableFreed, _link_table, _unlink_table)


def _set_pte(s: ViewState, table: int, index: int, value: int) -> None:
    s.tables[table][index] = value


def _clear_pte(ev: Any, s: ViewState) -> None:
    del s.tables[ev.table][ev.index]


_reducer(PteInstalled, lambda ev, s: _set_pte(s, ev.table, ev.index, ev.entry), _clear_pte)
_reducer(PteCleared, _clear_pte, lambda ev, s: _set_pte(s, ev.table, ev.index, ev.old))
_reducer(
    PteChanged,
    lambda ev, s: _set_pte(s, ev.table, ev.index, ev.new),
    lambda ev, s: _set_pte(s, ev.table, ev.index, ev.old),
)


def _pgd_ctor(ev: Any, s: ViewState) -> None:
    """pgd_ctor: the new directory gets swapper_pg_dir's kernel entries as they are at this step."""
    first = s.kernel_pgd_first
    swapper = s.tables[s.swapper_pgd] if s.swapper_pgd is not None else {}
    s.tables[ev.pfn] = {i: e for i, e in swapper.items() if i >= first}
    s.table_meta[ev.pfn] = ("pgd", 0)


def _pgd_gone(ev: Any, s: ViewState) -> None:
    del s.tables[ev.pfn], s.table_meta[ev.pfn]


def _pgd_back(ev: Any, s: ViewState) -> None:
    """The directory as pgd_free found it: swapper's kernel part, then the entries that differed."""
    _pgd_ctor(ev, s)
    table = s.tables[ev.pfn]
    for i, e in ev.entries:
        if e is None:
            del table[i]
        else:
            table[i] = e


_reducer(PgdCreated, _pgd_ctor, _pgd_gone)
_reducer(PgdFreed, _pgd_gone, _pgd_back)


# --- vmalloc -------------------------------------------------------------------------------------
def _link_area(s: ViewState, addr: int, position: int, rec: AreaRecord, pages: list[int]) -> None:
    s.vmlist.insert(position, addr)
    s.areas[addr] = rec
    s.area_pages[addr] = pages


def _unlink_area(ev: Any, s: ViewState) -> None:
    del s.vmlist[ev.position], s.areas[ev.addr], s.area_pages[ev.addr]


_reducer(
    VmStructLinked,
    lambda ev, s: _link_area(s, ev.addr, ev.position, AreaRecord(ev.addr, ev.size, ev.flags, 0, 0, ev.caller), []),
    _unlink_area,
)
_reducer(
    VmStructUnlinked,
    _unlink_area,
    lambda ev, s: _link_area(
        s,
        ev.addr,
        ev.position,
        AreaRecord(ev.addr, ev.size, ev.flags, ev.nr_pages, ev.phys_addr, ev.caller),
        list(ev.pages),
    ),
)


def _set_area_field(s: ViewState, addr: int, field: str, value: object) -> None:
    a = s.areas[addr]
    i = AreaRecord._fields.index(field)  # by position: namedtuple._replace(**kw) costs ~5x more
    s.areas[addr] = AreaRecord(*a[:i], value, *a[i + 1 :])  # type: ignore[arg-type, call-arg]


_reducer(
    VmStructUpdated,
    lambda ev, s: _set_area_field(s, ev.addr, ev.field, ev.new),
    lambda ev, s: _set_area_field(s, ev.addr, ev.field, ev.old),
)
_reducer(VmPageStored, lambda ev, s: s.area_pages[ev.addr].append(ev.pfn), lambda ev, s: s.area_pages[ev.addr].pop())


def _mark_lazy(ev: Any, s: ViewState) -> None:
    s.vmap_lazy.add(ev.va_start)


def _unmark_lazy(ev: Any, s: ViewState) -> None:
    s.vmap_lazy.discard(ev.va_start)


_inverse(VmapAreaLazyFreed, VmapAreaFreed, _mark_lazy, _unmark_lazy)


# --- process address spaces ----------------------------------------------------------------------
def _dict_del(d: dict[str, dict[int, Any]], key: str, item: int) -> None:
    del d[key][item]
    if not d[key]:
        del d[key]


def _link_vma(ev: Any, s: ViewState) -> None:
    s.vmas.setdefault(ev.mm, {})[ev.vma] = (ev.vm_start, ev.vm_end, ev.vm_flags, ev.vm_pgoff, ev.file)


def _unlink_vma(ev: Any, s: ViewState) -> None:
    _dict_del(s.vmas, ev.mm, ev.vma)


_inverse(VmaLinked, VmaUnlinked, _link_vma, _unlink_vma)


def _vma_span(s: ViewState, ev: Any, span: tuple[int, int, int]) -> None:
    rec = s.vmas[ev.mm][ev.vma]
    s.vmas[ev.mm][ev.vma] = (span[0], span[1], rec[2], span[2], rec[4])
    labels = s.rb_labels.get(f"mm_rb:{ev.mm}")
    if labels is not None and ev.vma in labels:  # the tree shows each VMA by its span
        labels[ev.vma] = f"{span[0]:08x}-{span[1]:08x}"


def _vma_flags(s: ViewState, ev: Any, flags: int) -> None:
    rec = s.vmas[ev.mm][ev.vma]
    s.vmas[ev.mm][ev.vma] = (rec[0], rec[1], flags, rec[3], rec[4])


def _mm_field(s: ViewState, mm: str, name: str, value: int) -> None:
    fields = s.mm_fields.setdefault(mm, {})
    if value:
        fields[name] = value
    else:  # a zero field is no entry, and an mm with none is no entry: as in a fresh snapshot
        fields.pop(name, None)
        if not fields:
            del s.mm_fields[mm]


_reducer(
    MmStructUpdated,
    lambda ev, s: _mm_field(s, ev.mm, ev.field, ev.new),
    lambda ev, s: _mm_field(s, ev.mm, ev.field, ev.old),
)
_reducer(VmaAdjusted, lambda ev, s: _vma_span(s, ev, ev.new), lambda ev, s: _vma_span(s, ev, ev.old))
_reducer(VmaFlagsChanged, lambda ev, s: _vma_flags(s, ev, ev.new), lambda ev, s: _vma_flags(s, ev, ev.old))


# --- red-black trees -----------------------------------------------------------------------------
# A tree is {id: (parent, left, right, colour)} and its root id; the steps are lib/rbtree.c's,
# done on that copy.  An empty tree is no entry, as in a fresh snapshot.
def _relink(nodes: dict[int, tuple[Any, ...]], node: int, slot: int, value: int | None) -> None:
    """Set one link (0 parent, 1 left, 2 right) of ``node``."""
    t = nodes[node]
    nodes[node] = (
        (value, t[1], t[2], t[3]) if slot == 0 else (t[0], value, t[2], t[3]) if slot == 1 else (*t[:2], value, t[3])
    )


def _replace_child(s: ViewState, tree: str, parent: int | None, old: int, new: int | None) -> None:
    """``parent``'s link to ``old`` now points to ``new`` (the root if no parent)."""
    nodes = s.rb[tree]
    if parent is None:
        s.rb_root[tree] = new
    else:
        _relink(nodes, parent, 1 if nodes[parent][1] == old else 2, new)


def _rotate(s: ViewState, tree: str, node: int, left: bool) -> None:
    """__rb_rotate_left/right: ``node``'s right (left) child takes its place."""
    nodes = s.rb[tree]
    p, lt, rt, c = nodes[node]
    child = rt if left else lt
    if child is None:  # a rotation needs the child that moves up; the recorded tree had it
        raise InvariantError("rb rotation of", f"node {node:#x}", "a child on the rotating side")
    _, cl, cr, cc = nodes[child]
    inner = cl if left else cr
    if left:
        nodes[node], nodes[child] = (child, lt, inner, c), (p, node, cr, cc)
    else:
        nodes[node], nodes[child] = (child, inner, rt, c), (p, cl, node, cc)
    if inner is not None:
        _relink(nodes, inner, 0, node)
    _replace_child(s, tree, p, node, child)


_reducer(
    RbRotatedLeft, lambda ev, s: _rotate(s, ev.tree, ev.node, True), lambda ev, s: _rotate(s, ev.tree, ev.pivot, False)
)
_reducer(
    RbRotatedRight, lambda ev, s: _rotate(s, ev.tree, ev.node, False), lambda ev, s: _rotate(s, ev.tree, ev.pivot, True)
)


def _recolor(ev: Any, s: ViewState, forward: bool) -> None:
    nodes = s.rb[ev.tree]
    for node, color in zip(ev.nodes, ev.colors, strict=True):
        p, lt, rt, _ = nodes[node]
        nodes[node] = (p, lt, rt, color if forward else color ^ 1)  # each listed node flipped


_reducer(RbRecolored, lambda ev, s: _recolor(ev, s, True), lambda ev, s: _recolor(ev, s, False))


def _label(ev: Any, s: ViewState) -> None:
    s.rb_labels.setdefault(ev.tree, {})[ev.node] = ev.label


def _unlabel(ev: Any, s: ViewState) -> None:
    _dict_del(s.rb_labels, ev.tree, ev.node)


def _drop_if_empty(s: ViewState, tree: str) -> None:
    if not s.rb[tree]:
        del s.rb[tree]
        s.rb_root.pop(tree, None)


def _link_node(ev: Any, s: ViewState) -> None:
    """rb_link_node: a red leaf where the search ended."""
    s.rb.setdefault(ev.tree, {})[ev.node] = (ev.parent, None, None, 0)
    if ev.parent is None:
        s.rb_root[ev.tree] = ev.node
    else:
        _relink(s.rb[ev.tree], ev.parent, 1 if ev.side == "left" else 2, ev.node)
    _label(ev, s)


def _unlink_node(ev: Any, s: ViewState) -> None:
    del s.rb[ev.tree][ev.node]
    if ev.parent is not None:
        _relink(s.rb[ev.tree], ev.parent, 1 if ev.side == "left" else 2, None)
    _drop_if_empty(s, ev.tree)
    _unlabel(ev, s)


def _erase_node(ev: Any, s: ViewState) -> None:
    """rb_erase's unlinking: the one child, or the in-order successor, takes the node's place."""
    tree, n, succ = ev.tree, ev.node, ev.successor
    nodes = s.rb[tree]
    p, lt, rt, c = nodes.pop(n)
    if succ is None:
        child = lt if rt is None else rt
        if child is not None:
            _relink(nodes, child, 0, p)
        _replace_child(s, tree, p, n, child)
    else:
        sp, _, sc, _ = nodes[succ]
        if sp is None or lt is None or rt is None:  # a successor exists only under two children
            raise InvariantError("rb erase of", f"node {n:#x}", "two children and a successor with a parent")
        _replace_child(s, tree, p, n, succ)
        right = sc
        if sp != n:  # the successor leaves its parent's left, its right child moving up
            if sc is not None:
                _relink(nodes, sc, 0, sp)
            _relink(nodes, sp, 1, sc)
            right = rt
            _relink(nodes, rt, 0, succ)
        _relink(nodes, lt, 0, succ)
        nodes[succ] = (p, lt, right, c)
    _drop_if_empty(s, tree)
    _unlabel(ev, s)


def _unerase_node(ev: Any, s: ViewState) -> None:
    nodes = s.rb.setdefault(ev.tree, {})
    links = ev.links
    for i in range(0, len(links), 5):
        nodes[links[i]] = links[i + 1 : i + 5]
    if links[1] is None:  # the erased node was the root
        s.rb_root[ev.tree] = ev.node
    _label(ev, s)


_reducer(RbNodeLinked, _link_node, _unlink_node)
_reducer(RbNodeErased, _erase_node, _unerase_node)


# --- highmem: pkmap_count and last_pkmap_nr (the PTEs come as PteInstalled/PteCleared) ---------------
def _pkmap_count(s: ViewState, nr: int, value: int) -> None:
    if value:
        s.pkmap_count[nr] = value
    else:  # a zero count is no entry, as in a fresh snapshot
        s.pkmap_count.pop(nr, None)


def _last_pkmap_nr(s: ViewState, value: int) -> None:
    s.last_pkmap_nr = value


_reducer(PkmapCountChanged, lambda ev, s: _pkmap_count(s, ev.nr, ev.new), lambda ev, s: _pkmap_count(s, ev.nr, ev.old))
_reducer(PkmapSlotVisited, lambda ev, s: _last_pkmap_nr(s, ev.nr), lambda ev, s: _last_pkmap_nr(s, ev.prev))


# --- SLUB ----------------------------------------------------------------------------------------
def _new_slab(ev: Any, s: ViewState) -> None:
    s.slabs[ev.pfn] = SlabRecord(ev.cache, ev.order, ev.addr, ev.objects)
    size = s.slab_size[ev.cache]
    s.slab_free[ev.pfn] = list(range(ev.addr, ev.addr + ev.objects * size, size))  # new_slab: address order


def _drop_slab(ev: Any, s: ViewState) -> None:
    del s.slabs[ev.pfn]
    del s.slab_free[ev.pfn]


def _undiscard_slab(ev: Any, s: ViewState) -> None:
    s.slabs[ev.pfn] = SlabRecord(ev.cache, ev.order, ev.addr, ev.objects)
    size = s.slab_size[ev.cache]
    s.slab_free[ev.pfn] = [ev.addr + i * size for i in ev.freelist]


def _set_cpu_slab(s: ViewState, cache: str, pfn: int | None, left: int | None) -> None:
    """``cpu_slab[cache]`` becomes ``pfn``; the slab ``left`` (the ``old`` one, either way) has its
    freelist reversed: deactivate_slab pushes ``c->freelist`` back one object at a time."""
    if pfn is None:
        s.cpu_slab.pop(cache, None)
    else:
        s.cpu_slab[cache] = pfn
    if left is not None and left in s.slab_free:
        s.slab_free[left].reverse()


def _partial_add(s: ViewState, cache: str, index: int, pfn: int) -> None:
    s.slab_partial.setdefault(cache, []).insert(index, pfn)


def _partial_del(s: ViewState, cache: str, index: int) -> None:
    lst = s.slab_partial[cache]
    del lst[index]
    if not lst:  # an empty list is no entry, as in a fresh snapshot
        del s.slab_partial[cache]


def _object_out(ev: Any, s: ViewState) -> None:
    lst = s.slab_free[ev.pfn]
    if not lst or lst[0] != ev.addr:  # both paths take the head of the freelist
        raise InvariantError("slab object", f"{ev.addr:#x}", f"the head of the freelist of slab pfn {ev.pfn:#x}")
    del lst[0]
    s.slab_objects[ev.addr] = ev.pfn


def _object_back(ev: Any, s: ViewState) -> None:
    del s.slab_objects[ev.addr]
    s.slab_free[ev.pfn].insert(0, ev.addr)  # both paths push on the head


def _cache_created(ev: Any, s: ViewState) -> None:
    s.slab_caches.insert(0, ev.name)
    s.slab_size[ev.name] = ev.size


def _cache_uncreated(ev: Any, s: ViewState) -> None:
    s.slab_caches.pop(0)
    del s.slab_size[ev.name]


_reducer(KmemCacheCreated, _cache_created, _cache_uncreated)
_reducer(SlabCreated, _new_slab, _drop_slab)
_reducer(SlabDiscarded, _drop_slab, _undiscard_slab)
_reducer(
    CpuSlabChanged,
    lambda ev, s: _set_cpu_slab(s, ev.cache, ev.new, ev.old),
    lambda ev, s: _set_cpu_slab(s, ev.cache, ev.old, ev.old),
)
_reducer(
    SlabPartialAdded,
    lambda ev, s: _partial_add(s, ev.cache, ev.index, ev.pfn),
    lambda ev, s: _partial_del(s, ev.cache, ev.index),
)
_reducer(
    SlabPartialRemoved,
    lambda ev, s: _partial_del(s, ev.cache, ev.index),
    lambda ev, s: _partial_add(s, ev.cache, ev.index, ev.pfn),
)
_inverse(SlabObjectAllocated, SlabObjectFreed, _object_out, _object_back)

MUTATING: frozenset[type[Event]] = frozenset(APPLY)
"""The event classes that change a :class:`~vmwidgets.state.ViewState`."""


def _reader(cls: type[Event]) -> Callable[[tuple[Any, ...]], Any]:
    """What a reducer reads a recorded step of ``cls`` through: a named tuple over the step
    (``("kid", "op", "fn", *fields)``), made in a third of the time an event takes to build.
    Reducers only read fields by name, so they take either."""
    view = namedtuple(f"{cls.__name__}Step", ("kid", *cls._fields))  # type: ignore[misc]
    return partial(tuple.__new__, view)


PLANS: list[tuple[int, Callable[[tuple[Any, ...]], Any], Reducer | None, Reducer | None]] = [
    (_BUILD[cls][0], _reader(cls), APPLY.get(cls), REVERT.get(cls)) for cls in KINDS
]
"""Per event kind (``PLANS[cls._kid]``): the length of a full recorded step, the reader a
reducer takes it through, and the apply and revert reducers (None for a kind that changes no
state).  What the timeline and the cursors use to replay recorded steps (a step with trailing
defaults left out is shorter: it is built into its event instead)."""

FORWARD: list[tuple[int, Callable[[tuple[Any, ...]], Any], Reducer] | None] = [
    None if p[2] is None else (p[0], p[1], p[2]) for p in PLANS
]
"""``PLANS`` for replaying forward: (size, reader, apply), None for a kind that changes nothing."""
BACKWARD: list[tuple[int, Callable[[tuple[Any, ...]], Any], Reducer] | None] = [
    None if p[3] is None else (p[0], p[1], p[3]) for p in PLANS
]
"""``PLANS`` for replaying backward: (size, reader, revert), None for a kind that changes nothing."""

READ_ONLY: frozenset[type[Event]] = frozenset(
    {
        OperationBegan,
        OperationEnded,
        AllocationFailed,
        WarningPrinted,
        BuddyNotMerged,
        PageFaulted,
        PageRefChanged,  # _count is not drawn
        SignalSent,
        TlbFlushed,
        TableEntryRead,
        VmlistVisited,
        VmapAreaVisited,
        MmapCacheChecked,
        VmaVisited,
        PageAddressRead,
        PkmapWaitQueued,
        FixmapSlotComputed,
        KmallocRouted,
        KmemCacheMerged,  # an alias: no row, no slab
        SlabFreelistLoaded,  # page->freelist becomes c->freelist: the same list, drawn the same
    }
)
"""The event classes that change nothing the views draw (a new kind must be in one of the two)."""
