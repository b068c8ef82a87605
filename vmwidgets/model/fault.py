"""The CPU's access and the page-fault handler (arch/x86/mm/fault.c:do_page_fault).

The MMU walks the task's page tables; on a miss or a protection violation
do_page_fault finds the VMA (growing the stack if it may) and calls handle_mm_fault.
Simplification: the model has no registers, so the stack pointer is taken to sit at the
bottom of the VM_GROWSDOWN VMA above the address when do_page_fault decides whether an
access below it is a stack access (``address + 65536 + 32 * sizeof(unsigned long) < sp``
is not: 2.6.24 fault_32.c:396, 2.6.32 fault.c:1092, the same test inline in both).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import InvalidArgument, check_int
from ..events import PageFaulted, PteChanged, SignalSent
from .constants import (
    _PAGE_ACCESSED,
    _PAGE_DIRTY,
    _PAGE_NX,
    _PAGE_PRESENT,
    _PAGE_PSE,
    _PAGE_RW,
    _PAGE_USER,
    PAGE_SIZE,
)
from .emit import Emitter
from .fork import Processes
from .layout import Layout
from .memory import Memory
from .mm_types import VM_EXEC, VM_GROWSDOWN, VM_READ, VM_WRITE
from .mmap import expand_stack
from .pgtable import MMU_WALK, PageTables, Translation
from .sched import Task

if TYPE_CHECKING:
    from .config import Config
    from .mmap import MmStruct

__all__ = ["Access", "Faults"]

_FAULT = "arch/x86/mm/fault.c:do_page_fault"  # 2.6.25 merged fault_32.c and fault_64.c into fault.c
_FAULT_32 = "arch/x86/mm/fault_32.c:do_page_fault"


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
        """True when the access reached a frame (``phys`` is not None), after a fault or not."""
        return self.phys is not None

    def __repr__(self) -> str:
        end = f"phys={self.phys:#x}" if self.ok else f"{self.signal} ({self.reason})"
        return f"<access {self.addr:#010x} -> {end}{', after a page fault' if self.faulted else ''}>"


class Faults:
    """``access`` and do_page_fault, above the processes, the user page tables and the walk."""

    def __init__(
        self,
        config: Config,
        layout: Layout,
        emitter: Emitter,
        pgtable: PageTables,
        memory: Memory,
        processes: Processes,
    ) -> None:
        self.config = config
        self.layout = layout
        self._emitter = emitter
        self._pgtable = pgtable
        self._memory = memory
        self._processes = processes

    def access(self, task: Task, addr: int, write: bool = False, exec: bool = False, user: bool = True) -> Access:
        """The CPU touches ``addr`` in ``task``: the MMU walks its page tables and, on a miss or
        a protection violation, arch/x86/mm/fault.c:do_page_fault runs (fault_32.c before
        2.6.25); ``user=False`` is a kernel-mode access, which may take vmalloc_fault.

        ``struct task_struct *task`` (a live task of this kernel), ``unsigned long addr``
        (any 32-bit address); ``write``/``exec``/``user`` stand for the error code's bits.
        Returns an :class:`Access`: the physical address reached, or the signal (SIGSEGV,
        or an oops in kernel mode) and why.  A fault the handler fixes (a first touch, a
        copy on write, a stack that grows) is retried, as the CPU restarts the instruction.
        """
        self._processes.check_task(task)
        check_int("addr", addr, 0, 0xFFFFFFFF, "a 32-bit virtual address")
        for name, value in (("write", write), ("exec", exec), ("user", user)):
            if not isinstance(value, bool):
                raise InvalidArgument(name, value, "True or False")
        what = "write" if write else ("exec" if exec else "read")
        with self._emitter.operation("access", f"pid={task.pid}, addr={addr:#010x}, {what}", MMU_WALK) as op:
            out = self._access(task.mm, addr, write, exec, user)
            op.result = f"phys {out.phys:#x}" if out.ok else f"{out.signal}"
            return out

    def _access(self, mm: MmStruct, addr: int, write: bool, exec_: bool, user: bool) -> Access:
        faulted = False
        emit = self._emitter.emit
        for _ in range(3):  # the instruction runs again after each fault the kernel fixed
            t = self._pgtable.walk(mm.pgd_pfn(), addr, emit=True)
            if t.ok and self._allowed(t.steps[-1].entry, write, exec_, user):
                self._touch(t, addr, write)
                return Access(addr, t.phys, faulted)
            faulted = True
            cause = "protection" if t.ok else "not present"
            fault_fn = self._fault_fn()
            emit(PageFaulted, fault_fn, mm=mm.name, addr=addr, write=write, cause=cause)
            if not user and not t.ok and not self.config.pae and self._vmalloc_fault(mm, addr):
                continue
            reason = self._do_page_fault(mm, addr, write, exec_, user, present=t.ok)
            if reason is not None:
                signal = "SIGSEGV" if user else "Oops"  # kernel mode: no exception fixup, an oops
                emit(SignalSent, fault_fn, mm=mm.name, addr=addr, signal=signal, reason=reason)
                return Access(addr, None, True, signal, reason)
        raise AssertionError("a fault the kernel fixed came back twice")  # pragma: no cover

    @staticmethod
    def _allowed(entry: int, write: bool, exec_: bool, user: bool) -> bool:
        if user and not entry & _PAGE_USER:
            return False
        if write and not entry & _PAGE_RW:
            return False
        return not (exec_ and entry & _PAGE_NX)

    def _touch(self, t: Translation, addr: int, write: bool) -> None:
        """The MMU sets ACCESSED (and DIRTY on a write) in the PTE it used."""
        last = t.steps[-1]
        if last.entry & _PAGE_PSE and last.level != "pte":
            return
        new = last.entry | _PAGE_ACCESSED | (_PAGE_DIRTY if write else 0)
        if new != last.entry:
            self._pgtable.set_entry(last.table, last.index, new)
            self._emitter.emit(
                PteChanged,
                "x86 MMU:sets the accessed/dirty bits",
                table=last.table,
                index=last.index,
                vaddr=addr & ~(PAGE_SIZE - 1),
                old=last.entry,
                new=new,
            )

    def _fault_fn(self) -> str:
        return _FAULT_32 if self.config.era_minor < 25 else _FAULT

    def _vmalloc_fault(self, mm: MmStruct, addr: int) -> bool:
        """arch/x86/mm/fault_32.c:vmalloc_fault (fault.c from 2.6.25) — copy the missing PGD
        entry from swapper_pg_dir."""
        lay, pt = self.layout, self._pgtable
        if not lay.vmalloc_start <= addr < lay.vmalloc_end:
            return False
        i, pgd = pt.pgd_index(addr), mm.pgd_pfn()
        src = pt.entry(pt.swapper, i)
        if not src & _PAGE_PRESENT or pt.entry(pgd, i) & _PAGE_PRESENT:
            return False
        old = pt.entry(pgd, i)
        pt.set_entry(pgd, i, src)
        fn = self._fault_fn().replace("do_page_fault", "vmalloc_sync_one")
        self._emitter.emit(
            PteChanged, fn, table=pgd, index=i, vaddr=addr & ~((1 << 22) - 1), old=old, new=src, level="pgd"
        )
        # vmalloc_fault then checks the kernel's own PTE: nothing mapped there (a guard page)
        # means the fault was not a vmalloc fault after all, and do_page_fault goes on
        table = (src & pt.addr_mask) >> 12
        pte = pt.entry(table, (addr >> 12) & 1023) if table in pt.tables else 0
        return bool(pte & _PAGE_PRESENT)

    def _do_page_fault(
        self, mm: MmStruct, addr: int, write: bool, exec_: bool, user: bool, present: bool
    ) -> str | None:
        """The checks of do_page_fault; None when handle_mm_fault fixed the fault."""
        if addr >= mm.task_size:
            if not user:
                return "a kernel-mode access to a kernel address with nothing mapped there (not a vmalloc fault)"
            return "a user-mode access to a kernel address"
        vma = mm.find_vma(addr)
        if vma is None:
            return "no VMA at or above this address"
        if vma.vm_start > addr:
            if not vma.vm_flags & VM_GROWSDOWN:
                return "the address lies in a hole below a VMA"
            if user and addr + 65536 + 32 * 4 < vma.vm_start:
                return "too far below the stack pointer to be a stack access"
            if expand_stack(vma, addr):
                return "the stack would grow past RLIMIT_STACK"
        if write:
            if not vma.vm_flags & VM_WRITE:
                return "a write to a VMA without VM_WRITE"
        elif present:  # error_code: a read (or fetch) of a present page
            return "a read or fetch the page's protection forbids"
        elif not vma.vm_flags & (VM_READ | VM_EXEC | VM_WRITE):
            return "a read of a VMA with no access at all"
        if not self._memory.handle_mm_fault(mm, vma, addr, write):
            return "out of memory"  # the kernel would run the OOM killer
        return None
