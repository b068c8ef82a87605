"""``struct page`` and the zones' ``free_area`` lists (include/linux/mm_types.h, mmzone.h).

``mem_map`` is stored compactly as arrays indexed by pfn: flags, ``_count`` and ``private``
dense (9 bytes a frame), the fields that are 0 on a free frame by chunk (:class:`FrameArray`);
a :class:`Page` is a small handle created on demand, so booting 4 GB costs about 9 MB.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import Protocol

from .constants import MAX_ORDER, PAGE_FLAG_NAMES, PAGE_SHIFT, ZONE_NAMES, PG_buddy, PG_reserved
from .layout import Layout

__all__ = [
    "MAPPING_ANON",
    "MAPPING_FILE",
    "MAPPING_KMALLOC",
    "MAPPING_NAMES",
    "MAPPING_SLAB",
    "MAPPING_VMALLOC",
    "FrameArray",
    "FreeArea",
    "MemMap",
    "Page",
    "PageOwner",
    "Zone",
]

# What ``page->mapping`` says a frame belongs to, as codes (the kernel stores a pointer:
# an anon_vma with bit 0 set, or an address_space).  vmalloc's pages have none in the
# kernel; the model marks them so free_pages can say whose they are.
MAPPING_ANON = 1
MAPPING_FILE = 2
MAPPING_VMALLOC = 3
MAPPING_SLAB = 4  # page->slab overlays page->mapping (SLUB)
MAPPING_KMALLOC = 5  # a kmalloc too large for a cache: whole pages, no PG_slab
MAPPING_NAMES = {
    MAPPING_ANON: "an anonymous page of a process",
    MAPPING_FILE: "a page-cache page",
    MAPPING_VMALLOC: "a page of a vmalloc area",
    MAPPING_SLAB: "a slab page (kfree or kmem_cache_free its objects)",
    MAPPING_KMALLOC: "a large kmalloc (kfree it)",
}


_CHUNK_SHIFT = 10  # FrameArray chunks of 1024 frames (4 MB of RAM each)
_CHUNK = 1 << _CHUNK_SHIFT


class FrameArray:
    """One ``struct page`` field of every frame that is 0 on most of them: an array indexed by pfn.

    It reads and writes as an ``array`` of ``nr`` items of ``typecode``, but is stored in
    chunks of 1024 frames, a chunk allocated at the first nonzero write into it: frames
    nobody uses cost nothing, so boot neither allocates nor touches it per frame, and the
    frames in use (which cluster) cost the field's bytes, not a dict entry each.
    """

    __slots__ = ("_chunks", "_nr", "_typecode")

    def __init__(self, typecode: str, nr: int) -> None:
        self._typecode = typecode
        self._nr = nr
        self._chunks: dict[int, array[int]] = {}

    def __len__(self) -> int:
        return self._nr

    def __getitem__(self, pfn: int) -> int:
        if not 0 <= pfn < self._nr:
            raise IndexError(f"pfn {pfn} out of range")
        chunk = self._chunks.get(pfn >> _CHUNK_SHIFT)
        return 0 if chunk is None else chunk[pfn & (_CHUNK - 1)]

    def __setitem__(self, pfn: int, value: int) -> None:
        if not 0 <= pfn < self._nr:
            raise IndexError(f"pfn {pfn} out of range")
        chunk = self._chunks.get(pfn >> _CHUNK_SHIFT)
        if chunk is None:
            if not value:
                return
            chunk = self._chunks[pfn >> _CHUNK_SHIFT] = array(self._typecode, [0]) * _CHUNK
        chunk[pfn & (_CHUNK - 1)] = value

    def items(self) -> Iterator[tuple[int, int]]:
        """``(pfn, value)`` of every frame whose value is not 0, in pfn order."""
        for key in sorted(self._chunks):
            base = key << _CHUNK_SHIFT
            for i, value in enumerate(self._chunks[key]):
                if value:
                    yield base + i, value


class MemMap:
    """The ``mem_map`` array: one entry per page frame, indexed by pfn.

    ``flags``, ``count`` (``page->_count``) and ``private`` (the buddy order) belong to the
    page allocator; the owners of a frame mark it as the kernel's do: ``mapcount`` counts
    the page-table entries that map it (``page_mapcount()``, that is ``_mapcount + 1``),
    ``mapping`` holds a ``MAPPING_*`` code and ``pagetable`` is 1 while the frame is a page
    table (later kernels' ``PageTable()``).  ``gen`` (the model's own) counts the frame's
    allocations, so a handle kept past a free and a new allocation is known as stale.

    The allocator's three fields are dense arrays (9 bytes a frame, written for every frame
    at boot); the other four are 0 except on frames in use, so each is a :class:`FrameArray`
    that allocates memory only where a frame is marked.
    """

    __slots__ = ("flags", "count", "private", "mapcount", "mapping", "pagetable", "gen")

    def __init__(self, nr: int) -> None:
        # Repeating one zero fills the array in place: no temporary zeroed bytes to copy.
        self.flags = array("I", [0]) * nr
        self.count = array("i", [0]) * nr
        self.private = bytearray(nr)
        self.mapcount = FrameArray("i", nr)
        self.mapping = FrameArray("B", nr)
        self.pagetable = FrameArray("B", nr)
        self.gen = FrameArray("I", nr)  # allocations of the frame so far: tells stale handles

    def __len__(self) -> int:
        return len(self.private)

    def set_range(self, start: int, end: int, flags: int, count: int) -> None:
        """Set ``flags`` and ``_count`` of frames ``[start, end)`` (boot's reservations)."""
        n = end - start
        self.flags[start:end] = array("I", [flags]) * n
        self.count[start:end] = array("i", [count]) * n


class _ZoneIndex(Protocol):
    def zone_idx(self, pfn: int) -> int: ...


class _KernelMappings(Protocol):
    def kernel_mappings(self, pfn: int) -> tuple[int, ...]: ...


class PageOwner(Protocol):
    """What a :class:`Page` handle reads its frame through: the kernel facade, seen from below.

    The page allocator hands out handles before the subsystems above it exist, so it is
    given this (the :class:`~vmwidgets.Kernel`) instead of importing the facade.
    """

    @property
    def mem_map(self) -> MemMap: ...

    @property
    def layout(self) -> Layout: ...

    @property
    def page_alloc(self) -> _ZoneIndex: ...

    @property
    def pgtable(self) -> _KernelMappings: ...


class Page:
    """A ``struct page``: one physical page frame of a :class:`~vmwidgets.Kernel`.

    ``count`` is ``page->_count`` (``page_count()``), ``private`` holds the buddy order
    while the page heads a free block (``PG_buddy``), ``zone`` is ``page_zone(page)->name``
    and ``mappings`` the virtual addresses that map it (its direct-map address, if
    lowmem, and every kernel PTE pointing at it).
    """

    __slots__ = ("_gen", "_k", "pfn")

    def __init__(self, kernel: PageOwner, pfn: int, gen: int | None = None) -> None:
        self._k = kernel
        self.pfn = pfn
        self._gen = kernel.mem_map.gen[pfn] if gen is None else gen  # which allocation it names

    @property
    def kernel(self) -> PageOwner:
        """The :class:`~vmwidgets.Kernel` whose frame this handle names (the model's own link:
        a real ``struct page`` belongs to the one machine there is)."""
        return self._k

    @property
    def stale(self) -> bool:
        """The frame was freed and allocated again since this handle was taken."""
        return self._gen != self._k.mem_map.gen[self.pfn]

    @property
    def phys_addr(self) -> int:
        """``page_to_phys(page)``: ``pfn << PAGE_SHIFT``."""
        return self.pfn << PAGE_SHIFT

    @property
    def flags(self) -> int:
        """``unsigned long page->flags`` (PG_* bits, 2.6.24 numbering)."""
        return self._k.mem_map.flags[self.pfn]

    @property
    def flag_names(self) -> tuple[str, ...]:
        """The names of the PG_* bits set in ``flags``."""
        f = self.flags
        return tuple(n for b, n in PAGE_FLAG_NAMES.items() if f >> b & 1)

    @property
    def count(self) -> int:
        """``page_count(page)``: ``atomic_t _count``, the frame's users (0 when free)."""
        return self._k.mem_map.count[self.pfn]

    @property
    def private(self) -> int:
        """``unsigned long page->private``: the buddy order while the page heads a free block."""
        return self._k.mem_map.private[self.pfn]

    @property
    def order(self) -> int | None:
        """``page_order()`` while the page heads a free buddy block, else None."""
        return self.private if self.flags >> PG_buddy & 1 else None

    @property
    def reserved(self) -> bool:
        """``PageReserved(page)``: kept by boot, never handed to the buddy allocator."""
        return bool(self.flags >> PG_reserved & 1)

    @property
    def mapcount(self) -> int:
        """``page_mapcount()``: how many page-table entries map this frame."""
        return self._k.mem_map.mapcount[self.pfn]

    @property
    def zone(self) -> str:
        """``page_zone(page)->name``: ``"DMA"``, ``"Normal"`` or ``"HighMem"``."""
        return ZONE_NAMES[self._k.page_alloc.zone_idx(self.pfn)]

    @property
    def virtual(self) -> int | None:
        """``page_address()``: the direct-map address of a lowmem page, None for highmem."""
        lay = self._k.layout
        return lay.page_offset + self.phys_addr if self.pfn < lay.max_low_pfn else None

    @property
    def mappings(self) -> tuple[int, ...]:
        """Every kernel virtual address of the frame: its direct-map address, then its kernel PTEs."""
        v = self.virtual
        extra = self._k.pgtable.kernel_mappings(self.pfn)
        return ((v,) if v is not None else ()) + extra

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Page) and other._k is self._k and other.pfn == self.pfn

    def __hash__(self) -> int:
        return hash((id(self._k), self.pfn))

    def __repr__(self) -> str:
        names = ",".join(self.flag_names) or "-"
        return f"<struct page pfn={self.pfn:#x} zone={self.zone} _count={self.count} flags={names}>"


class FreeArea:
    """``struct free_area``: a free list (head first, pfns of block heads) and ``nr_free``."""

    __slots__ = ("free_list",)

    def __init__(self) -> None:
        self.free_list: list[int] = []

    @property
    def nr_free(self) -> int:
        """``unsigned long nr_free``: free blocks of this order."""
        return len(self.free_list)

    def __repr__(self) -> str:
        return f"<free_area nr_free={self.nr_free}>"


class Zone:
    """``struct zone``: a pfn range with its ``free_area[MAX_ORDER]``."""

    __slots__ = ("index", "name", "zone_start_pfn", "spanned_pages", "free_area")

    def __init__(self, index: int, start_pfn: int, end_pfn: int) -> None:
        self.index = index
        self.name = ZONE_NAMES[index]
        self.zone_start_pfn = start_pfn
        self.spanned_pages = end_pfn - start_pfn
        self.free_area = tuple(FreeArea() for _ in range(MAX_ORDER))

    @property
    def end_pfn(self) -> int:
        """``zone_start_pfn + spanned_pages``: the first frame after the zone."""
        return self.zone_start_pfn + self.spanned_pages

    @property
    def free_pages(self) -> int:
        """Free frames in the zone (``zone_page_state(zone, NR_FREE_PAGES)``), summed over the orders."""
        return sum(fa.nr_free << o for o, fa in enumerate(self.free_area))

    def __repr__(self) -> str:
        return f"<zone {self.name} pfn {self.zone_start_pfn:#x}-{self.end_pfn:#x} free={self.free_pages} pages>"
