"""Where vmalloc, vmap and ioremap put a kernel virtual area: a reference for i386 Linux 2.6.24
and 2.6.32, written from the kernel sources (not from ``vmwidgets/model/vmalloc.py`` or
``vmap_area.py``).

Line numbers: "24" is ``sndrzt/linux-source-2.6.24`` at the kernel.org commit e8fc8216,
"32" is ``sndrzt/linux-2.6.32`` at ae8292a5; the file is mm/vmalloc.c unless named.  The
reference keeps only what placement depends on: each area's [addr, addr + size) and flags
(2.6.24: the sorted vmlist; 2.6.32: the vmap_areas, live or lazily freed, and the vmlist
beside them), the lazy page count, and the TLB flushes that freeing causes.  Frames and
page tables are left to the model (the buddy allocator has its own reference); the caller
says when vmalloc runs out of frames.  One CPU.

Both eras, before the search (24: __get_vm_area_node 169-201; 32: __get_vm_area_node
1159-1189):

- VM_IOREMAP: the alignment is ``1 << fls(size)`` on the size as given, at least PAGE_SHIFT
  and at most IOREMAP_MAX_ORDER = 7 + PAGE_SHIFT (include/linux/vmalloc.h 21-23 in both):
  a one-page ioremap is 8 kB aligned, one of 512 kB or more 512 kB aligned (24: 178-187;
  32: 1167-1176).  Any other flags: alignment 1 (get_vm_area passes 1 in 32: 1228, 1235).
- ``size = PAGE_ALIGN(size)``, NULL for 0, then one guard page is added (24: 189-201;
  32: 1178-1189).

2.6.24, the first fit on vmlist (24: 203-232):

- ``addr = ALIGN(start, align)`` (24: 188); walk vmlist in address order.  An area that
  starts below ``addr`` pushes ``addr`` to ``ALIGN(its end)`` only when its end reaches
  ``addr`` (``>=``, 205-209), with no check against ``end``.  At an area at or above
  ``addr``: fail if ``addr + size`` wraps (211-212); take the hole if ``addr + size`` is at
  most its start (213-214); else move ``addr`` to ``ALIGN(its end)`` and fail if ``addr >
  end - size`` (215-217).  Falling off the end of the list takes ``addr`` with no further
  check (the loop ends, 220): an empty vmlist, or a last area passed by the first branch,
  is never compared with ``end``.  The second happens when an ioremap's alignment pushes
  ``addr`` past the start of the last area, which sits right after the one before it: the
  area then lands beyond VMALLOC_END.  ``tail_end_check=True`` checks ``addr + size <=
  end`` there too, as the model does (a documented simplification in
  vmwidgets/model/vmalloc.py: no area crosses into the pkmap/fixmap space).
- The new area is linked where the walk stopped (221-222): before the first area at or
  above it, so vmlist stays sorted.
- remove_vm_area/__remove_vm_area (313-320, 284-303): unlink the area whose addr matches;
  unmap_vm_area → unmap_kernel_range flushes the TLB over the whole area, guard included
  (90-93, 71-88: ``flush_tlb_kernel_range(start, end)``) **before** the size loses its
  guard page (301).
- vmalloc → __vmalloc (506-525) → __vmalloc_node (490-504): NULL if the page-aligned size
  is 0 or more pages than ``num_physpages`` (496); a VM_ALLOC area; __vmalloc_area_node
  (426-472): ``nr_pages`` = size less the guard in pages; a ``pages[]`` array of more than
  PAGE_SIZE bytes (more than 1024 pointers) is itself vmalloc'ed (VM_VPAGES, a second
  VM_ALLOC area placed after the first, 437-440), and if that fails the first area is
  removed (447-450).  vfree → __vunmap (322-361): remove the area, then vfree ``pages[]``
  when VM_VPAGES (353-354).
- vmap (406-423): NULL for more than ``num_physpages`` pages (411); an area of ``count``
  pages with the flags given (414: VM_IOREMAP among them aligns it as ioremap).
- ioremap (include/asm-x86/io_32.h 120-123: __ioremap with flags 0) →
  arch/x86/mm/ioremap_32.c:__ioremap (37-94): the page-aligned span ``PAGE_ALIGN(last + 1)
  - (phys & PAGE_MASK)`` (76-78) through get_vm_area with ``VM_IOREMAP | flags << 20`` =
  VM_IOREMAP (83: VMALLOC_START to VMALLOC_END, 260); the result keeps the offset in the
  page (93); the ISA window comes back through the direct map with no area (52-53).
  iounmap (160-208): nothing for an address at or below high_memory or in the ISA window
  (164-174); else the page of the address is looked up on vmlist and removed (176-205).

2.6.32, the vmap_area allocator (32: alloc_vmap_area 326-418):

- ``addr = ALIGN(vstart, align)`` (345); fail if ``addr + size - 1`` wraps (348).  The tree
  descent (352-378) finds the lowest vmap_area whose end is at or above ``addr``; then while
  ``addr + size`` runs into that area's start and still fits below ``vend``, ``addr``
  becomes ``ALIGN(va_end + PAGE_SIZE, align)`` (one page more than the guard page already in
  the size, 381) and the next area is looked at (380-390).  Fail if ``addr + size > vend``
  (393).  Here the walk is over a sorted list: the descent's only shortcut (when every
  node on the path ends at or above ``addr``, 360: the highest path node that starts below
  ``addr + size``) skips areas that the list walk would step over anyway, since every hole
  below that node starts above ``addr`` and so reaches it.
- Lazily freed vmap_areas stay in the tree and still take their space.  A failure first
  purges and retries once (``purged``, 396-399), then returns -EBUSY (406): NULL.
- insert_vmalloc_vm (1137-1157): the vm_struct gets ``va_end - va_start`` as its size and
  goes before the first vmlist entry at or above it (sorted).
- remove_vm_area (1265-1291): the vm_struct leaves vmlist at once (1278-1282); the
  vmap_area is freed lazily: free_unmap_vmap_area → free_unmap_vmap_area_noflush
  (611-615, 600-606) marks it VM_LAZY_FREE and adds its pages (guard included) to
  ``vmap_lazy_nr``; more than lazy_max_pages() (501-508: ``fls(num_online_cpus()) * 32 MB /
  PAGE_SIZE`` = 1 * 8192 on one CPU) calls try_purge_vmap_area_lazy (579-584; with one CPU
  the trylock always succeeds).
- __purge_vmap_area_lazy (522-573): every VM_LAZY_FREE area (address order, 543-555) is
  unmapped; if there were any, one ``flush_tlb_kernel_range`` from the lowest start to the
  highest end of them (563-564: force_flush is 0 in both callers, 583, 593), then all are
  freed from the tree (566-571) and ``vmap_lazy_nr`` drops by their pages (558-561).  No
  lazy area: no flush.
- vmalloc → __vmalloc_node (1536-1541, 1490-1518): NULL for 0 or more pages than
  ``totalram_pages`` (1499); __vmalloc_area_node (1409-1460) as in 2.6.24 (VM_VPAGES
  1420-1424, passing the caller; failure removes the first area, 1431-1434, a lazy free).
  __vunmap (1293-1333) removes the area, then vfrees ``pages[]`` (1325-1326).
- vmap (1382-1403): NULL for more than ``totalram_pages`` pages (1389); get_vm_area_caller.
- ioremap → ioremap_nocache (arch/x86/include/asm/io.h) → arch/x86/mm/ioremap.c:
  __ioremap_caller (99-218): the same page-aligned span (154-156), get_vm_area_caller with
  VM_IOREMAP (197), the offset kept (209); iounmap (ioremap.c 311-367) looks the page up on
  vmlist and calls remove_vm_area (364): a lazy free too.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
ULONG = 0xFFFFFFFF
IOREMAP_MAX_ORDER = 7 + PAGE_SHIFT
VM_IOREMAP, VM_ALLOC, VM_MAP, VM_VPAGES = 0x1, 0x2, 0x4, 0x10
LAZY_MAX_PAGES = (1).bit_length() * (32 << 20) // PAGE_SIZE  # fls(1 CPU) * 32 MB / PAGE_SIZE
ISA_START, ISA_END = 0xA0000, 0x100000


def align_up(x: int, a: int) -> int:
    """ALIGN(x, a) in an unsigned long."""
    return (x + a - 1) & ~(a - 1) & ULONG


def page_align(x: int) -> int:
    return align_up(x, PAGE_SIZE)


def ioremap_align(flags: int, size: int) -> int:
    if not flags & VM_IOREMAP:
        return 1
    return 1 << min(max(size.bit_length(), PAGE_SHIFT), IOREMAP_MAX_ORDER)


@dataclass
class Area:
    """A vm_struct on vmlist: what /proc/vmallocinfo prints of it."""

    addr: int
    size: int  # guard page included while linked
    flags: int
    nr_pages: int = 0
    phys_addr: int = 0
    caller: str | None = None
    inner: int | None = None  # the addr of the area holding pages[] (VM_VPAGES)


@dataclass
class RefVmalloc:
    """The kernel virtual areas of one machine: ``era`` is "2.6.24" or "2.6.32".

    ``limit`` is ``num_physpages`` (2.6.24) or ``totalram_pages`` (2.6.32); ``high_memory``
    and ``page_offset`` serve iounmap's early returns."""

    era: str
    vstart: int
    vend: int
    limit: int
    page_offset: int = 0xC0000000
    high_memory: int = 0
    vmlist: list[Area] = field(default_factory=list)  # sorted by addr
    # 2.6.32: every vmap_area as [start, end, lazy], sorted by start
    vas: list[list[int]] = field(default_factory=list)
    lazy_nr: int = 0
    flushes: list[tuple[int, int]] = field(default_factory=list)  # TLB flushes, in order
    purges: int = 0
    tail_end_check: bool = False  # see the module notes (2.6.24 only)

    # --- placement -------------------------------------------------------------------------
    def _fit_24(self, size: int, align: int) -> int | None:
        addr = align_up(self.vstart, align)
        limit = (self.vend - size) & ULONG
        for a in self.vmlist:
            if a.addr < addr:
                if a.addr + a.size >= addr:
                    addr = align_up(a.addr + a.size, align)
                continue
            if addr + size > ULONG:
                return None
            if addr + size <= a.addr:
                return addr
            addr = align_up(a.addr + a.size, align)
            if addr > limit:
                return None
        if self.tail_end_check and addr + size > self.vend:
            return None
        return addr  # off the end of the list: the kernel does not check the end

    def _fit_32(self, size: int, align: int) -> int | None:
        addr = align_up(self.vstart, align)
        if addr + size - 1 > ULONG:
            return None
        i = bisect.bisect_left([end for _, end, _ in self.vas], addr)  # lowest end >= addr
        for start, end, _ in self.vas[i:]:
            if not (addr + size > start and addr + size <= self.vend):
                break
            addr = align_up(end + PAGE_SIZE, align)
            if addr + size - 1 > ULONG:
                return None
        return addr if addr + size <= self.vend else None

    def get_area(self, size: int, flags: int, caller: str | None) -> Area | None:
        """__get_vm_area_node over VMALLOC_START..VMALLOC_END: the linked area or None."""
        align = ioremap_align(flags, size)
        size = page_align(size)
        if not size:
            return None
        size += PAGE_SIZE
        if self.era == "2.6.24":
            addr = self._fit_24(size, align)
        else:
            addr = self._fit_32(size, align)
            if addr is None:
                self.purge()
                addr = self._fit_32(size, align)
            if addr is None:
                return None
            bisect.insort(self.vas, [addr, addr + size, 0])
        if addr is None:
            return None
        area = Area(addr, size, flags, caller=caller)
        bisect.insort(self.vmlist, area, key=lambda a: a.addr)
        return area

    # --- freeing ---------------------------------------------------------------------------
    def purge(self) -> None:
        """__purge_vmap_area_lazy (32: 522-573)."""
        lazy = [va for va in self.vas if va[2]]
        if not lazy:
            return
        self.purges += 1
        self.lazy_nr -= sum((e - s) >> PAGE_SHIFT for s, e, _ in lazy)
        self.flushes.append((min(s for s, _, _ in lazy), max(e for _, e, _ in lazy)))
        self.vas = [va for va in self.vas if not va[2]]

    def remove_area(self, addr: int) -> Area | None:
        area = next((a for a in self.vmlist if a.addr == addr), None)
        if area is None:
            return None
        self.vmlist.remove(area)
        if self.era == "2.6.24":
            self.flushes.append((area.addr, area.addr + area.size))
        else:
            va = next(va for va in self.vas if va[0] == addr)
            va[2] = 1
            self.lazy_nr += (va[1] - va[0]) >> PAGE_SHIFT
            if self.lazy_nr > LAZY_MAX_PAGES:
                self.purge()
        return area

    # --- the calls -------------------------------------------------------------------------
    def vmalloc(self, size: int, caller: str | None, frames_ok: bool = True) -> int | None:
        """``frames_ok=False``: the page loop of __vmalloc_area_node runs out of frames after
        ``pages[]`` was allocated, and the area is vfree'd (24: 458-470; 32: 1445-1458)."""
        size = page_align(size)
        if not size or size >> PAGE_SHIFT > self.limit:
            return None
        area = self.get_area(size, VM_ALLOC, caller)
        if area is None:
            return None
        area.nr_pages = (area.size - PAGE_SIZE) >> PAGE_SHIFT
        if area.nr_pages * 4 > PAGE_SIZE:  # sizeof(struct page *) on i386
            inner = self.vmalloc(area.nr_pages * 4, caller)
            area.flags |= VM_VPAGES
            if inner is None:
                self.remove_area(area.addr)
                return None
            area.inner = inner
        if not frames_ok:
            self.vfree(area.addr)
            return None
        return area.addr

    def vfree(self, addr: int) -> None:
        area = self.remove_area(addr)
        assert area is not None, hex(addr)
        if area.inner is not None:
            self.vfree(area.inner)

    def vmap(self, count: int, flags: int, caller: str | None) -> int | None:
        if count > self.limit:
            return None
        area = self.get_area(count << PAGE_SHIFT, flags, caller)
        return None if area is None else area.addr

    def vunmap(self, addr: int) -> None:
        assert self.remove_area(addr) is not None, hex(addr)

    def ioremap(self, phys: int, size: int, caller: str | None) -> int | None:
        """For an ioremap the procfs reference's ioremap_outcome calls "area" or "isa"."""
        last = phys + size - 1
        if ISA_START <= phys and last < ISA_END:  # 24: ioremap_32.c:52-53; 32: ioremap.c:127-128
            return self.page_offset + phys
        base = phys & ~(PAGE_SIZE - 1)
        if self.era == "2.6.24":
            last &= ULONG  # an unsigned long phys_addr (ioremap_32.c:45)
        span = ((last + PAGE_SIZE) & ~(PAGE_SIZE - 1)) - base & ULONG  # the size is an unsigned long
        area = self.get_area(span, VM_IOREMAP, caller)
        if area is None:
            return None
        area.phys_addr = base & ULONG
        return area.addr + (phys & (PAGE_SIZE - 1))

    def iounmap(self, addr: int) -> None:
        if self.era == "2.6.24" and addr <= self.high_memory:
            return
        if self.page_offset + ISA_START <= addr < self.page_offset + ISA_END:
            return
        self.vunmap(addr & ~(PAGE_SIZE - 1))

    # --- what is shown ---------------------------------------------------------------------
    def areas(self) -> list[tuple[int, int, int, int, int]]:
        return [(a.addr, a.size, a.flags, a.nr_pages, a.phys_addr) for a in self.vmlist]

    def lazy(self) -> set[tuple[int, int]]:
        return {(s, e) for s, e, lazy in self.vas if lazy}
