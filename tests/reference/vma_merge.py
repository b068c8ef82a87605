"""A reference for VMA merging, anon_vma sharing and the VMA flags of mmap and mprotect.

Written from the kernel sources, not from the model: a VMA is its range, ``vm_flags``,
``vm_pgoff``, file identity and anon_vma identity; an address space is a sorted list of
them.  Line numbers: "24" is linux-2.6.24 (kernel.org, sndrzt/linux-source-2.6.24
@e8fc8216), "32" is linux-2.6.32 (sndrzt/linux-2.6.32 @ae8292a5).  Only what decides the
shape of the VMA list is followed: no page tables, no accounting of committed memory, no
mempolicy (always equal), no vm_ops->close (never set: generic_file_vm_ops and
shmem_vm_ops have none), overcommit in its default heuristic mode (not OVERCOMMIT_NEVER).

Rules, each with where it is in the source:

- include/linux/mm.h: VM_ACCOUNT 0x00100000 (24:101, 32:95), VM_NORESERVE 0x00200000
  (32:96 only), VM_CAN_NONLINEAR 0x08000000 (24:108, 32:103).
- mm/mmap.c:is_mergeable_vma (24:646, 32:663): the same flags (2.6.32 ignores
  VM_CAN_NONLINEAR, 32:667, because f_op->mmap sets it after the merge is tried), the same
  struct file.
- mm/mmap.c:is_mergeable_anon_vma (24:658, 32:676): either is NULL, or they are equal.
- mm/mmap.c:can_vma_merge_before / can_vma_merge_after (24:676/695, 32:694/713): the
  above, plus the file offsets must meet.
- mm/mmap.c:vma_merge (24:737, 32:755): cases 1-8; case 1 also needs prev's and next's
  anon_vmas to be compatible (24:775, 32:793).
- mm/mmap.c:vma_adjust (24:487, 32:503): the VMA that grows over (part of) another is the
  "importer" (24:509/517/526, 32:525/533/542) and takes the anon_vma if it has none
  (24:559-570, 32:575-586); removing next requires equal anon_vmas (vma_adjust calls
  __anon_vma_merge at 24:605, 32:621, whose BUG_ON is mm/rmap.c 24:99, 32:139); removing
  two nexts loops (``goto again``, 24:633, 32:652).
- mm/mmap.c:split_vma (24:1785, 32:1835): the new VMA is a copy (same anon_vma, file).
- mm/mmap.c:find_mergeable_anon_vma (24:813, 32:831) from mm/rmap.c:anon_vma_prepare
  (24:58-67, 32:102-111): reuse next's, else prev's, anon_vma when it touches and could be
  merged with after an mprotect (rwx taken from the neighbour).
- mm/memory.c calls anon_vma_prepare: do_anonymous_page on every fault in 2.6.24
  (24:2163), only on a write in 2.6.32 (a read maps the zero page, 32:2635-2648);
  __do_fault on a private write (24:2257, 32:2745); do_wp_page when it copies (24:1626,
  32:2116).
- mm/mmap.c:expand_downwards (24:1610/1619, 32:1658/1667): anon_vma_prepare first.
- mm/mmap.c:do_mmap_pgoff (24:891, 32:909): an anonymous private mapping's pgoff is its
  address >> PAGE_SHIFT (24:1018, 32:1054); an anonymous shared one gets pgoff 0 in 2.6.32
  (32:1047) and keeps the caller's in 2.6.24.
- mm/mmap.c:mmap_region 2.6.24 (24:1067): VM_ACCOUNT unless MAP_NORESERVE, for shared or
  writable mappings (24:1094-1106); merge first only for private anonymous mappings
  (24:1115); f_op->mmap (generic_file_mmap, mm/filemap.c 24:1467) adds VM_CAN_NONLINEAR
  to a file mapping, shmem_zero_setup gives a shared anonymous one its file (24:1154);
  VM_ACCOUNT is dropped again from shared mappings (24:1165); a file mapping is then
  merged with its full flags (24:1179).
- mm/mmap.c:mmap_region 2.6.32 (32:1120): MAP_NORESERVE sets VM_NORESERVE (32:1153);
  accountable_mapping (32:1108) charges only private writable mappings without
  VM_NORESERVE (32:1163); vma_merge is tried once, for every mapping, before f_op->mmap
  (32:1173); generic_file_mmap (mm/filemap.c 32:1628) then sets VM_CAN_NONLINEAR.
- mm/mmap.c:do_munmap (24:1838-1893, 32:1892-1961): a start that is not page aligned, or a
  range past TASK_SIZE, or a length that aligns to 0 is -EINVAL (24:1843-1847,
  32:1897-1901; not followed: the callers here pass valid ranges); the length is
  page-aligned; nothing overlaps: 0 (24:1850-1858, 32:1904-1912); split_vma at ``start``
  when it is inside the first VMA (24:1867-1872, 32:1921-1926) and at ``end`` when it is
  inside the last (find_vma(end), 24:1875-1880, 32:1929-1934); the VMAs between are
  detached and removed (24:1886-1890, 32:1954-1958; no munlock here, 32:1940-1949).
- mm/mprotect.c:sys_mprotect: ``vm_flags = calc_vm_prot_bits(prot)`` (24:243, 32:251) and,
  per VMA, ``newflags = vm_flags | (vma->vm_flags & ~(VM_READ | VM_WRITE | VM_EXEC))``
  (24:277, 32:285): :func:`mprotect_newflags`.
- mm/mprotect.c:mprotect_fixup (24:131, 32:136) returns at once, the VMA and its PTEs
  untouched, when ``newflags == oldflags`` (24:142-145, 32:147-150;
  :func:`mprotect_fixup_changes`).  Otherwise, making a mapping writable charges it
  (VM_ACCOUNT) unless it is accounted, writable or shared already (24:156), or (2.6.32)
  VM_NORESERVE (32:160); then vma_merge with the VMA's own anon_vma and file, else
  split_vma at both edges.
- mm/mprotect.c:sys_mprotect (24:277-302, 32:285-311): the walk over the VMAs of the range.
- kernel/fork.c:dup_mmap (24:265, 32:337): the child's VMA shares the parent's anon_vma.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PAGE_SHIFT = 12
PAGE = 1 << PAGE_SHIFT

VM_READ, VM_WRITE, VM_EXEC, VM_SHARED = 0x1, 0x2, 0x4, 0x8
VM_MAYREAD, VM_MAYWRITE, VM_MAYEXEC, VM_MAYSHARE = 0x10, 0x20, 0x40, 0x80
VM_GROWSDOWN, VM_DENYWRITE, VM_EXECUTABLE = 0x100, 0x800, 0x1000
VM_IO, VM_DONTEXPAND, VM_RESERVED, VM_PFNMAP = 0x4000, 0x40000, 0x80000, 0x400
VM_ACCOUNT, VM_NORESERVE, VM_CAN_NONLINEAR = 0x00100000, 0x00200000, 0x08000000
VM_SPECIAL = VM_IO | VM_DONTEXPAND | VM_RESERVED | VM_PFNMAP
RWX = VM_READ | VM_WRITE | VM_EXEC

PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
MAP_SHARED, MAP_PRIVATE, MAP_ANONYMOUS = 0x01, 0x02, 0x20
MAP_GROWSDOWN, MAP_DENYWRITE, MAP_EXECUTABLE, MAP_NORESERVE = 0x100, 0x800, 0x1000, 0x4000
FMODE_WRITE = 0x2
ENOMEM, EACCES = 12, 13


class AnonVma:
    """An anon_vma: nothing but its identity matters here."""

    __slots__ = ()


class ShmemFile:
    """The file shmem_zero_setup makes for one shared anonymous mapping."""

    __slots__ = ()
    path = "/dev/zero (deleted)"
    f_mode = 0x3


@dataclass(eq=False)
class Vma:
    start: int
    end: int
    flags: int
    pgoff: int
    file: object | None = None
    anon: AnonVma | None = None

    @property
    def pages(self) -> int:
        return (self.end - self.start) >> PAGE_SHIFT


@dataclass(eq=False)
class Mm:
    era: str
    vmas: list[Vma] = field(default_factory=list)

    @property
    def new(self) -> bool:
        return self.era == "2.6.32"

    # -- the list ---------------------------------------------------------------------------
    def next(self, vma: Vma) -> Vma | None:
        i = self.vmas.index(vma)
        return self.vmas[i + 1] if i + 1 < len(self.vmas) else None

    def prev(self, vma: Vma) -> Vma | None:
        i = self.vmas.index(vma)
        return self.vmas[i - 1] if i else None

    def find_vma(self, addr: int) -> Vma | None:
        return next((v for v in self.vmas if addr < v.end), None)

    def find_vma_prev(self, addr: int) -> tuple[Vma | None, Vma | None]:
        vma = self.find_vma(addr)
        if vma is None:
            return None, self.vmas[-1] if self.vmas else None
        return vma, self.prev(vma)

    def link(self, vma: Vma) -> None:
        self.vmas.append(vma)
        self.vmas.sort(key=lambda v: v.start)

    # -- mm/mmap.c merging -------------------------------------------------------------------
    def is_mergeable_vma(self, vma: Vma, file: object | None, flags: int) -> bool:
        ignore = VM_CAN_NONLINEAR if self.new else 0
        return not ((vma.flags ^ flags) & ~ignore) and vma.file is file

    @staticmethod
    def is_mergeable_anon_vma(a: AnonVma | None, b: AnonVma | None) -> bool:
        return a is None or b is None or a is b

    def can_vma_merge_before(self, vma: Vma, flags: int, anon: AnonVma | None, file: object | None, pgoff: int) -> bool:
        return (
            self.is_mergeable_vma(vma, file, flags)
            and self.is_mergeable_anon_vma(anon, vma.anon)
            and vma.pgoff == pgoff
        )

    def can_vma_merge_after(self, vma: Vma, flags: int, anon: AnonVma | None, file: object | None, pgoff: int) -> bool:
        return (
            self.is_mergeable_vma(vma, file, flags)
            and self.is_mergeable_anon_vma(anon, vma.anon)
            and vma.pgoff + vma.pages == pgoff
        )

    def vma_merge(
        self, prev: Vma | None, addr: int, end: int, flags: int, anon: AnonVma | None, file: object | None, pgoff: int
    ) -> Vma | None:
        pglen = (end - addr) >> PAGE_SHIFT
        if flags & VM_SPECIAL:
            return None
        nxt = self.next(prev) if prev is not None else (self.vmas[0] if self.vmas else None)
        area = nxt
        if nxt is not None and nxt.end == end:  # cases 6, 7, 8
            nxt = self.next(nxt)
        if prev is not None and prev.end == addr and self.can_vma_merge_after(prev, flags, anon, file, pgoff):
            if (
                nxt is not None
                and end == nxt.start
                and self.can_vma_merge_before(nxt, flags, anon, file, pgoff + pglen)
                and self.is_mergeable_anon_vma(prev.anon, nxt.anon)
            ):
                self.vma_adjust(prev, prev.start, nxt.end, prev.pgoff)  # cases 1, 6
            else:
                self.vma_adjust(prev, prev.start, end, prev.pgoff)  # cases 2, 5, 7
            return prev
        if nxt is not None and end == nxt.start and self.can_vma_merge_before(nxt, flags, anon, file, pgoff + pglen):
            if prev is not None and addr < prev.end:  # case 4
                self.vma_adjust(prev, prev.start, addr, prev.pgoff)
            else:  # cases 3, 8
                assert area is not None
                self.vma_adjust(area, addr, nxt.end, nxt.pgoff - pglen)
            return area
        return None

    def vma_adjust(self, vma: Vma, start: int, end: int, pgoff: int, insert: Vma | None = None) -> None:
        nxt = self.next(vma)
        importer: Vma | None = None
        anon: AnonVma | None = None
        adjust_next = remove_next = 0
        again = False
        if nxt is not None and insert is None:
            if end >= nxt.end:
                again = True
            elif end > nxt.start:  # grows over the start of next (mprotect case 5)
                adjust_next = (end - nxt.start) >> PAGE_SHIFT
                anon, importer = nxt.anon, vma
            elif end < vma.end:  # shrinks, next takes the rest (mprotect case 4)
                adjust_next = -((vma.end - end) >> PAGE_SHIFT)
                anon, importer = nxt.anon, nxt
        while True:
            if again:  # the label "again": vma swallows next (and perhaps the one after)
                assert nxt is not None
                remove_next = 1 + (end > nxt.end)
                end = nxt.end
                anon, importer = nxt.anon, vma
            take_own = vma.anon is not None
            if self.new:  # 2.6.32 takes vma's anon_vma only when something moves (32:575)
                take_own = take_own and (insert is not None or importer is not None or start != vma.start)
            if take_own:
                anon = vma.anon
            if anon is not None and importer is not None and importer.anon is None:
                importer.anon = anon
            vma.start, vma.end, vma.pgoff = start, end, pgoff
            if adjust_next:
                assert nxt is not None
                nxt.start += adjust_next << PAGE_SHIFT
                nxt.pgoff += adjust_next
            if remove_next:
                assert nxt is not None
                self.vmas.remove(nxt)
                if nxt.anon is not None:  # __anon_vma_merge: BUG_ON(vma->anon_vma != next->anon_vma)
                    assert vma.anon is nxt.anon, "__anon_vma_merge: the kernel would BUG here"
            elif insert is not None:
                self.link(insert)
            if remove_next == 2:
                nxt = self.next(vma)
                again = True
                continue
            return

    def split_vma(self, vma: Vma, addr: int, new_below: bool) -> None:
        new = Vma(vma.start, vma.end, vma.flags, vma.pgoff, vma.file, vma.anon)
        if new_below:
            new.end = addr
            self.vma_adjust(vma, addr, vma.end, vma.pgoff + ((addr - new.start) >> PAGE_SHIFT), new)
        else:
            new.start = addr
            new.pgoff += (addr - vma.start) >> PAGE_SHIFT
            self.vma_adjust(vma, vma.start, addr, vma.pgoff, new)

    # -- mm/rmap.c --------------------------------------------------------------------------
    def find_mergeable_anon_vma(self, vma: Vma) -> AnonVma | None:
        near = self.next(vma)
        if near is not None:
            flags = (vma.flags & ~RWX) | (near.flags & RWX)
            if (
                near.anon is not None
                and vma.end == near.start
                and self.can_vma_merge_before(near, flags, None, vma.file, vma.pgoff + vma.pages)
            ):
                return near.anon
        near = self.prev(vma)
        if near is None:
            return None
        flags = (vma.flags & ~RWX) | (near.flags & RWX)
        if (
            near.anon is not None
            and near.end == vma.start
            and self.can_vma_merge_after(near, flags, None, vma.file, vma.pgoff)
        ):
            return near.anon
        return None

    def anon_vma_prepare(self, vma: Vma) -> None:
        if vma.anon is None:
            vma.anon = self.find_mergeable_anon_vma(vma) or AnonVma()

    # -- the calls ----------------------------------------------------------------------------
    def do_munmap(self, start: int, length: int) -> None:
        length = (length + PAGE - 1) & ~(PAGE - 1)
        end = start + length
        vma = self.find_vma(start)
        if vma is None or vma.start >= end:
            return
        if start > vma.start:
            self.split_vma(vma, start, new_below=False)
        last = self.find_vma(end)
        if last is not None and end > last.start:
            self.split_vma(last, end, new_below=True)
        self.vmas = [v for v in self.vmas if not (v.start < end and v.end > start)]

    def do_mmap_pgoff(self, file: object | None, addr: int, length: int, prot: int, flags: int, pgoff: int) -> int:
        """do_mmap_pgoff at an address already chosen (get_unmapped_area is not this reference's)."""
        length = (length + PAGE - 1) & ~(PAGE - 1)
        vm_flags = _prot_bits(prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC
        vm_flags |= (VM_GROWSDOWN if flags & MAP_GROWSDOWN else 0) | (VM_DENYWRITE if flags & MAP_DENYWRITE else 0)
        vm_flags |= VM_EXECUTABLE if flags & MAP_EXECUTABLE else 0
        if file is not None:
            if flags & MAP_SHARED:
                vm_flags |= VM_SHARED | VM_MAYSHARE
                if not getattr(file, "f_mode", 3) & FMODE_WRITE:
                    vm_flags &= ~(VM_MAYWRITE | VM_SHARED)
        elif flags & MAP_SHARED:
            vm_flags |= VM_SHARED | VM_MAYSHARE
            if self.new:
                pgoff = 0
        else:
            pgoff = addr >> PAGE_SHIFT
        return self.mmap_region(file, addr, length, flags, vm_flags, pgoff)

    def mmap_region(self, file: object | None, addr: int, length: int, flags: int, vm_flags: int, pgoff: int) -> int:
        end = addr + length
        while True:
            vma = self.find_vma(addr)
            if vma is not None and vma.start < end:
                self.do_munmap(addr, length)
                continue
            break
        _, prev = self.find_vma_prev(addr)
        if self.new:
            if flags & MAP_NORESERVE:
                vm_flags |= VM_NORESERVE
            if vm_flags & (VM_NORESERVE | VM_SHARED | VM_WRITE) == VM_WRITE:  # accountable_mapping
                vm_flags |= VM_ACCOUNT
            if self.vma_merge(prev, addr, end, vm_flags, None, file, pgoff) is not None:
                return addr
            self.link(self._new_vma(file, addr, end, vm_flags, pgoff))
            return addr
        if not flags & MAP_NORESERVE and vm_flags & (VM_SHARED | VM_WRITE):
            vm_flags |= VM_ACCOUNT
        if file is None and not vm_flags & VM_SHARED:
            if self.vma_merge(prev, addr, end, vm_flags, None, None, pgoff) is not None:
                return addr
        vma = self._new_vma(file, addr, end, vm_flags, pgoff)
        if vma.flags & (VM_SHARED | VM_ACCOUNT) == VM_SHARED | VM_ACCOUNT:
            vma.flags &= ~VM_ACCOUNT
        if file is None or self.vma_merge(prev, addr, vma.end, vma.flags, None, file, pgoff) is None:
            self.link(vma)
        return addr

    def _new_vma(self, file: object | None, addr: int, end: int, vm_flags: int, pgoff: int) -> Vma:
        """mmap_region's new vma (both eras): a file's can be nonlinear, a shared anonymous one gets shmem."""
        vma = Vma(addr, end, vm_flags, pgoff)
        if file is not None:
            vma.file = file
            vma.flags |= VM_CAN_NONLINEAR  # generic_file_mmap
        elif vm_flags & VM_SHARED:
            vma.file = ShmemFile()  # shmem_zero_setup
        return vma

    def mprotect_fixup(self, vma: Vma, prev: Vma | None, start: int, end: int, newflags: int) -> Vma:
        if not mprotect_fixup_changes(vma.flags, newflags):
            return vma
        if newflags & VM_WRITE:
            refuse = VM_ACCOUNT | VM_WRITE | VM_SHARED | (VM_NORESERVE if self.new else 0)
            if not vma.flags & refuse:
                newflags |= VM_ACCOUNT
        pgoff = vma.pgoff + ((start - vma.start) >> PAGE_SHIFT)
        merged = self.vma_merge(prev, start, end, newflags, vma.anon, vma.file, pgoff)
        if merged is not None:
            vma = merged
        else:
            if start != vma.start:
                self.split_vma(vma, start, new_below=True)
            if end != vma.end:
                self.split_vma(vma, end, new_below=False)
        vma.flags = newflags
        return vma

    def sys_mprotect(self, start: int, length: int, prot: int) -> int:
        end = start + ((length + PAGE - 1) & ~(PAGE - 1))
        vm_flags = _prot_bits(prot)
        vma, prev = self.find_vma_prev(start)
        if vma is None or vma.start > start:
            return -ENOMEM
        if start > vma.start:
            prev = vma
        nstart = start
        while True:
            newflags = mprotect_newflags(vm_flags, vma.flags)
            if (newflags & ~(newflags >> 4)) & RWX:
                return -EACCES
            tmp = min(vma.end, end)
            prev = self.mprotect_fixup(vma, prev, nstart, tmp, newflags)
            nstart = max(tmp, prev.end)
            if nstart >= end:
                return 0
            nxt = self.next(prev)
            if nxt is None or nxt.start != nstart:
                return -ENOMEM
            vma = nxt

    def touch(self, addr: int, write: bool) -> None:
        """A permitted access: anon_vma_prepare where mm/memory.c's fault paths call it."""
        vma = self.find_vma(addr)
        assert vma is not None and vma.start <= addr
        if vma.flags & VM_SHARED or vma.flags & VM_MAYSHARE:
            return  # shared: page cache or shmem pages, never anonymous ones
        if vma.file is None:
            if write or not self.new:  # do_anonymous_page (2.6.32 maps the zero page on a read)
                self.anon_vma_prepare(vma)
        elif write:  # __do_fault's private copy, or do_wp_page's copy
            self.anon_vma_prepare(vma)

    def expand_stack(self, vma: Vma, address: int) -> None:
        self.anon_vma_prepare(vma)  # expand_downwards
        address &= ~(PAGE - 1)
        if address < vma.start:
            vma.pgoff -= (vma.start - address) >> PAGE_SHIFT
            vma.start = address

    def fork(self) -> Mm:
        child = Mm(self.era)
        child.vmas = [Vma(v.start, v.end, v.flags, v.pgoff, v.file, v.anon) for v in self.vmas]
        return child


def mprotect_newflags(vm_flags: int, oldflags: int) -> int:
    """sys_mprotect's ``newflags`` for one VMA: the new rwx (``vm_flags``, from
    :func:`_prot_bits`) and all the VMA's other flags (mm/mprotect.c 24:277, 32:285)."""
    return vm_flags | (oldflags & ~RWX)


def mprotect_fixup_changes(oldflags: int, newflags: int) -> bool:
    """False when mprotect_fixup returns at once: the same flags, so neither the VMA nor
    its PTEs change (change_protection is not called; mm/mprotect.c 24:142-145,
    32:147-150)."""
    return newflags != oldflags


def _prot_bits(prot: int) -> int:
    """include/linux/mman.h:calc_vm_prot_bits (24:49-55, 32:72-79; 2.6.32's
    arch_calc_vm_prot_bits adds nothing on x86, 32:37-38)."""
    return (
        (VM_READ if prot & PROT_READ else 0)
        | (VM_WRITE if prot & PROT_WRITE else 0)
        | (VM_EXEC if prot & PROT_EXEC else 0)
    )
