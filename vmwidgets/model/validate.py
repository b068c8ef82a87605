"""The ``validate_*`` invariant checks: a structure's parts agree, or :class:`InvariantError`.

They read only public fields; tests and the hypothesis machines call them after every step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import InvariantError
from .constants import PAGE_SHIFT, PAGE_SIZE
from .rbtree import validate_rbtree

if TYPE_CHECKING:
    from .mmap import MmStruct

__all__ = ["validate_mm", "validate_rbtree"]


def validate_mm(mm: MmStruct) -> None:
    """Check the VMA list and tree agree: order, no overlap, vm_prev, map_count, total_vm."""

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
