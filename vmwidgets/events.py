"""Events: one immutable record per step the kernel takes.

Every event is a small named tuple whose first two fields are ``op`` (the index of the
top-level operation it belongs to) and ``fn`` (the kernel function doing the step, as
``file:function``).  ``kind`` is its past-tense class name, ``explain()`` says in one
sentence what happened, and ``apply``/``revert`` move a :class:`~vmwidgets.state.ViewState`
forward or back over it.  ``to_json``/``event_from_json`` round-trip it.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from .model.constants import PAGE_SHIFT, VM_VPAGES, ZONE_NAMES, pte_flag_names, vm_flag_names
from .state import AreaRecord, ViewState

EVENT_KINDS: dict[str, type] = {}


def _h(x: int) -> str:
    return f"{x:#010x}"


def _zone(z: int) -> str:
    return ZONE_NAMES[z]


def _pages(n: int) -> str:
    return "1 page" if n == 1 else f"{n} pages"


def _show(name: str, v: Any) -> str:
    if isinstance(v, int) and not isinstance(v, bool) and name not in ("op", "index", "position", "order", "zone"):
        return f"{v:#x}" if v >= 4096 or name in ("pfn", "buddy", "table", "parent", "entry", "old", "new") else str(v)
    if isinstance(v, tuple):
        return "(" + ", ".join(_show(name, x) for x in v) + ("," if len(v) == 1 else "") + ")"
    return repr(v)


def _repr(self: Any) -> str:
    return f"{type(self).__name__}({', '.join(f'{k}={_show(k, v)}' for k, v in zip(self._fields, self, strict=True))})"


def _event(cls: type) -> type:
    """Register an event class and give it the shared behaviour (addresses shown in hex)."""
    EVENT_KINDS[cls.__name__] = cls
    cls.__repr__ = _repr
    cls.kind = property(lambda self: type(self).__name__)
    cls.text = property(lambda self: self.explain())
    for name, fn in _SHARED.items():
        if name not in cls.__dict__:
            setattr(cls, name, fn)
    return cls


def _free_del(s: ViewState, zone: int, order: int, index: int) -> None:
    lst = s.free[(zone, order)]
    del lst[index]
    if not lst:  # an empty free list is no entry, as in a fresh snapshot
        del s.free[(zone, order)]


def _free_add(s: ViewState, zone: int, order: int, index: int, pfn: int) -> None:
    s.free.setdefault((zone, order), []).insert(index, pfn)


def _noop(self: Any, state: ViewState) -> None:
    return None


def _to_dict(self: Any) -> dict[str, Any]:
    d = {"kind": type(self).__name__}
    d.update(self._asdict())
    return d


def _to_json(self: Any) -> str:
    return json.dumps(self.to_dict())


_SHARED = {"apply": _noop, "revert": _noop, "to_dict": _to_dict, "to_json": _to_json}
MUTATING: set[type] = set()


def _mutates(cls: type) -> type:
    MUTATING.add(cls)
    return cls


def event_from_dict(d: dict[str, Any]) -> Any:
    """Rebuild an event from :meth:`to_dict` output (lists become tuples)."""
    d = dict(d)
    cls = EVENT_KINDS.get(d.pop("kind", None))
    if cls is None:
        from .errors import InvalidArgument

        raise InvalidArgument("kind", None, "one of " + ", ".join(sorted(EVENT_KINDS)))
    return cls(**{k: _tuples(v) for k, v in d.items()})


def _tuples(v: Any) -> Any:
    return tuple(_tuples(x) for x in v) if isinstance(v, list) else v


def event_from_json(text: str) -> Any:
    """Rebuild an event from :meth:`to_json` output.

    >>> from vmwidgets import Kernel
    >>> k = Kernel()
    >>> _ = k.vmalloc(4096)
    >>> ev = k.timeline[1]
    >>> ev.kind, event_from_json(ev.to_json()) == ev
    ('VmStructLinked', True)
    """
    return event_from_dict(json.loads(text))


# --- operations --------------------------------------------------------------------------
@_event
class OperationBegan(NamedTuple):
    op: int
    fn: str
    name: str
    args: str

    def explain(self) -> str:
        return f"A call to {self.name}({self.args}) begins."


@_event
class OperationEnded(NamedTuple):
    op: int
    fn: str
    name: str
    result: str

    def explain(self) -> str:
        return f"The call to {self.name} returns {self.result}."


@_event
class AllocationFailed(NamedTuple):
    op: int
    fn: str
    what: str
    reason: str

    def explain(self) -> str:
        return f"{self.what} failed: {self.reason}; the caller gets NULL."


@_event
class WarningPrinted(NamedTuple):
    op: int
    fn: str
    message: str

    def explain(self) -> str:
        return f'The kernel prints a warning: "{self.message}".'


# --- buddy allocator ---------------------------------------------------------------------
@_mutates
@_event
class FreeBlockTaken(NamedTuple):
    op: int
    fn: str
    zone: int
    order: int
    pfn: int
    index: int

    def explain(self) -> str:
        return (
            f"The free block at pfn {self.pfn:#x} ({_pages(1 << self.order)}) is taken off "
            f"{_zone(self.zone)} free_area[{self.order}]."
        )

    def apply(self, s: ViewState) -> None:
        _free_del(s, self.zone, self.order, self.index)

    def revert(self, s: ViewState) -> None:
        _free_add(s, self.zone, self.order, self.index, self.pfn)


@_mutates
@_event
class BuddySplit(NamedTuple):
    op: int
    fn: str
    zone: int
    order: int
    pfn: int
    buddy: int

    def explain(self) -> str:
        return (
            f"The block at pfn {self.pfn:#x} is halved: its upper half at pfn {self.buddy:#x} "
            f"goes to the head of free_area[{self.order}] ({_pages(1 << self.order)}), the lower half stays."
        )

    def apply(self, s: ViewState) -> None:
        _free_add(s, self.zone, self.order, 0, self.buddy)

    def revert(self, s: ViewState) -> None:
        _free_del(s, self.zone, self.order, 0)


@_mutates
@_event
class FrameAllocated(NamedTuple):
    op: int
    fn: str
    zone: int
    order: int
    pfn: int
    gfp: int

    def explain(self) -> str:
        n = 1 << self.order
        what = "the frame" if n == 1 else f"{n} frames"
        phys = self.pfn << PAGE_SHIFT
        return f"The buddy allocator hands out {what} at pfn {self.pfn:#x} (phys {phys:#x}) from {_zone(self.zone)}."

    def apply(self, s: ViewState) -> None:
        s.allocated[self.pfn] = self.order

    def revert(self, s: ViewState) -> None:
        del s.allocated[self.pfn]


@_mutates
@_event
class FrameFreed(NamedTuple):
    op: int
    fn: str
    zone: int
    order: int
    pfn: int

    def explain(self) -> str:
        n = 1 << self.order
        verb = "goes" if n == 1 else "go"
        return f"The last reference to pfn {self.pfn:#x} is dropped: {_pages(n)} {verb} back to the buddy allocator."

    def apply(self, s: ViewState) -> None:
        del s.allocated[self.pfn]

    def revert(self, s: ViewState) -> None:
        s.allocated[self.pfn] = self.order


@_mutates
@_event
class BuddyMerged(NamedTuple):
    op: int
    fn: str
    zone: int
    order: int
    pfn: int
    buddy: int
    index: int

    def explain(self) -> str:
        return (
            f"Its buddy at pfn {self.buddy:#x} (= {self.pfn:#x} ^ {1 << self.order:#x}) is free too: "
            f"it leaves free_area[{self.order}] and the two merge into one block of order {self.order + 1}."
        )

    def apply(self, s: ViewState) -> None:
        _free_del(s, self.zone, self.order, self.index)

    def revert(self, s: ViewState) -> None:
        _free_add(s, self.zone, self.order, self.index, self.buddy)


@_event
class BuddyNotMerged(NamedTuple):
    op: int
    fn: str
    zone: int
    order: int
    pfn: int
    buddy: int
    reason: str

    def explain(self) -> str:
        return (
            f"Its buddy at pfn {self.buddy:#x} (= {self.pfn:#x} ^ {1 << self.order:#x}) {self.reason}: "
            f"no merge, the block stays at order {self.order}."
        )


@_mutates
@_event
class FreeBlockAdded(NamedTuple):
    op: int
    fn: str
    zone: int
    order: int
    pfn: int

    def explain(self) -> str:
        return f"The block at pfn {self.pfn:#x} goes to the head of {_zone(self.zone)} free_area[{self.order}]."

    def apply(self, s: ViewState) -> None:
        _free_add(s, self.zone, self.order, 0, self.pfn)

    def revert(self, s: ViewState) -> None:
        _free_del(s, self.zone, self.order, 0)


# --- page tables -------------------------------------------------------------------------
@_mutates
@_event
class PageTableAllocated(NamedTuple):
    op: int
    fn: str
    level: str
    pfn: int
    vaddr: int
    parent: int
    index: int
    entry: int

    def explain(self) -> str:
        return (
            f"A new {self.level.upper()} table (frame {self.pfn:#x}) covering {_h(self.vaddr)} is linked "
            f"into entry {self.index} of the table above ({', '.join(pte_flag_names(self.entry))})."
        )

    def apply(self, s: ViewState) -> None:
        s.tables[self.pfn] = {}
        s.table_meta[self.pfn] = (self.level, self.vaddr)
        s.tables[self.parent][self.index] = self.entry

    def revert(self, s: ViewState) -> None:
        del s.tables[self.pfn], s.table_meta[self.pfn], s.tables[self.parent][self.index]


@_mutates
@_event
class PageTableFreed(NamedTuple):
    op: int
    fn: str
    level: str
    pfn: int
    vaddr: int
    parent: int
    index: int
    entry: int

    def explain(self) -> str:
        return f"The {self.level.upper()} table at frame {self.pfn:#x} ({_h(self.vaddr)}) maps nothing any more: freed."

    def apply(self, s: ViewState) -> None:
        del s.tables[self.pfn], s.table_meta[self.pfn], s.tables[self.parent][self.index]

    def revert(self, s: ViewState) -> None:
        s.tables[self.pfn] = {}
        s.table_meta[self.pfn] = (self.level, self.vaddr)
        s.tables[self.parent][self.index] = self.entry


@_mutates
@_event
class PteChanged(NamedTuple):
    op: int
    fn: str
    table: int
    index: int
    vaddr: int
    old: int
    new: int
    level: str = "pte"  # "pgd" when vmalloc_sync_one copies a page-directory entry

    def explain(self) -> str:
        gone = set(pte_flag_names(self.old)) - set(pte_flag_names(self.new))
        came = set(pte_flag_names(self.new)) - set(pte_flag_names(self.old))
        what = ", ".join([f"+{f}" for f in sorted(came)] + [f"-{f}" for f in sorted(gone)]) or "same bits"
        if self.level != "pte":
            now = f"now table {self.new >> PAGE_SHIFT:#x}" if self.new & 1 else "now empty"
            return f"{self.level.upper()} entry {self.index} (for {_h(self.vaddr)}) is set ({what}, {now})."
        moved = "" if (self.old ^ self.new) >> PAGE_SHIFT == 0 else f", now frame {self.new >> PAGE_SHIFT:#x}"
        return f"The PTE for {_h(self.vaddr)} changes ({what}{moved})."

    def apply(self, s: ViewState) -> None:
        s.tables[self.table][self.index] = self.new

    def revert(self, s: ViewState) -> None:
        s.tables[self.table][self.index] = self.old


@_event
class PageFaulted(NamedTuple):
    op: int
    fn: str
    mm: str
    addr: int
    write: bool
    cause: str

    def explain(self) -> str:
        access = "write to" if self.write else "read of"
        return f"A {access} {_h(self.addr)} faults ({self.cause}): the CPU enters do_page_fault."


@_event
class PageRefChanged(NamedTuple):
    op: int
    fn: str
    pfn: int
    count: int
    why: str

    def explain(self) -> str:
        return f"Frame {self.pfn:#x}'s _count is now {self.count} ({self.why})."


@_event
class SignalSent(NamedTuple):
    op: int
    fn: str
    mm: str
    addr: int
    signal: str
    reason: str

    def explain(self) -> str:
        return f"{self.signal} for the access at {_h(self.addr)}: {self.reason}."


@_mutates
@_event
class PgdFreed(NamedTuple):
    op: int
    fn: str
    mm: str
    pfn: int
    entries: tuple

    def explain(self) -> str:
        return f"Process {self.mm}'s page directory (frame {self.pfn:#x}) is freed."

    def apply(self, s: ViewState) -> None:
        del s.tables[self.pfn], s.table_meta[self.pfn]

    def revert(self, s: ViewState) -> None:
        s.tables[self.pfn] = dict(self.entries)
        s.table_meta[self.pfn] = ("pgd", 0)


@_mutates
@_event
class PteInstalled(NamedTuple):
    op: int
    fn: str
    table: int
    index: int
    vaddr: int
    entry: int

    def explain(self) -> str:
        return (
            f"PTE {self.index} now maps {_h(self.vaddr)} to frame {(self.entry & 0xFFFFFFFFF000) >> PAGE_SHIFT:#x} "
            f"({', '.join(pte_flag_names(self.entry))})."
        )

    def apply(self, s: ViewState) -> None:
        s.tables[self.table][self.index] = self.entry

    def revert(self, s: ViewState) -> None:
        del s.tables[self.table][self.index]


@_mutates
@_event
class PteCleared(NamedTuple):
    op: int
    fn: str
    table: int
    index: int
    vaddr: int
    old: int

    def explain(self) -> str:
        return f"PTE {self.index} for {_h(self.vaddr)} is cleared: the address is no longer mapped."

    def apply(self, s: ViewState) -> None:
        del s.tables[self.table][self.index]

    def revert(self, s: ViewState) -> None:
        s.tables[self.table][self.index] = self.old


@_event
class TlbFlushed(NamedTuple):
    op: int
    fn: str
    start: int
    end: int

    def explain(self) -> str:
        return f"The TLB entries for {_h(self.start)}-{_h(self.end)} are flushed so no CPU uses the old mapping."


@_event
class TableEntryRead(NamedTuple):
    op: int
    fn: str
    vaddr: int
    level: str
    table: int
    index: int
    entry: int

    def explain(self) -> str:
        if not self.entry & 1:
            return f"{self.level.upper()} entry {self.index} of table {self.table:#x} is not present: the walk stops."
        return (
            f"{self.level.upper()} entry {self.index} of table {self.table:#x} holds {self.entry:#x} "
            f"({', '.join(pte_flag_names(self.entry))})."
        )


# --- vmalloc -----------------------------------------------------------------------------
@_event
class VmlistVisited(NamedTuple):
    op: int
    fn: str
    addr: int
    size: int
    candidate: int
    verdict: str

    def explain(self) -> str:
        area = f"the area at {_h(self.addr)}-{_h(self.addr + self.size)}"
        return {
            "fits": f"The hole before {area} is big enough: the new area goes at {_h(self.candidate)}.",
            "skip": f"{area.capitalize()} is in the way: the search moves on to {_h(self.candidate)}.",
            "below": f"{area.capitalize()} lies below the search start: move on.",
            "match": f"{area.capitalize()} is the one asked for.",
            "before": f"{area.capitalize()} starts below the new area: move on.",
            "insert": f"The new area is linked before {area}.",
            "no-match": f"{area.capitalize()} is not the one asked for: move on.",
        }.get(self.verdict, f"Visit {area}: {self.verdict}.")


def walk_events(op: int, fn: str, walker: Any, args: tuple, addrs: Any, spans: Any) -> list:
    """Replay a recorded list walk: one ``VmlistVisited`` per node visited.

    ``walker(addrs, spans, *args, trace=...)`` is the model's own search function, so the
    events say exactly what the search did.
    """
    trace: list = []
    walker(addrs, spans, *args, trace=trace)
    return [VmlistVisited(op, fn, *visit) for visit in trace]


@_mutates
@_event
class VmStructLinked(NamedTuple):
    op: int
    fn: str
    addr: int
    size: int
    flags: int
    caller: str | None
    position: int

    def explain(self) -> str:
        where = "at the head of vmlist" if self.position == 0 else f"as entry {self.position} of vmlist"
        return (
            f"A vm_struct for {_h(self.addr)}-{_h(self.addr + self.size)} ({self.size} bytes with its guard "
            f"page, {'|'.join(vm_flag_names(self.flags))}) is linked {where}."
        )

    def apply(self, s: ViewState) -> None:
        s.vmlist.insert(self.position, self.addr)
        s.areas[self.addr] = AreaRecord(self.addr, self.size, self.flags, 0, 0, self.caller)
        s.area_pages[self.addr] = []

    def revert(self, s: ViewState) -> None:
        del s.vmlist[self.position], s.areas[self.addr], s.area_pages[self.addr]


@_mutates
@_event
class VmStructUpdated(NamedTuple):
    op: int
    fn: str
    addr: int
    field: str
    old: int
    new: int

    def explain(self) -> str:
        if self.field == "flags":
            value = "|".join(vm_flag_names(self.new))
            if self.new & ~self.old & VM_VPAGES:
                value += " (its pages[] array is too big for one page, so it was vmalloc'ed too)"
        else:
            value = str(self.new) if self.field == "nr_pages" else f"{self.new:#x}"
        return f"The vm_struct at {_h(self.addr)} gets area->{self.field} = {value}."

    def apply(self, s: ViewState) -> None:
        s.areas[self.addr] = s.areas[self.addr]._replace(**{self.field: self.new})

    def revert(self, s: ViewState) -> None:
        s.areas[self.addr] = s.areas[self.addr]._replace(**{self.field: self.old})


@_mutates
@_event
class VmPageStored(NamedTuple):
    op: int
    fn: str
    addr: int
    index: int
    pfn: int

    def explain(self) -> str:
        return f"The vm_struct at {_h(self.addr)} stores frame {self.pfn:#x} in area->pages[{self.index}]."

    def apply(self, s: ViewState) -> None:
        s.area_pages[self.addr].append(self.pfn)

    def revert(self, s: ViewState) -> None:
        s.area_pages[self.addr].pop()


@_mutates
@_event
class VmStructUnlinked(NamedTuple):
    op: int
    fn: str
    addr: int
    size: int
    flags: int
    nr_pages: int
    phys_addr: int
    caller: str | None
    position: int
    pages: tuple[int, ...]

    def explain(self) -> str:
        return f"The vm_struct for {_h(self.addr)} is unlinked from vmlist; its guard page is dropped from size."

    def apply(self, s: ViewState) -> None:
        del s.vmlist[self.position], s.areas[self.addr], s.area_pages[self.addr]

    def revert(self, s: ViewState) -> None:
        s.vmlist.insert(self.position, self.addr)
        s.areas[self.addr] = AreaRecord(self.addr, self.size, self.flags, self.nr_pages, self.phys_addr, self.caller)
        s.area_pages[self.addr] = list(self.pages)


# --- the 2.6.28+ vmap layer --------------------------------------------------------------
@_event
class VmapAreaVisited(NamedTuple):
    op: int
    fn: str
    va_start: int
    va_end: int
    candidate: int
    verdict: str

    def explain(self) -> str:
        area = f"vmap_area {_h(self.va_start)}-{_h(self.va_end)}"
        return {
            "left": f"The {area} ends at or after {_h(self.candidate)}: look in its left subtree.",
            "right": f"The {area} ends before {_h(self.candidate)}: look in its right subtree.",
            "skip": f"The {area} is in the way: try again one page after its end, at {_h(self.candidate)}.",
            "match": f"The {area} starts at {_h(self.candidate)}: found.",
            "overflow": (
                f"No hole is left below VMALLOC_END ({_h(self.va_end)}) for a start at {_h(self.candidate)}: "
                "purge the lazily freed areas, then search again."
            ),
            "fail": f"Still no hole below VMALLOC_END ({_h(self.va_end)}) after the purge: the allocation fails.",
        }.get(self.verdict, f"Visit the {area}: {self.verdict}.")


@_mutates
@_event
class VmapAreaLazyFreed(NamedTuple):
    op: int
    fn: str
    va_start: int
    va_end: int
    lazy_pages: int
    lazy_max: int

    def explain(self) -> str:
        return (
            f"The vmap_area {_h(self.va_start)}-{_h(self.va_end)} is only marked VM_LAZY_FREE: its PTEs and "
            f"address stay until a purge ({self.lazy_pages} of {self.lazy_max} lazy pages now wait)."
        )

    def apply(self, s: ViewState) -> None:
        s.vmap_lazy.add(self.va_start)

    def revert(self, s: ViewState) -> None:
        s.vmap_lazy.discard(self.va_start)


@_mutates
@_event
class VmapAreaFreed(NamedTuple):
    op: int
    fn: str
    va_start: int
    va_end: int

    def explain(self) -> str:
        return f"The purged vmap_area {_h(self.va_start)}-{_h(self.va_end)} leaves the tree: its addresses are free."

    def apply(self, s: ViewState) -> None:
        s.vmap_lazy.discard(self.va_start)

    def revert(self, s: ViewState) -> None:
        s.vmap_lazy.add(self.va_start)


# --- process address spaces --------------------------------------------------------------
def _vma_label(start: int, end: int) -> str:
    return f"{start:08x}-{end:08x}"


@_mutates
@_event
class PgdCreated(NamedTuple):
    op: int
    fn: str
    mm: str
    pfn: int
    entries: tuple

    def explain(self) -> str:
        return (
            f"Process {self.mm} gets its own page directory (frame {self.pfn:#x}); pgd_ctor copies its "
            f"{len(self.entries)} kernel entries from swapper_pg_dir, so every process sees the same kernel."
        )

    def apply(self, s: ViewState) -> None:
        s.tables[self.pfn] = dict(self.entries)
        s.table_meta[self.pfn] = ("pgd", 0)

    def revert(self, s: ViewState) -> None:
        del s.tables[self.pfn], s.table_meta[self.pfn]


@_event
class MmapCacheChecked(NamedTuple):
    op: int
    fn: str
    mm: str
    addr: int
    vma: int | None
    hit: bool

    def explain(self) -> str:
        if self.hit:
            return f"mmap_cache already holds the VMA for {_h(self.addr)}: no tree walk needed."
        return f"mmap_cache does not cover {_h(self.addr)}: walk mm_rb."


@_event
class VmaVisited(NamedTuple):
    op: int
    fn: str
    mm: str
    vma: int
    vm_start: int
    vm_end: int
    addr: int
    verdict: str

    def explain(self) -> str:
        vma = f"VMA {_h(self.vm_start)}-{_h(self.vm_end)}"
        return {
            "contains": f"The {vma} contains {_h(self.addr)}: stop.",
            "left": f"The {vma} ends above {_h(self.addr)}: remember it, look left for a lower one.",
            "right": f"The {vma} ends at or below {_h(self.addr)}: look right.",
        }.get(self.verdict, f"Visit the {vma}: {self.verdict}.")


@_mutates
@_event
class VmaLinked(NamedTuple):
    op: int
    fn: str
    mm: str
    vma: int
    vm_start: int
    vm_end: int
    vm_flags: int
    vm_pgoff: int
    file: str | None
    prev: int | None

    def explain(self, names: dict | None = None) -> str:
        where = "at the head of mm->mmap" if self.prev is None else f"after VMA {_n(self.prev, names)}"
        name = f" ({self.file})" if self.file else ""
        return f"VMA {_h(self.vm_start)}-{_h(self.vm_end)}{name} is linked into the list {where}."

    def apply(self, s: ViewState) -> None:
        s.vmas.setdefault(self.mm, {})[self.vma] = (self.vm_start, self.vm_end, self.vm_flags, self.vm_pgoff, self.file)

    def revert(self, s: ViewState) -> None:
        _dict_del(s.vmas, self.mm, self.vma)


@_mutates
@_event
class VmaUnlinked(NamedTuple):
    op: int
    fn: str
    mm: str
    vma: int
    vm_start: int
    vm_end: int
    vm_flags: int
    vm_pgoff: int
    file: str | None

    def explain(self) -> str:
        return f"VMA {_h(self.vm_start)}-{_h(self.vm_end)} leaves the list and the tree."

    def apply(self, s: ViewState) -> None:
        _dict_del(s.vmas, self.mm, self.vma)

    def revert(self, s: ViewState) -> None:
        s.vmas.setdefault(self.mm, {})[self.vma] = (self.vm_start, self.vm_end, self.vm_flags, self.vm_pgoff, self.file)


@_mutates
@_event
class VmaAdjusted(NamedTuple):
    op: int
    fn: str
    mm: str
    vma: int
    old: tuple
    new: tuple

    def explain(self) -> str:
        (a, b, _), (c, d, _) = self.old, self.new
        return f"VMA {_h(a)}-{_h(b)} now spans {_h(c)}-{_h(d)}."

    def _set(self, s: ViewState, span: tuple) -> None:
        rec = s.vmas[self.mm][self.vma]
        s.vmas[self.mm][self.vma] = (span[0], span[1], rec[2], span[2], rec[4])
        labels = s.rb_labels.get(f"mm_rb:{self.mm}")
        if labels is not None and self.vma in labels:
            labels[self.vma] = _vma_label(span[0], span[1])

    def apply(self, s: ViewState) -> None:
        self._set(s, self.new)

    def revert(self, s: ViewState) -> None:
        self._set(s, self.old)


@_mutates
@_event
class VmaFlagsChanged(NamedTuple):
    op: int
    fn: str
    mm: str
    vma: int
    old: int
    new: int

    def explain(self) -> str:
        def rwx(f: int) -> str:
            return "".join(c if f & b else "-" for b, c in ((1, "r"), (2, "w"), (4, "x")))

        return f"The VMA's vm_flags change from {rwx(self.old)} to {rwx(self.new)} (and vm_page_prot with them)."

    def _set(self, s: ViewState, flags: int) -> None:
        rec = s.vmas[self.mm][self.vma]
        s.vmas[self.mm][self.vma] = (rec[0], rec[1], flags, rec[3], rec[4])

    def apply(self, s: ViewState) -> None:
        self._set(s, self.new)

    def revert(self, s: ViewState) -> None:
        self._set(s, self.old)


# --- red-black trees ---------------------------------------------------------------------
def _rb_set(s: ViewState, tree: str, changes: tuple, root: tuple, forward: bool) -> None:
    nodes = s.rb.setdefault(tree, {})
    for node, old, new in changes:
        value = new if forward else old
        if value is None:
            nodes.pop(node, None)
        else:
            nodes[node] = value
    top = root[1] if forward else root[0]
    if nodes:
        s.rb_root[tree] = top
    else:  # an empty tree is no entry, as in a fresh snapshot
        del s.rb[tree]
        s.rb_root.pop(tree, None)


def _dict_del(d: dict, key: str, item: int) -> None:
    del d[key][item]
    if not d[key]:
        del d[key]


def _rb_apply(self: Any, s: ViewState) -> None:
    _rb_set(s, self.tree, self.changes, self.root, True)


def _rb_revert(self: Any, s: ViewState) -> None:
    _rb_set(s, self.tree, self.changes, self.root, False)


def _n(x: int | None, names: dict | None = None) -> str:
    """A tree node as the views label it (``names``: the tree's labels), else its id."""
    if x is None:
        return "NULL"
    if names and x in names:
        return names[x]
    return f"{x:#x}"


@_mutates
@_event
class RbNodeLinked(NamedTuple):
    op: int
    fn: str
    tree: str
    node: int
    label: str
    parent: int | None
    side: str
    changes: tuple
    root: tuple

    def explain(self, names: dict | None = None) -> str:
        where = "as the root" if self.side == "root" else f"as the {self.side} child of {_n(self.parent, names)}"
        return f"Node {self.label or _n(self.node, names)} is linked into {self.tree} {where}, coloured red."

    def apply(self, s: ViewState) -> None:
        _rb_apply(self, s)
        s.rb_labels.setdefault(self.tree, {})[self.node] = self.label

    def revert(self, s: ViewState) -> None:
        _rb_revert(self, s)
        _dict_del(s.rb_labels, self.tree, self.node)


@_mutates
@_event
class RbRecolored(NamedTuple):
    op: int
    fn: str
    tree: str
    nodes: tuple
    case: str
    changes: tuple
    root: tuple

    def explain(self, names: dict | None = None) -> str:
        case = self.case[0].upper() + self.case[1:]
        return f"{case} ({', '.join(_n(n, names) for n in self.nodes)})."

    apply = _rb_apply
    revert = _rb_revert


@_mutates
@_event
class RbRotatedLeft(NamedTuple):
    op: int
    fn: str
    tree: str
    node: int
    pivot: int
    case: str
    changes: tuple
    root: tuple

    def explain(self, names: dict | None = None) -> str:
        node, pivot = _n(self.node, names), _n(self.pivot, names)
        return f"Left rotation at {node}: its right child {pivot} takes its place ({self.case})."

    apply = _rb_apply
    revert = _rb_revert


@_mutates
@_event
class RbRotatedRight(NamedTuple):
    op: int
    fn: str
    tree: str
    node: int
    pivot: int
    case: str
    changes: tuple
    root: tuple

    def explain(self, names: dict | None = None) -> str:
        node, pivot = _n(self.node, names), _n(self.pivot, names)
        return f"Right rotation at {node}: its left child {pivot} takes its place ({self.case})."

    apply = _rb_apply
    revert = _rb_revert


@_mutates
@_event
class RbNodeErased(NamedTuple):
    op: int
    fn: str
    tree: str
    node: int
    label: str
    successor: int | None
    changes: tuple
    root: tuple

    def explain(self, names: dict | None = None) -> str:
        how = (
            "" if self.successor is None else f"; its successor {_n(self.successor, names)} takes its place and colour"
        )
        return f"Node {self.label or _n(self.node, names)} is unlinked from {self.tree}{how}."

    def apply(self, s: ViewState) -> None:
        _rb_apply(self, s)
        _dict_del(s.rb_labels, self.tree, self.node)

    def revert(self, s: ViewState) -> None:
        _rb_revert(self, s)
        s.rb_labels.setdefault(self.tree, {})[self.node] = self.label


Event = tuple(EVENT_KINDS.values())
"""Every event class; ``isinstance(x, Event)`` tells an event."""
