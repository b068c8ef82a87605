"""A user-mode access and its page fault, and what fork and exit do to the user page tables:
a reference for i386 Linux 2.6.24 and 2.6.32, written from the source, not from the model.

Line numbers: "24" is linux-2.6.24 (kernel.org, sndrzt/linux-source-2.6.24 @e8fc8216), "32"
is linux-2.6.32 (sndrzt/linux-2.6.32 @ae8292a5).  The PTE bits, the PTEs the fault handlers
write (do_anonymous_page, __do_fault, do_wp_page) and copy_one_pte are
tests/reference/pte_bits.py's; the stack growth before the access check is
tests/reference/brk_stack.py's.

Rules, each with where it is in the source:

- The CPU (Intel SDM Vol. 3A, chapter "Paging", sections "Access Rights", "Page-Fault
  Exceptions" and "Accessed and Dirty Flags": 4.6, 4.7 and 4.8 in the editions since 2009;
  :func:`pte_bits.mmu_allows`, :func:`pte_bits.mmu_touch`): a user-mode access completes
  when the PTE is present, user, writable for a write and, for an instruction fetch under
  PAE with IA32_EFER.NXE set, not execute-disable (XD, the kernel's ``_PAGE_NX``).  The
  upper levels never forbid anything here: the kernel gives every user page table a
  ``_PAGE_TABLE`` entry, present | RW | USER (24: include/asm-x86/pgtable_32.h:129; 32:
  arch/x86/include/asm/pgtable_types.h:65).  Otherwise a #PF, whose error code has P (bit
  0) set when the page was present (a protection violation), W/R (bit 1) for a write, U/S
  (bit 2) for user mode and I/D (bit 4) for an instruction fetch (only with NXE, so only
  under PAE here): PF_PROT, PF_WRITE, PF_USER and PF_INSTR (32: arch/x86/mm/fault.c:30-34;
  24: the bits are described in arch/x86/mm/fault_32.c:289-294 and used as numbers).
- do_page_fault's access check once it has a VMA (24: arch/x86/mm/fault_32.c:405-421, the
  switch on ``error_code & 3``; 32: arch/x86/mm/fault.c:access_error 914-933, called at
  1109): a write (present or not) needs VM_WRITE; a read of a present page (PF_PROT
  without PF_WRITE) is refused; a read of a page not present needs one of VM_READ,
  VM_EXEC, VM_WRITE.  Neither era looks at PF_INSTR: a fetch is a read.  A fetch from a
  VMA without VM_EXEC but with VM_READ or VM_WRITE is therefore handled (the page is mapped
  as for a read), and under PAE the restarted fetch faults again on the present NX page,
  with PF_PROT, which is "read, present": SIGSEGV.  Without PAE there is no NX bit and the
  fetch completes.  A read (or fetch, or write) of a PROT_NONE VMA: its PTEs are
  ``_PAGE_PROTNONE`` without ``_PAGE_PRESENT``, which the CPU takes as not present, so the
  error code has no PF_PROT and the VMA has none of VM_READ/VM_EXEC/VM_WRITE: SIGSEGV.
- handle_mm_fault's ``write_access`` (24) / ``FAULT_FLAG_WRITE`` (32) is PF_WRITE (24:
  fault_32.c:414 ``write++``, 429; 32: fault.c:1107, 1119).
- mm/memory.c:handle_pte_fault (24:2467-2521; 32:2933-2984): a PTE not pte_present (24:
  include/asm-x86/pgtable_32.h:204; 32: arch/x86/include/asm/pgtable.h:318, both PRESENT or
  PROTNONE) and pte_none goes to do_linear_fault when the VMA has ``vm_ops->fault`` (a
  file or shmem mapping; 24:2476-2480, 32:2942-2946), else to do_anonymous_page
  (24:2485, 32:2948); swap and nonlinear file PTEs do not occur here.  A present PTE on a
  write that is not writable goes to do_wp_page (24:2499-2502, 32:2962-2965); anything
  else only sets ACCESSED (and DIRTY on a write: 24:2503-2505, 32:2966-2968).
- The CPU restarts the faulting instruction once the handler returns.
- kernel/fork.c:dup_mmap (24:209, 32:278): a VMA with VM_DONTCOPY is not copied to the child
  (24:239-245, 32:311-317); every other VMA is, and copy_page_range is called for it
  (24:293, 32:376).
- mm/memory.c:copy_page_range (24:583, 32:736): unless the VMA is VM_HUGETLB, VM_NONLINEAR,
  VM_PFNMAP or VM_INSERTPAGE, a VMA without an anon_vma is skipped: its PTEs are not
  copied, the child faults them in again (24:597-600, 32:751-754).  The others' present
  PTEs go through copy_one_pte (pte_bits.py).
- kernel/fork.c:mmput (24:399-405, 32:506-513) → mm/mmap.c:exit_mmap (24:2027-2055,
  32:2096-2140): unmap_vmas over every VMA (24:2042, 32:2126) → zap_pte_range (mm/memory.c
  24:618-701, 32:798-888) clears every PTE (ptep_get_and_clear_full, 24:662, 32:842) and
  drops the page's mapping and reference (page_remove_rmap and tlb_remove_page, 24:681-682,
  32:862-865: a page nobody else maps or holds, such as an anonymous page of this mm alone,
  is freed; a page-cache page stays in the cache); free_pgtables (24:2044, 32:2129) frees
  the page tables; __mmdrop → mm_free_pgd → pgd_free frees the pgd (kernel/fork.c 24:325-327,
  388-391; 32:408-410, 493-496).
"""

from __future__ import annotations

from .pte_bits import PRESENT, RW, VM_EXEC, VM_READ, VM_WRITE, mmu_allows, protnone

PF_PROT, PF_WRITE, PF_USER, PF_INSTR = 0x01, 0x02, 0x04, 0x10

VM_NONLINEAR, VM_PFNMAP, VM_DONTCOPY = 0x00800000, 0x00000400, 0x00020000
VM_HUGETLB, VM_INSERTPAGE = 0x00400000, 0x02000000
# include/linux/mm.h: VM_PFNMAP 0x400 (24:87, 32:81), VM_DONTCOPY 0x20000 (24:98, 32:92),
# VM_HUGETLB 0x400000 (24:102, 32:97), VM_NONLINEAR 0x800000 (24:103, 32:98),
# VM_INSERTPAGE 0x2000000 (24:105, 32:100).
_COPY_ALWAYS = VM_HUGETLB | VM_NONLINEAR | VM_PFNMAP | VM_INSERTPAGE


def error_code(pte: int, write: bool, fetch: bool, pae: bool) -> int | None:
    """The #PF error code of a user-mode access through ``pte`` (0 for none), or None when
    the CPU completes the access."""
    if mmu_allows(pte, write, fetch):
        return None
    code = PF_USER | (PF_WRITE if write else 0) | (PF_INSTR if fetch and pae else 0)
    return code | PF_PROT if pte & PRESENT else code


def access_error(code: int, vm_flags: int) -> bool:
    """do_page_fault's check of the VMA against the error code: True is a SIGSEGV
    (bad_area / bad_area_access_error).  PF_INSTR is not looked at, in either era."""
    if code & PF_WRITE:
        return not vm_flags & VM_WRITE
    if code & PF_PROT:
        return True
    return not vm_flags & (VM_READ | VM_EXEC | VM_WRITE)


def fault_write(code: int) -> bool:
    """What do_page_fault passes handle_mm_fault: a write or not."""
    return bool(code & PF_WRITE)


def pte_present(pte: int, era: str) -> bool:
    return bool(pte & (PRESENT | protnone(era)))


def handle_pte_fault(pte: int, has_fault_op: bool, write: bool, era: str) -> str:
    """Which handler runs: ``"linear"`` (do_linear_fault → __do_fault), ``"anonymous"``
    (do_anonymous_page), ``"wp"`` (do_wp_page) or ``"young"`` (the PTE is only made young,
    and dirty on a write).  ``has_fault_op``: the VMA has ``vm_ops->fault``."""
    if not pte_present(pte, era):
        assert pte == 0, "swap and nonlinear file PTEs are not this reference's"
        return "linear" if has_fault_op else "anonymous"
    if write and not pte & RW:  # pte_write
        return "wp"
    return "young"


def dup_mmap_copies(vm_flags: int) -> bool:
    """Does fork give the child this VMA?"""
    return not vm_flags & VM_DONTCOPY


def copy_page_range_copies(vm_flags: int, has_anon_vma: bool) -> bool:
    """Does fork copy this VMA's PTEs (through copy_one_pte) into the child?"""
    return bool(vm_flags & _COPY_ALWAYS) or has_anon_vma


def exit_mmap_zaps(vaddrs: list[int]) -> list[int]:
    """The PTEs exit_mmap clears: every one of the mm (unmap_vmas from 0 to -1)."""
    return list(vaddrs)
