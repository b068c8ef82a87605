"""``struct mm_struct`` and mm/mmap.c: the VMA list and tree, find_vma, mmap and munmap.

Follows 2.6.24's mm/mmap.c and arch/x86/mm/mmap_32.c, with 2.6.32's mmap_region (VM_NORESERVE,
the merge tried before f_op->mmap) and flags.  The layout is the default
top-down one (``arch_get_unmapped_area_topdown`` from ``mmap_base`` = TASK_SIZE - 128 MB
down, falling back to bottom-up from TASK_UNMAPPED_BASE), without address randomisation
(as with ``randomize_va_space=0``).  The legacy bottom-up layout (``legacy_va_layout``,
ADDR_COMPAT_LAYOUT or an unlimited stack: mmap_base = TASK_UNMAPPED_BASE and
arch_unmap_area) is not modelled; its search is only the top-down one's fallback.  A hint
is masked to its page by round_hint_to_min before the search, in both eras.  A path is
opened read-write (a :class:`File` carries its own ``f_mode``); files have no inode flags
(append-only), locks or mount flags (noexec), and mappings have no ``vm_ops``.  Page-table teardown of
``unmap_region`` has nothing to free until page faults fill user page tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import InvalidArgument, check_int, check_text
from ..events import (
    AllocationFailed,
    MmapCacheChecked,
    MmStructUpdated,
    VmaAdjusted,
    VmaLinked,
    VmaUnlinked,
    VmaVisited,
)
from .constants import _PAGE_ACCESSED, _PAGE_NX, _PAGE_PRESENT, _PAGE_RW, _PAGE_USER, PAGE_SHIFT, PAGE_SIZE
from .errno import EACCES, EBADF, EINVAL, ENOMEM, EOVERFLOW, errno_name
from .mm_types import (
    FMODE_READ,
    FMODE_WRITE,
    MAP_ANONYMOUS,
    MAP_DENYWRITE,
    MAP_EXECUTABLE,
    MAP_FIXED,
    MAP_GROWSDOWN,
    MAP_NORESERVE,
    MAP_PRIVATE,
    MAP_SHARED,
    MAP_TYPE,
    MIN_GAP,
    PROT_WRITE,
    STACK_RLIMIT,
    VM_ACCOUNT,
    VM_CAN_NONLINEAR,
    VM_DENYWRITE,
    VM_EXEC,
    VM_EXECUTABLE,
    VM_GROWSDOWN,
    VM_MAYEXEC,
    VM_MAYREAD,
    VM_MAYSHARE,
    VM_MAYWRITE,
    VM_NORESERVE,
    VM_READ,
    VM_SHARED,
    VM_WRITE,
    File,
    TaskStruct,
    VmAreaStruct,
    calc_vm_prot_bits,
)
from .rbtree import RbNode, RbRoot, rb_erase, rb_insert_color, rb_link_node

if TYPE_CHECKING:
    from .kernel import Kernel
    from .page import Page
    from .rmap import AnonVma

__all__ = [
    "ULONG_MAX",
    "MmStruct",
    "check_ulongs",
    "do_brk",
    "do_mmap_pgoff",
    "exit_mmap",
    "expand_stack",
    "find_mergeable_anon_vma",
    "find_vma_prepare",
    "get_task_mm",
    "set_mm_field",
    "split_vma",
    "sys_brk",
    "sys_mmap_pgoff",
    "sys_munmap",
    "vm_get_page_prot",
    "vma_link",
    "vma_merge",
    "vma_wants_writenotify",
]

# Where the rules of 2.6.32 start, as far as trees were checked: VM_NORESERVE (with mprotect
# sparing it) and pgoff 0 for shared anonymous mappings are in 2.6.27 and not in 2.6.24 (2.6.25
# and 2.6.26 not checked); mmap_region merging before f_op->mmap, VM_CAN_NONLINEAR ignored by
# is_mergeable_vma and accountable_mapping are in 2.6.29 and not in 2.6.28.
_NORESERVE_ERA = 27
_MERGE_FIRST_ERA = 29
ULONG_MAX = 0xFFFFFFFF  # i386's unsigned long: what a system call argument can hold
_MAX_ERRNO = 4095  # include/linux/err.h: IS_ERR_VALUE(x) is x >= (unsigned long)-MAX_ERRNO
_MAP_HUGETLB = 0x40000  # 2.6.32 include/asm-generic/mman.h:14 (2.6.24 has no such flag)
# _PAGE_PROTNONE, "present but no access" in a PTE: the PSE bit (0x080) in 2.6.24
# (include/asm-x86/pgtable_32.h:121); 2.6.32 makes it the GLOBAL bit, 0x100
# (arch/x86/include/asm/pgtable_types.h:29,63).  The model switches at 2.6.32.
_PROTNONE_2_6_24 = 0x080
_PROTNONE_2_6_32 = 0x100


def _protection_map(nx: int, shared_nx: int, protnone: int) -> tuple[int, ...]:
    """x86's protection_map[16] (__P000…__S111): vm_flags & 0xf -> PTE bits.

    2.6.24's include/asm-x86/pgtable_32.h (133-149, 176-192) leaves NX out of PAGE_SHARED;
    2.6.32's pgtable_types.h (80-94, 137-153) puts it in (``shared_nx``).  PAGE_NONE is
    ``_PAGE_PROTNONE | _PAGE_ACCESSED`` (``protnone``: 0x080 or 0x100, see above).
    """
    none = protnone | _PAGE_ACCESSED
    ro = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED
    shared = ro | _PAGE_RW
    return (
        none,
        ro | nx,
        ro | nx,
        ro | nx,
        ro,
        ro,
        ro,
        ro,  # private: writes copy on write
        none,
        ro | nx,
        shared | shared_nx,
        shared | shared_nx,
        ro,
        ro,
        shared,
        shared,
    )  # shared


class MmStruct:
    """``struct mm_struct``: the VMA list ``mmap``, the tree ``mm_rb``, ``mmap_cache`` …

    Its fields are plain attributes with the kernel's names: ``mmap`` is the first
    ``vm_area_struct`` (None when there is none), ``brk`` the end of the heap, ``map_count``
    the number of VMAs.  ``pgd`` is the process's page directory (its kernel part copied
    from swapper_pg_dir by pgd_ctor).  ``free_area_cache``/``cached_hole_size`` are
    arch_get_unmapped_area's hints; ``mmap_base`` is where the top-down mmap area starts.
    ``protection_map`` is x86's ``protection_map[16]`` (vm_flags & 0xf to PTE bits) for
    this kernel's era and PAE setting.
    The mm is a struct, not a process: the system calls that change it are methods of
    its :class:`~vmwidgets.Task` (``task.mmap``, ``task.munmap``, ``task.mprotect``,
    ``task.brk``).  Once its task has exited, reading it through a call raises.
    """

    def __init__(self, kernel: Kernel, name: str, pgd: Page | None) -> None:
        self._k = kernel
        self.name = name
        self._mmap: VmAreaStruct | None = None  # the list head (mm->mmap), kept by the list code
        self._exited = False  # set by exit_mmap: the handle is stale from then on
        self.mm_rb = RbRoot(f"mm_rb:{name}")
        self.mmap_cache: VmAreaStruct | None = None
        self.map_count = 0
        self.total_vm = 0
        self.pgd = pgd
        self.task_size = kernel.layout.page_offset
        self.mmap_base = (self.task_size - max(STACK_RLIMIT, MIN_GAP)) & ~(PAGE_SIZE - 1)
        self.free_area_cache = self.mmap_base
        self.cached_hole_size = 0
        self.start_code = self.end_code = self.start_data = self.end_data = 0
        self.start_brk = self.brk = self.start_stack = 0
        nx = _PAGE_NX if kernel.config.pae else 0
        era = kernel.config.era_minor
        protnone = _PROTNONE_2_6_32 if era >= 32 else _PROTNONE_2_6_24
        self.protection_map = _protection_map(nx, nx if era >= 28 else 0, protnone)
        self.maps_anon_offset = era < 32  # maps prints an anonymous VMA's vm_pgoff in 2.6.24, 0 in 2.6.32

    def __repr__(self) -> str:
        return f"<mm_struct {self.name}: {self.map_count} VMAs, total_vm={self.total_vm} pages>"

    @property
    def mmap(self) -> VmAreaStruct | None:
        """``struct vm_area_struct *mmap``: the first VMA of the list, None (NULL) when there is none.

        Reading it on an mm whose task has exited raises :class:`~vmwidgets.InvalidArgument`:
        exit_mmap freed the list, so the handle is stale (the kernel would read freed memory).
        """
        self._check_live()
        return self._mmap

    @mmap.setter
    def mmap(self, vma: VmAreaStruct | None) -> None:
        self._check_live()
        self._mmap = vma

    def __iter__(self) -> Iterator[VmAreaStruct]:
        """The VMAs in address order, following ``vm_next`` from ``mmap`` (raises once exited)."""
        self._check_live()
        return iter(self._mmap or ())

    def _check_live(self) -> None:
        """Refuse a call on an mm its task has torn down (exit_mmap): nothing lists it any more."""
        if self._exited:
            raise InvalidArgument("mm", self, "the mm of a live task or of from_proc_maps (this one has exited)")

    @property
    def kernel(self) -> Kernel:
        """The :class:`~vmwidgets.Kernel` this address space belongs to.

        The model's own link (a real kernel runs one machine, so ``struct mm_struct`` has no
        such field): how a VMA takes its id and a task reaches the fault handler.
        """
        return self._k

    def pgd_pfn(self) -> int:
        """``__pa(mm->pgd) >> PAGE_SHIFT``: the frame of the page directory (what switch_mm
        loads into CR3), the root of every walk of this mm's page tables.

        Returns the pfn (``unsigned long``).  An mm read from /proc/PID/maps has no page
        tables (``pgd`` is None): raises :class:`~vmwidgets.InvalidArgument`.  The same in
        both eras.
        """
        if self.pgd is None:
            raise InvalidArgument("mm", self, "an mm with page tables (a task's, not one read from /proc/PID/maps)")
        return self.pgd.pfn

    # -- public calls -------------------------------------------------------------------------
    def find_vma(self, addr: int) -> VmAreaStruct | None:
        """mm/mmap.c:find_vma — the first VMA with ``addr < vm_end`` (it need not contain addr).

        ``unsigned long addr``.  mmap_cache is tried first; a miss walks mm_rb and updates
        the cache.  Returns the ``struct vm_area_struct *``, or None (NULL) when no VMA ends
        above ``addr``.  The same in 2.6.24 and 2.6.32 (the per-thread VMA cache is 3.15's).
        Raises on an mm whose task has exited.
        """
        self._check_live()
        check_int("addr", addr, 0, max(self.task_size, 1 << 32) - 1)
        with self._k.emitter.operation("find_vma", f"mm={self.name}, addr={addr:#010x}", "mm/mmap.c:find_vma") as op:
            vma = self._find_vma(addr)
            if self._k.emitter.active:  # the result is text only for the timeline
                op.result = "NULL" if vma is None else repr(vma)
            return vma

    def find_vma_prev(self, addr: int) -> tuple[VmAreaStruct | None, VmAreaStruct | None]:
        """mm/mmap.c:find_vma_prev — ``(vma, prev)``: find_vma's answer and the VMA before it.

        ``unsigned long addr``; the kernel returns ``vma`` and sets ``*pprev``.  Either is None
        (NULL) when there is no such VMA.  Walks mm_rb without the cache, in both eras.
        Raises on an mm whose task has exited.
        """
        self._check_live()
        check_int("addr", addr, 0, max(self.task_size, 1 << 32) - 1)
        with self._k.emitter.operation(
            "find_vma_prev", f"mm={self.name}, addr={addr:#010x}", "mm/mmap.c:find_vma_prev"
        ):
            return self._find_vma_prev(addr)

    def maps(self) -> str:
        """/proc/PID/maps, as fs/proc/task_mmu.c:show_map prints it: one line per VMA.

        Returns the text (``start-end perms offset major:minor inode  path``).  2.6.24
        (show_map_internal, fs/proc/task_mmu.c:155-163) prints ``vm_pgoff << PAGE_SHIFT`` of
        every VMA with ``%08lx``, cut to the 32 bits of an i386 ``unsigned long``; 2.6.32
        (show_map_vma, 209-217) prints ``((loff_t)vm_pgoff) << PAGE_SHIFT`` with ``%08llx``
        for a VMA with a file, never cut (a page offset past 4 GB shows nine digits or
        more), and 0 for one without.  The model switches at 2.6.32.  An mm read by
        :func:`~vmwidgets.from_proc_maps` prints anonymous offsets back as its text had
        them.  Names: the file's path, else ``[heap]`` (the VMA covers start_brk..brk), else
        ``[stack]`` (it holds start_stack), both eras.  Not modelled: ``[vdso]`` (the model
        maps no vdso; from_proc_maps keeps it as a pseudo-file) and 2.6.32's
        ``[threadstack:…]`` (no threads).  Raises on an mm whose task has exited.
        """
        self._check_live()
        out = []
        for vma in self:
            f = vma.vm_flags
            perms = "".join(c if f & b else "-" for b, c in ((VM_READ, "r"), (VM_WRITE, "w"), (VM_EXEC, "x")))
            perms += "s" if f & VM_MAYSHARE else "p"
            dev, ino = (vma.vm_file.dev, vma.vm_file.ino) if vma.vm_file else ((0, 0), 0)
            offset = vma.vm_pgoff << PAGE_SHIFT
            if self.task_size <= 1 << 32 and self._k.config.era_minor < 32:
                offset &= 0xFFFFFFFF  # 2.6.24: %08lx of an unsigned long; 2.6.32: %08llx of a loff_t
            if vma.vm_file is None and not self.maps_anon_offset:
                offset = 0
            line = f"{vma.vm_start:08x}-{vma.vm_end:08x} {perms} {offset:08x} {dev[0]:02x}:{dev[1]:02x} {ino} "
            name = vma.vm_file.path if vma.vm_file else None
            if name is None:
                if vma.vm_start <= self.start_brk and vma.vm_end >= self.brk:
                    name = "[heap]"
                elif vma.vm_start <= self.start_stack and vma.vm_end >= self.start_stack:
                    name = "[stack]"
            if name is not None:  # pad_len_spaces: the name starts at column 25 + 6 * sizeof(void *)
                line += " " * max(1, 25 + 6 * (8 if self.task_size > 1 << 32 else 4) - len(line)) + name
            out.append(line)
        return "".join(line + "\n" for line in out)

    def _set_field(self, field: str, value: int, fn: str) -> None:
        """``mm->field = value`` for ``start_brk``, ``brk`` or ``start_stack``, done by kernel
        function ``fn``: a change is an ``MmStructUpdated`` event, since show_map names the
        ``[heap]`` and ``[stack]`` VMAs by these fields and the views replay only events."""
        old = getattr(self, field)
        if old != value:
            setattr(self, field, value)
            self._k.emitter.emit(MmStructUpdated, fn, mm=self.name, field=field, old=old, new=value)

    def _intersects(self, start: int, end: int) -> bool:
        """find_vma_intersection: does any VMA overlap [start, end)?"""
        vma = self._find_vma(start)
        return vma is not None and vma.vm_start < end

    def _do_brk(self, addr: int, length: int) -> None:
        """mm/mmap.c:do_brk — an anonymous VM_DATA_DEFAULT_FLAGS mapping, merged when possible."""
        flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT
        vma, prev, parent, left = self._find_vma_prepare(addr)
        while vma is not None and vma.vm_start < addr + length:
            self._do_munmap(addr, length)
            vma, prev, parent, left = self._find_vma_prepare(addr)
        pgoff = addr >> PAGE_SHIFT
        if self._vma_merge(prev, addr, addr + length, flags, None, pgoff) is None:
            vma = VmAreaStruct(self, addr, addr + length, flags, pgoff, None)
            vma.vm_page_prot = self.protection_map[flags & 0xF]
            self._vma_link(vma, prev, parent, left)
        self.total_vm += length >> PAGE_SHIFT

    # -- find_vma and friends -------------------------------------------------------------------
    def _find_vma(self, addr: int) -> VmAreaStruct | None:
        emit, name = self._k.emitter.emit, self.name
        vma = self.mmap_cache
        hit = vma is not None and vma.vm_start <= addr < vma.vm_end
        emit(MmapCacheChecked, "mm/mmap.c:find_vma", mm=name, addr=addr, vma=vma.id if vma else None, hit=hit)
        if hit:
            return vma

        seen = self._k.emitter.active  # the descent is an event per node only when someone listens
        node, vma = self.mm_rb.rb_node, None
        while node is not None:
            tmp: VmAreaStruct = node.owner
            if tmp.vm_end > addr:
                vma = tmp
                if tmp.vm_start <= addr:
                    if seen:
                        _visited(self, "mm/mmap.c:find_vma", tmp, addr, "contains")
                    break
                if seen:
                    _visited(self, "mm/mmap.c:find_vma", tmp, addr, "left")
                node = node.rb_left
            else:
                if seen:
                    _visited(self, "mm/mmap.c:find_vma", tmp, addr, "right")
                node = node.rb_right
        if vma is not None:
            self.mmap_cache = vma
        return vma

    def _find_vma_prev(self, addr: int) -> tuple[VmAreaStruct | None, VmAreaStruct | None]:
        """mm/mmap.c:find_vma_prev."""
        node, prev = self.mm_rb.rb_node, None
        while node is not None:
            tmp: VmAreaStruct = node.owner
            if addr < tmp.vm_end:
                _visited(self, "mm/mmap.c:find_vma_prev", tmp, addr, "left")
                node = node.rb_left
            else:
                prev = tmp
                _visited(self, "mm/mmap.c:find_vma_prev", tmp, addr, "right")
                if prev.vm_next is None or addr < prev.vm_next.vm_end:
                    break
                node = node.rb_right
        return (prev.vm_next if prev else self._mmap), prev

    def _find_vma_prepare(self, addr: int) -> tuple[VmAreaStruct | None, VmAreaStruct | None, RbNode | None, bool]:
        """mm/mmap.c:find_vma_prepare — the VMA at/after addr, the one before, and where a new
        node would hang in mm_rb (parent, left?)."""
        link, parent, left = self.mm_rb.rb_node, None, False
        rb_prev: RbNode | None = None
        vma: VmAreaStruct | None = None
        while link is not None:
            parent = link
            tmp: VmAreaStruct = link.owner
            if tmp.vm_end > addr:
                vma = tmp
                if tmp.vm_start <= addr:
                    break
                link, left = link.rb_left, True
            else:
                rb_prev = link
                link, left = link.rb_right, False
        return vma, (rb_prev.owner if rb_prev else None), parent, left

    # -- linking ---------------------------------------------------------------------------------
    def _vma_link(self, vma: VmAreaStruct, prev: VmAreaStruct | None, parent: RbNode | None, left: bool) -> None:
        """mm/mmap.c:vma_link — __vma_link_list, then __vma_link_rb; map_count++."""
        nxt = prev.vm_next if prev else self._mmap
        vma.vm_prev, vma.vm_next = prev, nxt
        if prev is None:
            self._mmap = vma
        else:
            prev.vm_next = vma
        if nxt is not None:
            nxt.vm_prev = vma
        emitter = self._k.emitter
        emitter.emit(VmaLinked, "mm/mmap.c:__vma_link_list", **self._fields(vma), prev=prev.id if prev else None)
        emit = emitter.emit if emitter.active else None
        rb_link_node(vma.vm_rb, parent, left, self.mm_rb, emit, vma.label)
        rb_insert_color(vma.vm_rb, self.mm_rb, emit)
        self.map_count += 1

    def _fields(self, vma: VmAreaStruct) -> dict[str, object]:
        """The VMA as VmaLinked/VmaUnlinked carry it."""
        start, end, flags, pgoff, path = vma.record
        return {"mm": self.name, "vma": vma.id, "vm_start": start, "vm_end": end, "vm_flags": flags,
                "vm_pgoff": pgoff, "file": path}  # fmt: skip

    def _vma_unlink(self, vma: VmAreaStruct, fn: str = "mm/mmap.c:__vma_unlink") -> None:
        """__vma_unlink / detach: out of the list and the tree; map_count--."""
        prev, nxt = vma.vm_prev, vma.vm_next
        if prev is None:
            self._mmap = nxt
        else:
            prev.vm_next = nxt
        if nxt is not None:
            nxt.vm_prev = prev
        emitter = self._k.emitter
        emit = emitter.emit if emitter.active else None
        rb_erase(vma.vm_rb, self.mm_rb, emit)
        emitter.emit(VmaUnlinked, fn, **self._fields(vma))
        vma.vm_prev = vma.vm_next = None
        if self.mmap_cache is vma:
            self.mmap_cache = prev
        self.map_count -= 1

    def _set_span(self, vma: VmAreaStruct, start: int, end: int, pgoff: int, fn: str = "mm/mmap.c:vma_adjust") -> None:
        old = (vma.vm_start, vma.vm_end, vma.vm_pgoff)
        if old != (start, end, pgoff):
            vma.vm_start, vma.vm_end, vma.vm_pgoff = start, end, pgoff
            vma.vm_rb.label = vma.label
            self._k.emitter.emit(VmaAdjusted, fn, mm=self.name, vma=vma.id, old=old, new=(start, end, pgoff))

    def _vma_adjust(
        self, vma: VmAreaStruct, start: int, end: int, pgoff: int, insert: VmAreaStruct | None = None
    ) -> None:
        """mm/mmap.c:vma_adjust — move vma's edges; absorb the next VMA(s) or shift its start;
        link a VMA split off by split_vma.  The VMA that takes pages over from another (the
        "importer": 2.6.24 mmap.c:509/517/526, 2.6.32 mmap.c:525/533/542) gets the anon_vma
        when it has none (2.6.24 mmap.c:559-570, 2.6.32 mmap.c:575-586), so the anonymous
        pages it now maps stay reachable (fork's copy_page_range copies only VMAs with one)."""
        while True:
            nxt, remove_next, adjust_next = vma.vm_next, 0, 0
            importer: VmAreaStruct | None = None
            if nxt is not None and insert is None:
                if end >= nxt.vm_end:  # vma grows over all of next (and perhaps the one after)
                    remove_next = 1 + (end > nxt.vm_end)
                    target_end, end = end, nxt.vm_end
                    importer = vma
                elif end > nxt.vm_start:  # grows over part of next: next's start moves up
                    adjust_next = (end - nxt.vm_start) >> PAGE_SHIFT
                    importer = vma
                elif end < vma.vm_end:  # shrinks: next's start moves down
                    adjust_next = -((vma.vm_end - end) >> PAGE_SHIFT)
                    importer = nxt
            if importer is not None and nxt is not None and importer.anon_vma is None:
                importer.anon_vma = vma.anon_vma or nxt.anon_vma
            self._set_span(vma, start, end, pgoff)
            if nxt is not None and adjust_next:
                self._set_span(nxt, nxt.vm_start + (adjust_next << PAGE_SHIFT), nxt.vm_end, nxt.vm_pgoff + adjust_next)
            if nxt is not None and remove_next:
                self._vma_unlink(nxt)
                if remove_next == 2:
                    end = target_end
                    continue
            elif insert is not None:
                _, prev, parent, left = self._find_vma_prepare(insert.vm_start)
                self._vma_link(insert, prev, parent, left)
            return

    def _can_merge(self, vma: VmAreaStruct, vm_flags: int, file: File | None, anon_vma: AnonVma | None = None) -> bool:
        """is_mergeable_vma (2.6.24 mmap.c:646, 2.6.32 mmap.c:663: the same flags, the same
        struct file, no vm_ops->close, which the model's VMAs never have; 2.6.32 ignores
        VM_CAN_NONLINEAR, which f_op->mmap sets only after mmap_region's merge) and
        is_mergeable_anon_vma (2.6.24 mmap.c:658, 2.6.32 mmap.c:676)."""
        diff = vma.vm_flags ^ vm_flags
        if self._k.config.era_minor >= _MERGE_FIRST_ERA:
            diff &= ~VM_CAN_NONLINEAR
        return not diff and vma.vm_file is file and _is_mergeable_anon_vma(anon_vma, vma.anon_vma)

    def _vma_merge(
        self,
        prev: VmAreaStruct | None,
        addr: int,
        end: int,
        vm_flags: int,
        file: File | None,
        pgoff: int,
        anon_vma: AnonVma | None = None,
    ) -> VmAreaStruct | None:
        """mm/mmap.c:vma_merge — extend prev and/or next instead of adding a VMA (cases 1–8)."""
        pglen = (end - addr) >> PAGE_SHIFT
        nxt = prev.vm_next if prev else self._mmap
        area = nxt
        if nxt is not None and nxt.vm_end == end:  # cases 6, 7, 8
            nxt = nxt.vm_next
        if (
            prev is not None
            and prev.vm_end == addr
            and self._can_merge(prev, vm_flags, file, anon_vma)
            and prev.vm_pgoff + ((prev.vm_end - prev.vm_start) >> PAGE_SHIFT) == pgoff
        ):
            if (
                nxt is not None
                and end == nxt.vm_start
                and self._can_merge(nxt, vm_flags, file, anon_vma)
                and nxt.vm_pgoff == pgoff + pglen
                and _is_mergeable_anon_vma(prev.anon_vma, nxt.anon_vma)  # 2.6.24 mmap.c:775, 2.6.32 :793
            ):
                self._vma_adjust(prev, prev.vm_start, nxt.vm_end, prev.vm_pgoff)  # cases 1, 6
            else:
                self._vma_adjust(prev, prev.vm_start, end, prev.vm_pgoff)  # cases 2, 5, 7
            return prev
        if (
            area is not None
            and nxt is not None
            and end == nxt.vm_start
            and self._can_merge(nxt, vm_flags, file, anon_vma)
            and nxt.vm_pgoff == pgoff + pglen
        ):
            if prev is not None and addr < prev.vm_end:  # case 4
                self._vma_adjust(prev, prev.vm_start, addr, prev.vm_pgoff)
            else:  # cases 3, 8
                self._vma_adjust(area, addr, nxt.vm_end, nxt.vm_pgoff - pglen)
            return area
        return None

    def _split_vma(self, vma: VmAreaStruct, addr: int, new_below: bool) -> None:
        """mm/mmap.c:split_vma — cut vma at addr; the new VMA takes the part below or above."""
        new = VmAreaStruct(self, vma.vm_start, vma.vm_end, vma.vm_flags, vma.vm_pgoff, vma.vm_file)
        new.vm_page_prot, new.anon_vma = vma.vm_page_prot, vma.anon_vma
        if new_below:
            new.vm_end = addr
            self._vma_adjust(vma, addr, vma.vm_end, vma.vm_pgoff + ((addr - new.vm_start) >> PAGE_SHIFT), new)
        else:
            new.vm_start = addr
            new.vm_pgoff += (addr - vma.vm_start) >> PAGE_SHIFT
            self._vma_adjust(vma, vma.vm_start, addr, vma.vm_pgoff, new)

    # -- mmap / munmap -----------------------------------------------------------------------------
    def _get_unmapped_area(self, addr0: int, length: int, flags: int) -> int | None:
        """mm/mmap.c:arch_get_unmapped_area_topdown, arch_get_unmapped_area as the fallback."""
        if length > self.task_size:
            return None
        if flags & MAP_FIXED:
            return addr0
        if self._hint_fits(addr0, length):
            return _page_up(addr0)
        if length <= self.cached_hole_size:
            self.cached_hole_size, self.free_area_cache = 0, self.mmap_base
        addr = self.free_area_cache
        if addr > length:
            vma = self._find_vma(addr - length)
            if vma is None or addr <= vma.vm_start:
                self.free_area_cache = addr - length
                return addr - length
        if self.mmap_base >= length:
            addr = self.mmap_base - length
            while True:
                vma = self._find_vma(addr)
                if vma is None or addr + length <= vma.vm_start:
                    self.free_area_cache = addr
                    return addr
                if addr + self.cached_hole_size < vma.vm_start:
                    self.cached_hole_size = vma.vm_start - addr
                addr = vma.vm_start - length
                if length >= vma.vm_start:
                    break
        self.cached_hole_size, self.free_area_cache = ULONG_MAX, self._task_unmapped_base()
        found = self._get_unmapped_area_bottomup(addr0, length)  # the hint is tried again there
        self.free_area_cache, self.cached_hole_size = self.mmap_base, ULONG_MAX
        return found

    def _search_fails(self, addr: int, length: int, flags: int) -> bool:
        """The hole search of a call a later check refuses: does it find no hole?

        do_mmap_pgoff searches before its MAP_TYPE and file checks.  A search that fails
        leaves the hints as the kernel's leaves them; one that succeeds has its hints put
        back, so that the refused call changes nothing (the model's simplification)."""
        saved = self.free_area_cache, self.cached_hole_size, self.mmap_cache
        if self._get_unmapped_area(_round_hint_to_min(addr, self._k.config.era_minor), length, flags) is None:
            self._k.emitter.emit(
                AllocationFailed,
                "mm/mmap.c:get_unmapped_area",
                what=f"mmap({length:#x})",
                reason="no hole in the user address space is big enough (-ENOMEM)",
            )
            return True
        self.free_area_cache, self.cached_hole_size, self.mmap_cache = saved
        return False

    def _hint_fits(self, addr: int, length: int) -> bool:
        """Both searches' first step: a non-zero hint, page aligned, is taken when
        [addr, addr + length) is below TASK_SIZE and free (find_vma)."""
        if not addr:
            return False
        addr = _page_up(addr)
        vma = self._find_vma(addr)
        return self.task_size - length >= addr and (vma is None or addr + length <= vma.vm_start)

    def _task_unmapped_base(self) -> int:
        return ((self.task_size // 3) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)

    def _get_unmapped_area_bottomup(self, addr0: int, length: int) -> int | None:
        """mm/mmap.c:arch_get_unmapped_area (the legacy layout), from free_area_cache up."""
        if self._hint_fits(addr0, length):
            return _page_up(addr0)
        base = self._task_unmapped_base()
        if length > self.cached_hole_size:
            start = addr = self.free_area_cache
        else:
            start = addr = base
            self.cached_hole_size = 0
        while True:
            vma = self._find_vma(addr)
            while True:
                if self.task_size - length < addr:
                    if start != base:
                        start = addr = base
                        self.cached_hole_size = 0
                        break
                    return None
                if vma is None or addr + length <= vma.vm_start:
                    self.free_area_cache = addr + length
                    return addr
                if addr + self.cached_hole_size < vma.vm_start:
                    self.cached_hole_size = vma.vm_start - addr
                addr = vma.vm_end
                vma = vma.vm_next

    def _do_mmap_pgoff(
        self, file: File | None, addr: int, length: int, prot: int, flags: int, pgoff: int
    ) -> int | None:
        if not flags & MAP_FIXED:  # round_hint_to_min: the hint is masked down, not rounded up
            addr = _round_hint_to_min(addr, self._k.config.era_minor)
        length = (length + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)
        found = self._get_unmapped_area(addr, length, flags)
        if found is None:
            self._k.emitter.emit(
                AllocationFailed,
                "mm/mmap.c:get_unmapped_area",
                what=f"mmap({length:#x})",
                reason="no hole in the user address space is big enough (-ENOMEM)",
            )
            return None
        addr = found
        vm_flags = calc_vm_prot_bits(prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC
        vm_flags |= (VM_GROWSDOWN if flags & MAP_GROWSDOWN else 0) | (VM_DENYWRITE if flags & MAP_DENYWRITE else 0)
        vm_flags |= VM_EXECUTABLE if flags & MAP_EXECUTABLE else 0
        if flags & MAP_SHARED:
            vm_flags |= VM_SHARED | VM_MAYSHARE
            if file is not None and not file.f_mode & FMODE_WRITE:  # a read-only file: never writable
                vm_flags &= ~(VM_MAYWRITE | VM_SHARED)
            if file is None and self._k.config.era_minor >= _NORESERVE_ERA:  # 2.6.32 mmap.c:1047
                pgoff = 0  # 2.6.24 keeps the caller's pgoff
        elif file is None:
            pgoff = addr >> PAGE_SHIFT  # "set pgoff according to addr for anon_vma"
        return self._mmap_region(file, addr, length, flags, vm_flags, pgoff)

    def _mmap_region(self, file: File | None, addr: int, length: int, flags: int, vm_flags: int, pgoff: int) -> int:
        """mm/mmap.c:mmap_region — clear the range, try vma_merge, else link a new VMA.

        2.6.24 (mmap.c:1067): VM_ACCOUNT for a shared or writable mapping without
        MAP_NORESERVE (1094-1106); only a private anonymous mapping is merged before the VMA
        is built (1115); f_op->mmap (generic_file_mmap: VM_CAN_NONLINEAR) or
        shmem_zero_setup runs, a shared mapping loses VM_ACCOUNT again (1165), and a file
        mapping is merged with its final flags (1179).  2.6.32 (mmap.c:1120): MAP_NORESERVE
        sets VM_NORESERVE (1153), accountable_mapping charges only a private writable
        mapping without it (1163), and every mapping is merged first (1173), before
        f_op->mmap adds VM_CAN_NONLINEAR (is_mergeable_vma ignores that bit).
        """
        while True:
            vma, prev, parent, left = self._find_vma_prepare(addr)
            if vma is not None and vma.vm_start < addr + length:
                self._do_munmap(addr, length)  # MAP_FIXED over existing mappings
                continue
            break
        end = addr + length
        if self._k.config.era_minor >= _MERGE_FIRST_ERA:
            if flags & MAP_NORESERVE:  # with overcommit not OVERCOMMIT_NEVER (the default)
                vm_flags |= VM_NORESERVE
            if vm_flags & (VM_NORESERVE | VM_SHARED | VM_WRITE) == VM_WRITE:  # accountable_mapping
                vm_flags |= VM_ACCOUNT
            merged = self._vma_merge(prev, addr, end, vm_flags, file, pgoff)
        else:
            if flags & MAP_NORESERVE and self._k.config.era_minor >= _NORESERVE_ERA:
                vm_flags |= VM_NORESERVE  # 2.6.27/28: the flag, but the old accounting
            if not flags & MAP_NORESERVE and vm_flags & (VM_SHARED | VM_WRITE):
                vm_flags |= VM_ACCOUNT
            merged = None
            if file is None and not vm_flags & VM_SHARED:
                merged = self._vma_merge(prev, addr, end, vm_flags, None, pgoff)
            if file is not None:
                vm_flags |= VM_CAN_NONLINEAR  # generic_file_mmap, before the second try below
            if vm_flags & (VM_SHARED | VM_ACCOUNT) == VM_SHARED | VM_ACCOUNT:
                vm_flags &= ~VM_ACCOUNT
            if merged is None and file is not None:
                merged = self._vma_merge(prev, addr, end, vm_flags, file, pgoff)
        if merged is None:
            if file is not None:
                vm_flags |= VM_CAN_NONLINEAR  # f_op->mmap = generic_file_mmap (mm/filemap.c)
            elif vm_flags & VM_SHARED:  # shmem_zero_setup: every shared anonymous mapping gets its own file
                file = self._k.files.open("/dev/zero (deleted)", unique=True, dev=(0, 7))
            vma = VmAreaStruct(self, addr, end, vm_flags, pgoff, file)
            vma.vm_page_prot = self.protection_map[vm_flags & 0xF]
            if vma_wants_writenotify(vma):  # mm/mmap.c:mmap_region (24: 1176-1177; 32: 1227-1228)
                vma.vm_page_prot = self.protection_map[vm_flags & ~VM_SHARED & 0xF]
            self._vma_link(vma, prev, parent, left)
        self.total_vm += length >> PAGE_SHIFT
        return addr

    def _do_munmap(self, start: int, length: int) -> None:
        """mm/mmap.c:do_munmap — split at the edges, detach, unmap, free."""
        length = (length + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)
        vma, prev = self._find_vma_prev(start)
        end = start + length
        if vma is None or vma.vm_start >= end:
            return
        if start > vma.vm_start:
            self._split_vma(vma, start, new_below=False)
            prev = vma
        last = self._find_vma(end)
        if last is not None and end > last.vm_start:
            self._split_vma(last, end, new_below=True)
        vma = prev.vm_next if prev else self._mmap
        doomed = []
        while vma is not None and vma.vm_start < end:  # detach_vmas_to_be_unmapped
            doomed.append(vma)
            vma = vma.vm_next
        for v in doomed:
            self._vma_unlink(v, "mm/mmap.c:detach_vmas_to_be_unmapped")
        if self.pgd is not None:  # unmap_region: zap the PTEs, free the page tables no VMA needs
            self._k.memory.zap_range(self, start, end)
            self._k.memory.free_pgtables(self, start, end)
        for v in doomed:
            self.total_vm -= (v.vm_end - v.vm_start) >> PAGE_SHIFT  # remove_vma_list
        addr = vma.vm_start if vma is not None else self.mmap_base  # arch_unmap_area_topdown
        if addr > self.free_area_cache:
            self.free_area_cache = addr
        self.free_area_cache = min(self.free_area_cache, self.mmap_base)
        self.mmap_cache = None


def _visited(mm: MmStruct, fn: str, vma: VmAreaStruct, addr: int, verdict: str) -> None:
    """One node of a find_vma/find_vma_prev descent of ``mm->mm_rb``, as an event."""
    emitter = mm._k.emitter
    if not emitter.active:  # nobody listens: no event to build
        return
    start, end, emit = vma.vm_start, vma.vm_end, emitter.emit
    emit(
        VmaVisited,
        fn,  # a constant at each call site: one shared string, which a recorded step keeps
        mm=mm.name,
        vma=vma.id,
        vm_start=start,
        vm_end=end,
        addr=addr,
        verdict=verdict,
    )


def _page_up(x: int) -> int:
    return (x + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)


def _round_hint_to_min(hint: int, era_minor: int) -> int:
    """round_hint_to_min, which do_mmap_pgoff applies to the hint of a call without MAP_FIXED:
    the hint is masked to its page (0x60000800 becomes 0x60000000, 0x7ff no hint at all), and
    a non-zero hint below ``mmap_min_addr`` is lifted to it.  2.6.24: include/linux/mm.h:520-529,
    under CONFIG_SECURITY (which distribution kernels set), mmap_min_addr 0 by default;
    2.6.32: include/linux/security.h:128-135, always, mmap_min_addr 4096 by default
    (CONFIG_DEFAULT_MMAP_MIN_ADDR), which a masked non-zero hint never is below."""
    hint &= ~(PAGE_SIZE - 1)
    mmap_min_addr = 4096 if era_minor >= 32 else 0
    if hint and hint < mmap_min_addr:
        return _page_up(mmap_min_addr)
    return hint


# -- the in-kernel calls other subsystems make (they trust their caller, as the kernel does) ----------
def vm_get_page_prot(mm: MmStruct, vm_flags: int) -> int:
    """mm/mmap.c:vm_get_page_prot — the PTE bits (``pgprot_t``) a VMA with ``vm_flags`` maps with.

    ``unsigned long vm_flags``: ``protection_map[vm_flags & (VM_READ|VM_WRITE|VM_EXEC|VM_SHARED)]``
    (the table is per kernel here: its era and PAE setting decide NX).  2.6.32 ORs in
    ``arch_vm_get_page_prot``, which adds nothing on x86.
    """
    return mm.protection_map[vm_flags & 0xF]


def vma_wants_writenotify(vma: VmAreaStruct) -> bool:
    """mm/mmap.c:vma_wants_writenotify (2.6.24: 1040-1064; 2.6.32: 1078-1102) — should the
    first write to each page of ``vma`` fault, so the file learns the page gets dirty?

    ``struct vm_area_struct *vma``; returns the ``int`` as a bool.  True for a shared
    writable mapping (VM_WRITE|VM_SHARED) of a file whose backing device accounts dirty
    pages (mapping_cap_account_dirty): mmap_region and mprotect_fixup then give it the
    private, write-protected ``vm_page_prot`` (PAGE_COPY-like, PAE keeps NX) and
    do_wp_page makes each page writable in place on its first write.  The model's files
    have no vm_ops->page_mkwrite and no driver protections; a file on a device with
    major 0 stands for an in-memory filesystem (shmem's ``/dev/zero (deleted)``, tmpfs,
    ramfs), whose backing_dev_info accounts nothing (mm/shmem.c 24: 192; 32: 225).
    Simplification: a disk-less filesystem that does account (NFS) is not modelled.
    The same in both eras.
    """
    if vma.vm_flags & (VM_WRITE | VM_SHARED) != VM_WRITE | VM_SHARED:
        return False
    file = vma.vm_file
    return file is not None and file.dev[0] != 0


def find_vma_prepare(mm: MmStruct, addr: int) -> tuple[VmAreaStruct | None, VmAreaStruct | None, RbNode | None, bool]:
    """mm/mmap.c:find_vma_prepare — where a VMA starting at ``addr`` goes, before vma_link.

    ``struct mm_struct *mm``, ``unsigned long addr``.  Returns ``(vma, prev, rb_parent, left)``:
    the first VMA ending above ``addr`` (None if none), the one before it (the kernel's
    ``*pprev``), and the mm_rb node a new node hangs from with the side (the kernel's
    ``*rb_parent`` and ``*rb_link``).  Emits nothing.  The same in both eras.
    """
    return mm._find_vma_prepare(addr)


def vma_link(mm: MmStruct, vma: VmAreaStruct, prev: VmAreaStruct | None, rb_parent: RbNode | None, left: bool) -> None:
    """mm/mmap.c:vma_link — put ``vma`` on mm's list after ``prev`` and into ``mm_rb`` under
    ``rb_parent`` (on its ``left`` side or right), as find_vma_prepare found them; ``map_count++``.

    ``struct vm_area_struct *vma, *prev``, ``struct rb_node *rb_parent`` (``rb_link`` as
    ``left``).  Returns nothing (``void``).  Neither the address nor the overlap is checked,
    as in the kernel.  The same in both eras.
    """
    mm._vma_link(vma, prev, rb_parent, left)


def vma_merge(
    mm: MmStruct,
    prev: VmAreaStruct | None,
    addr: int,
    end: int,
    vm_flags: int,
    anon_vma: AnonVma | None,
    file: File | None,
    pgoff: int,
) -> VmAreaStruct | None:
    """mm/mmap.c:vma_merge — cover ``[addr, end)`` by growing ``prev`` and/or the VMA after it.

    ``struct vm_area_struct *prev``, ``unsigned long addr, end, vm_flags``, ``struct anon_vma *``,
    ``struct file *``, ``pgoff_t pgoff`` (2.6.24's ``struct mempolicy *`` has no model).
    Returns the VMA now covering the range, or None (NULL) when no neighbour could take it
    (flags, file, anon_vma or offset differ; case 1 also refuses when prev's and next's
    anon_vmas differ).  2.6.32's is_mergeable_vma ignores VM_CAN_NONLINEAR; otherwise the
    same in both eras (2.6.24 mmap.c:737, 2.6.32 mmap.c:755).
    """
    return mm._vma_merge(prev, addr, end, vm_flags, file, pgoff, anon_vma)


def find_mergeable_anon_vma(vma: VmAreaStruct) -> AnonVma | None:
    """mm/mmap.c:find_mergeable_anon_vma — the anon_vma of a neighbour ``vma`` could one day
    be merged with (by an mprotect: the neighbour's rwx bits are taken as ``vma``'s), so that
    anon_vma_prepare shares it instead of allocating one.

    ``struct vm_area_struct *vma``.  Tries the next VMA (it must start at ``vm_end`` and
    its offset continue ``vma``'s: can_vma_merge_before), then the previous one
    (can_vma_merge_after).  Returns its ``struct anon_vma *``, or None (NULL) when neither
    touches, matches or has one.  The same in 2.6.24 (mmap.c:813) and 2.6.32 (mmap.c:831),
    but for 2.6.32's is_mergeable_vma ignoring VM_CAN_NONLINEAR.
    """
    mm, rwx = vma.vm_mm, VM_READ | VM_WRITE | VM_EXEC
    pages = (vma.vm_end - vma.vm_start) >> PAGE_SHIFT
    near = vma.vm_next
    if near is not None and near.anon_vma is not None and vma.vm_end == near.vm_start:
        flags = (vma.vm_flags & ~rwx) | (near.vm_flags & rwx)
        if mm._can_merge(near, flags, vma.vm_file) and near.vm_pgoff == vma.vm_pgoff + pages:
            return near.anon_vma
    near = vma.vm_prev
    if near is not None and near.anon_vma is not None and near.vm_end == vma.vm_start:
        flags = (vma.vm_flags & ~rwx) | (near.vm_flags & rwx)
        near_pages = (near.vm_end - near.vm_start) >> PAGE_SHIFT
        if mm._can_merge(near, flags, vma.vm_file) and near.vm_pgoff + near_pages == vma.vm_pgoff:
            return near.anon_vma
    return None


def _is_mergeable_anon_vma(a: AnonVma | None, b: AnonVma | None) -> bool:
    """mm/mmap.c:is_mergeable_anon_vma — either has none, or they are the same one."""
    return a is None or b is None or a is b


def split_vma(mm: MmStruct, vma: VmAreaStruct, addr: int, new_below: bool) -> None:
    """mm/mmap.c:split_vma — cut ``vma`` at ``addr``; a new VMA takes the part below
    (``new_below``) or above, and is linked through vma_adjust.

    ``struct vm_area_struct *vma``, ``unsigned long addr`` (page aligned, inside ``vma``),
    ``int new_below``.  The kernel's int is -ENOMEM past ``sysctl_max_map_count`` or when
    no VMA can be allocated; the model has neither limit, so it returns nothing.  The same
    in both eras.
    """
    mm._split_vma(vma, addr, new_below)


def do_mmap_pgoff(
    mm: MmStruct, file: File | None, addr: int, length: int, prot: int, flags: int, pgoff: int
) -> int | None:
    """mm/mmap.c:do_mmap_pgoff after its checks — find the hole, then mmap_region.

    The in-kernel mmap (execve's loader and spawn use it): ``struct file *file``,
    ``unsigned long addr, len, prot, flags, pgoff`` into ``mm`` (the kernel's
    ``current->mm``).  The arguments are trusted: :func:`sys_mmap_pgoff` is the checked
    call.  Returns the address, or None where the kernel returns -ENOMEM (no hole).
    Without MAP_FIXED the hint goes through round_hint_to_min (masked down to its page)
    before arch_get_unmapped_area_topdown tries it, in both eras (2.6.24 under
    CONFIG_SECURITY, as distributions build it).
    """
    return mm._do_mmap_pgoff(file, addr, length, prot, flags, pgoff)


def set_mm_field(mm: MmStruct, field: str, value: int, fn: str) -> None:
    """``mm->field = value`` for ``start_brk``, ``brk`` or ``start_stack``, as kernel function
    ``fn`` assigns it (fs/binfmt_elf.c:set_brk and load_elf_binary in execve, sys_brk,
    kernel/fork.c:dup_mm's copy, __mmdrop's free_mm).  A change is an ``MmStructUpdated``
    event: show_map names the ``[heap]`` and ``[stack]`` VMAs by these fields, and the
    views replay events only."""
    mm._set_field(field, value, fn)


def do_brk(mm: MmStruct, addr: int, length: int) -> None:
    """mm/mmap.c:do_brk — map ``[addr, addr + len)`` anonymous read-write, merged with the VMA
    below when it can be, what sys_brk grows the heap with.

    ``unsigned long addr, len`` (page aligned, trusted: :func:`sys_brk` checks).  The
    kernel returns ``addr``, or -EINVAL past TASK_SIZE, -EPERM below 2.6.32's
    ``mmap_min_addr``, -ENOMEM past RLIMIT_AS, ``sysctl_max_map_count`` or overcommit
    (2.6.24 mmap.c:1938-1991, 2.6.32 mmap.c:2006-2059); the model's caller checks
    TASK_SIZE and the model has none of the other limits, so it returns nothing.  The
    flags are VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT, without VM_EXEC (no READ_IMPLIES_EXEC
    personality: a program with a non-executable PT_GNU_STACK).  The same in both eras.
    """
    mm._do_brk(addr, length)


def expand_stack(vma: VmAreaStruct, address: int) -> int:
    """mm/mmap.c:expand_stack → expand_downwards — grow a VM_GROWSDOWN ``vma`` down to cover
    ``address``: its start moves down, ``vm_pgoff`` with it, ``total_vm`` grows.

    ``struct vm_area_struct *vma``, ``unsigned long address`` below ``vm_start``, masked to
    its page.  Returns 0, or -ENOMEM when ``vm_end - address`` would pass RLIMIT_STACK
    (acct_stack_growth: 2.6.24 mmap.c:1520, 2.6.32 mmap.c:1568).  Like the kernel, it
    first gives the VMA an anon_vma (anon_vma_prepare: 2.6.24 mmap.c:1619, 2.6.32
    mmap.c:1667), even when the stack need not grow.  No gap to the VMA below is kept:
    the stack guard gap is 2.6.36's (a distribution's 2.6.24 or 2.6.32 may backport it).
    Not modelled, limits the model does not have: acct_stack_growth's RLIMIT_AS, mlock
    and overcommit checks, and 2.6.32's security_file_mmap, -EPERM for an address below
    ``mmap_min_addr`` (4096; mmap.c:1671).  The same in both eras.
    """
    from .rmap import anon_vma_prepare  # rmap.c sits above mmap.c: it calls find_mergeable_anon_vma

    mm = vma.vm_mm
    anon_vma_prepare(vma)
    address &= ~(PAGE_SIZE - 1)
    if address >= vma.vm_start:
        return 0
    if vma.vm_end - address > STACK_RLIMIT:
        return -ENOMEM
    grow = (vma.vm_start - address) >> PAGE_SHIFT
    mm._set_span(vma, address, vma.vm_end, vma.vm_pgoff - grow, "mm/mmap.c:expand_stack")
    mm.total_vm += grow
    return 0


def exit_mmap(mm: MmStruct) -> None:
    """mm/mmap.c:exit_mmap — the last user of ``mm`` is gone: unmap every VMA (unmap_vmas),
    free the user page tables (free_pgtables), free each VMA (remove_vma).

    ``struct mm_struct *mm``.  Returns nothing (``void``).  The page directory stays for
    pgd_free (mmdrop's, kernel/fork.c).  Afterwards the mm is a stale handle: reading
    ``mm.mmap`` or calling it raises :class:`~vmwidgets.InvalidArgument`.  The same in
    both eras.
    """
    vmas = list(mm)
    memory = mm._k.memory
    if mm.pgd is not None:
        for vma in vmas:
            memory.zap_range(mm, vma.vm_start, vma.vm_end)
    for vma in vmas:
        mm._vma_unlink(vma, "mm/mmap.c:remove_vma")
        mm.total_vm -= (vma.vm_end - vma.vm_start) >> PAGE_SHIFT
    if mm.pgd is not None:
        memory.free_pgtables(mm, 0, mm.task_size)
    mm._exited = True


# -- the system calls (methods of Task) -------------------------------------------------------------
def get_task_mm(task: TaskStruct) -> MmStruct:
    """kernel/fork.c:get_task_mm, as a system call finds ``current->mm``: the task's mm.

    ``struct task_struct *task``.  Returns its ``struct mm_struct *``.  Where the kernel
    returns NULL for a task without an mm, the model raises
    :class:`~vmwidgets.InvalidArgument`: for anything but a task, and for a task that has
    exited (its mm is gone).  The same in both eras.
    """
    if not isinstance(task, TaskStruct):
        raise InvalidArgument("task", task, "a vmwidgets Task")
    mm = task.mm
    if task not in mm._k.tasks:
        raise InvalidArgument("task", task, "a live task (from spawn or fork); this one has exited")
    return mm


def check_ulongs(**values: int) -> None:
    """The model's check of system-call arguments: each ``name=value`` must be an ``unsigned
    long`` (a plain int from 0 to ULONG_MAX, i386's 0xffffffff), else
    :class:`~vmwidgets.InvalidArgument` names it (the real call could not even be made)."""
    for name, value in values.items():
        check_int(name, value, 0, ULONG_MAX, "an unsigned long (an integer from 0 to 0xffffffff)")


def _check_file(file: object) -> File | str | None:
    """The fd of the call: None, a path or a File; refused before anything is opened."""
    if file is None:
        return None
    if isinstance(file, str):
        return check_text("file", file, "a path", max_len=4096)
    if isinstance(file, File):
        check_text("file.path", file.path, "a path", max_len=4096)
        dev = file.dev
        if not isinstance(dev, tuple) or len(dev) != 2:
            raise InvalidArgument("file.dev", dev, "a (major, minor) pair")
        check_int("file.dev[0]", dev[0], 0, 0xFFF, "a major number from 0 to 0xfff")
        check_int("file.dev[1]", dev[1], 0, 0xFFFFF, "a minor number from 0 to 0xfffff")
        check_int("file.ino", file.ino, 0, ULONG_MAX, "an inode number from 0 to 0xffffffff")
        check_int("file.f_mode", file.f_mode, 0, FMODE_READ | FMODE_WRITE, "FMODE_READ and/or FMODE_WRITE")
        return file
    raise InvalidArgument("file", file, "None, a path or a vmwidgets File")


def sys_mmap_pgoff(
    task: TaskStruct, addr: int, length: int, prot: int, flags: int, file: File | str | None = None, pgoff: int = 0
) -> int:
    """arch/x86/kernel/sys_i386_32.c:sys_mmap2 → mm/mmap.c:do_mmap_pgoff: see :meth:`Task.mmap`.

    ``struct task_struct *task``, ``unsigned long addr, len, prot, flags, pgoff``, the fd
    as ``file``.  Returns the address, or a negative errno (the ``long`` sys_mmap2 returns).

    The errno checks run in the kernel's order (sys_mmap2: -EBADF, 24:46-54, 32:31-39;
    do_mmap_pgoff, 24:891 / 32:909: -EINVAL for len 0 at 912/929, -ENOMEM past TASK_SIZE at
    924/941, -EOVERFLOW at 928/945, 2.6.32's -EINVAL for MAP_HUGETLB with a file at 954;
    get_unmapped_area, 24:1408 / 32:1456: a MAP_FIXED address in the top 4095 bytes
    (IS_ERR_VALUE) comes back as it is, so the caller reads it as a negative number, then
    -ENOMEM past TASK_SIZE and -EINVAL unaligned; then MAP_TYPE and the file's f_mode,
    968-1023 / 1002-1059; mmap_region's -EINVAL for a growing file mapping, 24:1140 /
    32:1197, after it has cleared a MAP_FIXED range, 24:1082 / 32:1134).  One thing is
    not the kernel's: a call refused after the hole search leaves ``free_area_cache`` and
    ``cached_hole_size`` as they were (the kernel's search has moved them): the model's
    refused calls change nothing but a MAP_FIXED range mmap_region already cleared.  The
    search still decides the errno: without a hole the call is -ENOMEM whatever the later
    checks say.  A path is opened (its inode registered) only once every check has passed.
    Bits the model does not implement (MAP_LOCKED, MAP_POPULATE, 2.6.32's MAP_HUGETLB
    without a file …) are ignored; so are unknown ``prot`` bits, as calc_vm_prot_bits
    ignores them.  Not modelled, each a refusal the model never makes: more than
    ``sysctl_max_map_count`` VMAs (-ENOMEM, 24:932 / 32:949); MAP_LOCKED's -EPERM and
    -EAGAIN past RLIMIT_MEMLOCK (24:950-960 / 32:985-997); an append-only file, mandatory
    locks, a noexec mount (-EACCES, -EAGAIN, -EPERM: the model's files have no inode
    flags, locks or mounts); RLIMIT_AS (may_expand_vm) and the overcommit check of a
    private writable mapping (security_vm_enough_memory: -ENOMEM for one larger than free
    memory, page cache and swap in the default heuristic mode) in mmap_region, as the
    model has no rlimits but RLIMIT_STACK and no commit accounting; 2.6.32's
    ``mmap_min_addr`` (-EPERM below 4096 for MAP_FIXED, security_file_mmap at 1061).
    old_mmap's -EINVAL for a byte offset that is not page aligned (24:92, 32:77) has no
    counterpart: the model's call is mmap2 and takes the offset in pages.
    """
    mm = get_task_mm(task)
    check_ulongs(addr=addr, length=length, prot=prot, flags=flags, pgoff=pgoff)
    file = _check_file(file)
    path = file if isinstance(file, str) else file.path if file is not None else None
    args = f"addr={addr:#x}, length={length:#x}, prot={prot}, flags={flags:#x}"
    with mm._k.emitter.operation("mmap", args + (f", file={path}" if path else ""), "mm/mmap.c:do_mmap_pgoff") as op:
        out = _mmap_checked(mm, addr, length, prot, flags, file, pgoff)
        op.result = errno_name(out) if out < 0 else f"{out:#010x}"
        return out


def _mmap_checked(
    mm: MmStruct, addr: int, length: int, prot: int, flags: int, file: File | str | None, pgoff: int
) -> int:
    flags &= ~(MAP_EXECUTABLE | MAP_DENYWRITE)  # sys_mmap2: only execve may set these
    if flags & MAP_ANONYMOUS:
        file = None  # sys_mmap2 ignores the fd
    elif file is None:
        return -EBADF  # fget(fd) found no file
    if not length:
        return -EINVAL
    length = _page_up(length)
    if length > mm.task_size:  # also when PAGE_ALIGN wraps to 0
        return -ENOMEM
    if pgoff + (length >> PAGE_SHIFT) > ULONG_MAX:
        return -EOVERFLOW
    if file is not None and flags & _MAP_HUGETLB and mm._k.config.era_minor >= 32:
        return -EINVAL  # 2.6.32 do_mmap_pgoff (mmap.c:954-955): MAP_HUGETLB is for anonymous memory
    if flags & MAP_FIXED:  # get_unmapped_area's checks of a fixed address
        if addr > ULONG_MAX - _MAX_ERRNO:  # IS_ERR_VALUE: the address goes back as it is, a "-errno"
            return addr - (ULONG_MAX + 1)
        if addr > mm.task_size - length:
            return -ENOMEM
        if addr & (PAGE_SIZE - 1):
            return -EINVAL
    out = _mmap_refused(mm, prot, flags, file)
    if out:
        if not flags & MAP_FIXED and mm._search_fails(addr, length, flags):
            return -ENOMEM  # the hole search ran first: its -ENOMEM is what the caller sees
        in_region = out == -EINVAL and flags & MAP_TYPE in (MAP_SHARED, MAP_PRIVATE)  # a growing file mapping
        if in_region and flags & MAP_FIXED:
            mm._do_munmap(addr, length)  # mmap_region cleared the fixed range before it refused
        return out
    if isinstance(file, str):
        file = mm._k.files.open(file)
    found = mm._do_mmap_pgoff(file, addr, length, prot, flags, pgoff)
    return -ENOMEM if found is None else found


def _mmap_refused(mm: MmStruct, prot: int, flags: int, file: File | str | None) -> int:
    """do_mmap_pgoff's checks after get_unmapped_area, and mmap_region's of a growing file
    mapping: the negative errno, or 0 when the call may go on."""
    if flags & MAP_TYPE not in (MAP_SHARED, MAP_PRIVATE):
        return -EINVAL
    if file is None:
        return 0
    mode = file.f_mode if isinstance(file, File) else FMODE_READ | FMODE_WRITE
    if flags & MAP_SHARED and prot & PROT_WRITE and not mode & FMODE_WRITE:
        return -EACCES
    if not mode & FMODE_READ:
        return -EACCES
    if flags & MAP_GROWSDOWN:  # mmap_region: no growing file mappings
        return -EINVAL
    return 0


def sys_munmap(task: TaskStruct, addr: int, length: int) -> int:
    """mm/mmap.c:sys_munmap → do_munmap: see :meth:`Task.munmap`.

    ``struct task_struct *task``, ``unsigned long addr``, ``size_t len``.  Returns 0 or
    -EINVAL (``long``).  The same in 2.6.24 and 2.6.32 (a SYSCALL_DEFINE2 there).  The
    kernel's -ENOMEM from split_vma (past ``sysctl_max_map_count`` VMAs) is not modelled.
    """
    mm = get_task_mm(task)
    check_ulongs(addr=addr, length=length)
    with mm._k.emitter.operation("munmap", f"addr={addr:#010x}, length={length:#x}", "mm/mmap.c:do_munmap") as op:
        if addr & (PAGE_SIZE - 1) or addr > mm.task_size or length > mm.task_size - addr or not length:
            out = -EINVAL
        else:
            mm._do_munmap(addr, length)
            out = 0
        op.result = errno_name(out)
        return out


def sys_brk(task: TaskStruct, brk: int) -> int:
    """mm/mmap.c:sys_brk: see :meth:`Task.brk`.

    ``struct task_struct *task``, ``unsigned long brk``.  Returns the break (``unsigned
    long``): the new one, or the old one when the move is refused; never an errno.  The
    lower limit is ``end_code`` in both eras (2.6.24 mmap.c:244; 2.6.32 mmap.c:256 with
    CONFIG_COMPAT_BRK, which init/Kconfig defaults to y; start_brk without it).  Growing
    is refused when a VMA lies below ``PAGE_ALIGN(brk) + PAGE_SIZE``
    (find_vma_intersection, 24:270, 32:287) or do_brk fails (past TASK_SIZE); shrinking
    unmaps ``[PAGE_ALIGN(brk), PAGE_ALIGN(old brk))`` whatever is mapped there.
    Simplifications, each a refusal the model never makes, with limits it does not have:
    RLIMIT_DATA (24:253-255 counts ``brk - start_data``, 32:269-271 ``brk - start_brk``
    plus the data segment; unlimited by default), and do_brk's RLIMIT_AS (may_expand_vm,
    unlimited by default), ``sysctl_max_map_count`` and overcommit checks (-ENOMEM, which
    sys_brk turns into the old break); 2.6.32's do_brk also asks security_file_mmap, whose
    ``mmap_min_addr`` (4096) no break above ``end_code`` is below.
    """
    mm = get_task_mm(task)
    check_ulongs(brk=brk)
    with mm._k.emitter.operation("brk", f"mm={mm.name}, brk={brk:#010x}", "mm/mmap.c:sys_brk") as op:
        if brk >= mm.end_code:
            new, old = _page_up(brk), _page_up(mm.brk)
            if new == old:
                mm._set_field("brk", brk, "mm/mmap.c:sys_brk")
            elif brk <= mm.brk:
                mm._do_munmap(new, old - new)
                mm._set_field("brk", brk, "mm/mmap.c:sys_brk")
            elif mm._intersects(old, new + PAGE_SIZE) or new > mm.task_size:
                pass  # a mapping is in the way, or do_brk's -EINVAL past TASK_SIZE: the break stays
            else:
                mm._do_brk(old, new - old)
                mm._set_field("brk", brk, "mm/mmap.c:sys_brk")
        op.result = f"{mm.brk:#010x}"
        return mm.brk


from .validate import validate_mm  # noqa: E402, F401  (moved to validate.py; still importable here)
