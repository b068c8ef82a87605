"""The 2.6.28+ vmap layer: ``struct vmap_area`` in the ``vmap_area_root`` rb-tree.

Follows mm/vmalloc.c of mainline 2.6.32 (Nick Piggin's rewrite, 2.6.28): areas are
found first-fit by ``alloc_vmap_area`` (one extra unmapped page after each area),
inserted by ``__insert_vmap_area`` into the tree and the address-sorted
``vmap_area_list``, and freed lazily: ``free_unmap_vmap_area`` only marks an area
``VM_LAZY_FREE``; its PTEs stay (pointing at frames already given back) and its address
stays taken until ``__purge_vmap_area_lazy`` runs, when more than ``lazy_max_pages()``
are waiting or an allocation finds no room.  The model has one CPU, so
``lazy_max_pages() = fls(1) * 32 MB / PAGE_SIZE = 8192``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..events import TlbFlushed, VmapAreaFreed, VmapAreaLazyFreed, VmapAreaVisited
from .constants import PAGE_SHIFT, PAGE_SIZE
from .emit import Emitter
from .pgtable import PageTables
from .printk import KernelLog
from .rbtree import RbNode, RbRoot, rb_erase, rb_insert_color, rb_link_node, rb_next, rb_prev

if TYPE_CHECKING:  # the layer above: only its type, for ``private``
    from .vmalloc import VmStruct

__all__ = ["LAZY_MAX_PAGES", "VM_LAZY_FREE", "VM_LAZY_FREEING", "VM_VM_AREA", "VmapArea", "VmapAreas"]

VM_LAZY_FREE = 0x01
VM_LAZY_FREEING = 0x02
VM_VM_AREA = 0x04
LAZY_MAX_PAGES = 1 * (32 << 20) // PAGE_SIZE  # fls(num_online_cpus()) * 32 MB / PAGE_SIZE
_ALLOC = "mm/vmalloc.c:alloc_vmap_area"
_FIND = "mm/vmalloc.c:__find_vmap_area"
_PURGE = "mm/vmalloc.c:__purge_vmap_area_lazy"
_UNMAP = "mm/vmalloc.c:vunmap_pte_range"
_LAZY = "mm/vmalloc.c:free_unmap_vmap_area_noflush"


def _align(x: int, a: int) -> int:
    return (x + a - 1) & ~(a - 1)


class VmapArea:
    """``struct vmap_area``: ``va_start``, ``va_end``, ``flags``, its ``rb_node`` and
    ``private`` (the vm_struct it backs)."""

    __slots__ = ("flags", "private", "rb_node", "va_end", "va_start")

    def __init__(self, va_start: int, va_end: int) -> None:
        self.va_start, self.va_end, self.flags = va_start, va_end, 0
        self.rb_node = RbNode(self, va_start)
        self.private: VmStruct | None = None  # the vm_struct it backs: vmalloc's, above this layer

    def __repr__(self) -> str:
        return f"<vmap_area {self.va_start:#010x}-{self.va_end:#010x} flags={self.flags:#x}>"


def _va(node: RbNode) -> VmapArea:
    """``rb_entry(node, struct vmap_area, rb_node)``: the area a node of vmap_area_root orders."""
    owner = node.owner
    if not isinstance(owner, VmapArea):
        raise TypeError(f"{node!r} in vmap_area_root orders {owner!r}, not a vmap_area")
    return owner


class VmapAreas:
    """The vmap_area allocator of era 2.6.28+: ``vmap_area_root``, ``vmap_area_list``, lazy frees.

    Below it: the page tables (a purge clears the stale PTEs).  It does not know the
    vm_structs above it; ``va.private`` is vmalloc's to fill.
    """

    def __init__(self, emitter: Emitter, pgtable: PageTables, log: KernelLog) -> None:
        self._emitter = emitter
        self._pgtable = pgtable
        self._log = log
        self.vmap_area_root = RbRoot("vmap_area_root")
        self._vmap_list: list[VmapArea] = []  # vmap_area_list, by address
        self._vmap_starts: list[int] = []
        self._lazy_nr = 0

    @property
    def vmap_area_list(self) -> Sequence[VmapArea]:
        """``LIST_HEAD(vmap_area_list)``: every area by address (a read-only copy; empty before 2.6.28)."""
        return tuple(self._vmap_list)

    @property
    def lazy_nr(self) -> int:
        """``atomic_t vmap_lazy_nr``: pages of lazily freed areas waiting for a purge."""
        return self._lazy_nr

    @staticmethod
    def is_lazy(va: VmapArea) -> bool:
        """``va->flags & (VM_LAZY_FREE | VM_LAZY_FREEING)``: freed lazily, not purged yet (PTEs may remain)."""
        return bool(va.flags & (VM_LAZY_FREE | VM_LAZY_FREEING))

    def alloc_vmap_area(self, size: int, align: int, vstart: int, vend: int) -> VmapArea | None:
        """``struct vmap_area *alloc_vmap_area(unsigned long size, unsigned long align,
        unsigned long vstart, unsigned long vend, int node, gfp_t gfp_mask)`` (mm/vmalloc.c, 2.6.28+).

        First fit in the tree, purge lazily freed areas and retry once.  ``size`` includes
        the guard page.  Returns the new area, or None where the kernel returns
        ``ERR_PTR(-EBUSY)`` after its "vmap allocation failed" warning.  Not in 2.6.24.
        """
        emit = self._emitter.emit

        def visit(tmp: VmapArea, addr: int, verdict: str) -> None:
            emit(VmapAreaVisited, _ALLOC, va_start=tmp.va_start, va_end=tmp.va_end, candidate=addr, verdict=verdict)

        purged = False
        while True:
            addr = _align(vstart, align)
            n, first = self.vmap_area_root.rb_node, None
            while n is not None:  # the lowest area that ends at or after addr
                tmp = _va(n)
                if tmp.va_end >= addr:
                    if first is None and tmp.va_start < addr + size:
                        first = tmp
                    visit(tmp, addr, "left")
                    n = n.rb_left
                else:
                    first = tmp
                    visit(tmp, addr, "right")
                    n = n.rb_right
            if first is not None and first.va_end < addr:
                nxt = rb_next(first.rb_node)
                first = _va(nxt) if nxt is not None else None
            while first is not None and addr + size > first.va_start and addr + size <= vend:
                addr = _align(first.va_end + PAGE_SIZE, align)
                emit(
                    VmapAreaVisited,
                    _ALLOC,
                    va_start=first.va_start,
                    va_end=first.va_end,
                    candidate=addr,
                    verdict="skip",
                )
                nxt = rb_next(first.rb_node)
                first = _va(nxt) if nxt is not None else None
            if addr + size <= vend:
                break
            verdict = "overflow" if not purged else "fail"
            emit(VmapAreaVisited, _ALLOC, va_start=vend, va_end=vend, candidate=addr, verdict=verdict)
            if purged:
                self._log.warn(_ALLOC, f"vmap allocation for size {size} failed: use vmalloc=<size> to increase size.")
                return None
            self.purge_vmap_area_lazy()
            purged = True
        va = VmapArea(addr, addr + size)
        self._insert_vmap_area(va)
        return va

    def _insert_vmap_area(self, va: VmapArea) -> None:
        """mm/vmalloc.c:__insert_vmap_area — descend by address, link, rebalance, list."""
        parent, link, left = None, self.vmap_area_root.rb_node, False
        while link is not None:
            tmp = _va(link)
            parent = link
            left = va.va_start < tmp.va_end
            link = link.rb_left if left else link.rb_right
        emit = self._emitter.emit if self._emitter.active else None
        label = f"{va.va_start:08x}-{va.va_end:08x}"
        rb_link_node(va.rb_node, parent, left, self.vmap_area_root, emit, label)
        rb_insert_color(va.rb_node, self.vmap_area_root, emit)
        prev = rb_prev(va.rb_node)
        i = 0 if prev is None else self._vmap_list.index(_va(prev)) + 1  # list_add_rcu after prev
        self._vmap_list.insert(i, va)
        self._vmap_starts.insert(i, va.va_start)

    def find_vmap_area(self, addr: int) -> VmapArea | None:
        """mm/vmalloc.c:__find_vmap_area(``unsigned long addr``): the area starting at ``addr``.

        A binary search of the tree; None (NULL) if none starts there.  2.6.28+ only."""
        emit = self._emitter.emit
        n = self.vmap_area_root.rb_node
        while n is not None:
            va = _va(n)
            if addr == va.va_start:
                emit(VmapAreaVisited, _FIND, va_start=va.va_start, va_end=va.va_end, candidate=addr, verdict="match")
                return va
            left = addr < va.va_start
            verdict = "left" if left else "right"
            emit(VmapAreaVisited, _FIND, va_start=va.va_start, va_end=va.va_end, candidate=addr, verdict=verdict)
            n = n.rb_left if left else n.rb_right
        return None

    def free_vmap_area_lazy(self, va: VmapArea) -> None:
        """mm/vmalloc.c:free_unmap_vmap_area_noflush(``struct vmap_area *va``): mark it lazy.

        A purge runs when more than ``lazy_max_pages()`` wait.  2.6.28+ only.

        The PTEs stay until the purge, but they no longer count as mappings of their frames
        (vfree hands the frames back at once)."""
        self._pgtable.unaccount_kernel_range(va.va_start, va.va_end)
        va.flags |= VM_LAZY_FREE
        self._lazy_nr += (va.va_end - va.va_start) >> PAGE_SHIFT
        self._emitter.emit(
            VmapAreaLazyFreed,
            _LAZY,
            va_start=va.va_start,
            va_end=va.va_end,
            lazy_pages=self._lazy_nr,
            lazy_max=LAZY_MAX_PAGES,
        )
        if self._lazy_nr > LAZY_MAX_PAGES:
            self.purge_vmap_area_lazy()

    def purge_vmap_area_lazy(self) -> None:
        """mm/vmalloc.c:__purge_vmap_area_lazy: unmap every lazy area, one TLB flush, free them (2.6.28+)."""
        lazy = [va for va in self._vmap_list if va.flags & VM_LAZY_FREE]
        if not lazy:
            return
        for va in lazy:
            for addr in range(va.va_start, va.va_end, PAGE_SIZE):  # unmap_vmap_area
                self._pgtable.clear_pte(addr, _UNMAP, counted=False)
            va.flags = (va.flags & ~VM_LAZY_FREE) | VM_LAZY_FREEING
            self._lazy_nr -= (va.va_end - va.va_start) >> PAGE_SHIFT
        start, end = min(va.va_start for va in lazy), max(va.va_end for va in lazy)
        self._emitter.emit(TlbFlushed, _PURGE, start=start, end=end)
        emit = self._emitter.emit if self._emitter.active else None
        for va in lazy:  # __free_vmap_area
            rb_erase(va.rb_node, self.vmap_area_root, emit)
            i = bisect_left(self._vmap_starts, va.va_start)
            del self._vmap_list[i], self._vmap_starts[i]
            self._emitter.emit(VmapAreaFreed, "mm/vmalloc.c:__free_vmap_area", va_start=va.va_start, va_end=va.va_end)
