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
- What each call puts on vmlist (both eras; 2.6.24 mm/vmalloc.c, 2.6.32 mm/vmalloc.c):
  __get_vm_area_node rounds the size to pages (24: 189; 32: 1178) and adds one guard page
  (24: 201; 32: 1189); vmlist stays sorted by address (24: the walk links the area before
  the first one above it, 220-226; 32: insert_vmalloc_vm 1137-1157).  vmalloc: VM_ALLOC
  and ``nr_pages`` = size without the guard in pages (24: 432-435; 32: 1415-1418).  vmap:
  the flags given, ``count`` pages, ``nr_pages`` and ``pages`` left 0 (24: 406-423; 32:
  1382-1403).  ioremap (24: arch/x86/mm/ioremap_32.c:__ioremap 37-94 with flags 0; 32:
  arch/x86/mm/ioremap.c:__ioremap_caller 99-218 through ioremap_nocache 241): the ISA range
  640 kB-1 MB comes back through the direct map with no area (24: 52-53; 32: 127-128);
  RAM that is not PageReserved is refused (24: only for a range starting in lowmem, every
  page, 58-68; 32: all RAM, but the loop stops **before** the last page, 140-148); the area
  has VM_IOREMAP and ``phys_addr`` = the physical address rounded down to a page (24: 78-86;
  32: 156-200), an ``unsigned long`` (include/linux/vmalloc.h: 32 bits on i386 even with
  PAE); the returned address keeps the offset in the page (24: 93; 32: 209).  vfree,
  vunmap and iounmap take the area off vmlist at once (24: __remove_vm_area 284-303; 32:
  remove_vm_area 1265-1291, even though the vmap_area itself is freed lazily).
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


PAGE_SIZE = 1 << PAGE_SHIFT
VM_IOREMAP, VM_ALLOC, VM_MAP = 0x1, 0x2, 0x4
ISA_START, ISA_END = 0xA0000, 0x100000


def _page_align(x: int) -> int:
    return (x + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)


def vmalloc_area(addr: int, size: int, caller: str | None) -> VmArea:
    """The vm_struct vmalloc(size) links at ``addr`` (see the module notes)."""
    pages = _page_align(size) >> PAGE_SHIFT
    return VmArea(addr, (pages + 1) << PAGE_SHIFT, VM_ALLOC, pages, 0, caller)


def vmap_area(addr: int, count: int, flags: int, caller: str | None) -> VmArea:
    """The vm_struct vmap(pages, count, flags) links at ``addr``."""
    return VmArea(addr, (count + 1) << PAGE_SHIFT, flags, 0, 0, caller)


def ioremap_outcome(
    phys: int, size: int, era: str, ram_end_pfn: int, holes: Sequence[tuple[int, int]],
    reserved: Sequence[tuple[int, int]], max_low_pfn: int,
) -> str:  # fmt: skip
    """ "isa" (the direct map, no area), "refused" (NULL) or "area" for ioremap(phys, size)."""
    last = phys + size - 1
    if phys >= ISA_START and last < ISA_END:
        return "isa"

    def ram_in_use(pfn: int) -> bool:  # page_is_ram and pfn_valid and !PageReserved
        in_hole = any(s <= pfn < e for s, e in holes)
        return pfn < ram_end_pfn and not in_hole and not any(s <= pfn < e for s, e in reserved)

    if era == "2.6.24":
        pfns = range(phys >> PAGE_SHIFT, (last >> PAGE_SHIFT) + 1) if phys < max_low_pfn << PAGE_SHIFT else range(0)
    else:
        pfns = range(phys >> PAGE_SHIFT, (last & ~(PAGE_SIZE - 1)) >> PAGE_SHIFT)
    return "refused" if any(ram_in_use(p) for p in pfns) else "area"


def ioremap_area(returned: int, phys: int, size: int, caller: str | None) -> VmArea:
    """The vm_struct ioremap(phys, size) links; ``returned`` is what it returned."""
    base = phys & ~(PAGE_SIZE - 1)
    mapped = _page_align(phys + size) - base
    return VmArea(returned & ~(PAGE_SIZE - 1), mapped + PAGE_SIZE, VM_IOREMAP, 0, base & 0xFFFFFFFF, caller)
