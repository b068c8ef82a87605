"""/proc text formats of 2.6.24 and 2.6.32, written from the kernel sources (not the model).

- /proc/PID/maps: fs/proc/task_mmu.c.  2.6.24 show_map (216) → show_map_internal (134-214):
  ``"%08lx-%08lx %c%c%c%c %08lx %02x:%02x %lu %n"`` (155-163) with ``vm_pgoff << PAGE_SHIFT``
  for every VMA, file or not, computed in an ``unsigned long`` (cut to 32 bits on i386);
  2.6.32 show_map (278) → show_map_vma (202-276): the offset is ``%08llx`` of
  ``((loff_t)vm_pgoff) << PAGE_SHIFT`` for a VMA with a file only, 0 otherwise (209-217),
  never cut to 32 bits.  Both: the permissions ``r w x`` from VM_READ/WRITE/EXEC and ``s``
  for VM_MAYSHARE else ``p``; dev and inode 0 without a file; the text always ends with a
  space after the inode; a name follows after pad_len_spaces (24: 109-115; 32: 76-82):
  ``25 + 6 * sizeof(void *) - len`` spaces, at least one.  The name is the file's path;
  without a file, arch_vma_name (``[vdso]`` for the VMA at ``mm->context.vdso``), else
  ``[heap]`` when ``vm_start <= start_brk && vm_end >= brk``, else ``[stack]`` when
  ``vm_start <= start_stack && vm_end >= start_stack`` (24: 173-185; 32: 227-260); 2.6.32
  adds ``[threadstack:%08lx]`` for a thread's stack (the model has no threads), and a VMA
  with no mm is ``[vdso]`` (the gate VMA).
- /proc/vmallocinfo: mm/vmalloc.c:s_show (2.6.32 2328-2367; the file is 2.6.25's, there is
  none in 2.6.24): ``"0x%p-0x%p %7ld"`` (``%p`` is zero-padded to 8 digits on i386), then
  `` caller`` (the symbol), `` pages=%d``, `` phys=%lx``, and the words ioremap, vmalloc,
  vmap, user, vpages in that order; show_numa_info prints nothing without CONFIG_NUMA.
- /proc/buddyinfo: mm/vmstat.c:frag_show_print (433-442 in both eras): ``"Node %d, zone
  %8s "`` then ``"%6lu "`` per order below MAX_ORDER (11), then a newline; walk_zones_in_node
  (416-431) skips zones that are not populated_zone (include/linux/mmzone.h, 24: 600;
  32: 684: ``present_pages`` is not 0).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PAGE_SHIFT = 12
VM_READ, VM_WRITE, VM_EXEC, VM_MAYSHARE = 0x1, 0x2, 0x4, 0x80


@dataclass(frozen=True)
class MapsVma:
    vm_start: int
    vm_end: int
    vm_flags: int
    vm_pgoff: int
    path: str | None = None  # vm_file's path; None without a file
    dev: tuple[int, int] = (0, 0)
    ino: int = 0


@dataclass(frozen=True)
class MapsMm:
    start_brk: int
    brk: int
    start_stack: int
    vdso: int | None = None  # mm->context.vdso


def maps_line(vma: MapsVma, mm: MapsMm, era: str, pointer_bytes: int = 4) -> str:
    """One line of /proc/PID/maps, newline included."""
    if era not in ("2.6.24", "2.6.32"):
        raise ValueError(era)
    f = vma.vm_flags
    perms = (
        ("r" if f & VM_READ else "-")
        + ("w" if f & VM_WRITE else "-")
        + ("x" if f & VM_EXEC else "-")
        + ("s" if f & VM_MAYSHARE else "p")
    )
    has_file = vma.path is not None
    if era == "2.6.24":
        offset = (vma.vm_pgoff << PAGE_SHIFT) & ((1 << (8 * pointer_bytes)) - 1)  # unsigned long
    else:
        offset = vma.vm_pgoff << PAGE_SHIFT if has_file else 0  # loff_t: never cut
    dev, ino = (vma.dev, vma.ino) if has_file else ((0, 0), 0)
    text = f"{vma.vm_start:08x}-{vma.vm_end:08x} {perms} {offset:08x} {dev[0]:02x}:{dev[1]:02x} {ino} "
    name = vma.path
    if name is None:
        if mm.vdso is not None and vma.vm_start == mm.vdso:
            name = "[vdso]"
        elif vma.vm_start <= mm.start_brk and vma.vm_end >= mm.brk:
            name = "[heap]"
        elif vma.vm_start <= mm.start_stack and vma.vm_end >= mm.start_stack:
            name = "[stack]"
    if name is not None:
        text += " " * max(1, 25 + pointer_bytes * 6 - len(text)) + name
    return text + "\n"


def maps(vmas: Iterable[MapsVma], mm: MapsMm, era: str, pointer_bytes: int = 4) -> str:
    return "".join(maps_line(v, mm, era, pointer_bytes) for v in vmas)


@dataclass(frozen=True)
class VmArea:
    addr: int
    size: int
    flags: int
    nr_pages: int = 0
    phys_addr: int = 0
    caller: str | None = None


_WORDS = ((0x1, "ioremap"), (0x2, "vmalloc"), (0x4, "vmap"), (0x8, "user"), (0x10, "vpages"))


def vmallocinfo(areas: Iterable[VmArea]) -> str:
    out = []
    for v in areas:
        s = f"0x{v.addr:08x}-0x{v.addr + v.size:08x} {v.size:7d}"
        if v.caller:
            s += " " + v.caller
        if v.nr_pages:
            s += f" pages={v.nr_pages}"
        if v.phys_addr:
            s += f" phys={v.phys_addr:x}"
        s += "".join(" " + word for bit, word in _WORDS if v.flags & bit)
        out.append(s + "\n")
    return "".join(out)


def buddyinfo(zones: Sequence[tuple[str, int, Sequence[int]]]) -> str:
    """``zones``: (name, present_pages, nr_free of each order) of node 0, in zone order."""
    out = []
    for name, present, nr_free in zones:
        if not present:
            continue
        out.append(f"Node 0, zone {name:>8s} " + "".join(f"{n:6d} " for n in nr_free) + "\n")
    return "".join(out)
