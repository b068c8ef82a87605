"""Where mmap puts a mapping: a reference for i386 Linux 2.6.24 and 2.6.32, from the source.

Written from the kernel.org trees (2.6.24: sndrzt/linux-source-2.6.24 at e8fc8216;
2.6.32: sndrzt/linux-2.6.32 at ae8292a5), not from vmwidgets' model.  It keeps only what
placement depends on: the VMA list (start, end and what decides whether two neighbours
merge), ``mmap_base``, ``free_area_cache`` and ``cached_hole_size``.  Citations are
``file:function:line`` as ``2.6.24-line/2.6.32-line`` when the rule is in both eras.

The two eras place mappings the same way: arch_get_unmapped_area(_topdown) and
arch_unmap_area(_topdown) are line for line the same; both do_mmap_pgoff call
round_hint_to_min on a hint (2.6.24 only under CONFIG_SECURITY, which distribution kernels
set; 2.6.32 always), and mmap_min_addr is 0 (2.6.24) or 4096 (2.6.32's
CONFIG_DEFAULT_MMAP_MIN_ADDR).  What differs is where the code lives (mmap_32.c vs mmap.c).

Only what the comparison needs is here: anonymous private mappings and file mappings,
MAP_FIXED or not, without MAP_NORESERVE, no randomisation (``randomize_va_space=0``), RLIMIT_STACK 8 MB; nothing
about page tables, accounting limits or mmap_min_addr's -EPERM for MAP_FIXED.
"""

from __future__ import annotations

import bisect
import copy
from dataclasses import dataclass, field

PAGE_SIZE = 4096
PAGE_MASK = ~(PAGE_SIZE - 1)
ULONG_MAX = 0xFFFFFFFF  # ~0UL on i386
EINVAL, ENOMEM = 22, 12

PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS = 0x01, 0x02, 0x10, 0x20
MAP_GROWSDOWN, MAP_DENYWRITE, MAP_EXECUTABLE = 0x0100, 0x0800, 0x1000

RLIMIT_STACK = 8 << 20


def page_align(x: int) -> int:
    """PAGE_ALIGN on an unsigned long: wraps to 0 past the top (include/linux/mm.h)."""
    return (x + PAGE_SIZE - 1) & PAGE_MASK & ULONG_MAX


@dataclass
class Vma:
    """One vm_area_struct: [start, end) and what vma_merge compares (is_mergeable_vma's
    vm_flags and vm_file, and the file offset continuing: ``start - pgoff * PAGE_SIZE``)."""

    start: int
    end: int
    flags: tuple[int, ...]
    file: str | None
    base: int  # start - (vm_pgoff << PAGE_SHIFT): equal for neighbours whose offsets continue

    @property
    def key(self) -> tuple[object, ...]:
        return (self.flags, self.file, self.base)


@dataclass
class RefMm:
    """An mm_struct reduced to placement.  ``legacy`` picks the bottom-up layout."""

    era: str
    task_size: int = 0xC0000000
    legacy: bool = False
    vmas: list[Vma] = field(default_factory=list)
    mmap_base: int = 0
    free_area_cache: int = 0
    cached_hole_size: int = 0

    def __post_init__(self) -> None:
        assert self.era in ("2.6.24", "2.6.32")
        # processor_32.h:221 / asm/processor.h:1013: TASK_UNMAPPED_BASE = PAGE_ALIGN(TASK_SIZE / 3)
        self.task_unmapped_base = page_align(self.task_size // 3)
        # 2.6.24 security/security.c:26 (0); 2.6.32 security/min_addr.c:8 and mm/Kconfig:228-230 (4096)
        self.mmap_min_addr = 0 if self.era == "2.6.24" else 4096
        self.arch_pick_mmap_layout()
        # fs/binfmt_elf.c:load_elf_binary:816-817/759-760: after picking the layout, exec sets
        # free_area_cache to mmap_base and cached_hole_size to 0
        self.free_area_cache = self.mmap_base
        self.cached_hole_size = 0

    # -- arch/x86/mm/mmap_32.c (2.6.24) / arch/x86/mm/mmap.c (2.6.32) ----------------------------
    def arch_pick_mmap_layout(self) -> None:
        """mmap_32.c:arch_pick_mmap_layout:60-75 / mmap.c:arch_pick_mmap_layout:125-136."""
        if self.legacy:
            # legacy: mmap_base = TASK_UNMAPPED_BASE (2.6.24:69; 2.6.32 mmap_legacy_base:116 on ia32)
            self.mmap_base = self.task_unmapped_base
            return
        # mmap_base(): the gap is RLIMIT_STACK clamped to [MIN_GAP, MAX_GAP]
        # (2.6.24 mmap_32.c:37-38, 48-53; 2.6.32 mmap.c:51-52, 100-106; no PF_RANDOMIZE, so
        # no random_factor / stack_maxrandom_size)
        min_gap, max_gap = 128 << 20, self.task_size // 6 * 5
        gap = min(max(RLIMIT_STACK, min_gap), max_gap)
        self.mmap_base = page_align(self.task_size - gap)

    # -- lookups ---------------------------------------------------------------------------------
    def find_vma(self, addr: int) -> Vma | None:
        """mm/mmap.c:find_vma (2.6.24:1432-1465, 2.6.32:1480-1513): the first VMA with
        addr < vm_end (mmap_cache and the rbtree only make it faster)."""
        i = bisect.bisect_right([v.end for v in self.vmas], addr)
        return self.vmas[i] if i < len(self.vmas) else None

    def vma_next(self, vma: Vma) -> Vma | None:
        """``vma->vm_next``: the next VMA up, the list being sorted by address
        (include/linux/mm_types.h:106/141)."""
        i = self.vmas.index(vma)
        return self.vmas[i + 1] if i + 1 < len(self.vmas) else None

    # -- mm/mmap.c: the searches -------------------------------------------------------------------
    def arch_get_unmapped_area(self, addr: int, length: int, flags: int) -> int:
        """mm/mmap.c:arch_get_unmapped_area:1235-1289/1283-1337 (bottom-up)."""
        if length > self.task_size:  # :1242/1290
            return -ENOMEM
        if flags & MAP_FIXED:  # :1245/1293
            return addr
        if addr:  # :1248-1253/1296-1301: a hint is taken if the range is free
            addr = page_align(addr)
            vma = self.find_vma(addr)
            if self.task_size - length >= addr and (vma is None or addr + length <= vma.start):
                return addr
        if length > self.cached_hole_size:  # :1255-1260/1303-1308
            start_addr = addr = self.free_area_cache
        else:
            start_addr = addr = self.task_unmapped_base
            self.cached_hole_size = 0
        while True:  # full_search: :1262/1310
            vma = self.find_vma(addr)
            while True:
                if self.task_size - length < addr:  # :1265-1277/1313-1325: wrap once to the base
                    if start_addr != self.task_unmapped_base:
                        addr = start_addr = self.task_unmapped_base
                        self.cached_hole_size = 0
                        break
                    return -ENOMEM
                if vma is None or addr + length <= vma.start:  # :1278-1283/1326-1331
                    self.free_area_cache = addr + length
                    return addr
                if addr + self.cached_hole_size < vma.start:  # :1285-1286/1333-1334
                    self.cached_hole_size = vma.start - addr
                addr = vma.end  # :1287/1335, then vma = vma->vm_next
                vma = self.vma_next(vma)

    def arch_get_unmapped_area_topdown(self, addr0: int, length: int, flags: int) -> int:
        """mm/mmap.c:arch_get_unmapped_area_topdown:1309-1390/1357-1438."""
        addr = addr0
        if length > self.task_size:  # :1318/1366
            return -ENOMEM
        if flags & MAP_FIXED:  # :1321/1369
            return addr
        if addr:  # :1325-1331/1373-1379: the hint, as bottom-up
            addr = page_align(addr)
            vma = self.find_vma(addr)
            if self.task_size - length >= addr and (vma is None or addr + length <= vma.start):
                return addr
        if length <= self.cached_hole_size:  # :1334-1337/1382-1385: a hole below may fit: restart
            self.cached_hole_size = 0
            self.free_area_cache = self.mmap_base
        addr = self.free_area_cache  # :1340/1388
        if addr > length:  # :1343-1348/1391-1396: just below the cache
            vma = self.find_vma(addr - length)
            if vma is None or addr <= vma.start:
                self.free_area_cache = addr - length
                return addr - length
        if self.mmap_base >= length:  # :1350-1351/1398-1399 (else straight to bottomup)
            addr = self.mmap_base - length  # :1353/1401
            while True:  # :1355-1372/1403-1420
                vma = self.find_vma(addr)
                if vma is None or addr + length <= vma.start:  # :1362-1364/1410-1412
                    self.free_area_cache = addr
                    return addr
                if addr + self.cached_hole_size < vma.start:  # :1367-1368/1415-1416
                    self.cached_hole_size = vma.start - addr
                addr = (vma.start - length) & ULONG_MAX  # :1371/1419 (unsigned: may wrap)
                if not length < vma.start:  # :1372/1420
                    break
        # bottomup: :1374-1389/1422-1437: search from TASK_UNMAPPED_BASE with the original
        # hint, then put the top-down cache back whatever the result
        self.cached_hole_size = ULONG_MAX
        self.free_area_cache = self.task_unmapped_base
        addr = self.arch_get_unmapped_area(addr0, length, flags)
        self.free_area_cache = self.mmap_base
        self.cached_hole_size = ULONG_MAX
        return addr

    def get_unmapped_area(self, addr: int, length: int, flags: int) -> int:
        """mm/mmap.c:get_unmapped_area:1408-1426/1456-1474 (no file has its own f_op hook here)."""
        if self.legacy:
            addr = self.arch_get_unmapped_area(addr, length, flags)
        else:
            addr = self.arch_get_unmapped_area_topdown(addr, length, flags)
        if addr < 0:  # IS_ERR_VALUE
            return addr
        if addr > self.task_size - length:  # :1421/1469
            return -ENOMEM
        if addr & ~PAGE_MASK:  # :1423/1471
            return -EINVAL
        return addr  # 2.6.32's arch_rebalance_pgtables is the identity on x86

    # -- mm/mmap.c: the unmap hooks ---------------------------------------------------------------
    def arch_unmap_area(self, addr: int) -> None:
        """mm/mmap.c:arch_unmap_area:1292-1301/1340-1349: a hole lower than the cache."""
        if self.task_unmapped_base <= addr < self.free_area_cache:
            self.free_area_cache = addr
            self.cached_hole_size = ULONG_MAX

    def arch_unmap_area_topdown(self, addr: int) -> None:
        """mm/mmap.c:arch_unmap_area_topdown:1394-1405/1442-1453: a hole higher than the cache,
        never above mmap_base."""
        if addr > self.free_area_cache:
            self.free_area_cache = addr
        if self.free_area_cache > self.mmap_base:
            self.free_area_cache = self.mmap_base

    # -- the calls ----------------------------------------------------------------------------------
    def round_hint_to_min(self, hint: int) -> int:
        """2.6.24 include/linux/mm.h:round_hint_to_min:520-529 (under CONFIG_SECURITY);
        2.6.32 include/linux/security.h:round_hint_to_min:128-135: mask the hint to its page,
        and lift a non-zero hint below mmap_min_addr to it."""
        hint &= PAGE_MASK
        if hint and hint < self.mmap_min_addr:
            return page_align(self.mmap_min_addr)
        return hint

    def do_mmap_pgoff(
        self, addr: int, length: int, prot: int, flags: int, file: str | None = None, pgoff: int = 0
    ) -> int:
        """mm/mmap.c:do_mmap_pgoff:891-1063/909-1097 → mmap_region: anonymous private mappings,
        and file mappings (``file`` names one ``struct file``: VMAs of the same name may merge)."""
        if not length:  # :912/929
            return -EINVAL
        if not flags & MAP_FIXED:  # :915-916/932-933
            addr = self.round_hint_to_min(addr)
        length = page_align(length)  # :923-925/940-942
        if not length or length > self.task_size:
            return -ENOMEM
        addr = self.get_unmapped_area(addr, length, flags)  # :938/955
        if addr < 0:
            return addr
        if file is None:  # :1018/1054: an anonymous private mapping's pgoff is its address
            pgoff = addr >> 12
        # calc_vm_prot_bits | calc_vm_flag_bits, and VM_SHARED for a shared file (:983-990/1027-1034);
        # VM_ACCOUNT follows from these (private writable), so it needs no place of its own
        vm_flags = (prot & 7, flags & (MAP_GROWSDOWN | MAP_DENYWRITE | MAP_EXECUTABLE | MAP_SHARED))
        self.mmap_region(addr, length, vm_flags, file, pgoff)
        return addr

    def mmap_region(self, addr: int, length: int, vm_flags: tuple[int, ...], file: str | None, pgoff: int) -> None:
        """mm/mmap.c:mmap_region:1067/1120: clear the range (munmap_back: do_munmap, which runs
        the unmap hook, 1082-1087/1134-1139), then vma_merge with the neighbours
        (1115-1119 and 1179/1173), else link a new VMA."""
        end = addr + length
        if any(v.start < end and v.end > addr for v in self.vmas):
            self.do_munmap(addr, length)
        new = Vma(addr, end, vm_flags, file, addr - (pgoff << 12))
        i = bisect.bisect_left([v.start for v in self.vmas], addr)
        prev = self.vmas[i - 1] if i > 0 else None
        nxt = self.vmas[i] if i < len(self.vmas) else None
        # vma_merge: grow prev (and swallow next, case 1), or grow next down (case 3)
        if prev is not None and prev.end == addr and prev.key == new.key:
            prev.end = end
            if nxt is not None and nxt.start == end and nxt.key == new.key:
                prev.end = nxt.end
                self.vmas.remove(nxt)
            return
        if nxt is not None and nxt.start == end and nxt.key == new.key:
            nxt.start = addr
            return
        self.vmas.insert(i, new)

    def do_munmap(self, start: int, length: int) -> int:
        """mm/mmap.c:do_munmap:1838-1890/1892-1944: split at the edges, detach, then the hook
        detach_vmas_to_be_unmapped calls (1773-1777/1823-1827)."""
        if start & ~PAGE_MASK or start > self.task_size or length > self.task_size - start:
            return -EINVAL  # :1843/1897
        length = page_align(length)
        if not length:  # :1846/1900
            return -EINVAL
        end = start + length
        vma = self.find_vma(start)
        if vma is None or vma.start >= end:  # nothing mapped there: no hook runs
            return 0
        kept: list[Vma] = []
        for v in self.vmas:
            if v.end <= start or v.start >= end:
                kept.append(v)
                continue
            if v.start < start:  # split_vma: the part below stays
                kept.append(Vma(v.start, start, v.flags, v.file, v.base))
            if v.end > end:  # split_vma: the part above stays
                kept.append(Vma(end, v.end, v.flags, v.file, v.base))
        self.vmas = kept
        if self.legacy:  # arch_unmap_area gets prev->vm_end (or mmap_base)
            below = [v for v in kept if v.end <= start]
            self.arch_unmap_area(below[-1].end if below else self.mmap_base)
        else:  # arch_unmap_area_topdown gets the next VMA's vm_start (or mmap_base)
            above = [v for v in kept if v.start >= end]
            self.arch_unmap_area_topdown(above[0].start if above else self.mmap_base)
        return 0

    def fork(self) -> RefMm:
        """kernel/fork.c:dup_mm copies the mm (memcpy, 506/633), then dup_mmap:227-228/296-297
        sets the child's free_area_cache to the parent's mmap_base and cached_hole_size to ~0UL;
        the VMAs are copied one for one."""
        child = copy.deepcopy(self)
        child.free_area_cache = self.mmap_base
        child.cached_hole_size = ULONG_MAX
        return child

    def spans(self) -> list[tuple[int, int]]:
        return [(v.start, v.end) for v in self.vmas]


def exec_like_vmwidgets(era: str, name: str, task_size: int = 0xC0000000) -> RefMm:
    """The mappings vmwidgets' ``spawn`` documents (fork.py: Processes.spawn), made through
    this reference's do_mmap_pgoff: the program at 0x08048000, its stack under TASK_SIZE,
    ld.so top-down with its data fixed above, libc top-down with data and bss fixed."""
    mm = RefMm(era, task_size)
    rx, rw = PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE
    priv = MAP_PRIVATE | MAP_DENYWRITE
    exe = f"/bin/{name}"
    mm.do_mmap_pgoff(0x08048000, 0x4000, rx, priv | MAP_FIXED | MAP_EXECUTABLE, exe, 0)
    mm.do_mmap_pgoff(0x0804C000, 0x1000, rw, priv | MAP_FIXED | MAP_EXECUTABLE, exe, 3)
    mm.do_mmap_pgoff(task_size - 0x15000, 0x15000, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN)
    base = mm.do_mmap_pgoff(0, 0x1B000, rx, priv, "/lib/ld-2.7.so", 0)
    mm.do_mmap_pgoff(base + 0x1B000, 0x2000, rw, priv | MAP_FIXED, "/lib/ld-2.7.so", 0x1A)
    base = mm.do_mmap_pgoff(0, 0x143000, rx, MAP_PRIVATE, "/lib/libc-2.7.so", 0)
    mm.do_mmap_pgoff(base + 0x13D000, 0x3000, rw, MAP_PRIVATE | MAP_FIXED, "/lib/libc-2.7.so", 0x13D)
    mm.do_mmap_pgoff(base + 0x140000, 0x3000, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)
    return mm
