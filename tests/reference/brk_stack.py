"""brk, the heap's name in /proc/PID/maps, and the stack growing on a fault: a reference for
i386 Linux 2.6.24 and 2.6.32, written from the source, not from vmwidgets' model.

Line numbers: "24" is linux-2.6.24 (kernel.org, sndrzt/linux-source-2.6.24 @e8fc8216; the
tree's newer Ubuntu commit backports 2.6.36's stack guard page, which kernel.org's 2.6.24
does not have), "32" is linux-2.6.32 (sndrzt/linux-2.6.32 @ae8292a5).  The VMA list, its
merging and munmap are tests/reference/vma_merge.py's :class:`Mm`; the maps text is
tests/reference/procfs.py's.

Rules, each with where it is in the source:

- fs/binfmt_elf.c:set_brk (24:85-97, 32:78-90): execve leaves ``start_brk = brk =
  ELF_PAGEALIGN(elf_brk)``, a page boundary (24:952, 32:897); 2.6.32 moves both to a
  random page only with ``randomize_va_space > 1`` (32:970-973), which the model's
  ``randomize_va_space=0`` is not.
- mm/mmap.c:sys_brk (24:236-282; 32:246-299, SYSCALL_DEFINE1): a break below the lowest
  allowed one is refused: ``end_code`` (24:244; 32:256 under CONFIG_COMPAT_BRK, which
  init/Kconfig:1027-1029 defaults to y; ``start_brk`` without it, 32:258).  RLIMIT_DATA
  (unlimited by default, include/asm-generic/resource.h:76): 24:253-255 refuses
  ``brk - start_data > rlim``, 32:269-271 ``(brk - start_brk) + (end_data - start_data) >
  rlim``.  ``newbrk = PAGE_ALIGN(brk)``, ``oldbrk = PAGE_ALIGN(mm->brk)`` (24:257-258,
  32:274-275, an unsigned long: PAGE_ALIGN wraps to 0 at the top); equal, only mm->brk
  changes (24:259, 32:276); ``brk <= mm->brk`` shrinks with ``do_munmap(newbrk, oldbrk -
  newbrk)`` whatever is mapped there (24:263-267, 32:280-284); growing is refused when
  find_vma_intersection(oldbrk, newbrk + PAGE_SIZE) finds a VMA (24:270, 32:287: one page
  of gap must stay above the heap) or do_brk fails (24:274, 32:291).  mm->brk becomes the
  unaligned ``brk`` (24:277, 32:294); the call returns mm->brk, new or old (24:279,
  32:296): never an errno.
- include/linux/mm.h:find_vma_intersection (24:1075-1082, 32:1211-1218): find_vma(start),
  unless ``end <= vm_start``.
- mm/mmap.c:do_brk (24:1925-2022, 32:1993-2091): ``len = PAGE_ALIGN(len)``, 0 maps nothing
  (24:1934-1936, 32:2002-2004); an end past TASK_SIZE or wrapping is -EINVAL (24:1938,
  32:2006); security_file_mmap(addr) (24:1944, 32:2012): 2.6.32's cap_file_mmap refuses an
  address below 4096 with -EPERM (2.6.24's mmap_min_addr is 0); the flags are
  VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT (24:1948, 32:2016; include/asm-x86/page_32.h:195-198,
  arch/x86/include/asm/page_types.h:31-33: VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE |
  VM_MAYEXEC, and VM_EXEC for a READ_IMPLIES_EXEC personality, which a program with a
  non-executable PT_GNU_STACK does not have); anything mapped in the range is unmapped
  (munmap_back, 24:1976-1981, 32:2044-2049: sys_brk's intersection check leaves nothing
  there); RLIMIT_AS (may_expand_vm, 24:1985, 32:2053), more than sysctl_max_map_count VMAs
  (24:1988, 32:2056) and the overcommit check (24:1991, 32:2059, taken to pass) are
  -ENOMEM; "can we just expand an old private anonymous mapping?": vma_merge(prev, addr,
  addr + len, flags, NULL anon_vma, NULL file, pgoff = addr >> PAGE_SHIFT) (24:1995,
  32:2063), else a new VMA (24:2002-2014, 32:2071-2083); total_vm grows (24:2016, 32:2085).
- fs/proc/task_mmu.c:show_map (24:173-185 in show_map_internal, 32:227-260 in
  show_map_vma): a VMA without a file is ``[heap]`` when ``vm_start <= start_brk &&
  vm_end >= brk``, else ``[stack]`` when it holds ``start_stack``: the same test in both
  eras (2.6.32 adds ``[threadstack:…]`` for another thread's stack).
- do_page_fault, user mode (24: arch/x86/mm/fault_32.c:296, 331-341, 382-420; 32:
  arch/x86/mm/fault.c:945, 1074-1113, access_error 915-933): an address at or above
  TASK_SIZE is not the task's; find_vma; a VMA above the address must be VM_GROWSDOWN;
  ``address + 65536 + 32 * sizeof(unsigned long) < sp`` is "below the stack pointer", a
  SIGSEGV (24:396, 32:1092: the same test, inline in do_page_fault in both eras); then
  expand_stack (24:399, 32:1097); then the access check, tests/reference/fault.py's
  :func:`~.fault.access_error` (24:405-421, 32:914-933): a write needs VM_WRITE, a read of a
  page not present any of VM_READ/VM_EXEC/VM_WRITE, and an instruction fetch is a read (no
  era looks at PF_INSTR; a fetch is not asked of this reference).
- mm/mmap.c:expand_stack → expand_downwards (24:1610-1650, 32:1658-1698): anon_vma_prepare
  first; ``address &= PAGE_MASK`` (24:1622, 32:1670); security_file_mmap(address) (24:1623,
  32:1671: -EPERM below 4096 in 2.6.32); if the address is below vm_start, acct_stack_growth
  with ``size = vm_end - address`` and ``grow`` pages (24:1639-1645, 32:1687-1693), then
  vm_start and vm_pgoff move down.  There is no gap to keep from the VMA below: the stack
  guard gap is 2.6.36's, and find_vma only picks the stack for an address in the hole above
  the VMA below, so the stack can grow to touch it.
- mm/mmap.c:acct_stack_growth (24:1509-1552, 32:1557-1600): RLIMIT_AS (may_expand_vm,
  24:1516, 32:1564) and ``size > RLIMIT_STACK`` (24:1520, 32:1568; 8 MB here, ``ulimit -s
  8192``) are -ENOMEM; VM_LOCKED's RLIMIT_MEMLOCK and the overcommit check follow (no
  mlock here; overcommit taken to pass); total_vm grows (24:1547, 32:1595).
"""

from __future__ import annotations

from dataclasses import dataclass

from .fault import PF_USER, PF_WRITE, access_error
from .procfs import MapsMm, MapsVma, maps
from .vma_merge import PAGE, PAGE_SHIFT, VM_GROWSDOWN, VM_WRITE, Mm, Vma

ULONG_MAX = 0xFFFFFFFF
RLIM_INFINITY = ULONG_MAX
EPERM, ENOMEM, EINVAL = 1, 12, 22
VM_READ, VM_MAYREAD, VM_MAYWRITE, VM_MAYEXEC, VM_ACCOUNT = 0x1, 0x10, 0x20, 0x40, 0x00100000
BRK_FLAGS = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT
MAX_MAP_COUNT = 65530


def page_align(x: int) -> int:
    """PAGE_ALIGN on an i386 unsigned long: wraps to 0 past the top."""
    return (x + PAGE - 1) & ~(PAGE - 1) & ULONG_MAX


@dataclass(eq=False)
class BrkMm(Mm):
    """An mm with the fields brk and the stack need; the limits are the defaults'."""

    task_size: int = 0xC0000000
    end_code: int = 0
    start_data: int = 0
    end_data: int = 0
    start_brk: int = 0
    brk: int = 0
    start_stack: int = 0
    rlimit_data: int = RLIM_INFINITY
    rlimit_as: int = RLIM_INFINITY
    rlimit_stack: int = 8 << 20

    @property
    def total_vm(self) -> int:
        """mm->total_vm: every call here adds or removes exactly the pages of its VMAs."""
        return sum(v.pages for v in self.vmas)

    def may_expand_vm(self, pages: int) -> bool:
        """mm/mmap.c:may_expand_vm (24:2150-2160, 32:2238-2248)."""
        return self.total_vm + pages <= self.rlimit_as >> PAGE_SHIFT

    def find_vma_intersection(self, start: int, end: int) -> Vma | None:
        vma = self.find_vma(start)
        return None if vma is None or end <= vma.start else vma

    # -- brk ----------------------------------------------------------------------------------
    def sys_brk(self, brk: int) -> int:
        min_brk = self.end_code  # CONFIG_COMPAT_BRK in 2.6.32, always in 2.6.24
        if brk < min_brk:
            return self.brk
        if self.rlimit_data < RLIM_INFINITY:
            if self.new:
                used = ((brk - self.start_brk) & ULONG_MAX) + ((self.end_data - self.start_data) & ULONG_MAX)
            else:
                used = (brk - self.start_data) & ULONG_MAX
            if used & ULONG_MAX > self.rlimit_data:
                return self.brk
        newbrk, oldbrk = page_align(brk), page_align(self.brk)
        if oldbrk != newbrk:
            if brk <= self.brk:
                self.do_munmap(newbrk, oldbrk - newbrk)  # never fails here: no VMA limit is reached
            elif self.find_vma_intersection(oldbrk, (newbrk + PAGE) & ULONG_MAX) is not None:
                return self.brk
            elif self.do_brk(oldbrk, (newbrk - oldbrk) & ULONG_MAX) != oldbrk:
                return self.brk
        self.brk = brk
        return self.brk

    def do_brk(self, addr: int, length: int) -> int:
        length = page_align(length)
        if not length:
            return addr
        end = (addr + length) & ULONG_MAX
        if end > self.task_size or end < addr:
            return -EINVAL
        if self.new and addr < 4096:  # cap_file_mmap: mmap_min_addr, no CAP_SYS_RAWIO
            return -EPERM
        while True:  # munmap_back
            vma = self.find_vma(addr)
            if vma is not None and vma.start < end:
                self.do_munmap(addr, length)
                continue
            break
        if not self.may_expand_vm(length >> PAGE_SHIFT) or len(self.vmas) > MAX_MAP_COUNT:
            return -ENOMEM
        _, prev = self.find_vma_prev(addr)
        pgoff = addr >> PAGE_SHIFT
        if self.vma_merge(prev, addr, end, BRK_FLAGS, None, None, pgoff) is None:
            self.link(Vma(addr, end, BRK_FLAGS, pgoff))
        return addr

    # -- /proc/PID/maps -------------------------------------------------------------------------
    def maps(self) -> str:
        rows = []
        for v in self.vmas:
            f = v.file
            path = getattr(f, "path", None) if f is not None else None
            dev = getattr(f, "dev", (0, 0)) if f is not None else (0, 0)
            ino = getattr(f, "ino", 0) if f is not None else 0
            rows.append(MapsVma(v.start, v.end, v.flags, v.pgoff, path, dev, ino))
        return maps(rows, MapsMm(self.start_brk, self.brk, self.start_stack), self.era)

    # -- the stack ----------------------------------------------------------------------------
    def expand_downwards(self, vma: Vma, address: int) -> int:
        self.anon_vma_prepare(vma)
        address &= ~(PAGE - 1)
        if self.new and address < 4096:
            return -EPERM
        if address < vma.start:
            size, grow = vma.end - address, (vma.start - address) >> PAGE_SHIFT
            if not self.may_expand_vm(grow) or size > self.rlimit_stack:  # acct_stack_growth
                return -ENOMEM
            vma.start = address
            vma.pgoff -= grow
        return 0

    def user_fault(self, address: int, write: bool, sp: int) -> bool:
        """do_page_fault for a user-mode read or write that faulted (not present, or a write
        to a read-only PTE): True when it is handled, False for a SIGSEGV.  On success the
        fault paths' anon_vma_prepare runs (:meth:`Mm.touch`)."""
        if address >= self.task_size:
            return False
        vma = self.find_vma(address)
        if vma is None:
            return False
        if vma.start > address:
            if not vma.flags & VM_GROWSDOWN:
                return False
            if address + 65536 + 32 * 4 < sp:
                return False
            if self.expand_downwards(vma, address):
                return False
        if access_error(PF_USER | (PF_WRITE if write else 0), vma.flags):
            return False
        self.touch(address, write)
        return True
