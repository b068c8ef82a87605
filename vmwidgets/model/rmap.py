"""mm/rmap.c: the ``struct anon_vma`` of a VMA's anonymous pages (before 2.6.34's chains).

A VMA gets an anon_vma the first time a fault gives it an anonymous page; VMAs that share
one (the pieces of a split, a fork's child, neighbours that could merge) share their
anonymous pages' reverse map.  The model keeps only its identity: no page lists, no lock.
"""

from __future__ import annotations

from .mm_types import VmAreaStruct
from .mmap import find_mergeable_anon_vma

__all__ = ["AnonVma", "anon_vma_prepare"]


class AnonVma:
    """``struct anon_vma``: what VMAs sharing anonymous pages point at (``vma->anon_vma``).

    Only its identity matters in the model (the kernel's ``head`` list of VMAs and its
    spinlock are left out).  The same in 2.6.24 and 2.6.32.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<anon_vma {id(self):#x}>"


def anon_vma_prepare(vma: VmAreaStruct) -> AnonVma:
    """mm/rmap.c:anon_vma_prepare — make sure ``vma`` has an anon_vma before it maps an
    anonymous page: keep its own, else take a neighbour's (find_mergeable_anon_vma), else
    allocate a new one.

    ``struct vm_area_struct *vma``.  Returns the anon_vma (the kernel's int is 0, or
    -ENOMEM when none can be allocated: the model never runs out of them).  The same in
    2.6.24 (rmap.c:58) and 2.6.32 (rmap.c:102); mm/memory.c's fault paths and
    mm/mmap.c:expand_downwards call it.  No event: the anon_vma is not drawn.
    """
    anon_vma = vma.anon_vma
    if anon_vma is None:
        anon_vma = find_mergeable_anon_vma(vma) or AnonVma()
        vma.anon_vma = anon_vma
    return anon_vma
