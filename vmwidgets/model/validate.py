"""The ``validate_*`` invariant checks: a structure's parts agree, or :class:`InvariantError`.

They read only public fields; tests and the hypothesis machines call them after every step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import InvariantError
from .constants import PAGE_SHIFT, PAGE_SIZE
from .rbtree import validate_rbtree

if TYPE_CHECKING:
    from .kernel import Kernel
    from .mmap import MmStruct

__all__ = ["validate_mm", "validate_rbtree", "validate_struct_pages"]


def validate_mm(mm: MmStruct) -> None:
    """Check the VMA list and tree agree: order, no overlap, vm_prev, map_count, total_vm.

    What mm/mmap.c:validate_mm and browse_rb check under DEBUG_MM_RB, and more.
    ``struct mm_struct *mm``; returns None, or raises :class:`~vmwidgets.InvariantError`
    naming the first disagreement.
    """

    def fail(msg: str) -> None:
        raise InvariantError("mm", mm.name, msg)

    prev, count, pages = None, 0, 0
    for vma in mm:
        if vma.vm_prev is not prev:
            fail(f"vm_prev of {vma.label} to be the VMA before it")
        if not vma.vm_start < vma.vm_end or vma.vm_start & (PAGE_SIZE - 1) or vma.vm_end & (PAGE_SIZE - 1):
            fail(f"page-aligned, non-empty VMAs ({vma.label})")
        if prev is not None and prev.vm_end > vma.vm_start:
            fail(f"sorted, non-overlapping VMAs ({prev.label} then {vma.label})")
        if vma.vm_end > mm.task_size:
            fail(f"VMAs below TASK_SIZE ({vma.label})")
        prev, count, pages = vma, count + 1, pages + ((vma.vm_end - vma.vm_start) >> PAGE_SHIFT)
    if count != mm.map_count:
        fail(f"map_count {mm.map_count} to equal the {count} VMAs on the list")
    if pages != mm.total_vm:
        fail(f"total_vm {mm.total_vm} to equal the {pages} pages mapped")
    validate_rbtree(mm.mm_rb, key=lambda n: n.owner.vm_start)
    if [n.owner for n in mm.mm_rb] != list(mm):
        fail("an in-order walk of mm_rb to equal the VMA list")
    if mm.mmap_cache is not None and mm.mmap_cache not in list(mm):
        fail("mmap_cache to be NULL or a VMA of this mm")


def validate_struct_pages(k: Kernel) -> None:
    """Check what the owners marked in ``struct page`` matches the page tables.

    ``mapcount`` of every frame equals the user PTEs mapping it (empty_zero_page aside)
    plus the kernel PTEs of live (not lazily freed) vmap areas and of pkmap slots with a user
    (count ≥ 2: kunmap_high leaves a slot's PTE at count 1 until flush_all_zero_pkmaps, no
    longer counted); ``pagetable`` is set exactly on the frames that are page tables.  A
    model check (no kernel function does this); returns None or raises :class:`~vmwidgets.InvariantError`.
    """

    def fail(msg: str) -> None:
        raise InvariantError("kernel", repr(k), msg)

    mem_map, meta, nr = k.mem_map, k.table_meta, len(k.mem_map)
    stale = [(va.va_start, va.va_end) for va in k.vmap_area_list if va.flags & 0x3]  # VM_LAZY_FREE(ING)
    base = k.layout.pkmap_base
    if base is not None:  # a pkmap slot at count 1: mapped, no user, uncounted until the flush
        unused = [base + (nr << PAGE_SHIFT) for nr, c in enumerate(k.pkmap_count) if c == 1]
        stale += [(v, v + PAGE_SIZE) for v in unused]
    static = k.pgtable.static_tables
    want: dict[int, int] = {}
    for pfn, table in k.page_tables.items():
        level, base = meta[pfn]
        if level != "pte" or pfn in static:
            continue
        for index, entry in table.items():
            frame = (entry & k.addr_mask) >> PAGE_SHIFT
            vaddr = base + index * PAGE_SIZE
            if frame >= nr or frame == k.zero_pfn or any(s <= vaddr < e for s, e in stale):
                continue
            want[frame] = want.get(frame, 0) + 1
    have = {pfn: n for pfn, n in mem_map.mapcount.items() if n}
    if have != want:
        bad = sorted(set(have.items()) ^ set(want.items()))[0][0]
        fail(f"mapcount of pfn {bad:#x} ({have.get(bad, 0)}) to equal the PTEs mapping it ({want.get(bad, 0)})")
    tables = {pfn for pfn in k.page_tables if pfn < nr}
    marked = {pfn for pfn, flag in mem_map.pagetable.items() if flag}
    if tables != marked:
        fail(f"PageTable set on exactly the page-table frames (differ at {sorted(tables ^ marked)[:3]})")
