"""vmalloc, vmap and ioremap over ``vmlist`` (mm/vmalloc.c, arch/x86/mm/ioremap.c).

The 2.6.24 algorithm is followed step by step: ``__get_vm_area_node`` walks the
address-sorted ``vmlist`` first-fit from VMALLOC_START with one guard page added to
every area; the new ``vm_struct`` is linked before the first area above the hole.
Besides the C-style ``next`` pointers the model keeps vmlist's nodes in a Python list
(``_vm_nodes``) and their addresses and sizes in two arrays, so a walk reads as a ``for``
loop over them and is recorded as two array slices (no object per visited node).

Simplifications, said once: ``caller`` and /proc/vmallocinfo arrived in 2.6.25–26 but
are shown in every era because they teach well, and ``caller`` is a plain name where the
kernel prints ``symbol+off/len``; 2.6.24's loop only checks the end of the vmalloc area
after stepping over an area at or above the candidate (mm/vmalloc.c:215-217), so an
empty vmlist is never checked, nor is a walk that runs off the list after a last area
below the candidate (205-209: an ioremap's alignment can skip past that area's start),
which links an area past VMALLOC_END; the model always checks it so no area crosses into
the pkmap and fixmap space (tests/test_reference_vmalloc.py shows both cases).  Era
2.6.28+ follows mainline 2.6.32: addresses come from the vmap_area rb-tree (see
vmap_area.py), vmlist is still kept sorted for /proc/vmallocinfo, and the vm_struct is
linked before the frames are allocated (2.6.32.y stable kernels link it after, with
VM_UNLIST).  A vfree'd area is freed lazily there: its PTEs stay until a purge, and a
second vfree of it gets the "nonexistent vm area" warning (the real 2.6.32 would still
find the stale area and crash walking vmlist).

The bookkeeping vmalloc.c kmallocs is not taken from SLUB: the ``struct vm_struct``
(__get_vm_area_node: 28 bytes in 2.6.24, 32 in 2.6.32, kmalloc-32; [24] mm/vmalloc.c:193,
[32] 1182), the ``pages`` array of a vmalloc (kmalloc up to a page, a nested vmalloc above;
[24] 437-443, [32] 1420-1426) and 2.6.32's ``struct vmap_area`` (52 bytes, kmalloc-64;
[32] 339).  With them every vmalloc would also show in /proc/slabinfo and take slab frames,
so a lesson counting an area's frames or reading slabinfo would see both subsystems at
once; and the model's caches start empty after boot (slub.py), so the first of them would
add slab pages that a real kernel, whose caches hold slabs since boot, would usually not
take.  The model keeps vmalloc's frames to the area's own pages and its page tables.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterator, Sequence

from ..errors import InvalidArgument, NotAVmallocArea, check_int
from ..events import (
    AllocationFailed,
    TlbFlushed,
    VmPageStored,
    VmStructLinked,
    VmStructUnlinked,
    VmStructUpdated,
)
from .config import Config
from .constants import (
    __GFP_HIGHMEM,
    __GFP_ZERO,
    _KERNPG_TABLE,
    _PAGE_PCD,
    GFP_KERNEL,
    IOREMAP_MAX_ORDER,
    ISA_END_ADDRESS,
    ISA_START_ADDRESS,
    PAGE_SHIFT,
    PAGE_SIZE,
    VM_ALLOC,
    VM_IOREMAP,
    VM_MAP,
    VM_USERMAP,
    VM_VPAGES,
    PG_reserved,
    vm_flag_names,
)
from .emit import Emitter
from .layout import Layout
from .page import MAPPING_VMALLOC, Page, PageOwner
from .page_alloc import PageAllocator
from .pgtable import PageTables
from .printk import KernelLog
from .procfs import vmallocinfo
from .vmap_area import VM_LAZY_FREE, VM_LAZY_FREEING, VM_VM_AREA, VmapAreas

__all__ = [
    "DEFAULT_CALLER",
    "VM_FLAGS_ALL",
    "Vmalloc",
    "VmStruct",
    "WalkStep",
    "first_fit",
    "lookup",
    "vmlist_insert",
]

_GET = "mm/vmalloc.c:__get_vm_area_node"
_FIND = "mm/vmalloc.c:find_vm_area"  # 2.6.32 (static, line 1246)
_FIND_24 = "mm/vmalloc.c:__find_vm_area"  # 2.6.24 (static, line 271): no find_vm_area yet
_INSERT = "mm/vmalloc.c:insert_vmalloc_vm"
_REMOVE = "mm/vmalloc.c:__remove_vm_area"
_AREA_NODE = "mm/vmalloc.c:__vmalloc_area_node"
_VMALLOC_NODE = "mm/vmalloc.c:__vmalloc_node"
_PTE_RANGE = "mm/vmalloc.c:vmap_pte_range"
_IOREMAP_PTE = "lib/ioremap.c:ioremap_pte_range"
_UNMAP = "mm/vmalloc.c:vunmap_pte_range"
_FLUSH = "mm/vmalloc.c:unmap_kernel_range"  # calls flush_tlb_kernel_range (2.6.24 path only)
_VUNMAP = "mm/vmalloc.c:__vunmap"
_IOREMAP = "arch/x86/mm/ioremap.c:__ioremap_caller"  # 2.6.32 (line 99)
_IOUNMAP = "arch/x86/mm/ioremap.c:iounmap"  # 2.6.32 (line 322)
_IOREMAP_24 = "arch/x86/mm/ioremap_32.c:__ioremap"  # 2.6.24 (line 37)
_IOUNMAP_24 = "arch/x86/mm/ioremap_32.c:iounmap"  # 2.6.24 (line 160)
_TO_PAGE = "mm/vmalloc.c:vmalloc_to_page"  # 2.6.32 (line 206)
_TO_PAGE_24 = "mm/memory.c:vmalloc_to_page"  # 2.6.24 (line 2626)
DEFAULT_CALLER = "my_module_init"
WalkStep = tuple[int, int, int, str]
"""One node a walk looked at: ``(addr, size with guard page, candidate address, verdict)``."""
VM_FLAGS_ALL = VM_IOREMAP | VM_ALLOC | VM_MAP | VM_USERMAP | VM_VPAGES


def _align(x: int, a: int) -> int:
    return (x + a - 1) & ~(a - 1)


def _page_align(x: int) -> int:
    return _align(x, PAGE_SIZE)


K__GFP_HIGHMEM = __GFP_HIGHMEM  # no name mangling inside class bodies
K__GFP_ZERO = __GFP_ZERO  # no name mangling inside class bodies


def first_fit(
    addrs: Sequence[int],
    spans: Sequence[int],
    addr: int,
    size: int,
    end: int,
    align: int,
    trace: list[WalkStep] | None = None,
) -> tuple[int, int, int]:
    """The hole search of mm/vmalloc.c:__get_vm_area_node over vmlist, in list order.

    ``addrs``/``spans`` are each node's ``addr`` and size with guard page.  Starting at
    ``addr``, an area in the way pushes the candidate past its end, aligned; the first
    hole with room for ``size`` wins (2.6.24; from 2.6.28 alloc_vmap_area decides).
    Returns ``(position, visited, addr)``: the new area goes before node ``position`` at
    ``addr`` (out of space if ``addr + size > end``) after ``visited``
    nodes were looked at.  ``trace`` receives ``(addr, span, candidate, verdict)`` per
    visit; the timeline replays recorded walks through this same function.
    """
    position = 0
    for node_addr, span in zip(addrs, spans, strict=True):
        if node_addr < addr:
            if node_addr + span >= addr:
                addr = _align(node_addr + span, align)
            verdict = "below"
        elif addr + size <= node_addr:
            if trace is not None:
                trace.append((node_addr, span, addr, "fits"))
            return position, position + 1, addr
        else:
            addr = node_addr + span
            if align > 1:
                addr = _align(addr, align)
            verdict = "skip"
            if addr > end - size:
                if trace is not None:
                    trace.append((node_addr, span, addr, verdict))
                return position + 1, position + 1, addr
        if trace is not None:
            trace.append((node_addr, span, addr, verdict))
        position += 1
    return position, position, addr


def vmlist_insert(
    addrs: Sequence[int], spans: Sequence[int], addr: int, trace: list[WalkStep] | None = None
) -> tuple[int, int]:
    """mm/vmalloc.c:insert_vmalloc_vm's walk (2.6.28+): ``(position, visited)`` — the new
    area goes before the first node whose ``addr`` is not below ``addr``."""
    position = bisect_left(addrs, addr)
    visited = min(position + 1, len(addrs))
    if trace is not None:
        for i in range(visited):
            trace.append((addrs[i], spans[i], addr, "before" if i < position else "insert"))
    return position, visited


def lookup(
    addrs: Sequence[int], spans: Sequence[int], addr: int, trace: list[WalkStep] | None = None
) -> tuple[int, int]:
    """mm/vmalloc.c:__find_vm_area's walk: ``(position, visited)`` of the area starting at
    ``addr`` (``position == len(addrs)`` if none).  ``trace`` as for :func:`first_fit`."""
    try:
        position = addrs.index(addr)  # the kernel's node-by-node compare, done in C
        visited = position + 1
    except ValueError:
        position = visited = len(addrs)
    if trace is not None:
        for i in range(visited):
            trace.append((addrs[i], spans[i], addr, "match" if addrs[i] == addr else "no-match"))
    return position, visited


class VmStruct:
    """``struct vm_struct``: one area of the vmalloc space, a node of ``vmlist``.

    The kernel's fields: ``next``, ``addr``, ``size`` (with the guard page while linked),
    ``flags``, ``pages`` (list of :class:`Page`, or None), ``nr_pages``, ``phys_addr``
    (ioremap) and ``caller``.  2.6.24's struct has no ``caller`` (2.6.32's has
    ``void *caller``); the model keeps it in both eras.  ``next`` walks the list as in C;
    iterating a vm_struct yields it and every area after it.
    """

    __slots__ = ("next", "addr", "size", "flags", "pages", "nr_pages", "phys_addr", "caller", "_pages_vaddr")

    def __init__(self, addr: int, size: int, flags: int, caller: str | None) -> None:
        self.next: VmStruct | None = None
        self.addr = addr
        self.size = size
        self.flags = flags
        self.pages: list[Page] | None = None
        self.nr_pages = 0
        self.phys_addr = 0
        self.caller = caller
        self._pages_vaddr = 0  # where pages[] itself was vmalloc'ed (VM_VPAGES)

    def __iter__(self) -> Iterator[VmStruct]:
        node: VmStruct | None = self
        while node is not None:
            yield node
            node = node.next

    @property
    def end(self) -> int:
        """``addr + size``: the first address after the area (its guard page included while linked)."""
        return self.addr + self.size

    @property
    def flag_names(self) -> tuple[str, ...]:
        """The ``VM_*`` names of ``flags`` (``unsigned long``), lowest bit first."""
        return vm_flag_names(self.flags)

    def __repr__(self) -> str:
        return (
            f"<vm_struct addr={self.addr:#010x} size={self.size:#x} flags={'|'.join(self.flag_names)} "
            f"nr_pages={self.nr_pages} phys_addr={self.phys_addr:#x} caller={self.caller!r}>"
        )


class Vmalloc:
    """vmalloc/vfree, vmap/vunmap, ioremap/iounmap over ``vmlist``.

    Owns vmlist (its nodes and their addresses and sizes); calls the page allocator, the
    page tables and (2.6.28+) the vmap_area allocator below it through their public calls.
    """

    def __init__(
        self,
        config: Config,
        layout: Layout,
        emitter: Emitter,
        log: KernelLog,
        page_alloc: PageAllocator,
        pgtable: PageTables,
        vmap: VmapAreas,
        owner: PageOwner,
    ) -> None:
        self.config = config
        self.layout = layout
        self._emitter = emitter
        self._log = log
        self._page_alloc = page_alloc
        self._pgtable = pgtable
        self._vmap = vmap
        self._owner = owner
        old = config.era_minor < 28  # the event labels: where each era keeps these functions
        self._fn_find = _FIND_24 if old else _FIND
        self._fn_ioremap = _IOREMAP_24 if old else _IOREMAP
        self._fn_iounmap = _IOUNMAP_24 if old else _IOUNMAP
        self._fn_to_page = _TO_PAGE_24 if old else _TO_PAGE
        self._vm_nodes: list[VmStruct] = []  # vmlist in list order, beside the next pointers
        self._vm_addrs = array("Q")  # their addr and size (with guard page), for the walks
        self._vm_spans = array("Q")

    # -- public API ----------------------------------------------------------------------------
    def vmalloc(self, size: int, caller: str | None = DEFAULT_CALLER) -> int | None:
        """``void *vmalloc(unsigned long size)``: virtually contiguous memory from scattered frames.

        Follows mm/vmalloc.c:__vmalloc_node with ``GFP_KERNEL | __GFP_HIGHMEM``: reserve an
        area (guard page included), allocate one frame per page (highmem first), map them
        in ``swapper_pg_dir``.  ``size`` is rounded up to pages; ``caller`` is the
        ``__builtin_return_address(0)`` /proc/vmallocinfo shows (a name here).  Returns the
        address, or None (NULL) with an ``AllocationFailed`` event when the space or the
        memory runs out, or at once for more pages than ``num_physpages`` (2.6.24,
        mm/vmalloc.c:496) or ``totalram_pages`` (2.6.32, 1499: RAM less reserved frames and
        holes).  2.6.24 finds the hole by walking vmlist first-fit; 2.6.28+ asks
        ``alloc_vmap_area`` (the vmap_area rb-tree), which may purge lazily freed areas first.

        >>> from vmwidgets import Kernel, Config
        >>> k = Kernel(Config())
        >>> hex(k.vmalloc(8192))
        '0xf8800000'
        """
        check_int("size", size, 1, 0xFFFFFFFF, "a size in bytes from 1 to 0xffffffff")
        caller = self._check_caller(caller)
        with self._emitter.operation("vmalloc", f"size={size}", "mm/vmalloc.c:vmalloc") as op:
            addr = self._vmalloc_node(size, GFP_KERNEL | K__GFP_HIGHMEM, self._pgtable.page_kernel, caller)
            op.result = "NULL" if addr is None else f"{addr:#010x}"
            return addr

    def vfree(self, addr: int | None) -> None:
        """``void vfree(const void *addr)`` (``void *addr`` in 2.6.24): free a vmalloc area.

        Follows mm/vmalloc.c:__vunmap with ``deallocate_pages=1``: unlink the vm_struct,
        unmap it, give every frame back.  ``vfree(None)`` does nothing, as ``vfree(NULL)``.
        An address that is no area gets the kernel's "Trying to vfree() nonexistent vm area"
        warning as an event, then :class:`~vmwidgets.errors.NotAVmallocArea`.  2.6.24 clears
        the PTEs and flushes the TLB at once; 2.6.28+ frees the vmap_area lazily (the PTEs
        stay until ``__purge_vmap_area_lazy``).

        A second vfree of a 2.6.32 area not yet purged gets the same warning and error, a
        deliberate simplification: in the kernel remove_vm_area (mm/vmalloc.c:1265-1290)
        still finds the vmap_area with VM_VM_AREA, takes the freed ``va->private`` and
        walks vmlist for it past the list's end, a NULL dereference (an oops).  The model
        does what 2.6.24 and a purged 2.6.32 do.

        >>> from vmwidgets import Kernel
        >>> k = Kernel()
        >>> addr = k.vmalloc(4096)
        >>> k.vfree(addr)
        >>> k.vmlist is None
        True
        """
        if addr is None:
            return
        check_int("addr", addr, 0, 0xFFFFFFFF, "a vmalloc address or None")
        with self._emitter.operation("vfree", f"addr={addr:#010x}", "mm/vmalloc.c:vfree") as op:
            self._vunmap(addr, deallocate_pages=True, who="vfree")
            op.result = "void"

    def vmap(self, pages: Sequence[Page], flags: int = VM_MAP, caller: str | None = DEFAULT_CALLER) -> int | None:
        """``void *vmap(struct page **pages, unsigned int count, unsigned long flags, pgprot_t prot)``.

        Follows mm/vmalloc.c:vmap with ``prot = PAGE_KERNEL``: ``pages`` (``count`` is its
        length) are mapped contiguously in a new area with ``flags`` (``VM_MAP`` usually).
        The frames stay the caller's: ``vunmap`` unmaps without freeing them.  As in both
        eras, the area's ``pages``/``nr_pages`` are not filled in.  Returns the address, or
        None (NULL) when the vmalloc space or a page-table page runs out, or for more pages
        than ``num_physpages`` (2.6.24, mm/vmalloc.c:411) or ``totalram_pages`` (2.6.32, 1389).
        """
        pages = self._check_pages(pages)
        check_int("flags", flags, 0, VM_FLAGS_ALL, "a combination of VM_* flags (VM_MAP usually)")
        caller = self._check_caller(caller)
        with self._emitter.operation("vmap", f"count={len(pages)}, flags={flags:#x}", "mm/vmalloc.c:vmap") as op:
            addr = None
            if len(pages) <= self._ram_pages():
                area = self._get_vm_area(len(pages) << PAGE_SHIFT, flags, caller)
                if area is not None:
                    if self._map_vm_area(area, [p.pfn for p in pages], self._pgtable.page_kernel, _PTE_RANGE):
                        addr = area.addr
                    else:
                        self._vunmap(area.addr, deallocate_pages=False, who="vunmap")
            op.result = "NULL" if addr is None else f"{addr:#010x}"
            return addr

    def vunmap(self, addr: int) -> None:
        """``void vunmap(const void *addr)`` (``void *addr`` in 2.6.24): undo :meth:`vmap`.

        Follows mm/vmalloc.c:__vunmap with ``deallocate_pages=0``: the frames are kept.  A bad
        address raises :class:`~vmwidgets.errors.NotAVmallocArea` after the kernel's warning.
        """
        check_int("addr", addr, 0, 0xFFFFFFFF, "an address returned by vmap")
        with self._emitter.operation("vunmap", f"addr={addr:#010x}", "mm/vmalloc.c:vunmap") as op:
            self._vunmap(addr, deallocate_pages=False, who="vunmap")
            op.result = "void"

    def ioremap(self, phys_addr: int, size: int, caller: str | None = DEFAULT_CALLER) -> int | None:
        """``void __iomem *ioremap(resource_size_t phys_addr, unsigned long size)``: map device memory.

        ``unsigned long offset`` in 2.6.24 (asm-x86/io_32.h), so at most 0xffffffff even with
        PAE; ``resource_size_t`` (64-bit under PAE) in 2.6.28+, though the area's
        ``phys_addr`` (an ``unsigned long``) keeps only its low 32 bits.  Returns the mapped
        address or None (NULL).
        Follows arch/x86/mm/ioremap_32.c:__ioremap (2.6.24) and arch/x86/mm/ioremap.c:
        __ioremap_caller (2.6.32): the ISA range 640 kB–1 MB is already mapped and comes
        back through the direct map; RAM in use may not be remapped (NULL); otherwise an
        area aligned to ``1 << fls(size)`` (at most 512 kB: IOREMAP_MAX_ORDER) gets PTEs and
        ``phys_addr``; no frames are allocated.  The PTEs are cached in 2.6.24 (``ioremap`` is ``__ioremap(…, 0)``) and
        uncached in 2.6.32 (``ioremap`` is ``ioremap_nocache``).  The returned address
        keeps the offset within the page.

        >>> from vmwidgets import Kernel
        >>> k = Kernel()
        >>> hex(k.ioremap(0xFEC00020, 0x20))     # an I/O APIC's registers
        '0xf8800020'
        >>> print(k.vmallocinfo(), end="")
        0xf8800000-0xf8802000    8192 my_module_init phys=fec00000 ioremap
        """
        # 2.6.24's offset is an unsigned long (include/asm-x86/io_32.h:120): 32 bits even with PAE
        top = (1 << 36) - 1 if self.config.pae and self.config.era_minor >= 28 else 0xFFFFFFFF
        check_int("phys_addr", phys_addr, 0, top, f"a physical address from 0 to {top:#x}")
        check_int("size", size, 1, 0xFFFFFFFF, "a size in bytes from 1 to 0xffffffff")
        if phys_addr + size - 1 > top:
            raise InvalidArgument("size", size, f"a size that keeps phys_addr+size-1 at most {top:#x}")
        caller = self._check_caller(caller)
        with self._emitter.operation("ioremap", f"phys_addr={phys_addr:#x}, size={size}", self._fn_ioremap) as op:
            addr = self._ioremap(phys_addr, size, caller)
            op.result = "NULL" if addr is None else f"{addr:#010x}"
            return addr

    def iounmap(self, addr: int) -> None:
        """``void iounmap(volatile void __iomem *addr)``: undo :meth:`ioremap` (arch/x86/mm/ioremap.c).

        arch/x86/mm/ioremap_32.c:iounmap in 2.6.24.

        Addresses up to high_memory (the ISA window among them) are left alone, as the
        kernel does.  An address that is no area gets the kernel's "iounmap: bad address"
        as an event, then :class:`~vmwidgets.errors.NotAVmallocArea`.
        """
        check_int("addr", addr, 0, 0xFFFFFFFF, "an address returned by ioremap")
        with self._emitter.operation("iounmap", f"addr={addr:#010x}", self._fn_iounmap) as op:
            op.result = "void"
            if addr <= self.layout.high_memory:
                return
            base = addr & ~(PAGE_SIZE - 1)
            if self._vmlist_lookup(base, self._fn_iounmap)[0] is None:
                self._log.warn(self._fn_iounmap, f"iounmap: bad address {base:08x}")
                raise NotAVmallocArea("addr", addr, "an address returned by ioremap and not yet unmapped")
            self._vunmap(base, deallocate_pages=False, who="iounmap")

    def find_vm_area(self, addr: int) -> VmStruct | None:
        """``struct vm_struct *find_vm_area(const void *addr)``: the area starting exactly at ``addr``.

        2.6.24 has no find_vm_area: the model follows its static mm/vmalloc.c:__find_vm_area
        (``void *addr``), a walk of vmlist.  2.6.32's find_vm_area is static too and asks
        the vmap_area rb-tree (``find_vmap_area``).  Returns None (NULL) if no area starts
        there.

        A deliberate simplification: a lazily freed 2.6.32 area gives None too.  The kernel
        finds its vmap_area until the purge (free_unmap_vmap_area_noflush, mm/vmalloc.c:600-606,
        only adds VM_LAZY_FREE; the VM_VM_AREA bit set at 1147 stays), so find_vm_area
        (1246-1254) returns ``va->private``: the vm_struct __vunmap has already kfree'd, a
        dangling pointer the model cannot hand out.  None is what the kernel returns once
        the area is purged, and what 2.6.24 returns at once.

        >>> from vmwidgets import Kernel
        >>> k = Kernel()
        >>> addr = k.vmalloc(10000)
        >>> k.find_vm_area(addr)
        <vm_struct addr=0xf8800000 size=0x4000 flags=VM_ALLOC nr_pages=3 phys_addr=0x0 caller='my_module_init'>
        >>> k.find_vm_area(addr + 4096) is None    # only the start address matches
        True
        """
        check_int("addr", addr, 0, 0xFFFFFFFF)
        with self._emitter.operation("find_vm_area", f"addr={addr:#010x}", self._fn_find) as op:
            area = self._find_vm_area(addr)
            op.result = "NULL" if area is None else repr(area)
            return area

    def vmalloc_to_page(self, addr: int) -> Page | None:
        """``struct page *vmalloc_to_page(const void *vmalloc_addr)``: the frame mapped at ``addr``.

        Follows mm/vmalloc.c:vmalloc_to_page (mm/memory.c with ``void *`` in 2.6.24): walk
        swapper_pg_dir; None (NULL) when no 4 kB PTE maps the address.

        >>> from vmwidgets import Kernel
        >>> k = Kernel()
        >>> addr = k.vmalloc(8192)
        >>> k.vmalloc_to_page(addr + 4096) == k.find_vm_area(addr).pages[1]
        True
        """
        check_int("addr", addr, 0, 0xFFFFFFFF)
        with self._emitter.operation("vmalloc_to_page", f"addr={addr:#010x}", self._fn_to_page) as op:
            t = self._pgtable.walk(self._pgtable.swapper, addr, emit=True)
            page, phys = None, t.phys
            if phys is not None and t.page_size == PAGE_SIZE and (phys >> PAGE_SHIFT) < len(self._page_alloc.mem_map):
                page = Page(self._owner, phys >> PAGE_SHIFT)
            op.result = "NULL" if page is None else f"page pfn={page.pfn:#x}"
            return page

    @property
    def vmlist(self) -> VmStruct | None:
        """``struct vm_struct *vmlist`` (mm/vmalloc.c): the head, None (NULL) when empty.

        Follow ``.next`` or iterate it.  Sorted by address in both eras; in 2.6.28+ it only
        feeds /proc/vmallocinfo (the vmap_area tree decides addresses)."""
        return self._vm_nodes[0] if self._vm_nodes else None

    def vmallocinfo(self) -> str:
        """/proc/vmallocinfo as mm/vmalloc.c:s_show prints it (one line per area).

        The file arrived in 2.6.25; the model shows it in 2.6.24 too (see the module notes)."""
        return vmallocinfo(self._vm_nodes)

    @property
    def vm_nodes(self) -> Sequence[VmStruct]:
        """vmlist's nodes in list order (a read-only copy)."""
        return tuple(self._vm_nodes)

    # -- internals -----------------------------------------------------------------------------
    def _ram_pages(self) -> int:
        """The most pages vmap and __vmalloc_node accept: 2.6.24 compares with ``num_physpages``
        (mm/vmalloc.c:411, 496), 2.6.32 with ``totalram_pages`` (1389, 1499), which leaves out
        the reserved frames and holes."""
        if self.config.era_minor >= 32:
            return self._page_alloc.totalram_pages
        return self._page_alloc.nr_pages

    def _check_pages(self, pages: object) -> list[Page]:
        """vmap's ``pages``: a non-empty sequence of allocated pages of this kernel."""
        if isinstance(pages, (str, bytes)) or not isinstance(pages, Sequence) or not pages:
            raise InvalidArgument("pages", pages, "a non-empty list of struct pages from alloc_pages")
        checked = []
        for i, p in enumerate(pages):
            page = self._page_alloc.check_page(p, f"pages[{i}]")
            if page.count < 1 or page.reserved:
                raise InvalidArgument(f"pages[{i}]", page, "an allocated (not free, not reserved) page")
            checked.append(page)
        return checked

    def _check_caller(self, caller: object) -> str | None:
        if caller is not None and (not isinstance(caller, str) or not 0 < len(caller) <= 128):
            raise InvalidArgument("caller", caller, "None or a name of 1 to 128 characters")
        return caller

    def _vmalloc_node(self, size: int, gfp: int, prot: int, caller: str | None) -> int | None:
        """mm/vmalloc.c:__vmalloc_node — reserve the area, then fill it."""
        size = _page_align(size)
        if not size or size > 0xFFFFFFFF or (size >> PAGE_SHIFT) > self._ram_pages():
            limit = "totalram_pages" if self.config.era_minor >= 32 else "num_physpages"
            self._emitter.emit(
                AllocationFailed,
                _VMALLOC_NODE,
                what=f"vmalloc({size})",
                reason=f"the size is more than the machine's {self._ram_pages()} pages ({limit})",
            )
            return None
        area = self._get_vm_area(size, VM_ALLOC, caller)
        if area is None:
            return None
        return self._vmalloc_area_node(area, gfp, prot)

    def _get_vm_area(self, size: int, flags: int, caller: str | None) -> VmStruct | None:
        """mm/vmalloc.c:__get_vm_area_node — first fit in vmlist, guard page included."""
        lay = self.layout
        start, end = lay.vmalloc_start, lay.vmalloc_end
        align = 1
        if flags & VM_IOREMAP:
            bit = min(max(size.bit_length(), PAGE_SHIFT), IOREMAP_MAX_ORDER)
            align = 1 << bit
        addr = addr0 = _align(start, align)
        size = _page_align(size) + PAGE_SIZE  # the guard page
        if self.config.era_minor >= 28:
            return self._get_vmap_vm_area(size, flags, caller, align)
        addrs, spans = self._vm_addrs, self._vm_spans
        position, visited, addr = first_fit(addrs, spans, addr, size, end, align)
        if visited and self._emitter.active:
            self._emitter.walk(_GET, first_fit, (addr0, size, end, align), addrs[:visited], spans[:visited])
        if addr + size > end:
            self._emitter.emit(
                AllocationFailed,
                _GET,
                what=f"get_vm_area({size - PAGE_SIZE})",
                reason="out of vmalloc space - use vmalloc=<size> to increase size",
            )
            self._log.warn(_GET, "allocation failed: out of vmalloc space - use vmalloc=<size> to increase size.")
            return None
        area = VmStruct(addr, size, flags, caller)
        self._link(area, position)
        self._emitter.emit(VmStructLinked, _GET, addr=addr, size=size, flags=flags, caller=caller, position=position)
        return area

    def _get_vmap_vm_area(self, size: int, flags: int, caller: str | None, align: int) -> VmStruct | None:
        """2.6.28+ __get_vm_area_node: alloc_vmap_area, then insert_vmalloc_vm keeps vmlist sorted."""
        lay = self.layout
        va = self._vmap.alloc_vmap_area(size, align, lay.vmalloc_start, lay.vmalloc_end)
        if va is None:
            self._emitter.emit(
                AllocationFailed,
                "mm/vmalloc.c:alloc_vmap_area",
                what=f"get_vm_area({size - PAGE_SIZE})",
                reason="no hole in the vmalloc area, even after purging lazily freed areas",
            )
            self._log.warn(
                "mm/vmalloc.c:alloc_vmap_area",
                f"vmap allocation for size {size} failed: use vmalloc=<size> to increase size.",
            )
            return None
        area = VmStruct(va.va_start, size, flags, caller)
        va.private, va.flags = area, va.flags | VM_VM_AREA
        addrs, spans = self._vm_addrs, self._vm_spans
        position, visited = vmlist_insert(addrs, spans, area.addr)
        if visited and self._emitter.active:
            self._emitter.walk(_INSERT, vmlist_insert, (area.addr,), addrs[:visited], spans[:visited])
        self._link(area, position)
        self._emitter.emit(
            VmStructLinked, _INSERT, addr=area.addr, size=size, flags=flags, caller=caller, position=position
        )
        return area

    def _vmalloc_area_node(self, area: VmStruct, gfp: int, prot: int) -> int | None:
        """mm/vmalloc.c:__vmalloc_area_node — the pages[] array, one frame per page, the PTEs."""
        nr_pages = (area.size - PAGE_SIZE) >> PAGE_SHIFT
        self._set_field(area, "nr_pages", nr_pages)
        if nr_pages * 4 > PAGE_SIZE:  # pages[] itself is vmalloc'ed above one page
            arr = self._vmalloc_node(nr_pages * 4, gfp | K__GFP_ZERO, prot, area.caller)
            if arr is None:
                self._vunmap(area.addr, deallocate_pages=False, who="vfree")
                return None
            self._set_field(area, "flags", area.flags | VM_VPAGES)
            area._pages_vaddr = arr
        area.pages = []
        for i in range(nr_pages):
            page = self._page_alloc.alloc(gfp, 0)
            if page is None:
                self._set_field(area, "nr_pages", i)
                self._vunmap(area.addr, deallocate_pages=True, who="vfree")
                return None
            area.pages.append(page)
            self._page_alloc.mem_map.mapping[page.pfn] = MAPPING_VMALLOC
            self._emitter.emit(VmPageStored, _AREA_NODE, addr=area.addr, index=i, pfn=page.pfn)
        if not self._map_vm_area(area, [p.pfn for p in area.pages], prot, _PTE_RANGE):
            self._vunmap(area.addr, deallocate_pages=True, who="vfree")
            return None
        return area.addr

    def _set_field(self, area: VmStruct, field: str, value: int) -> None:
        old = getattr(area, field)
        setattr(area, field, value)
        self._emitter.emit(VmStructUpdated, _AREA_NODE, addr=area.addr, field=field, old=old, new=value)

    def _map_vm_area(self, area: VmStruct, pfns: list[int], prot: int, fn: str) -> bool:
        """mm/vmalloc.c:map_vm_area — install one PTE per page below the guard page."""
        addr = area.addr
        for pfn in pfns:
            slot = self._pgtable.pte_alloc_kernel(addr)
            if slot is None:
                return False
            self._pgtable.set_pte(slot, addr, pfn, prot, fn)
            addr += PAGE_SIZE
        return True

    def _find_vm_area(self, addr: int) -> VmStruct | None:
        """mm/vmalloc.c:__find_vm_area — the area starting exactly at ``addr``.

        2.6.28+ asks the vmap_area tree (find_vmap_area); a lazily freed area is not found.
        """
        if self.config.era_minor >= 28:
            va = self._vmap.find_vmap_area(addr)
            if va is None or not va.flags & VM_VM_AREA or va.flags & (VM_LAZY_FREE | VM_LAZY_FREEING):
                return None
            return va.private
        return self._vmlist_lookup(addr, self._fn_find)[0]

    def _vmlist_lookup(self, addr: int, fn: str) -> tuple[VmStruct | None, int]:
        """Walk vmlist for the area starting at ``addr``: (node or None, its position)."""
        addrs, spans = self._vm_addrs, self._vm_spans
        position, visited = lookup(addrs, spans, addr)
        if visited and self._emitter.active:
            self._emitter.walk(fn, lookup, (addr,), addrs[:visited], spans[:visited])
        nodes = self._vm_nodes
        return (nodes[position] if position < len(nodes) else None), position

    def _link(self, area: VmStruct, position: int) -> None:
        """Link ``area`` into vmlist before the node at ``position`` (``*p = area``)."""
        nodes = self._vm_nodes
        area.next = nodes[position] if position < len(nodes) else None
        if position:
            nodes[position - 1].next = area
        nodes.insert(position, area)
        self._vm_addrs.insert(position, area.addr)
        self._vm_spans.insert(position, area.size)

    def _unlink(self, position: int) -> None:
        """``*p = tmp->next``: take the node at ``position`` out of vmlist."""
        nodes = self._vm_nodes
        area = nodes.pop(position)
        del self._vm_addrs[position], self._vm_spans[position]
        if position:
            nodes[position - 1].next = area.next
        area.next = None

    def _vunmap(self, addr: int, deallocate_pages: bool, who: str, given: int | None = None) -> None:
        """mm/vmalloc.c:__vunmap — remove_vm_area, then free the frames (vfree only).

        ``given`` is the address the caller passed, when it differs (iounmap rounds down).
        """
        shown = addr if given is None else given
        if addr & (PAGE_SIZE - 1):
            self._log.warn(_VUNMAP, f"Trying to vfree() bad address ({addr:08x})")  # whoever called __vunmap
            hint = " (an ioremap'ed address is released with iounmap)" if who == "vfree" else ""
            raise NotAVmallocArea("addr", shown, "the page-aligned start of a vmalloc area" + hint)
        va = None
        if self.config.era_minor >= 28:  # remove_vm_area: find the vmap_area first
            va = self._vmap.find_vmap_area(addr)
            if va is None or not va.flags & VM_VM_AREA or va.flags & (VM_LAZY_FREE | VM_LAZY_FREEING):
                node = None
            else:
                node, position = self._vmlist_lookup(addr, _REMOVE)
        else:
            node, position = self._vmlist_lookup(addr, _REMOVE)
        if node is None:
            self._log.warn(_VUNMAP, f"Trying to vfree() nonexistent vm area ({addr:08x})")
            raise NotAVmallocArea(
                "addr",
                shown,
                "the start of an area on vmlist (see vmallocinfo()); this one is none, or was freed already",
            )
        area = node
        if va is not None:  # 2.6.28+ free_unmap_vmap_area: the PTEs stay until a purge
            self._vmap.free_vmap_area_lazy(va)
        else:  # unmap_vm_area: clear the PTEs, flush the TLB
            for page_addr in range(area.addr, area.addr + area.size, PAGE_SIZE):
                self._pgtable.clear_pte(page_addr, _UNMAP)
            self._emitter.emit(TlbFlushed, _FLUSH, start=area.addr, end=area.addr + area.size)
        self._unlink(position)
        pages = tuple(p.pfn for p in area.pages) if area.pages else ()
        self._emitter.emit(
            VmStructUnlinked,
            _REMOVE,
            addr=area.addr,
            size=area.size,
            flags=area.flags,
            nr_pages=area.nr_pages,
            phys_addr=area.phys_addr,
            caller=area.caller,
            position=position,
            pages=pages,
        )
        area.size -= PAGE_SIZE
        if deallocate_pages and area.pages:
            for i in range(area.nr_pages):
                self._page_alloc.free(area.pages[i].pfn, 0)
            if area.flags & VM_VPAGES:
                self._vunmap(area._pages_vaddr, deallocate_pages=True, who="vfree")

    def _ioremap(self, phys_addr: int, size: int, caller: str | None) -> int | None:
        """arch/x86/mm/ioremap_32.c:__ioremap (2.6.24), arch/x86/mm/ioremap.c:__ioremap_caller (2.6.28+).

        The RAM check differs by era, and the model keeps both quirks: 2.6.24 checks only
        a range that starts in lowmem, every page of it; 2.6.28+ checks all RAM but not the
        last page.  ``ioremap`` maps cached in 2.6.24 (``__ioremap(…, 0)``: present, rw,
        dirty, accessed) and uncached in 2.6.28+ (``ioremap_nocache``: PAGE_KERNEL | PCD).
        The PAT memtype bookkeeping of 2.6.28+ is left out.
        """
        last = phys_addr + size - 1
        if phys_addr >= ISA_START_ADDRESS and last < ISA_END_ADDRESS:
            return self.layout.page_offset + phys_addr
        new = self.config.era_minor >= 28
        if new:
            pfns = range(phys_addr >> PAGE_SHIFT, (last & ~(PAGE_SIZE - 1)) >> PAGE_SHIFT)
        elif phys_addr < self.layout.max_low_pfn << PAGE_SHIFT:
            pfns = range(phys_addr >> PAGE_SHIFT, (last >> PAGE_SHIFT) + 1)
        else:
            pfns = range(0)
        for pfn in pfns:
            if (
                pfn < len(self._page_alloc.mem_map)
                and self._page_alloc.is_ram(pfn)
                and not self._page_alloc.mem_map.flags[pfn] >> PG_reserved & 1
            ):
                self._emitter.emit(
                    AllocationFailed,
                    self._fn_ioremap,
                    what=f"ioremap({phys_addr:#x}, {size})",
                    reason=f"pfn {pfn:#x} is RAM the page allocator owns and may not be remapped",
                )
                return None
        offset = phys_addr & (PAGE_SIZE - 1)
        base = phys_addr & ~(PAGE_SIZE - 1)
        size = _page_align(last + 1) - base
        area = self._get_vm_area(size, VM_IOREMAP, caller)
        if area is None:
            return None
        # vm_struct.phys_addr is an unsigned long (include/linux/vmalloc.h:33 in both eras): with
        # PAE, 2.6.32 keeps only the low 32 bits of a device address above 4 GB (arch/x86/mm/
        # ioremap.c:200), and /proc/vmallocinfo prints those (or no phys= at all for 4 GB itself)
        self._set_field(area, "phys_addr", base & 0xFFFFFFFF)
        prot = (self._pgtable.page_kernel | _PAGE_PCD) if new else _KERNPG_TABLE
        frames = list(range(base >> PAGE_SHIFT, (base + size) >> PAGE_SHIFT))
        if not self._map_vm_area(area, frames, prot, _IOREMAP_PTE):
            self._vunmap(area.addr, deallocate_pages=False, who="iounmap")
            return None
        return area.addr + offset
