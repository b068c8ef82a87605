"""Processes: execve's initial layout, fork and exit (kernel/fork.c, kernel/exit.c, mm/mmap.c:exit_mmap).

Owns the task list and every mm (the tasks' and those read from /proc/PID/maps).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import InvalidArgument, InvariantError
from ..events import MM_FIELDS
from .constants import PAGE_SHIFT
from .emit import Emitter
from .layout import Layout
from .memory import Memory
from .mm_types import (
    MAP_ANONYMOUS,
    MAP_DENYWRITE,
    MAP_EXECUTABLE,
    MAP_FIXED,
    MAP_GROWSDOWN,
    MAP_PRIVATE,
    PROT_EXEC,
    PROT_READ,
    PROT_WRITE,
    File,
    VmAreaStruct,
)
from .mmap import ULONG_MAX, MmStruct, do_mmap_pgoff, exit_mmap, find_vma_prepare, set_mm_field, vma_link
from .pgtable import PageTables
from .sched import Task

if TYPE_CHECKING:
    from .kernel import Kernel

__all__ = ["Processes"]

_FORK_FIELDS = (
    "start_code",
    "end_code",
    "start_data",
    "end_data",
    "start_brk",
    "brk",
    "start_stack",
    "mmap_base",
    "maps_anon_offset",
)


class Processes:
    """spawn (execve), fork (dup_mmap), exit (exit_mmap); ``tasks`` and ``mms``.

    Below it: the page tables (pgd_alloc/pgd_free), the user page tables (copy, zap,
    free_pgtables) and mmap's VMA list of each mm.  ``owner`` is the kernel facade the
    mms belong to.
    """

    def __init__(self, layout: Layout, emitter: Emitter, pgtable: PageTables, memory: Memory, owner: Kernel) -> None:
        self.layout = layout
        self._emitter = emitter
        self._pgtable = pgtable
        self._memory = memory
        self._owner = owner
        self.tasks: list[Task] = []
        self.mms: list[MmStruct] = []  # every address space: the tasks' and those read from maps
        self._pids = 0
        self._vma_ids = 0

    def next_vma_id(self) -> int:
        """A kernel-wide id for a new VMA, what events and views call it (the kernel has none:
        it names a ``struct vm_area_struct *`` by its address)."""
        self._vma_ids += 1
        return self._vma_ids

    def check_task(self, task: object) -> None:
        """Refuse anything but a live ``struct task_struct *`` of this kernel: an object of
        another kind or kernel, or a task that has exited, raises :class:`~vmwidgets.InvalidArgument`."""
        if not isinstance(task, Task) or task not in self.tasks:
            raise InvalidArgument("task", task, "a live task of this kernel (from spawn or fork)")

    def spawn(self, name: str) -> Task | None:
        """Create a process as execve would leave it (fs/binfmt_elf.c, kernel/fork.c).

        ``pgd_alloc`` gives it a page directory whose kernel part ``pgd_ctor`` copies from
        swapper_pg_dir (under PAE the kernel PMD is shared and three user PMDs are
        preallocated).  The layout of a small dynamically linked program follows:
        ``/bin/NAME`` text at 0x08048000 and data after it (start_brk just above), the
        21-page initial stack just below TASK_SIZE, the dynamic loader's text top-down
        below ``mmap_base`` with its data right above it (2.6.24's load_elf_interp), then
        libc as ld.so maps it from user space: the whole image top-down, its data mapped
        over the end with MAP_FIXED (a split), an anonymous bss.  No vdso (2.6.24 puts
        one page below ld.so), no randomisation.

        ``const char *name``: the command (``comm``, 1 to 15 printable characters, no ``/``).
        Returns the new ``struct task_struct *``, or None (NULL: execve would fail with
        -ENOMEM) when no page is left for the page directory.  The page directory comes
        from arch/x86/mm/pgtable_32.c:pgd_alloc in 2.6.24, arch/x86/mm/pgtable.c from 2.6.26.
        """
        if not isinstance(name, str) or not 0 < len(name) <= 15 or not name.isprintable() or "/" in name:
            raise InvalidArgument("name", name, "a command name of 1 to 15 printable characters, no '/'")
        with self._emitter.operation("execve", f"name={name!r}", "fs/binfmt_elf.c:load_elf_binary") as op:
            task = self._new_task(name)
            if task is None:
                op.result = "-ENOMEM"
                return None
            mm = task.mm
            pid = task.pid
            rx, rw = PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE
            priv = MAP_PRIVATE | MAP_DENYWRITE
            exe = File(f"/bin/{name}", (8, 1), 1000 + pid)
            do_mmap_pgoff(mm, exe, 0x08048000, 0x4000, rx, priv | MAP_FIXED | MAP_EXECUTABLE, 0)
            do_mmap_pgoff(mm, exe, 0x0804C000, 0x1000, rw, priv | MAP_FIXED | MAP_EXECUTABLE, 3)
            mm.start_code, mm.end_code, mm.start_data, mm.end_data = 0x08048000, 0x0804B6F4, 0x0804C6F4, 0x0804C81C
            set_mm_field(mm, "start_brk", 0x0804D000, "fs/binfmt_elf.c:set_brk")
            set_mm_field(mm, "brk", 0x0804D000, "fs/binfmt_elf.c:set_brk")
            stack = mm.task_size - 0x15000
            do_mmap_pgoff(mm, None, stack, 0x15000, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, 0)
            set_mm_field(mm, "start_stack", mm.task_size - 0x11C0, "fs/binfmt_elf.c:load_elf_binary")
            # load_elf_interp: ld.so's text top-down, its data MAP_FIXED right above (no total_size in 2.6.24)
            ld = File("/lib/ld-2.7.so", (8, 1), 2101)
            base = _placed(do_mmap_pgoff(mm, ld, 0, 0x1B000, rx, priv, 0))
            do_mmap_pgoff(mm, ld, base + 0x1B000, 0x2000, rw, priv | MAP_FIXED, 0x1A)
            # ld.so then maps libc from user space (sys_mmap2 drops MAP_DENYWRITE): the whole image,
            # its data MAP_FIXED over the end, and an anonymous bss
            libc = File("/lib/libc-2.7.so", (8, 1), 2130)
            base = _placed(do_mmap_pgoff(mm, libc, 0, 0x143000, rx, MAP_PRIVATE, 0))
            do_mmap_pgoff(mm, libc, base + 0x13D000, 0x3000, rw, MAP_PRIVATE | MAP_FIXED, 0x13D)
            do_mmap_pgoff(mm, None, base + 0x140000, 0x3000, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0)
            op.result = f"task {pid}"
            return task

    def fork(self, task: Task) -> Task | None:
        """kernel/fork.c:copy_mm/dup_mmap — a child with copies of every VMA; private writable
        pages are write-protected in both, so the first write copies (do_wp_page).

        ``struct task_struct *task``: a live task of this kernel.  Returns the child's
        ``struct task_struct *``, or None (NULL: fork returns -ENOMEM) when memory runs out;
        the half-built child is torn down again.  The child's placement hints start afresh:
        ``free_area_cache`` is the parent's ``mmap_base`` and ``cached_hole_size`` ~0UL
        (dup_mmap, kernel/fork.c:227-228 in 2.6.24, 296-297 in 2.6.32), so its first mmap
        searches down from mmap_base where the parent's goes on from its cache.  The same in
        both eras (anon_vma chains, which change how dup_mmap links anonymous pages, came in
        2.6.34).
        """
        self.check_task(task)
        with self._emitter.operation("fork", f"pid={task.pid}", "kernel/fork.c:dup_mmap") as op:
            child = self._new_task(task.comm)
            if child is None:
                op.result = "-ENOMEM"
                return None
            parent, mm = task.mm, child.mm
            for attr in _FORK_FIELDS:  # dup_mm's memcpy of the whole mm_struct
                if attr in MM_FIELDS:  # what show_map names [heap] and [stack] by: the views see it
                    set_mm_field(mm, attr, getattr(parent, attr), "kernel/fork.c:dup_mm")
                else:
                    setattr(mm, attr, getattr(parent, attr))
            mm.free_area_cache, mm.cached_hole_size = parent.mmap_base, ULONG_MAX  # dup_mmap's reset
            for vma in parent:
                new = VmAreaStruct(mm, vma.vm_start, vma.vm_end, vma.vm_flags, vma.vm_pgoff, vma.vm_file)
                new.vm_page_prot, new.anon_vma = vma.vm_page_prot, vma.anon_vma
                _, prev, node, left = find_vma_prepare(mm, new.vm_start)
                vma_link(mm, new, prev, node, left)
                mm.total_vm += (vma.vm_end - vma.vm_start) >> PAGE_SHIFT
                if not self._memory.copy_page_range(parent, mm, vma):
                    self._teardown(child)  # dup_mmap's error path: the child's mm goes away again
                    op.result = "-ENOMEM"
                    return None
            op.result = f"task {child.pid}"
            return child

    def exit(self, task: Task) -> None:
        """kernel/exit.c:do_exit → exit_mm → mm/mmap.c:exit_mmap: unmap everything, free the page
        tables and the pgd (pgd_free).

        ``struct task_struct *task``: a live task of this kernel.  Returns nothing (``void``).
        Afterwards the task and its mm are stale handles: every call on them, and reading
        ``mm.mmap``, raises :class:`~vmwidgets.InvalidArgument`.  The same in both eras.
        """
        self.check_task(task)
        with self._emitter.operation("exit", f"pid={task.pid}", "mm/mmap.c:exit_mmap") as op:
            self._teardown(task)
            op.result = "void"

    def _new_task(self, comm: str) -> Task | None:
        """A task with a fresh mm: pgd_alloc, pgd_ctor (and PAE's preallocated user PMDs).

        None when a page runs out (the failed allocation is an event; nothing stays behind).
        """
        pid = self._pids + 1
        page = self._pgtable.pgd_alloc(f"{pid}")
        if page is None:
            return None
        self._pids = pid
        task = Task(pid, comm, MmStruct(self._owner, f"{pid}", page))
        self.tasks.append(task)
        self.mms.append(task.mm)
        if self._pgtable.config.pae:  # pgd_alloc preallocates the user PMDs
            for i in range(self._pgtable.pgd_index(self.layout.page_offset)):
                if (
                    self._pgtable.alloc_table(page.pfn, i, "pmd", i << 30, f"{self._pgtable.pgd_file}:pgd_alloc")
                    is None
                ):
                    self._teardown(task)
                    return None
        return task

    def _teardown(self, task: Task) -> None:
        """exit_mmap and pgd_free: every VMA, page, page table and the pgd go back."""
        mm = task.mm
        exit_mmap(mm)
        self._pgtable.pgd_free(mm.name, mm.pgd_pfn())
        for attr in MM_FIELDS:  # __mmdrop's free_mm: the mm_struct goes back to mm_cachep, its fields with it
            set_mm_field(mm, attr, 0, "kernel/fork.c:__mmdrop")
        self.tasks.remove(task)
        self.mms.remove(mm)


def _placed(addr: int | None) -> int:
    """A mapping's address in a fresh address space, where a hole is always found."""
    if addr is None:
        raise InvariantError("spawn", "NULL", "a hole for ld.so and libc in a fresh address space")
    return addr
