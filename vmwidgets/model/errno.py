"""Error numbers as include/asm-generic/errno-base.h and errno.h define them (positive).

System calls (:class:`~vmwidgets.Task` methods) return them negated, as the kernel returns
them to user space: ``task.munmap(0x1001, 4096) == -EINVAL``.
"""

from __future__ import annotations

EPERM = 1
EBADF = 9
ENOMEM = 12
EACCES = 13
EINVAL = 22
EOVERFLOW = 75

_NAMES = {EPERM: "EPERM", EBADF: "EBADF", ENOMEM: "ENOMEM", EACCES: "EACCES", EINVAL: "EINVAL", EOVERFLOW: "EOVERFLOW"}


def errno_name(value: int) -> str:
    """``"-ENOMEM"`` for -12: how the timeline shows a failed call's result.

    >>> errno_name(-ENOMEM)
    '-ENOMEM'
    """
    return f"-{_NAMES[-value]}" if -value in _NAMES else str(value)


__all__ = ["EACCES", "EBADF", "EINVAL", "ENOMEM", "EOVERFLOW", "EPERM", "errno_name"]
