"""Process address spaces: ``struct mm_struct`` and ``struct vm_area_struct``
(include/linux/mm_types.h, include/linux/mm.h, asm-x86/mman.h), with their flags."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from .rbtree import RbNode

if TYPE_CHECKING:
    from .mmap import MmStruct
    from .rmap import AnonVma

__all__ = [
    "PROT_NONE",
    "PROT_READ",
    "PROT_WRITE",
    "PROT_EXEC",
    "PROT_SEM",
    "PROT_GROWSDOWN",
    "PROT_GROWSUP",
    "MAP_TYPE",
    "MAP_SHARED",
    "MAP_PRIVATE",
    "MAP_FIXED",
    "MAP_ANONYMOUS",
    "MAP_GROWSDOWN",
    "MAP_DENYWRITE",
    "MAP_EXECUTABLE",
    "MAP_NORESERVE",
    "VM_READ",
    "VM_WRITE",
    "VM_EXEC",
    "VM_SHARED",
    "VM_MAYREAD",
    "VM_MAYWRITE",
    "VM_MAYEXEC",
    "VM_MAYSHARE",
    "VM_GROWSDOWN",
    "VM_DENYWRITE",
    "VM_EXECUTABLE",
    "VM_ACCOUNT",
    "VM_NORESERVE",
    "VM_CAN_NONLINEAR",
    "VMA_FLAG_NAMES",
    "FMODE_READ",
    "FMODE_WRITE",
    "MIN_GAP",
    "STACK_RLIMIT",
    "calc_vm_prot_bits",
    "File",
    "VmAreaStruct",
    "TaskStruct",
]

PROT_NONE = 0x0
PROT_READ = 0x1
PROT_WRITE = 0x2
PROT_EXEC = 0x4
PROT_SEM = 0x8  # accepted by mprotect, no effect on x86
PROT_GROWSDOWN = 0x01000000  # mprotect: extend the change down to the start of a VM_GROWSDOWN VMA
PROT_GROWSUP = 0x02000000  # mprotect: the same upwards (no VM_GROWSUP VMA on x86: always -EINVAL)
MAP_TYPE = 0x0F  # the mapping type: exactly MAP_SHARED or MAP_PRIVATE
MAP_SHARED = 0x01
MAP_PRIVATE = 0x02
MAP_FIXED = 0x10
MAP_ANONYMOUS = 0x20
MAP_GROWSDOWN = 0x0100
MAP_DENYWRITE = 0x0800
MAP_EXECUTABLE = 0x1000
MAP_NORESERVE = 0x4000

VM_READ = 0x00000001
VM_WRITE = 0x00000002
VM_EXEC = 0x00000004
VM_SHARED = 0x00000008
VM_MAYREAD = 0x00000010
VM_MAYWRITE = 0x00000020
VM_MAYEXEC = 0x00000040
VM_MAYSHARE = 0x00000080
VM_GROWSDOWN = 0x00000100
VM_DENYWRITE = 0x00000800
VM_EXECUTABLE = 0x00001000
VM_ACCOUNT = 0x00100000
VM_NORESERVE = 0x00200000  # 2.6.32 only: MAP_NORESERVE asked not to charge it (2.6.24 has no such flag)
VM_CAN_NONLINEAR = 0x08000000  # f_op->mmap of a file with ->fault (generic_file_mmap); never on shmem
VMA_FLAG_NAMES = {
    VM_READ: "VM_READ",
    VM_WRITE: "VM_WRITE",
    VM_EXEC: "VM_EXEC",
    VM_SHARED: "VM_SHARED",
    VM_MAYREAD: "VM_MAYREAD",
    VM_MAYWRITE: "VM_MAYWRITE",
    VM_MAYEXEC: "VM_MAYEXEC",
    VM_MAYSHARE: "VM_MAYSHARE",
    VM_GROWSDOWN: "VM_GROWSDOWN",
    VM_DENYWRITE: "VM_DENYWRITE",
    VM_EXECUTABLE: "VM_EXECUTABLE",
    VM_ACCOUNT: "VM_ACCOUNT",
    VM_NORESERVE: "VM_NORESERVE",
    VM_CAN_NONLINEAR: "VM_CAN_NONLINEAR",
}

FMODE_READ = 0x1  # include/linux/fs.h: struct file's f_mode bits
FMODE_WRITE = 0x2

MIN_GAP = 128 << 20  # arch/x86/mm/mmap_32.c: the stack gets at least 128 MB
STACK_RLIMIT = 8 << 20  # ulimit -s 8192


def calc_vm_prot_bits(prot: int) -> int:
    """include/linux/mman.h:calc_vm_prot_bits — ``PROT_READ``/``PROT_WRITE``/``PROT_EXEC`` of
    ``unsigned long prot`` as ``VM_READ``/``VM_WRITE``/``VM_EXEC``; other bits are dropped.

    Returns the ``unsigned long`` vm_flags bits.  The same in both eras (x86 has no
    arch_calc_vm_prot_bits).
    """
    return (
        (VM_READ if prot & PROT_READ else 0)
        | (VM_WRITE if prot & PROT_WRITE else 0)
        | (VM_EXEC if prot & PROT_EXEC else 0)
    )


class File(NamedTuple):
    """An open file (``struct file``) as /proc/PID/maps shows it: path, device, inode, ``f_mode``.

    Two mappings share a ``struct file`` only when they are made from the same object, as
    in the kernel (vma_merge compares the pointers): ``task.mmap(..., file="/path")`` opens
    the path read-write, a new ``struct file`` per call with the same inode for the same
    path.  Pass a ``File(path, f_mode=FMODE_READ)`` to map a file opened read-only.
    """

    path: str
    dev: tuple[int, int] = (8, 1)
    ino: int = 0
    f_mode: int = FMODE_READ | FMODE_WRITE


class VmAreaStruct:
    """``struct vm_area_struct``: one mapping ``[vm_start, vm_end)`` of a process.

    The seed's fields, as in 2.6.36: ``vm_prev`` is from there (2.6.24 and mainline 2.6.32
    have only ``vm_next``; some 2.6.32.y backport it).  The model keeps it in every era
    for its own bookkeeping; VmaView draws it only for 2.6.36 and later.
    ``vm_ops`` and ``vm_private_data`` stay None: the model has no drivers and no special
    mappings.  ``anon_vma`` (an :class:`~vmwidgets.model.rmap.AnonVma`) is None until
    mm/rmap.c:anon_vma_prepare gives it one: the first anonymous page (2.6.24: any fault
    on anonymous memory; 2.6.32: a write), a stack that grows, or vma_adjust handing the
    anon_vma of a VMA it shrinks to the one that takes its pages.
    """

    __slots__ = (
        "anon_vma",
        "id",
        "vm_end",
        "vm_file",
        "vm_flags",
        "vm_mm",
        "vm_next",
        "vm_ops",
        "vm_page_prot",
        "vm_pgoff",
        "vm_prev",
        "vm_private_data",
        "vm_rb",
        "vm_start",
    )

    def __init__(self, mm: MmStruct, start: int, end: int, flags: int, pgoff: int, file: File | None) -> None:
        self.vm_mm = mm
        self.vm_start, self.vm_end = start, end
        self.vm_next: VmAreaStruct | None = None
        self.vm_prev: VmAreaStruct | None = None
        self.vm_flags = flags
        self.vm_page_prot = 0
        self.vm_pgoff = pgoff
        self.vm_file = file
        self.anon_vma: AnonVma | None = None  # mm/rmap.c's: VMAs sharing it share anonymous pages
        self.vm_ops: object | None = None
        self.vm_private_data: object | None = None
        self.id = mm.kernel.processes.next_vma_id()
        self.vm_rb = RbNode(self, self.id)

    @property
    def flag_names(self) -> tuple[str, ...]:
        """The names of the ``vm_flags`` bits set (``("VM_READ", "VM_MAYREAD", …)``)."""
        return tuple(n for b, n in VMA_FLAG_NAMES.items() if self.vm_flags & b)

    @property
    def record(self) -> tuple[int, int, int, int, str | None]:
        """``(vm_start, vm_end, vm_flags, vm_pgoff, file path)``: the VMA as events and views carry it."""
        return (self.vm_start, self.vm_end, self.vm_flags, self.vm_pgoff, self.vm_file.path if self.vm_file else None)

    @property
    def label(self) -> str:
        """``vm_start-vm_end`` in hex, as /proc/PID/maps starts a line."""
        return f"{self.vm_start:08x}-{self.vm_end:08x}"

    def __iter__(self) -> Iterator[VmAreaStruct]:
        """This VMA and those after it, following ``vm_next`` (``for (; vma; vma = vma->vm_next)``)."""
        node: VmAreaStruct | None = self
        while node is not None:
            yield node
            node = node.vm_next

    def __repr__(self) -> str:
        perms = "".join(c if self.vm_flags & b else "-" for b, c in ((VM_READ, "r"), (VM_WRITE, "w"), (VM_EXEC, "x")))
        name = f" {self.vm_file.path}" if self.vm_file else ""
        return f"<vm_area_struct {self.vm_start:#010x}-{self.vm_end:#010x} {perms}{name}>"


class TaskStruct:
    """The fields of ``struct task_struct`` memory needs: ``pid``, ``comm`` and ``mm``.

    :class:`vmwidgets.model.sched.Task` adds the system calls; this base lets mm/mmap.c
    check what it is handed without importing the layer above it.
    """

    __slots__ = ("comm", "mm", "pid")

    def __init__(self, pid: int, comm: str, mm: MmStruct) -> None:
        self.pid, self.comm, self.mm = pid, comm, mm

    def __repr__(self) -> str:
        return f"<task {self.pid} {self.comm!r}>"
