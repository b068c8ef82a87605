"""``struct task_struct`` (include/linux/sched.h), reduced to what memory needs, with the
memory system calls as its methods.

It sits above mm/mmap.c and mm/mprotect.c (its calls are their ``sys_*`` entry points), so
the structures below it (``mm_types``) never import upward.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .mm_types import File, TaskStruct
from .mmap import sys_brk, sys_mmap_pgoff, sys_munmap
from .mprotect import sys_mprotect

if TYPE_CHECKING:
    from .fault import Access

__all__ = ["Task"]


class Task(TaskStruct):
    """``struct task_struct``, reduced to what memory needs: ``pid``, ``comm`` and ``mm``.

    The memory system calls are its methods, named as the calls.  They return what the
    kernel returns to user space: an address or 0 on success, a negative errno
    (``-ENOMEM``, ``-EINVAL``, ``-EACCES`` …) on a failure the real call reports; brk returns
    the break.  Each call, failed or not, is one operation of the timeline.  Python values
    the real call could not even express (a str address, a number outside 32 bits, a task
    that has exited) raise :class:`~vmwidgets.InvalidArgument` before anything changes.
    """

    __slots__ = ()

    def mmap(
        self, addr: int, length: int, prot: int, flags: int, file: File | str | None = None, pgoff: int = 0
    ) -> int:
        """``mmap2(addr, length, prot, flags, fd, pgoff)``: arch/x86/kernel/sys_i386_32.c:sys_mmap2
        → mm/mmap.c:do_mmap_pgoff → mmap_region.

        ``unsigned long addr, len, prot, flags, pgoff``; ``file`` stands for the fd: a path
        (opened read-write), a :class:`File`, or None.  Returns the mapping's address, or
        -EINVAL (``length`` 0, neither or both of MAP_SHARED/MAP_PRIVATE, an unaligned
        MAP_FIXED address, MAP_GROWSDOWN on a file, 2.6.32's MAP_HUGETLB on a file),
        -ENOMEM (too long, no hole, MAP_FIXED past TASK_SIZE), -EOVERFLOW (``pgoff`` +
        pages wraps), -EBADF (no file without MAP_ANONYMOUS), -EACCES (a file opened
        without the access asked for), in the kernel's order; a MAP_FIXED ``addr`` in the
        top 4095 bytes comes back as it is, a negative number (IS_ERR_VALUE).  Without
        MAP_FIXED, ``addr`` is a hint masked down to its page (round_hint_to_min), taken if
        that range is free.  Not modelled (see :func:`~vmwidgets.model.mmap.sys_mmap_pgoff`):
        the VMA count limit, MAP_LOCKED, RLIMIT_AS, overcommit, noexec mounts and
        append-only files, and 2.6.32's ``mmap_min_addr`` (4096 by default; 0 in 2.6.24),
        which makes a MAP_FIXED mapping below it -EPERM for a task without CAP_SYS_RAWIO.
        """
        return sys_mmap_pgoff(self, addr, length, prot, flags, file, pgoff)

    def munmap(self, addr: int, length: int) -> int:
        """``munmap(addr, len)``: mm/mmap.c:sys_munmap → do_munmap, splitting VMAs at the edges.

        ``unsigned long addr``, ``size_t len``.

        Returns 0 (also when nothing was mapped there), or -EINVAL for an unaligned
        ``addr``, a ``length`` of 0 or a range past TASK_SIZE.
        """
        return sys_munmap(self, addr, length)

    def mprotect(self, start: int, length: int, prot: int) -> int:
        """``mprotect(start, len, prot)``: mm/mprotect.c:sys_mprotect → mprotect_fixup.

        ``unsigned long start``, ``size_t len``, ``unsigned long prot`` (PROT_* bits, with
        PROT_GROWSDOWN to reach down a stack VMA).  The same in 2.6.24 and 2.6.32.

        Returns 0, -EINVAL (unaligned ``start``, unknown ``prot`` bits), -ENOMEM (part of
        the range is not mapped; VMAs before the hole have changed, as in the kernel) or
        -EACCES (a VMA may not take the protection: its VM_MAY* bits).
        """
        return sys_mprotect(self, start, length, prot)

    def brk(self, brk: int) -> int:
        """``brk(brk)``: mm/mmap.c:sys_brk — grow the heap with do_brk, shrink it with do_munmap.

        ``unsigned long brk``: the new end of the heap (0 or anything below the limit just
        asks for the current break).

        Returns the new break, or the old one when the move is refused (below
        ``end_code``, a mapping in the way or less than a page above the new break, past
        TASK_SIZE): sys_brk reports no errno.  Not modelled (see
        :func:`~vmwidgets.model.mmap.sys_brk`): RLIMIT_DATA, RLIMIT_AS, the VMA count limit
        and overcommit, which could refuse a growth too.
        """
        return sys_brk(self, brk)

    def access(self, addr: int, write: bool = False, exec: bool = False, user: bool = True) -> Access:
        """Touch ``addr`` as this task would: the MMU's walk, arch/x86/mm/fault.c:do_page_fault
        on a miss (fault_32.c before 2.6.25).

        ``unsigned long addr``; ``write``, ``exec`` and ``user`` are the page-fault error
        code's bits.  Returns an :class:`~vmwidgets.model.fault.Access` (the physical
        address, or the signal and why): see :meth:`Kernel.access`.
        """
        return self.mm.kernel.access(self, addr, write, exec, user)
