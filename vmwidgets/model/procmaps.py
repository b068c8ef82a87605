"""Build an ``mm_struct`` from real /proc/PID/maps text (fs/proc/task_mmu.c:show_map format).

Each line becomes a ``vm_area_struct`` linked with the kernel's own code (find_vma_prepare,
__vma_link_list, __vma_link_rb), so the tree a lesson shows is the one Linux would build
for those mappings.  Works for 64-bit processes too (the notebook's own Python): the mm's
TASK_SIZE is then 2**64.  A 32-bit listing whose last line lies above PAGE_OFFSET (the
fixed ``[vdso]`` page at 0xffffe000 of 2.6 i386 kernels) gets TASK_SIZE 2**32, so that
page fits; ``maps()`` still pads for a 32-bit kernel.  The permissions give
VM_READ/WRITE/EXEC and VM_SHARED|VM_MAYSHARE;
the VM_MAY* bits, which maps does not show, are taken as all set, and private writable
VMAs get VM_ACCOUNT and anonymous ones ``vm_pgoff = vm_start >> PAGE_SHIFT``, as
mmap_region would have given them.  Special mappings
([vdso], [vvar], [vsyscall] …) are kept as pseudo-files of that name so ``maps()`` prints
them back; [heap] and [stack] set ``start_brk``/``brk`` and ``start_stack``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..errors import InvalidArgument, check_text
from .config import Config
from .constants import PAGE_SHIFT, PAGE_SIZE
from .mm_types import (
    VM_ACCOUNT,
    VM_EXEC,
    VM_GROWSDOWN,
    VM_MAYEXEC,
    VM_MAYREAD,
    VM_MAYSHARE,
    VM_MAYWRITE,
    VM_READ,
    VM_SHARED,
    VM_WRITE,
    File,
    VmAreaStruct,
)

if TYPE_CHECKING:
    from .kernel import Kernel
    from .mmap import MmStruct

__all__ = ["MAX_MAP_COUNT", "PATH_MAX", "from_proc_maps"]

# show_map's fields, ASCII only ("１" is no inode) and bounded: 64-bit addresses and offsets,
# MAJOR/MINOR of a dev_t (12 and 20 bits), an unsigned long inode.
_LINE = re.compile(
    r"(?P<start>[0-9a-f]{1,16})-(?P<end>[0-9a-f]{1,16}) (?P<perms>[r-][w-][x-][sp]) (?P<off>[0-9a-f]{1,16}) "
    r"(?P<major>[0-9a-f]{1,3}):(?P<minor>[0-9a-f]{1,5}) (?P<ino>[0-9]{1,20})(?: +(?P<name>.*))?",
    re.ASCII,
)
_FORMAT = "start-end perms offset major:minor inode [path], e.g. '08048000-0804c000 r-xp 00000000 08:01 1001 /bin/cat'"
PATH_MAX = 4096  # include/linux/limits.h
MAX_MAP_COUNT = 65530  # 2.6.32 DEFAULT_MAX_MAP_COUNT (65536 in 2.6.24): the most lines a maps file has
_MAX_LINE = 80 + PATH_MAX
_MAX_TEXT = MAX_MAP_COUNT * 128  # far more than a real maps file of that many lines needs

_SHOW_MAP = "fs/proc/task_mmu.c:show_map"  # no kernel function builds an mm from maps: the one it inverts
Row = tuple[int, int, str, int, tuple[int, int], int, "str | None"]


def _parse(text: str) -> list[Row]:
    """The rows of ``text``, every field checked; lines are split at ``\\n`` only (an optional
    ``\\r`` before it is dropped), so a ``\\r`` or ``\\v`` inside a path cannot make a line of its own."""
    if len(text) > _MAX_TEXT:
        raise InvalidArgument("text", text, f"the text of a /proc/PID/maps file (at most {_MAX_TEXT} characters)")
    rows: list[Row] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw[:-1] if raw.endswith("\r") else raw
        if not line.strip():
            continue
        if len(rows) == MAX_MAP_COUNT:
            raise InvalidArgument(
                f"line {number}", line, f"at most {MAX_MAP_COUNT} lines (the default vm.max_map_count)"
            )
        if len(line) > _MAX_LINE:
            raise InvalidArgument(f"line {number}", line, f"a line of at most {_MAX_LINE} characters: {_FORMAT}")
        m = _LINE.fullmatch(line)
        if m is None:
            raise InvalidArgument(f"line {number}", line, _FORMAT)
        start, end = int(m["start"], 16), int(m["end"], 16)
        if start >= end or start % PAGE_SIZE or end % PAGE_SIZE:
            raise InvalidArgument(f"line {number}", line, "a page-aligned, non-empty range start-end")
        if rows and start < rows[-1][1]:
            raise InvalidArgument(f"line {number}", line, "ranges in increasing order that do not overlap")
        ino = int(m["ino"])
        if ino >= 1 << 64:
            raise InvalidArgument(f"line {number} inode", ino, "an inode number below 2**64")
        name = (m["name"] or "").strip() or None
        if name is not None:
            check_text(f"line {number} path", name, "a path or [name]", max_len=PATH_MAX)
        dev = (int(m["major"], 16), int(m["minor"], 16))
        rows.append((start, end, m["perms"], int(m["off"], 16), dev, ino, name))
    if not rows:
        raise InvalidArgument("text", text, "at least one line of /proc/PID/maps")
    return rows


def from_proc_maps(text: str, kernel: Kernel | None = None, name: str = "proc") -> MmStruct:
    """An :class:`~vmwidgets.MmStruct` with one VMA per line of /proc/PID/maps ``text``.

    Malformed input raises :class:`~vmwidgets.InvalidArgument` naming the line number,
    before anything is built: a field out of its range, ranges out of order, a path with
    control, bidirectional or zero-width characters (a newline would forge a line of
    ``maps()``), more than ``MAX_MAP_COUNT`` lines or a line longer than a path can make.
    Building runs on ``kernel`` (a fresh default one when None) as one operation, so its
    timeline shows the tree growing.

    mm names are unique in a kernel (the views key VMAs by them).  A task's mm is named
    by its pid, so ``name`` may not be a number (that name belongs to the task with that
    pid, now or later); a name another mm already has gets ``-2``, ``-3`` … appended.

    ``const char *text``, ``Kernel kernel`` (None for a fresh default one), ``name`` for
    the mm.  Returns the new ``struct mm_struct *`` (never None).  No kernel function
    does this: it inverts show_map (the same format in 2.6.24 and 2.6.32).

    >>> mm = from_proc_maps("08048000-0804c000 r-xp 00000000 08:01 1001       /bin/cat\\n")
    >>> mm.map_count, mm.mmap.vm_file.path
    (1, '/bin/cat')
    """
    from .kernel import Kernel  # the facade sits above this module: import it at call time
    from .mmap import MmStruct, find_vma_prepare, set_mm_field, vm_get_page_prot, vma_link, vma_wants_writenotify

    if not isinstance(text, str):
        raise InvalidArgument("text", text, "the text of a /proc/PID/maps file")
    check_text("name", name, "a name for the mm", max_len=64)
    if name.isdecimal():
        raise InvalidArgument("name", name, "a name that is not a number (numbers name the tasks' mms by pid)")
    rows = _parse(text)
    if kernel is None:
        kernel = Kernel(Config())
    elif not isinstance(kernel, Kernel):
        raise InvalidArgument("kernel", kernel, "None or a vmwidgets.Kernel")
    taken = {m.name for m in kernel.mms}
    base, n = name, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    with kernel.emitter.operation("from_proc_maps", f"{len(rows)} lines", _SHOW_MAP) as op:
        mm = MmStruct(kernel, name, None)
        kernel.mms.append(mm)
        top = rows[-1][1]
        if top > 1 << 32:  # a 64-bit process
            mm.task_size = mm.mmap_base = mm.free_area_cache = 1 << 64
        elif top > kernel.layout.page_offset:  # i386's [vdso] page at 0xffffe000, above TASK_SIZE
            mm.task_size = 1 << 32
        # newer kernels print offset 0 for anonymous VMAs; print them back the same way
        mm.maps_anon_offset = not any(
            off == 0 and start and (path is None or path in ("[heap]", "[stack]"))
            for start, _, _, off, _, _, path in rows
        )
        for start, end, perms, off, dev, ino, path in rows:
            flags = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC
            flags |= (VM_READ if perms[0] == "r" else 0) | (VM_WRITE if perms[1] == "w" else 0)
            flags |= (VM_EXEC if perms[2] == "x" else 0) | (VM_SHARED | VM_MAYSHARE if perms[3] == "s" else 0)
            if perms[1] == "w" and perms[3] == "p":
                flags |= VM_ACCOUNT  # mmap_region charged it
            file, pgoff = None, off >> PAGE_SHIFT
            if path == "[heap]":  # the fields show_map names the heap and the stack by, read back
                set_mm_field(mm, "start_brk", start, _SHOW_MAP)
                set_mm_field(mm, "brk", end, _SHOW_MAP)
            elif path == "[stack]":
                flags |= VM_GROWSDOWN
                set_mm_field(mm, "start_stack", end - PAGE_SIZE, _SHOW_MAP)
            elif path is not None:
                file = File(path, dev, ino)
            if file is None:
                pgoff = start >> PAGE_SHIFT  # what do_mmap_pgoff/do_brk give anonymous VMAs
            vma = VmAreaStruct(mm, start, end, flags, pgoff, file)
            vma.vm_page_prot = vm_get_page_prot(mm, flags)
            if vma_wants_writenotify(vma):  # as mmap_region left a shared writable file mapping
                vma.vm_page_prot = vm_get_page_prot(mm, flags & ~VM_SHARED)
            _, prev, parent, left = find_vma_prepare(mm, start)
            vma_link(mm, vma, prev, parent, left)
            mm.total_vm += (end - start) >> PAGE_SHIFT
        op.result = repr(mm)
    return mm
