"""User PTE bits of 32-bit x86 Linux 2.6.24 and 2.6.32, written from the kernel sources.

Sources (kernel.org trees: 2.6.24 ``sndrzt/linux-source-2.6.24`` @e8fc8216, 2.6.32
``sndrzt/linux-2.6.32`` @ae8292a5); every rule below names the file, function and line.

- 2.6.24 include/asm-x86/pgtable_32.h: the bits (106-117), ``_PAGE_PROTNONE`` 0x080 (121),
  ``_PAGE_NX`` bit 63 under PAE only (123-127), ``_PAGE_CHG_MASK`` = PTE_MASK | ACCESSED |
  DIRTY (131), ``PAGE_NONE`` … ``PAGE_READONLY_EXEC`` (133-149: PAGE_SHARED has no NX),
  ``__P000``…``__S111`` (176-192), ``pte_modify`` (370-384: the low word keeps
  _PAGE_CHG_MASK, PAE's high word keeps all but NX and takes newprot's NX).
- 2.6.32 arch/x86/include/asm/pgtable_types.h: ``_PAGE_BIT_SPECIAL`` = bit 9 (23, 46),
  ``_PAGE_BIT_PROTNONE`` = ``_PAGE_BIT_GLOBAL`` = 8, so 0x100 (29, 63), NX (56-60),
  ``_PAGE_CHG_MASK`` = PTE_PFN_MASK | PCD | PWT | SPECIAL | ACCESSED | DIRTY (71-72),
  ``PAGE_SHARED`` now with NX (81-82), ``__P000``…``__S111`` (137-153);
  arch/x86/include/asm/pgtable.h: ``pte_mkspecial`` (210), ``massage_pgprot`` (219: a
  present pgprot is cut to ``__supported_pte_mask``, which keeps NX on an NX-capable CPU),
  ``pte_modify`` (241-253).
- mm/mmap.c:vm_get_page_prot (24: 69-73; 32: 78-83, arch_vm_get_page_prot adds nothing on
  x86), vma_wants_writenotify (24: 1040-1064; 32: 1078-1102) and its use in mmap_region
  (24: 1135, 1176-1177; 32: 1192, 1227-1228) and mprotect_fixup (mm/mprotect.c 24: 195-198;
  32: 199-205), which also sets ``dirty_accountable``: change_pte_range makes a dirty PTE
  writable again (mm/mprotect.c 24: 48-54; 32: 54-61).
- mm/memory.c: copy_one_pte (24: 465-476; 32: 616-627), maybe_mkwrite (24: 1492; 32: 1937),
  do_wp_page (24: 1545-1720, reuse 1565/1611-1612, copy 1648-1649; 32: 1988-2200, reuse
  2031/2101-2102, zero page 2119, copy 2157-2158), do_anonymous_page (24: 2152-2190, always a
  fresh page, 2169-2170; 32: 2627-2680, a read maps the zero page with pte_mkspecial at
  2635-2642, a write 2658-2660), __do_fault (24: 2315-2317; 32: 2816-2818),
  handle_pte_fault (24: 2467-2520; 32: 2933-).
- mm/swapfile.c: 2.6.24 can_share_swap_page (330-338: reuse when page_mapcount is 1),
  2.6.32 reuse_swap_page (657-: when it is at most 1).
- mm/shmem.c: shmem's backing_dev_info does no dirty accounting (24: 192 BDI_CAP_NO_ACCT_DIRTY;
  32: 225 BDI_CAP_NO_ACCT_AND_WRITEBACK), so a shared anonymous (shmem) mapping never wants
  write notification while a regular file on a disk does.

``era`` is ``"2.6.24"`` or ``"2.6.32"``; ``pae`` a bool.  The CPU is taken to support NX
(``__supported_pte_mask`` keeps it) and PGE, as the model's CPU does.
"""

from __future__ import annotations

PRESENT, RW, USER, PWT, PCD, ACCESSED, DIRTY = 0x001, 0x002, 0x004, 0x008, 0x010, 0x020, 0x040
PSE, GLOBAL, SPECIAL = 0x080, 0x100, 0x200
NX_BIT = 1 << 63

VM_READ, VM_WRITE, VM_EXEC, VM_SHARED = 0x1, 0x2, 0x4, 0x8
VM_MAYWRITE = 0x20


def _new(era: str) -> bool:
    if era not in ("2.6.24", "2.6.32"):
        raise ValueError(era)
    return era == "2.6.32"


def nx(pae: bool) -> int:
    """``_PAGE_NX``: bit 63 under PAE, 0 without (both eras)."""
    return NX_BIT if pae else 0


def protnone(era: str) -> int:
    """``_PAGE_PROTNONE``: 0x080 (the PSE bit) in 2.6.24, 0x100 (the GLOBAL bit) in 2.6.32."""
    return GLOBAL if _new(era) else PSE


def pfn_mask(pae: bool) -> int:
    """The frame address bits of a PTE: bits 12-31, or 12-43 under PAE (both eras).

    2.6.32: ``PTE_PFN_MASK`` = ``PHYSICAL_PAGE_MASK`` (arch/x86/include/asm/pgtable_types.h:182,
    page_types.h:17) = PAGE_MASK sign-extended and cut to ``__PHYSICAL_MASK`` (page_types.h:11),
    whose ``__PHYSICAL_MASK_SHIFT`` is 44 under PAE and 32 without (page_32_types.h:34, 38);
    pte_pfn masks with it (pgtable.h:123-126).  2.6.24: ``PTE_MASK`` is ``PAGE_MASK``
    (include/asm-x86/page_32.h:119, 7), an ``unsigned long``: the low word only.  Under PAE
    pte_pfn is ``pte_val >> PAGE_SHIFT`` cut to an ``unsigned long`` pfn
    (include/asm-x86/pgtable-3level.h:156-159), so bits 12-43 again; pte_modify keeps the
    whole high word but NX (:func:`pte_modify`)."""
    return 0x00000FFFFFFFF000 if pae else 0xFFFFF000


def chg_mask(era: str, pae: bool) -> int:
    """``_PAGE_CHG_MASK``: the bits pte_modify keeps."""
    keep = pfn_mask(pae) | ACCESSED | DIRTY
    return keep | PCD | PWT | SPECIAL if _new(era) else keep


def protection_map(era: str, pae: bool) -> tuple[int, ...]:
    """``protection_map[16]``, index ``vm_flags & (VM_READ|VM_WRITE|VM_EXEC|VM_SHARED)``."""
    n = nx(pae)
    none = protnone(era) | ACCESSED
    readonly = PRESENT | USER | ACCESSED | n
    readonly_exec = PRESENT | USER | ACCESSED
    copy = readonly  # PAGE_COPY is PAGE_COPY_NOEXEC
    copy_exec = readonly_exec
    shared = PRESENT | RW | USER | ACCESSED | (n if _new(era) else 0)
    shared_exec = PRESENT | RW | USER | ACCESSED
    private = (none, readonly, copy, copy, readonly_exec, readonly_exec, copy_exec, copy_exec)
    share = (none, readonly, shared, shared, readonly_exec, readonly_exec, shared_exec, shared_exec)
    return private + share


def vm_get_page_prot(vm_flags: int, era: str, pae: bool) -> int:
    return protection_map(era, pae)[vm_flags & (VM_READ | VM_WRITE | VM_EXEC | VM_SHARED)]


def vma_wants_writenotify(vm_flags: int, accounts_dirty: bool) -> bool:
    """Shared and writable, no page_mkwrite, vm_page_prot untouched by the driver, not a
    PFN map, and a file whose mapping accounts dirty pages (``accounts_dirty``)."""
    return vm_flags & (VM_WRITE | VM_SHARED) == VM_WRITE | VM_SHARED and accounts_dirty


def vma_page_prot(vm_flags: int, era: str, pae: bool, accounts_dirty: bool) -> int:
    """``vm_page_prot`` after mmap_region or mprotect_fixup: a mapping that wants write
    notification takes the private (write-protected) protections."""
    if vma_wants_writenotify(vm_flags, accounts_dirty):
        return vm_get_page_prot(vm_flags & ~VM_SHARED, era, pae)
    return vm_get_page_prot(vm_flags, era, pae)


def pte_modify(pte: int, newprot: int, era: str, pae: bool) -> int:
    """The PTE change_pte_range writes for ``newprot``."""
    keep = chg_mask(era, pae)
    if not _new(era) and pae:  # the high word keeps everything but NX (the frame's high bits)
        keep |= 0xFFFFFFFF00000000 & ~NX_BIT
    return (pte & keep) | (newprot & ~keep)


def change_pte(pte: int, newprot: int, era: str, pae: bool, dirty_accountable: bool) -> int:
    """change_pte_range for one present PTE: pte_modify, then pte_mkwrite if dirty and the
    VMA is dirty-accountable."""
    new = pte_modify(pte, newprot, era, pae)
    if dirty_accountable and new & DIRTY:
        new |= RW
    return new


def maybe_mkwrite(pte: int, vm_flags: int) -> int:
    return pte | RW if vm_flags & VM_WRITE else pte


def anonymous_pte(frame_addr: int, prot: int, vm_flags: int, write: bool, era: str) -> int:
    """do_anonymous_page's PTE.  ``frame_addr`` is the new page's, or empty_zero_page's for a
    2.6.32 read (then SPECIAL is set and nothing else is added)."""
    if _new(era) and not write:
        return frame_addr | prot | SPECIAL
    if _new(era):  # mk_pte, then pte_mkwrite(pte_mkdirty()) when VM_WRITE
        return frame_addr | prot | (RW | DIRTY if vm_flags & VM_WRITE else 0)
    return maybe_mkwrite(frame_addr | prot | DIRTY, vm_flags)


def file_fault_pte(frame_addr: int, prot: int, vm_flags: int, write: bool) -> int:
    """__do_fault's PTE (the page-cache page, or the private copy on a private write)."""
    pte = frame_addr | prot
    return maybe_mkwrite(pte | DIRTY, vm_flags) if write else pte


def wp_reuse(anon: bool, mapcount: int, vm_flags: int, era: str) -> bool:
    """do_wp_page: may the faulting PTE's page be written in place?  ``anon`` is PageAnon;
    the zero page (vm_normal_page NULL) is neither anon nor reused in a private mapping."""
    if anon:
        return mapcount <= 1 if _new(era) else mapcount == 1
    return vm_flags & (VM_WRITE | VM_SHARED) == VM_WRITE | VM_SHARED


def wp_reuse_pte(pte: int, vm_flags: int) -> int:
    return maybe_mkwrite(pte | ACCESSED | DIRTY, vm_flags)


def wp_copy_pte(frame_addr: int, prot: int, vm_flags: int) -> int:
    return maybe_mkwrite(frame_addr | prot | DIRTY, vm_flags)


def is_cow_mapping(vm_flags: int) -> bool:
    return vm_flags & (VM_SHARED | VM_MAYWRITE) == VM_MAYWRITE


def copy_one_pte(pte: int, vm_flags: int) -> tuple[int, int]:
    """(the parent's PTE afterwards, the child's PTE) for a present PTE at fork."""
    parent = child = pte
    if is_cow_mapping(vm_flags):
        parent &= ~RW
        child &= ~RW
    if vm_flags & VM_SHARED:
        child &= ~DIRTY
    return parent, child & ~ACCESSED


def mmu_touch(pte: int, write: bool) -> int:
    """What the MMU sets in the PTE of an access it completes: the accessed flag (bit 5) on
    every access, the dirty flag (bit 6) on a write (Intel SDM Vol. 3A, chapter "Paging",
    section "Accessed and Dirty Flags", 4.8 in the editions since 2009).  The kernel reads
    them back as pte_young and pte_dirty (24: include/asm-x86/pgtable_32.h:218-219; 32:
    arch/x86/include/asm/pgtable.h:83-91), e.g. zap_pte_range's set_page_dirty and
    SetPageReferenced (mm/memory.c 24:675-678) or mark_page_accessed (32:855-859), and defines the bits as
    ``_PAGE_BIT_ACCESSED`` 5, ``_PAGE_BIT_DIRTY`` 6 (24: pgtable_32.h:97-98; 32:
    pgtable_types.h:14-15, "raised by CPU")."""
    return pte | ACCESSED | (DIRTY if write else 0)


def mmu_allows(pte: int, write: bool, exec_: bool = False) -> bool:
    """A user-mode access the hardware completes without a fault (Intel SDM Vol. 3A, chapter
    "Paging", section "Access Rights", 4.6 in the editions since 2009): the PTE must be
    present (P, bit 0), user (U/S, bit 2), writable (R/W, bit 1) for a write (user mode
    ignores CR0.WP: a user write to a read-only page always faults), and, under PAE with
    IA32_EFER.NXE, an instruction fetch needs XD (bit 63) clear.  Only the PTE is looked at:
    the kernel's upper-level user entries are ``_PAGE_TABLE``, present | RW | USER (24:
    include/asm-x86/pgtable_32.h:129; 32: arch/x86/include/asm/pgtable_types.h:65), and
    access rights combine the levels.  The kernel's own tests of these bits are pte_present,
    pte_write and pte_exec (32: arch/x86/include/asm/pgtable.h:318, 93-96, 113-116)."""
    if not pte & PRESENT or not pte & USER:
        return False
    if exec_ and pte & NX_BIT:
        return False
    return not write or bool(pte & RW)
