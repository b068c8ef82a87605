"""Page faults, fork and exit: the user half of the page tables filled on demand.

Follows arch/x86/mm/fault_32.c:do_page_fault, mm/memory.c (handle_mm_fault,
do_anonymous_page, __do_fault, do_wp_page, copy_page_range, zap_pte_range,
free_pgtables) and kernel/fork.c:dup_mmap.  Simplifications: file pages come from a
page cache that never shrinks (``(inode, pgoff) -> frame``); a page's ``_count`` stands
for its map count; the stack pointer is taken to sit at the bottom of the stack VMA when
deciding whether an access below it may grow the stack; no swap, no reclaim.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import InvalidArgument, check_int
from ..events import (
    PageFaulted,
    PageRefChanged,
    PageTableFreed,
    PgdFreed,
    PteChanged,
    PteCleared,
    PteInstalled,
    SignalSent,
)
from .constants import (
    _PAGE_ACCESSED,
    _PAGE_DIRTY,
    _PAGE_NX,
    _PAGE_PRESENT,
    _PAGE_PSE,
    _PAGE_RW,
    _PAGE_USER,
    GFP_HIGHUSER,
    PAGE_SHIFT,
    PAGE_SIZE,
)
from .mm_types import STACK_RLIMIT, VM_EXEC, VM_GROWSDOWN, VM_MAYWRITE, VM_READ, VM_SHARED, VM_WRITE, Task
from .pgtable import _WALK

if TYPE_CHECKING:
    from .kernel import Kernel
    from .mm_types import VmAreaStruct
    from .mmap import MmStruct

_FAULT = "arch/x86/mm/fault.c:do_page_fault"  # 2.6.25 merged fault_32.c and fault_64.c into fault.c
_FAULT_32 = "arch/x86/mm/fault_32.c:do_page_fault"
_MEM = "mm/memory.c:"


@dataclass(frozen=True)
class Access:
    """What one access did: the physical address reached, whether it faulted, the signal."""

    addr: int
    phys: int | None
    faulted: bool
    signal: str | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.phys is not None

    def __repr__(self) -> str:
        end = f"phys={self.phys:#x}" if self.ok else f"{self.signal} ({self.reason})"
        return f"<access {self.addr:#010x} -> {end}{', after a page fault' if self.faulted else ''}>"


class Faults:
    """Mixin of :class:`~vmwidgets.Kernel`: access, do_page_fault, fork, exit."""

    # -- public ------------------------------------------------------------------------------
    def access(
        self: Kernel, task: Task, addr: int, write: bool = False, exec: bool = False, user: bool = True
    ) -> Access:
        """The CPU touches ``addr`` in ``task``: the MMU walks its page tables and, on a miss or
        a protection violation, do_page_fault runs (``user=False``: a kernel-mode access,
        which may take vmalloc_fault)."""
        self._check_task(task)
        check_int("addr", addr, 0, 0xFFFFFFFF, "a 32-bit virtual address")
        for name, value in (("write", write), ("exec", exec), ("user", user)):
            if not isinstance(value, bool):
                raise InvalidArgument(name, value, "True or False")
        what = "write" if write else ("exec" if exec else "read")
        with self._operation("access", f"pid={task.pid}, addr={addr:#010x}, {what}", _WALK) as op:
            out = self._access(task.mm, addr, write, exec, user)
            op.result = f"phys {out.phys:#x}" if out.ok else f"{out.signal}"
            return out

    def fork(self: Kernel, task: Task) -> Task | None:
        """kernel/fork.c:copy_mm/dup_mmap — a child with copies of every VMA; private writable
        pages are write-protected in both, so the first write copies (do_wp_page).

        Returns None (-ENOMEM) when memory runs out; the half-built child is torn down again.
        """
        self._check_task(task)
        with self._operation("fork", f"pid={task.pid}", "kernel/fork.c:dup_mmap") as op:
            child = self._new_task(task.comm)
            if child is None:
                op.result = "-ENOMEM"
                return None
            parent, mm = task.mm, child.mm
            for attr in (
                "start_code",
                "end_code",
                "start_data",
                "end_data",
                "start_brk",
                "brk",
                "start_stack",
                "mmap_base",
                "free_area_cache",
                "cached_hole_size",
                "maps_anon_offset",
            ):
                setattr(mm, attr, getattr(parent, attr))
            from .mm_types import VmAreaStruct

            for vma in parent:
                new = VmAreaStruct(mm, vma.vm_start, vma.vm_end, vma.vm_flags, vma.vm_pgoff, vma.vm_file)
                new.vm_page_prot, new.anon_vma = vma.vm_page_prot, vma.anon_vma
                _, prev, node, left = mm._find_vma_prepare(new.vm_start)
                mm._vma_link(new, prev, node, left)
                mm.total_vm += (vma.vm_end - vma.vm_start) >> PAGE_SHIFT
                if not self._copy_page_range(parent, mm, vma):
                    self._teardown(child)  # dup_mmap's error path: the child's mm goes away again
                    op.result = "-ENOMEM"
                    return None
            op.result = f"task {child.pid}"
            return child

    def exit(self: Kernel, task: Task) -> None:
        """kernel/exit.c → mm/mmap.c:exit_mmap: unmap everything, free the page tables and the pgd."""
        self._check_task(task)
        with self._operation("exit", f"pid={task.pid}", "mm/mmap.c:exit_mmap") as op:
            self._teardown(task)
            op.result = "void"

    def _teardown(self: Kernel, task: Task) -> None:
        """exit_mmap and pgd_free: every VMA, page, page table and the pgd go back."""
        mm = task.mm
        vmas = list(mm)
        for vma in vmas:
            self._zap_range(mm, vma.vm_start, vma.vm_end)
        for vma in vmas:
            mm._vma_unlink(vma, "mm/mmap.c:remove_vma")
            mm.total_vm -= (vma.vm_end - vma.vm_start) >> PAGE_SHIFT
        self._free_pgtables(mm, 0, mm.task_size)
        pgd = mm.pgd.pfn
        first_kernel = self.pgd_index(self.layout.page_offset)
        if self.config.pae:  # pgd_free frees the preallocated user PMDs
            for i in range(first_kernel):
                if i in self._pt[pgd]:  # all of them, unless pgd_alloc itself ran out
                    self._free_table(pgd, i, "arch/x86/mm/pgtable_32.c:pgd_free")
        entries = tuple(sorted(self._pt[pgd].items()))
        del self._pt[pgd], self._pt_meta[pgd]
        self._emit(PgdFreed, "arch/x86/mm/pgtable_32.c:pgd_free", mm.name, pgd, entries)
        self._free_pages(pgd, 0)
        self.tasks.remove(task)
        self.mms.remove(mm)

    # -- the fault path ----------------------------------------------------------------------------
    def _check_task(self: Kernel, task: object) -> None:
        if not isinstance(task, Task) or task not in self.tasks:
            raise InvalidArgument("task", task, "a live task of this kernel (from spawn or fork)")

    def _access(self: Kernel, mm: MmStruct, addr: int, write: bool, exec_: bool, user: bool) -> Access:
        faulted = False
        for _ in range(3):  # the instruction runs again after each fault the kernel fixed
            t = self._walk(mm.pgd.pfn, addr, emit=True)
            if t.ok and self._allowed(t.steps[-1].entry, write, exec_, user):
                self._touch(t, addr, write)
                return Access(addr, t.phys, faulted)
            faulted = True
            cause = "protection" if t.ok else "not present"
            fault_fn = self._fault_fn()
            self._emit(PageFaulted, fault_fn, mm.name, addr, write, cause)
            if not user and not t.ok and not self.config.pae and self._vmalloc_fault(mm, addr):
                continue
            reason = self._do_page_fault(mm, addr, write, exec_, user, present=t.ok)
            if reason is not None:
                signal = "SIGSEGV" if user else "Oops"  # kernel mode: no exception fixup, an oops
                self._emit(SignalSent, fault_fn, mm.name, addr, signal, reason)
                return Access(addr, None, True, signal, reason)
        raise AssertionError("a fault the kernel fixed came back twice")  # pragma: no cover

    def _allowed(self: Kernel, entry: int, write: bool, exec_: bool, user: bool) -> bool:
        if user and not entry & _PAGE_USER:
            return False
        if write and not entry & _PAGE_RW:
            return False
        return not (exec_ and entry & _PAGE_NX)

    def _touch(self: Kernel, t, addr: int, write: bool) -> None:
        """The MMU sets ACCESSED (and DIRTY on a write) in the PTE it used."""
        last = t.steps[-1]
        if last.entry & _PAGE_PSE and last.level != "pte":
            return
        new = last.entry | _PAGE_ACCESSED | (_PAGE_DIRTY if write else 0)
        if new != last.entry:
            self._pt[last.table][last.index] = new
            self._emit(
                PteChanged,
                "x86 MMU:sets the accessed/dirty bits",
                last.table,
                last.index,
                addr & ~(PAGE_SIZE - 1),
                last.entry,
                new,
            )

    def _fault_fn(self: Kernel) -> str:
        return _FAULT_32 if self.config.era_minor < 25 else _FAULT

    def _vmalloc_fault(self: Kernel, mm: MmStruct, addr: int) -> bool:
        """arch/x86/mm/fault_32.c:vmalloc_fault (fault.c from 2.6.25) — copy the missing PGD
        entry from swapper_pg_dir."""
        lay = self.layout
        if not lay.vmalloc_start <= addr < lay.vmalloc_end:
            return False
        i = self.pgd_index(addr)
        src = self._pt[self._swapper].get(i, 0)
        if not src & _PAGE_PRESENT or self._pt[mm.pgd.pfn].get(i, 0) & _PAGE_PRESENT:
            return False
        old = self._pt[mm.pgd.pfn].get(i, 0)
        self._pt[mm.pgd.pfn][i] = src
        fn = self._fault_fn().replace("do_page_fault", "vmalloc_sync_one")
        self._emit(PteChanged, fn, mm.pgd.pfn, i, addr & ~((1 << 22) - 1), old, src, "pgd")
        # vmalloc_fault then checks the kernel's own PTE: nothing mapped there (a guard page)
        # means the fault was not a vmalloc fault after all, and do_page_fault goes on
        pte = self._pt.get((src & self._addr_mask) >> 12, {}).get((addr >> 12) & 1023, 0)
        return bool(pte & _PAGE_PRESENT)

    def _do_page_fault(
        self: Kernel, mm: MmStruct, addr: int, write: bool, exec_: bool, user: bool, present: bool
    ) -> str | None:
        """The checks of do_page_fault; None when handle_mm_fault fixed the fault."""
        if addr >= mm.task_size:
            if not user:
                return "a kernel-mode access to a kernel address with nothing mapped there (not a vmalloc fault)"
            return "a user-mode access to a kernel address"
        vma = mm._find_vma(addr)
        if vma is None:
            return "no VMA at or above this address"
        if vma.vm_start > addr:
            if not vma.vm_flags & VM_GROWSDOWN:
                return "the address lies in a hole below a VMA"
            if user and addr + 65536 + 32 * 4 < vma.vm_start:
                return "too far below the stack pointer to be a stack access"
            if vma.vm_end - (addr & ~(PAGE_SIZE - 1)) > STACK_RLIMIT:
                return "the stack would grow past RLIMIT_STACK"
            grow = (vma.vm_start - (addr & ~(PAGE_SIZE - 1))) >> PAGE_SHIFT
            mm._set_span(
                vma, vma.vm_start - (grow << PAGE_SHIFT), vma.vm_end, vma.vm_pgoff - grow, "mm/mmap.c:expand_stack"
            )
            mm.total_vm += grow
        if write:
            if not vma.vm_flags & VM_WRITE:
                return "a write to a VMA without VM_WRITE"
        elif present:  # error_code: a read (or fetch) of a present page
            return "a read or fetch the page's protection forbids"
        elif not vma.vm_flags & (VM_READ | VM_EXEC | VM_WRITE):
            return "a read of a VMA with no access at all"
        if not self._handle_mm_fault(mm, vma, addr, write):
            return "out of memory"  # the kernel would run the OOM killer
        return None

    def _user_slot(self: Kernel, mm: MmStruct, addr: int, alloc: bool) -> tuple[int, int] | None:
        """pgd_offset → pmd_alloc → pte_alloc_map: the PTE slot, allocating the table."""
        mask = self._addr_mask
        if self.config.pae:
            parent = (self._pt[mm.pgd.pfn][addr >> 30] & mask) >> PAGE_SHIFT
            index, span = (addr >> 21) & 511, 1 << 21
        else:
            parent, index, span = mm.pgd.pfn, addr >> 22, 1 << 22
        entry = self._pt[parent].get(index, 0)
        if entry & _PAGE_PRESENT:
            table = (entry & mask) >> PAGE_SHIFT
        elif not alloc:
            return None
        else:
            table = self._pte_table_for(parent, index, "pte", addr & ~(span - 1), _MEM + "__pte_alloc")
            if table is None:
                return None
        return table, (addr >> PAGE_SHIFT) & (self.levels[-1].entries - 1)

    def _handle_mm_fault(self: Kernel, mm: MmStruct, vma: VmAreaStruct, addr: int, write: bool) -> bool:
        """mm/memory.c:handle_mm_fault → handle_pte_fault."""
        slot = self._user_slot(mm, addr, alloc=True)
        if slot is None:
            return False
        table, index = slot
        page_addr = addr & ~(PAGE_SIZE - 1)
        entry = self._pt[table].get(index, 0)
        prot = vma.vm_page_prot
        if entry & _PAGE_PRESENT:
            if write and not entry & _PAGE_RW:
                return self._do_wp_page(vma, table, index, page_addr, entry)
            return True  # the MMU sets the accessed/dirty bits on retry
        if vma.vm_file is not None:
            return self._do_file_fault(vma, table, index, page_addr, write, prot)
        if not write and self.config.era_minor >= 32:  # 2.6.32 reinstated ZERO_PAGE for reads
            self._install(table, index, page_addr, (self._zero_pfn << PAGE_SHIFT) | prot, _MEM + "do_anonymous_page")
            return True
        page = self._alloc_pages(GFP_HIGHUSER, 0)  # alloc_zeroed_user_highpage_movable
        if page is None:
            return False
        vma.anon_vma = vma.anon_vma or object()  # anon_vma_prepare
        bits = prot | _PAGE_DIRTY | (_PAGE_RW if vma.vm_flags & VM_WRITE else 0)  # maybe_mkwrite(pte_mkdirty())
        self._install(table, index, page_addr, (page.pfn << PAGE_SHIFT) | bits, _MEM + "do_anonymous_page")
        return True

    def _do_file_fault(
        self: Kernel, vma: VmAreaStruct, table: int, index: int, page_addr: int, write: bool, prot: int
    ) -> bool:
        """mm/memory.c:__do_fault — the page-cache page, or a private copy on a private write."""
        pgoff = vma.vm_pgoff + ((page_addr - vma.vm_start) >> PAGE_SHIFT)
        key = (vma.vm_file.ino, pgoff)
        pfn = self._page_cache.get(key)
        if pfn is None:
            page = self._alloc_pages(GFP_HIGHUSER, 0)  # page_cache_alloc + readpage
            if page is None:
                return False
            pfn = self._page_cache[key] = page.pfn
            self._cache_pfns.add(pfn)
        if write and not vma.vm_flags & VM_SHARED:  # copy on write right away
            page = self._alloc_pages(GFP_HIGHUSER, 0)
            if page is None:
                return False
            vma.anon_vma = vma.anon_vma or object()
            bits = prot | _PAGE_DIRTY | _PAGE_RW
            self._install(table, index, page_addr, (page.pfn << PAGE_SHIFT) | bits, _MEM + "__do_fault")
            return True
        self._get_page(pfn, "mapped from the page cache")
        bits = prot | (_PAGE_DIRTY if write else 0)
        self._install(table, index, page_addr, (pfn << PAGE_SHIFT) | bits, _MEM + "__do_fault")
        return True

    def _do_wp_page(self: Kernel, vma: VmAreaStruct, table: int, index: int, page_addr: int, old: int) -> bool:
        """mm/memory.c:do_wp_page — reuse an anonymous page mapped once, else copy it."""
        pfn = (old & self._addr_mask) >> PAGE_SHIFT
        anon = pfn != self._zero_pfn and pfn not in self._cache_pfns
        if anon and self.mem_map.count[pfn] == 1:
            new = old | _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED
            self._pt[table][index] = new
            self._emit(PteChanged, _MEM + "do_wp_page", table, index, page_addr, old, new)
            return True
        page = self._alloc_pages(GFP_HIGHUSER, 0)
        if page is None:
            return False
        vma.anon_vma = vma.anon_vma or object()
        new = (page.pfn << PAGE_SHIFT) | vma.vm_page_prot | _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED
        self._pt[table][index] = new
        self._emit(PteChanged, _MEM + "do_wp_page", table, index, page_addr, old, new)
        self._put_page(pfn)
        return True

    def _install(self: Kernel, table: int, index: int, page_addr: int, entry: int, fn: str) -> None:
        self._pt[table][index] = entry
        self._emit(PteInstalled, fn, table, index, page_addr, entry)

    def _get_page(self: Kernel, pfn: int, why: str) -> None:
        """get_page: one more mapping holds the frame."""
        self.mem_map.count[pfn] += 1
        self._emit(PageRefChanged, "include/linux/mm.h:get_page", pfn, self.mem_map.count[pfn], why)

    def _put_page(self: Kernel, pfn: int) -> None:
        """put_page: drop a mapping's reference; the last one frees the frame."""
        if pfn == self._zero_pfn or pfn >= len(self.mem_map):
            return
        if self.mem_map.count[pfn] == 1 and pfn not in self._cache_pfns:
            self._free_pages(pfn, 0)
        else:
            self.mem_map.count[pfn] -= 1
            self._emit(PageRefChanged, "mm/swap.c:put_page", pfn, self.mem_map.count[pfn], "a mapping went away")

    # -- fork, munmap, exit ------------------------------------------------------------------------------
    def _copy_page_range(self: Kernel, parent: MmStruct, child: MmStruct, vma: VmAreaStruct) -> bool:
        """mm/memory.c:copy_page_range — share every mapped page; COW mappings go read-only.

        A VMA without anon_vma holds nothing a fault cannot bring back (file pages, untouched
        memory): 2.6.24 copies none of its PTEs and lets the child fault them in.
        """
        if vma.anon_vma is None:
            return True
        cow = vma.vm_flags & (VM_SHARED | VM_MAYWRITE) == VM_MAYWRITE
        for addr in range(vma.vm_start, vma.vm_end, PAGE_SIZE):
            src = self._user_slot(parent, addr, alloc=False)
            if src is None or not self._pt[src[0]].get(src[1], 0):  # copy all but pte_none
                continue
            entry = self._pt[src[0]][src[1]]
            if cow and entry & _PAGE_RW:  # ptep_set_wrprotect in the parent too
                self._pt[src[0]][src[1]] = entry & ~_PAGE_RW
                self._emit(PteChanged, _MEM + "copy_one_pte", src[0], src[1], addr, entry, entry & ~_PAGE_RW)
                entry &= ~_PAGE_RW
            dst = self._user_slot(child, addr, alloc=True)
            if dst is None:
                return False
            pfn = (entry & self._addr_mask) >> PAGE_SHIFT
            if pfn != self._zero_pfn:
                self._get_page(pfn, "the child maps it too")
            entry &= ~_PAGE_ACCESSED  # pte_mkold; shared mappings also pte_mkclean
            if vma.vm_flags & VM_SHARED:
                entry &= ~_PAGE_DIRTY
            self._install(dst[0], dst[1], addr, entry, _MEM + "copy_one_pte")
        return True

    def _change_protection(self: Kernel, mm: MmStruct, vma: VmAreaStruct, prot: int) -> None:
        """mm/mprotect.c:change_pte_range — pte_modify every present PTE of the VMA."""
        for addr in range(vma.vm_start, vma.vm_end, PAGE_SIZE):
            slot = self._user_slot(mm, addr, alloc=False)
            if slot is None or slot[1] not in self._pt[slot[0]]:
                continue
            old = self._pt[slot[0]][slot[1]]
            new = (old & (self._addr_mask | _PAGE_ACCESSED | _PAGE_DIRTY)) | prot  # pte_modify
            if new != old:
                self._pt[slot[0]][slot[1]] = new
                self._emit(PteChanged, "mm/mprotect.c:change_pte_range", slot[0], slot[1], addr, old, new)

    def _zap_range(self: Kernel, mm: MmStruct, start: int, end: int) -> None:
        """mm/memory.c:zap_pte_range — clear the PTEs, drop each page's reference."""
        for addr in range(start, end, PAGE_SIZE):
            slot = self._user_slot(mm, addr, alloc=False)
            if slot is None or slot[1] not in self._pt[slot[0]]:
                continue
            old = self._pt[slot[0]].pop(slot[1])
            self._emit(PteCleared, _MEM + "zap_pte_range", slot[0], slot[1], addr, old)
            self._put_page((old & self._addr_mask) >> PAGE_SHIFT)

    def _free_pgtables(self: Kernel, mm: MmStruct, start: int, end: int) -> None:
        """mm/memory.c:free_pgtables — free PTE tables no VMA needs any more."""
        span = 1 << self.levels[-2].shift
        lo, hi = start & ~(span - 1), min((end + span - 1) & ~(span - 1), mm.task_size)
        for base in range(lo, hi, span):
            vma = mm._find_vma(base) if mm.mmap is not None else None
            if vma is not None and vma.vm_start < base + span:
                continue
            if self.config.pae:
                if base >> 30 not in self._pt[mm.pgd.pfn]:
                    continue
                parent = (self._pt[mm.pgd.pfn][base >> 30] & self._addr_mask) >> PAGE_SHIFT
                index = (base >> 21) & 511
            else:
                parent, index = mm.pgd.pfn, base >> 22
            if self._pt[parent].get(index, 0) & _PAGE_PRESENT:
                self._free_table(parent, index, _MEM + "free_pgtables")

    def _free_table(self: Kernel, parent: int, index: int, fn: str) -> None:
        entry = self._pt[parent].pop(index)
        pfn = (entry & self._addr_mask) >> PAGE_SHIFT
        level, vaddr = self._pt_meta.pop(pfn)
        del self._pt[pfn]
        self._emit(PageTableFreed, fn, level, pfn, vaddr, parent, index, entry)
        self._free_pages(pfn, 0)
