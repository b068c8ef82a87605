"""What mmap2 returns on i386, errors first: a reference for 2.6.24 and 2.6.32, from the source.

Written from the kernel.org trees (2.6.24: sndrzt/linux-source-2.6.24 at e8fc8216; 2.6.32:
sndrzt/linux-2.6.32 at ae8292a5), not from vmwidgets' model.  ``24:n`` and ``32:n`` are
line numbers there.  The hole search itself is tests/reference/unmapped_area.py's; this
module decides, in the kernel's order, which check refuses a call, and what the caller reads.

Rules, in the order the kernel applies them:

- arch/x86/kernel/sys_i386_32.c:sys_mmap2 (24:42-65, 32:27-50): MAP_EXECUTABLE and
  MAP_DENYWRITE are dropped (24:50, 32:35); without MAP_ANONYMOUS, ``fget(fd)`` failing is
  -EBADF (24:46-54, 32:31-39); with it the fd is ignored.  sys_mmap2 returns do_mmap_pgoff's
  ``unsigned long`` as a ``long``: user space reads anything in the top 4095 values as -errno.
- arch/x86/kernel/sys_i386_32.c:old_mmap (24:83-99, 32:68-83): a byte offset that is not page
  aligned is -EINVAL (24:92, 32:77), else it is sys_mmap2 with ``offset >> PAGE_SHIFT``.
- mm/mmap.c:do_mmap_pgoff (24:891, 32:909):
  READ_IMPLIES_EXEC adds PROT_EXEC to PROT_READ unless the file is on a noexec mount
  (24:908-910, 32:925-927); len 0 is -EINVAL (24:912, 32:929); the hint goes through
  round_hint_to_min without MAP_FIXED (24:915, 32:932); arch_mmap_check is empty on x86;
  PAGE_ALIGN(len) wrapping to 0 or past TASK_SIZE is -ENOMEM (24:923-925, 32:940-942);
  ``pgoff + pages`` wrapping is -EOVERFLOW (24:928, 32:945); more than
  ``sysctl_max_map_count`` (65530 by default) VMAs is -ENOMEM (24:932, 32:949);
  2.6.32 only: MAP_HUGETLB (0x40000) with a file is -EINVAL (32:952-955);
  get_unmapped_area (below); MAP_LOCKED: -EPERM unless can_do_mlock (mm/mlock.c: an
  RLIMIT_MEMLOCK of 0 and no CAP_IPC_LOCK), -EAGAIN when the locked pages would pass
  RLIMIT_MEMLOCK (24:949-963, 32:984-997; the default limit is MLOCK_LIMIT, 32 KB in
  2.6.24 and 64 KB in 2.6.32, include/linux/resource.h:64/65);
  with a file (24:966-1008, 32:1001-1040): MAP_SHARED with PROT_WRITE on a file not opened
  for writing is -EACCES (24:970, 32:1004), as is a shared mapping of an append-only file
  opened for writing (24:977, 32:1011), mandatory locks are -EAGAIN (24:983, 32:1017); then
  (MAP_SHARED falls through to MAP_PRIVATE) a file not opened for reading is -EACCES
  (24:992, 32:1026), VM_EXEC on a noexec mount -EPERM (24:994-998, 32:1028-1032), no
  f_op->mmap -ENODEV (24:1002, 32:1034); any other MAP_TYPE is -EINVAL (24:1006, 32:1038);
  without a file (24:1009-1023, 32:1041-1059) any MAP_TYPE but MAP_SHARED or MAP_PRIVATE
  is -EINVAL;
  security_file_mmap (24:1025, 32:1061): 2.6.24's default (CONFIG_SECURITY, dummy or
  capability ops) refuses an address below mmap_min_addr, which is 0 there
  (security/security.c:26); 2.6.32's cap_file_mmap (security/commoncap.c:1002-1016) makes
  an address below ``dac_mmap_min_addr`` (4096, mm/Kconfig:228-230) -EPERM without
  CAP_SYS_RAWIO: only a MAP_FIXED address gets there, round_hint_to_min lifts a hint.
- mm/mmap.c:get_unmapped_area (24:1408-1426, 32:1456-1474): the arch search
  (arch_get_unmapped_area_topdown returns a MAP_FIXED address as it is, and -ENOMEM when no
  hole fits); IS_ERR_VALUE(addr) goes back to the caller unchanged (24:1418, 32:1466), so a
  MAP_FIXED address in the top 4095 bytes reads as an error number; an address past
  ``TASK_SIZE - len`` is -ENOMEM (24:1421, 32:1469), an unaligned one -EINVAL (24:1423,
  32:1471).
- mm/mmap.c:mmap_region (24:1067, 32:1120): the range is cleared first (do_munmap,
  24:1082-1087, 32:1134-1139), RLIMIT_AS (may_expand_vm, 24:1091, 32:1143, unlimited by
  default: include/asm-generic/resource.h:83) and the overcommit check of an accountable
  mapping (24:1104, 32:1165; taken to pass here) may be -ENOMEM; a file mapping with
  VM_GROWSDOWN is -EINVAL (24:1139-1141, 32:1196-1198), after the clearing.

The defaults taken: no READ_IMPLIES_EXEC personality, RLIMIT_AS and RLIMIT_MEMLOCK at their
defaults, a task without CAP_SYS_RAWIO or CAP_IPC_LOCK, overcommit never refusing.
"""

from __future__ import annotations

from dataclasses import dataclass

from .unmapped_area import PAGE_MASK, ULONG_MAX, RefMm, page_align

EPERM, EBADF, EAGAIN, ENOMEM, EACCES, ENODEV, EINVAL, EOVERFLOW = 1, 9, 11, 12, 13, 19, 22, 75
PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
MAP_SHARED, MAP_PRIVATE, MAP_TYPE, MAP_FIXED, MAP_ANONYMOUS = 0x01, 0x02, 0x0F, 0x10, 0x20
MAP_GROWSDOWN, MAP_DENYWRITE, MAP_EXECUTABLE, MAP_LOCKED = 0x0100, 0x0800, 0x1000, 0x2000
MAP_HUGETLB = 0x40000  # 2.6.32 include/asm-generic/mman.h:14; an unknown bit in 2.6.24
FMODE_READ, FMODE_WRITE = 0x1, 0x2
MAX_ERRNO = 4095  # include/linux/err.h
MAX_MAP_COUNT = 65530  # include/linux/mm.h DEFAULT_MAX_MAP_COUNT (65536 in 2.6.24: the same test)


@dataclass(frozen=True)
class OpenFile:
    """What do_mmap_pgoff reads of a ``struct file``: f_mode, the inode's append-only flag,
    mandatory locks, the mount's noexec flag, whether f_op has an mmap."""

    f_mode: int = FMODE_READ | FMODE_WRITE
    append_only: bool = False
    locked: bool = False
    noexec: bool = False
    has_mmap: bool = True


@dataclass(frozen=True)
class Outcome:
    """What the call returns (the ``long`` user space gets: an address, or a negative
    number), which rule decided it, and the range mmap_region cleared before refusing."""

    value: int
    rule: str
    cleared: tuple[int, int] | None = None

    @property
    def failed(self) -> bool:
        return self.value < 0


def is_err_value(x: int) -> bool:
    """include/linux/err.h:IS_ERR_VALUE on an i386 unsigned long (or a negative Python int)."""
    return x < 0 or x > ULONG_MAX - MAX_ERRNO


def as_long(x: int) -> int:
    """An unsigned long read back as sys_mmap2's ``long``: the top 4095 values are -errno."""
    return x - (ULONG_MAX + 1) if ULONG_MAX - MAX_ERRNO < x <= ULONG_MAX else x


def old_mmap(
    mm: RefMm, addr: int, length: int, prot: int, flags: int, file: OpenFile | None, offset: int, **kw: object
) -> Outcome:
    """arch/x86/kernel/sys_i386_32.c:old_mmap (24:83-99, 32:68-83)."""
    if offset & ~PAGE_MASK:
        return Outcome(-EINVAL, "old_mmap: offset not page aligned")
    return sys_mmap2(mm, addr, length, prot, flags, file, offset >> 12, **kw)  # type: ignore[arg-type]


def sys_mmap2(
    mm: RefMm,
    addr: int,
    length: int,
    prot: int,
    flags: int,
    file: OpenFile | None,
    pgoff: int,
    *,
    map_count: int = 0,
    locked_vm: int = 0,
    cap_sys_rawio: bool = False,
) -> Outcome:
    """sys_mmap2 → do_mmap_pgoff → get_unmapped_area → mmap_region's refusals.

    ``mm``: the address space (its VMAs and search hints, which the search may move, as in
    the kernel; pass a copy to keep one).  ``file`` None is a bad fd.  On success the value
    is the address the mapping gets; mmap_region's own work is not this module's."""
    flags &= ~(MAP_EXECUTABLE | MAP_DENYWRITE)
    if flags & MAP_ANONYMOUS:
        file = None
    elif file is None:
        return Outcome(-EBADF, "sys_mmap2: fget(fd) failed")
    new = mm.era == "2.6.32"
    if not length:
        return Outcome(-EINVAL, "do_mmap_pgoff: len 0")
    if not flags & MAP_FIXED:
        addr = mm.round_hint_to_min(addr)
    length = page_align(length)
    if not length or length > mm.task_size:
        return Outcome(-ENOMEM, "do_mmap_pgoff: PAGE_ALIGN(len) is 0 or past TASK_SIZE")
    if pgoff + (length >> 12) > ULONG_MAX:
        return Outcome(-EOVERFLOW, "do_mmap_pgoff: pgoff + pages wraps")
    if map_count > MAX_MAP_COUNT:
        return Outcome(-ENOMEM, "do_mmap_pgoff: map_count > sysctl_max_map_count")
    if new and flags & MAP_HUGETLB and file is not None:
        return Outcome(-EINVAL, "do_mmap_pgoff: MAP_HUGETLB with a file (2.6.32)")
    got = get_unmapped_area(mm, addr, length, flags)
    if got < 0 or got & ~PAGE_MASK:
        return Outcome(as_long(got) if got > 0 else got, "get_unmapped_area")
    addr = got
    vm_exec = bool(prot & PROT_EXEC)
    if flags & MAP_LOCKED:
        memlock = (64 << 10) if new else (32 << 10)  # MLOCK_LIMIT: RLIMIT_MEMLOCK's default
        if not memlock:
            return Outcome(-EPERM, "do_mmap_pgoff: MAP_LOCKED without can_do_mlock")
        if (length >> 12) + locked_vm > memlock >> 12:
            return Outcome(-EAGAIN, "do_mmap_pgoff: MAP_LOCKED past RLIMIT_MEMLOCK")
    kind = flags & MAP_TYPE
    if file is not None:
        if kind not in (MAP_SHARED, MAP_PRIVATE):
            return Outcome(-EINVAL, "do_mmap_pgoff: MAP_TYPE of a file mapping")
        if kind == MAP_SHARED:
            if prot & PROT_WRITE and not file.f_mode & FMODE_WRITE:
                return Outcome(-EACCES, "do_mmap_pgoff: shared PROT_WRITE, file not open for writing")
            if file.append_only and file.f_mode & FMODE_WRITE:
                return Outcome(-EACCES, "do_mmap_pgoff: shared mapping of an append-only file")
            if file.locked:
                return Outcome(-EAGAIN, "do_mmap_pgoff: mandatory locks")
        if not file.f_mode & FMODE_READ:
            return Outcome(-EACCES, "do_mmap_pgoff: file not open for reading")
        if file.noexec and vm_exec:
            return Outcome(-EPERM, "do_mmap_pgoff: PROT_EXEC on a noexec mount")
        if not file.has_mmap:
            return Outcome(-ENODEV, "do_mmap_pgoff: no f_op->mmap")
    elif kind not in (MAP_SHARED, MAP_PRIVATE):
        return Outcome(-EINVAL, "do_mmap_pgoff: MAP_TYPE of an anonymous mapping")
    if new and addr < 4096 and not cap_sys_rawio:
        return Outcome(-EPERM, "security_file_mmap: below mmap_min_addr (2.6.32)")
    if file is not None and flags & MAP_GROWSDOWN:
        return Outcome(-EINVAL, "mmap_region: VM_GROWSDOWN on a file", (addr, addr + length))
    return Outcome(addr, "mapped")


def get_unmapped_area(mm: RefMm, addr: int, length: int, flags: int) -> int:
    """mm/mmap.c:get_unmapped_area (24:1408-1426, 32:1456-1474) with the error values as the
    kernel leaves them: a negative errno, or an IS_ERR_VALUE address given with MAP_FIXED."""
    if mm.legacy:
        got = mm.arch_get_unmapped_area(addr, length, flags)
    else:
        got = mm.arch_get_unmapped_area_topdown(addr, length, flags)
    if is_err_value(got):
        return got
    if got > mm.task_size - length:
        return -ENOMEM
    if got & ~PAGE_MASK:
        return -EINVAL
    return got
