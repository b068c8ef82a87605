"""How each event moves a :class:`~vmwidgets.state.ViewState` forward (``apply``) or back (``revert``).

The reducers are keyed by event class.  An event that changes no state (a search visit, a
fault, a warning) has none and is not in :data:`MUTATING`.  Where one event's ``revert`` is
exactly another's ``apply`` (a frame handed out and freed, a VMA linked and unlinked) the
pair is declared once by :func:`_inverse`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .events import (
    AllocationFailed,
    BuddyMerged,
    BuddyNotMerged,
    BuddySplit,
    Event,
    FrameAllocated,
    FrameFreed,
    FreeBlockAdded,
    FreeBlockTaken,
    MmapCacheChecked,
    OperationBegan,
    OperationEnded,
    PageFaulted,
    PageRefChanged,
    PageTableAllocated,
    PageTableFreed,
    PgdCreated,
    PgdFreed,
    PteChanged,
    PteCleared,
    PteInstalled,
    RbNodeErased,
    RbNodeLinked,
    RbRecolored,
    RbRotatedLeft,
    RbRotatedRight,
    SignalSent,
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
from .state import AreaRecord, ViewState

__all__ = ["APPLY", "MUTATING", "READ_ONLY", "REVERT", "Reducer", "apply", "revert"]

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
    s.tables[ev.pfn] = dict(ev.entries)
    s.table_meta[ev.pfn] = ("pgd", 0)


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
_reducer(
    VmStructUpdated,
    lambda ev, s: s.areas.__setitem__(ev.addr, s.areas[ev.addr]._replace(**{ev.field: ev.new})),
    lambda ev, s: s.areas.__setitem__(ev.addr, s.areas[ev.addr]._replace(**{ev.field: ev.old})),
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


_reducer(VmaAdjusted, lambda ev, s: _vma_span(s, ev, ev.new), lambda ev, s: _vma_span(s, ev, ev.old))
_reducer(VmaFlagsChanged, lambda ev, s: _vma_flags(s, ev, ev.new), lambda ev, s: _vma_flags(s, ev, ev.old))


# --- red-black trees -----------------------------------------------------------------------------
def _rb_set(s: ViewState, ev: Any, forward: bool) -> None:
    nodes = s.rb.setdefault(ev.tree, {})
    for node, old, new in ev.changes:
        value = new if forward else old
        if value is None:
            nodes.pop(node, None)
        else:
            nodes[node] = value
    if nodes:
        s.rb_root[ev.tree] = ev.root[1] if forward else ev.root[0]
    else:  # an empty tree is no entry, as in a fresh snapshot
        del s.rb[ev.tree]
        s.rb_root.pop(ev.tree, None)


def _rb_forward(ev: Any, s: ViewState) -> None:
    _rb_set(s, ev, True)


def _rb_backward(ev: Any, s: ViewState) -> None:
    _rb_set(s, ev, False)


def _label(ev: Any, s: ViewState) -> None:
    s.rb_labels.setdefault(ev.tree, {})[ev.node] = ev.label


def _unlabel(ev: Any, s: ViewState) -> None:
    _dict_del(s.rb_labels, ev.tree, ev.node)


for _cls in (RbRecolored, RbRotatedLeft, RbRotatedRight):
    _reducer(_cls, _rb_forward, _rb_backward)


def _link_node(ev: Any, s: ViewState) -> None:
    _rb_set(s, ev, True)
    _label(ev, s)


def _unlink_node(ev: Any, s: ViewState) -> None:
    _rb_set(s, ev, False)
    _unlabel(ev, s)


def _erase_node(ev: Any, s: ViewState) -> None:
    _rb_set(s, ev, True)
    _unlabel(ev, s)


def _unerase_node(ev: Any, s: ViewState) -> None:
    _rb_set(s, ev, False)
    _label(ev, s)


_reducer(RbNodeLinked, _link_node, _unlink_node)
_reducer(RbNodeErased, _erase_node, _unerase_node)

MUTATING: frozenset[type[Event]] = frozenset(APPLY)
"""The event classes that change a :class:`~vmwidgets.state.ViewState`."""

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
    }
)
"""The event classes that change nothing the views draw (a new kind must be in one of the two)."""
