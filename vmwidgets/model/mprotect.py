"""mm/mprotect.c: change the protection of a range of an address space.

sys_mprotect checks its arguments and walks the VMAs of the range; mprotect_fixup gives
each its new ``vm_flags``, merging it with a neighbour or splitting it at the edges of the
range (through mm/mmap.c's vma_merge and split_vma), then sets ``vm_page_prot`` and
rewrites the present PTEs (change_protection: the user page tables' own walk,
:meth:`~vmwidgets.model.memory.Memory.change_protection`).  The same in 2.6.24 and 2.6.32
but for where ``vm_page_prot`` comes from (see :func:`mprotect_fixup`).
"""

from __future__ import annotations

from ..events import VmaFlagsChanged
from .constants import PAGE_SHIFT, PAGE_SIZE
from .errno import EACCES, EINVAL, ENOMEM, errno_name
from .mm_types import (
    PROT_EXEC,
    PROT_GROWSDOWN,
    PROT_GROWSUP,
    PROT_READ,
    PROT_SEM,
    PROT_WRITE,
    VM_ACCOUNT,
    VM_EXEC,
    VM_GROWSDOWN,
    VM_NORESERVE,
    VM_READ,
    VM_SHARED,
    VM_WRITE,
    TaskStruct,
    VmAreaStruct,
    calc_vm_prot_bits,
)
from .mmap import (
    ULONG_MAX,
    MmStruct,
    check_ulongs,
    get_task_mm,
    split_vma,
    vm_get_page_prot,
    vma_merge,
    vma_wants_writenotify,
)

__all__ = ["mprotect_fixup", "sys_mprotect"]


def sys_mprotect(task: TaskStruct, start: int, length: int, prot: int) -> int:
    """mm/mprotect.c:sys_mprotect: see :meth:`Task.mprotect`.

    ``struct task_struct *task``, ``unsigned long start``, ``size_t len``, ``unsigned long
    prot``.  Returns 0 or a negative errno (``long``): -EINVAL (unaligned ``start``, unknown
    ``prot`` bits, both PROT_GROWSDOWN and PROT_GROWSUP, PROT_GROWSDOWN on a VMA that does
    not grow down, PROT_GROWSUP at all: x86 has no VM_GROWSUP VMA), -ENOMEM (``start + len``
    wraps, or part of the range is not mapped), -EACCES (a VMA's VM_MAY* bits refuse the
    protection).

    VMAs are split at the edges and merged with equal neighbours (mprotect_fixup); on
    -ENOMEM or -EACCES part way, the VMAs already done keep their new protection.  The
    same in 2.6.24 and 2.6.32 (a SYSCALL_DEFINE3 there).
    """
    mm = get_task_mm(task)
    check_ulongs(start=start, length=length, prot=prot)
    args = f"start={start:#010x}, length={length:#x}, prot={prot}"
    with mm.kernel.emitter.operation("mprotect", args, "mm/mprotect.c:sys_mprotect") as op:
        out = _do_mprotect(mm, start, length, prot)
        op.result = errno_name(out)
        return out


def _do_mprotect(mm: MmStruct, start: int, length: int, prot: int) -> int:
    """sys_mprotect's checks and walk, in its order; the errno or 0."""
    grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP)
    prot &= ~grows
    if grows == PROT_GROWSDOWN | PROT_GROWSUP or start & (PAGE_SIZE - 1):
        return -EINVAL
    if not length:
        return 0
    end = start + ((length + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))  # PAGE_ALIGN(len)
    if end > ULONG_MAX:  # start + len wraps in C: end <= start
        return -ENOMEM
    if prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM):
        return -EINVAL
    vm_flags = calc_vm_prot_bits(prot)
    vma, prev = mm.find_vma_prev(start)
    if vma is None:
        return -ENOMEM
    if grows & PROT_GROWSDOWN:  # the change reaches down to the start of a stack VMA
        if vma.vm_start >= end:
            return -ENOMEM
        start = vma.vm_start
        if not vma.vm_flags & VM_GROWSDOWN:
            return -EINVAL
    elif vma.vm_start > start:
        return -ENOMEM
    elif grows & PROT_GROWSUP:  # no VM_GROWSUP VMA on x86
        return -EINVAL
    if start > vma.vm_start:
        prev = vma
    nstart = start
    while True:
        newflags = vm_flags | (vma.vm_flags & ~(VM_READ | VM_WRITE | VM_EXEC))
        if (newflags & ~(newflags >> 4)) & (VM_READ | VM_WRITE | VM_EXEC):  # VM_MAY* are VM_* << 4
            return -EACCES
        prev = mprotect_fixup(vma, prev, nstart, min(vma.vm_end, end), newflags)
        nstart = max(min(vma.vm_end, end), prev.vm_end)
        if nstart >= end:
            return 0
        nxt = prev.vm_next
        if nxt is None or nxt.vm_start != nstart:
            return -ENOMEM
        vma = nxt


def mprotect_fixup(vma: VmAreaStruct, prev: VmAreaStruct | None, start: int, end: int, newflags: int) -> VmAreaStruct:
    """mm/mprotect.c:mprotect_fixup — give ``[start, end)`` of ``vma`` the flags ``newflags``.

    ``struct vm_area_struct *vma`` and ``*prev`` (the VMA before ``[start, end)``, None for
    none: the kernel's ``**pprev``), ``unsigned long start, end, newflags``.  Tries vma_merge
    with ``prev`` or the VMA after; failing that, split_vma cuts ``vma`` at ``start`` and at
    ``end``.  Then sets ``vm_flags`` and ``vm_page_prot`` (a VmaFlagsChanged step) and
    rewrites the range's present PTEs (change_protection).  A private mapping made writable
    is charged (VM_ACCOUNT), unless (2.6.32) it was mapped MAP_NORESERVE (VM_NORESERVE);
    2.6.24 has no such flag and charges it.  Returns the VMA now covering the range (the kernel's
    ``*pprev``; its int is 0, or -ENOMEM from a failed split or charge, neither of which
    the model has).  The arguments are trusted: :func:`sys_mprotect` is the checked call.

    2.6.24 looks ``vm_page_prot`` up in ``protection_map``; 2.6.32 through vm_get_page_prot
    (the same bits on x86).  Both keep a shared writable mapping write-protected when its
    file counts dirty pages (vma_wants_writenotify: mm/mprotect.c 24: 195-198; 32: 199-205),
    and then change_pte_range makes the PTEs already dirty writable (``dirty_accountable``).
    """
    if newflags == vma.vm_flags:
        return vma
    mm = vma.vm_mm
    refuse = VM_ACCOUNT | VM_WRITE | VM_SHARED | (VM_NORESERVE if mm.kernel.config.era_minor >= 27 else 0)  # 2.6.27 on
    if newflags & VM_WRITE and not vma.vm_flags & refuse:  # 2.6.24 mprotect.c:156, 2.6.32 mprotect.c:160
        newflags |= VM_ACCOUNT
    pgoff = vma.vm_pgoff + ((start - vma.vm_start) >> PAGE_SHIFT)
    merged = vma_merge(mm, prev, start, end, newflags, vma.anon_vma, vma.vm_file, pgoff)
    if merged is not None:
        vma = merged
    else:
        if start != vma.vm_start:
            split_vma(mm, vma, start, new_below=True)
        if end != vma.vm_end:
            split_vma(mm, vma, end, new_below=False)
    old = vma.vm_flags
    vma.vm_flags, vma.vm_page_prot = newflags, vm_get_page_prot(mm, newflags)
    dirty_accountable = vma_wants_writenotify(vma)
    if dirty_accountable:
        vma.vm_page_prot = vm_get_page_prot(mm, newflags & ~VM_SHARED)
    if old != newflags:
        mm.kernel.emitter.emit(
            VmaFlagsChanged, "mm/mprotect.c:mprotect_fixup", mm=mm.name, vma=vma.id, old=old, new=newflags
        )
    if mm.pgd is not None:
        mm.kernel.memory.change_protection(mm, vma, vma.vm_page_prot, dirty_accountable)
    return vma
