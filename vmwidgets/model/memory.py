"""The user half of the page tables: filled on demand, copied on fork, zapped on unmap.

Follows mm/memory.c (handle_mm_fault, do_anonymous_page, __do_fault, do_wp_page,
copy_page_range, zap_pte_range, free_pgtables) and mm/mprotect.c:change_pte_range.
Simplifications: file pages come from a page cache that never shrinks
(``(inode, pgoff) -> frame``); no swap, no reclaim.  Each frame a user PTE maps counts
it in ``mapcount`` and is marked anonymous or page cache in ``mapping``, as
page_add_anon_rmap / page_add_file_rmap do.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from ..events import PteChanged, PteCleared, PteInstalled
from .constants import (
    _PAGE_ACCESSED,
    _PAGE_DIRTY,
    _PAGE_PCD,
    _PAGE_PRESENT,
    _PAGE_PWT,
    _PAGE_RW,
    _PAGE_SPECIAL,
    GFP_HIGHUSER,
    PAGE_SHIFT,
    PAGE_SIZE,
)
from .emit import Emitter
from .mm_types import VM_MAYWRITE, VM_SHARED, VM_WRITE
from .page import MAPPING_ANON, MAPPING_FILE
from .page_alloc import PageAllocator
from .pgtable import PageTables
from .rmap import anon_vma_prepare

if TYPE_CHECKING:
    from .config import Config
    from .mm_types import File, VmAreaStruct
    from .mmap import MmStruct

__all__ = ["Memory"]


class Memory:
    """User page tables and the pages they map: faults, copy-on-write, zap, the page cache.

    Below it: the page allocator and the page tables.  It reads the VMAs it is handed
    (``vm_start``, ``vm_flags``, ``vm_page_prot`` …) and an mm's ``pgd`` and ``task_size``.
    """

    def __init__(
        self, config: Config, emitter: Emitter, page_alloc: PageAllocator, pgtable: PageTables, zero_pfn: int
    ) -> None:
        self.config = config
        self._emitter = emitter
        self._page_alloc = page_alloc
        self._pgtable = pgtable
        self.zero_pfn = zero_pfn
        """``empty_zero_page``: the frame every untouched anonymous page reads as (2.6.32)."""
        self._page_cache: dict[tuple[int, int], int] = {}  # (inode, pgoff) -> frame

    @property
    def page_cache(self) -> Mapping[tuple[int, int], int]:
        """(inode, pgoff) -> frame of every cached file page (read-only; ``find_get_page``'s index)."""
        return MappingProxyType(self._page_cache)

    @property
    def cache_pfns(self) -> frozenset[int]:
        """The frames of the page cache (never shrinks: the model has no reclaim)."""
        return frozenset(self._page_cache.values())

    # -- page-table slots ----------------------------------------------------------------------
    def user_slot(self, mm: MmStruct, addr: int, alloc: bool) -> tuple[int, int] | None:
        """pgd_offset → pmd_alloc → pte_alloc_map for ``struct mm_struct *mm``, ``unsigned long addr``.

        The (PTE table, index) slot; None when there is no table and ``alloc`` is false, or
        the table could not be allocated (the kernel's NULL / VM_FAULT_OOM)."""
        pt = self._pgtable
        mask = pt.addr_mask
        if self.config.pae:
            parent = (pt.entry(mm.pgd_pfn(), addr >> 30) & mask) >> PAGE_SHIFT
            index, span = (addr >> 21) & 511, 1 << 21
        else:
            parent, index, span = mm.pgd_pfn(), addr >> 22, 1 << 22
        entry = pt.entry(parent, index)
        if entry & _PAGE_PRESENT:
            table = (entry & mask) >> PAGE_SHIFT
        elif not alloc:
            return None
        else:
            new = pt.alloc_table(parent, index, "pte", addr & ~(span - 1), "mm/memory.c:__pte_alloc")
            if new is None:
                return None
            table = new
        return table, (addr >> PAGE_SHIFT) & (pt.levels[-1].entries - 1)

    # -- faults ----------------------------------------------------------------------------------
    def handle_mm_fault(self, mm: MmStruct, vma: VmAreaStruct, addr: int, write: bool) -> bool:
        """``int handle_mm_fault(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long address, ...)``.

        The last argument is ``int write_access`` in 2.6.24 and ``unsigned int flags``
        (FAULT_FLAG_WRITE) in 2.6.32.  Follows mm/memory.c:handle_mm_fault → handle_pte_fault.  False where the kernel
        returns VM_FAULT_OOM.  A read of untouched anonymous memory maps empty_zero_page in
        2.6.32 (ZERO_PAGE came back in 2.6.32), its PTE marked _PAGE_SPECIAL (pte_mkspecial,
        do_anonymous_page 2635-2642), and a fresh zeroed frame in 2.6.24, dirty and
        writable if the VMA is (maybe_mkwrite(pte_mkdirty()), 2169-2170)."""
        slot = self.user_slot(mm, addr, alloc=True)
        if slot is None:
            return False
        table, index = slot
        page_addr = addr & ~(PAGE_SIZE - 1)
        entry = self._pgtable.entry(table, index)
        prot = vma.vm_page_prot
        if entry & _PAGE_PRESENT:
            if write and not entry & _PAGE_RW:
                return self._do_wp_page(vma, table, index, page_addr, entry)
            return True  # the MMU sets the accessed/dirty bits on retry
        if vma.vm_file is not None:
            return self._do_file_fault(vma, vma.vm_file, table, index, page_addr, write, prot)
        if not write and self.config.era_minor >= 32:  # 2.6.32 reinstated ZERO_PAGE for reads
            entry = (self.zero_pfn << PAGE_SHIFT) | prot | _PAGE_SPECIAL  # pte_mkspecial(pfn_pte())
            self._install(table, index, page_addr, entry, "mm/memory.c:do_anonymous_page")
            return True
        anon_vma_prepare(vma)  # before the page, as do_anonymous_page does
        page = self._page_alloc.alloc(GFP_HIGHUSER, 0)  # alloc_zeroed_user_highpage_movable
        if page is None:
            return False
        self._page_alloc.mem_map.mapping[page.pfn] = MAPPING_ANON
        bits = prot | _PAGE_DIRTY | (_PAGE_RW if vma.vm_flags & VM_WRITE else 0)  # maybe_mkwrite(pte_mkdirty())
        self._install(table, index, page_addr, (page.pfn << PAGE_SHIFT) | bits, "mm/memory.c:do_anonymous_page")
        return True

    def _do_file_fault(
        self, vma: VmAreaStruct, file: File, table: int, index: int, page_addr: int, write: bool, prot: int
    ) -> bool:
        """mm/memory.c:__do_fault — the page-cache page, or a private copy on a private write.

        A write makes the PTE ``maybe_mkwrite(pte_mkdirty())`` (24: 2315-2317; 32: 2816-2818):
        writable even where ``vm_page_prot`` is write-protected for write notification."""
        pgoff = vma.vm_pgoff + ((page_addr - vma.vm_start) >> PAGE_SHIFT)
        key = (file.ino, pgoff)
        pfn = self._page_cache.get(key)
        if pfn is None:
            page = self._page_alloc.alloc(GFP_HIGHUSER, 0)  # page_cache_alloc + readpage
            if page is None:
                return False
            pfn = self._page_cache[key] = page.pfn
            self._page_alloc.mem_map.mapping[pfn] = MAPPING_FILE  # add_to_page_cache
        if write and not vma.vm_flags & VM_SHARED:  # copy on write right away
            anon_vma_prepare(vma)
            page = self._page_alloc.alloc(GFP_HIGHUSER, 0)
            if page is None:
                return False
            self._page_alloc.mem_map.mapping[page.pfn] = MAPPING_ANON
            bits = prot | _PAGE_DIRTY | _PAGE_RW
            self._install(table, index, page_addr, (page.pfn << PAGE_SHIFT) | bits, "mm/memory.c:__do_fault")
            return True
        self._page_alloc.get_page(pfn, "mapped from the page cache")
        bits = prot | (_PAGE_DIRTY | _PAGE_RW if write else 0)  # a write fault here means VM_WRITE
        self._install(table, index, page_addr, (pfn << PAGE_SHIFT) | bits, "mm/memory.c:__do_fault")
        return True

    def _do_wp_page(self, vma: VmAreaStruct, table: int, index: int, page_addr: int, old: int) -> bool:
        """mm/memory.c:do_wp_page — write in place, else copy.

        In place: an anonymous page only this PTE maps (page_mapcount 1: 2.6.24's
        can_share_swap_page, mm/swapfile.c:330-338; at most 1: 2.6.32's reuse_swap_page,
        657-), or any page of a shared writable mapping (the write notification of
        vma_wants_writenotify; 24: 1566-1614, 32: 2033-2104).  Otherwise a new page (the
        zero page's copy is a fresh zeroed one) with ``vm_page_prot``, dirty and writable."""
        mem_map = self._page_alloc.mem_map
        pfn = (old & self._pgtable.addr_mask) >> PAGE_SHIFT
        anon = pfn != self.zero_pfn and mem_map.mapping[pfn] != MAPPING_FILE
        shared_write = vma.vm_flags & (VM_WRITE | VM_SHARED) == VM_WRITE | VM_SHARED
        if (anon and mem_map.mapcount[pfn] == 1) or (not anon and shared_write):
            new = old | _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED
            self._pgtable.set_entry(table, index, new)
            self._emitter.emit(
                PteChanged, "mm/memory.c:do_wp_page", table=table, index=index, vaddr=page_addr, old=old, new=new
            )
            return True
        anon_vma_prepare(vma)
        page = self._page_alloc.alloc(GFP_HIGHUSER, 0)
        if page is None:
            return False
        mem_map.mapping[page.pfn] = MAPPING_ANON
        new = (page.pfn << PAGE_SHIFT) | vma.vm_page_prot | _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED
        self._pgtable.set_entry(table, index, new)
        self._account(page.pfn, 1)
        self._account(pfn, -1)
        self._emitter.emit(
            PteChanged, "mm/memory.c:do_wp_page", table=table, index=index, vaddr=page_addr, old=old, new=new
        )
        self._put_page(pfn)
        return True

    def _install(self, table: int, index: int, page_addr: int, entry: int, fn: str) -> None:
        self._pgtable.set_entry(table, index, entry)
        self._account((entry & self._pgtable.addr_mask) >> PAGE_SHIFT, 1)
        self._emitter.emit(PteInstalled, fn, table=table, index=index, vaddr=page_addr, entry=entry)

    def _account(self, pfn: int, delta: int) -> None:
        """page_add_*_rmap / page_remove_rmap: one user PTE more or less maps the frame."""
        if pfn != self.zero_pfn and pfn < self._page_alloc.nr_pages:
            self._page_alloc.mem_map.mapcount[pfn] += delta

    def _put_page(self, pfn: int) -> None:
        """put_page: drop a mapping's reference; the last one frees the frame."""
        if pfn == self.zero_pfn or pfn >= self._page_alloc.nr_pages:
            return
        self._page_alloc.put_page(pfn)

    # -- fork, mprotect, munmap, exit -------------------------------------------------------------
    def copy_page_range(self, parent: MmStruct, child: MmStruct, vma: VmAreaStruct) -> bool:
        """``int copy_page_range(struct mm_struct *dst, struct mm_struct *src, struct vm_area_struct *vma)``.

        Follows mm/memory.c:copy_page_range: share every mapped page; COW mappings go read-only.

        A VMA without anon_vma holds nothing a fault cannot bring back (file pages, untouched
        memory): 2.6.24 copies none of its PTEs and lets the child fault them in.  False when
        a page table could not be allocated.
        """
        if vma.anon_vma is None:
            return True
        pt = self._pgtable
        cow = vma.vm_flags & (VM_SHARED | VM_MAYWRITE) == VM_MAYWRITE
        for addr in range(vma.vm_start, vma.vm_end, PAGE_SIZE):
            src = self.user_slot(parent, addr, alloc=False)
            entry = pt.entry(*src) if src is not None else 0
            if src is None or not entry:  # copy all but pte_none
                continue
            if cow and entry & _PAGE_RW:  # ptep_set_wrprotect in the parent too
                pt.set_entry(src[0], src[1], entry & ~_PAGE_RW)
                self._emitter.emit(
                    PteChanged,
                    "mm/memory.c:copy_one_pte",
                    table=src[0],
                    index=src[1],
                    vaddr=addr,
                    old=entry,
                    new=entry & ~_PAGE_RW,
                )
                entry &= ~_PAGE_RW
            dst = self.user_slot(child, addr, alloc=True)
            if dst is None:
                return False
            pfn = (entry & pt.addr_mask) >> PAGE_SHIFT
            if pfn != self.zero_pfn:
                self._page_alloc.get_page(pfn, "the child maps it too")
            entry &= ~_PAGE_ACCESSED  # pte_mkold; shared mappings also pte_mkclean
            if vma.vm_flags & VM_SHARED:
                entry &= ~_PAGE_DIRTY
            self._install(dst[0], dst[1], addr, entry, "mm/memory.c:copy_one_pte")
        return True

    def change_protection(self, mm: MmStruct, vma: VmAreaStruct, prot: int, dirty_accountable: bool = False) -> None:
        """mm/mprotect.c:change_pte_range: ``pte_modify`` every present PTE of ``vma`` to ``pgprot_t prot``.

        pte_modify keeps ``_PAGE_CHG_MASK``: the frame, ACCESSED and DIRTY in 2.6.24
        (include/asm-x86/pgtable_32.h:131, 370-384), also PCD, PWT and SPECIAL in 2.6.32
        (pgtable_types.h:71-72, pgtable.h:241-253), so the zero page stays special.  With
        ``dirty_accountable`` (the VMA wants write notification) a dirty PTE is made
        writable again (24: mm/mprotect.c:53-54; 32: 60-61)."""
        pt = self._pgtable
        keep = pt.addr_mask | _PAGE_ACCESSED | _PAGE_DIRTY
        if self.config.era_minor >= 32:
            keep |= _PAGE_PCD | _PAGE_PWT | _PAGE_SPECIAL
        for addr in range(vma.vm_start, vma.vm_end, PAGE_SIZE):
            slot = self.user_slot(mm, addr, alloc=False)
            old = pt.entry(*slot) if slot is not None else 0
            if slot is None or not old:
                continue
            new = (old & keep) | (prot & ~keep)  # pte_modify
            if dirty_accountable and new & _PAGE_DIRTY:
                new |= _PAGE_RW  # pte_mkwrite
            if new != old:
                pt.set_entry(slot[0], slot[1], new)
                self._emitter.emit(
                    PteChanged,
                    "mm/mprotect.c:change_pte_range",
                    table=slot[0],
                    index=slot[1],
                    vaddr=addr,
                    old=old,
                    new=new,
                )

    def zap_range(self, mm: MmStruct, start: int, end: int) -> None:
        """mm/memory.c:zap_pte_range over ``[start, end)`` (``unsigned long``): clear PTEs, drop references."""
        pt = self._pgtable
        for addr in range(start, end, PAGE_SIZE):
            slot = self.user_slot(mm, addr, alloc=False)
            if slot is None or not pt.entry(*slot):
                continue
            old = pt.clear_entry(*slot)
            pfn = (old & pt.addr_mask) >> PAGE_SHIFT
            self._account(pfn, -1)
            self._emitter.emit(
                PteCleared, "mm/memory.c:zap_pte_range", table=slot[0], index=slot[1], vaddr=addr, old=old
            )
            self._put_page(pfn)

    def free_pgtables(self, mm: MmStruct, start: int, end: int) -> None:
        """mm/memory.c:free_pgtables over ``[start, end)``: free the PTE tables no VMA needs any more."""
        pt = self._pgtable
        span = 1 << pt.levels[-2].shift
        lo, hi = start & ~(span - 1), min((end + span - 1) & ~(span - 1), mm.task_size)
        for base in range(lo, hi, span):
            vma = mm.find_vma(base) if mm.map_count else None
            if vma is not None and vma.vm_start < base + span:
                continue
            if self.config.pae:
                if not pt.entry(mm.pgd_pfn(), base >> 30):
                    continue
                parent = (pt.entry(mm.pgd_pfn(), base >> 30) & pt.addr_mask) >> PAGE_SHIFT
                index = (base >> 21) & 511
            else:
                parent, index = mm.pgd_pfn(), base >> 22
            if pt.entry(parent, index) & _PAGE_PRESENT:
                pt.free_table(parent, index, "mm/memory.c:free_pgtables")
