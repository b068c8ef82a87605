"""The page allocator (mm/page_alloc.c): zones, ``mem_map``, the buddy free lists.

Simplifications, said once: no per-CPU page lists (every order-0 request goes straight
to the free lists), no watermarks, reclaim or OOM killer (a request no zone can meet
fails with NULL at once), no migrate types (one free list per order, as before 2.6.24's
anti-fragmentation work).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from types import MappingProxyType

from ..errors import InvalidArgument, PageStateError, check_int
from ..events import (
    AllocationFailed,
    BuddyMerged,
    BuddyNotMerged,
    BuddySplit,
    FrameAllocated,
    FrameFreed,
    FreeBlockAdded,
    FreeBlockTaken,
    PageRefChanged,
)
from .config import Config
from .constants import (
    __GFP_DMA,
    __GFP_HIGHMEM,
    GFP_HIGHUSER,
    GFP_KERNEL,
    MAX_DMA_PFN,
    MAX_ORDER,
    ZONE_DMA,
    ZONE_HIGHMEM,
    ZONE_NAMES,
    ZONE_NORMAL,
    PG_buddy,
    PG_reserved,
    PG_slab,
    gfp_bits_mask,
)
from .emit import Emitter
from .layout import Layout
from .page import MAPPING_FILE, MAPPING_NAMES, MemMap, Page, PageOwner, Zone

__all__ = ["PageAllocator"]

_RMQUEUE = "mm/page_alloc.c:__rmqueue_smallest"
_EXPAND = "mm/page_alloc.c:expand"
_BUFFERED = "mm/page_alloc.c:buffered_rmqueue"
_FREE_ONE = "mm/page_alloc.c:__free_one_page"
_FREE_PAGES = "mm/page_alloc.c:__free_pages"
_ALLOC = "mm/page_alloc.c:__alloc_pages"
_BUDDY = 1 << PG_buddy
_RESERVED = 1 << PG_reserved
_SLAB = 1 << PG_slab


K__GFP_DMA = __GFP_DMA  # no name mangling inside class bodies
K__GFP_HIGHMEM = __GFP_HIGHMEM  # no name mangling inside class bodies
# 2.6.32's include/linux/gfp.h:203-212 GFP_ZONE_BAD: the combinations of its zone modifiers
# (__GFP_DMA 0x01, __GFP_HIGHMEM 0x02, __GFP_DMA32 0x04, __GFP_MOVABLE 0x08) that name two zones
_GFP_ZONEMASK = 0x0F
_GFP_ZONE_BAD = frozenset({0x3, 0x5, 0x6, 0x7, 0xB, 0xD, 0xE, 0xF})


class PageAllocator:
    """The zones and their buddy free lists, ``mem_map``, alloc_pages and free_pages.

    Built before anything else (``mem_map`` and the zones), it takes its free lists from
    :meth:`free_all_bootmem` once boot has reserved what it keeps.  It knows nothing of
    the subsystems above it: what a frame is used for it reads from the frame's
    ``struct page`` (``mem_map``), which the owners mark.  ``owner`` is what page handles
    (:class:`Page`) belong to: the kernel facade.
    """

    def __init__(self, config: Config, layout: Layout, emitter: Emitter, owner: PageOwner) -> None:
        self._emitter = emitter
        self._owner = owner
        self.layout = layout
        self._era_minor = config.era_minor
        self._era = config.era
        self.mem_map = MemMap(layout.max_pfn)
        self.zones = [
            Zone(ZONE_DMA, 0, min(MAX_DMA_PFN, layout.max_low_pfn)),
            Zone(ZONE_NORMAL, min(MAX_DMA_PFN, layout.max_low_pfn), layout.max_low_pfn),
        ]
        if config.highmem:
            self.zones.append(Zone(ZONE_HIGHMEM, layout.max_low_pfn, layout.max_pfn))
        self._alloc_order: dict[int, int] = {}
        self._reserved: tuple[tuple[int, int, str], ...] = ()
        self._holes: tuple[tuple[int, int], ...] = ()

    # -- public ------------------------------------------------------------------------------
    def alloc_pages(self, gfp_mask: int, order: int = 0) -> Page | None:
        """``struct page *alloc_pages(gfp_t gfp_mask, unsigned int order)``: ``2**order`` contiguous frames.

        Follows mm/page_alloc.c:__alloc_pages (2.6.24; ``__alloc_pages_nodemask`` in 2.6.32,
        the same path for one node).  Zones are tried from the highest the GFP flags allow down (``__GFP_HIGHMEM``:
        HighMem, Normal, DMA; ``GFP_KERNEL``: Normal, DMA; ``GFP_DMA``: DMA).  Returns the
        first page, or None (the kernel's NULL) with an ``AllocationFailed`` event.
        ``gfp_mask`` may carry any bit of the era's ``__GFP_BITS_MASK`` (21 bits in 2.6.24,
        22 in 2.6.32: ``__GFP_NOTRACK`` 0x200000); 2.6.32's ``__GFP_MOVABLE`` is 0x08, a zone
        modifier that GFP_ZONE_BAD checks (2.6.24's 0x100000 is ignored here).

        >>> from vmwidgets import Kernel, GFP_KERNEL
        >>> k = Kernel()
        >>> page = k.alloc_pages(GFP_KERNEL, 2)   # four contiguous frames from ZONE_NORMAL
        >>> page.zone, hex(page.pfn), page.count
        ('Normal', '0x37c00', 1)

        A mask with ``__GFP_DMA`` and ``__GFP_HIGHMEM`` gets ZONE_DMA in 2.6.24 (gfp_zone tests
        __GFP_DMA first, include/linux/gfp.h:120-131).  In 2.6.32 it is in GFP_ZONE_BAD
        (gfp.h:203-212) with every other mask naming two zones (``__GFP_HIGHMEM`` with
        2.6.32's ``__GFP_DMA32``, 0x04, too): gfp_zone (214-230) stops the build for a
        constant mask and BUGs under CONFIG_DEBUG_VM, so the model raises
        :class:`~vmwidgets.InvalidArgument` (a kernel without DEBUG_VM would read entry 0 of
        GFP_ZONE_TABLE there and use ZONE_DMA).
        """
        check_int(
            "gfp_mask",
            gfp_mask,
            0,
            gfp_bits_mask(self._era_minor),
            f"a combination of GFP_* / __GFP_* flags (within {self._era}'s __GFP_BITS_MASK)",
        )
        check_int("order", order, 0, MAX_ORDER - 1)
        if self._era_minor >= 32 and gfp_mask & _GFP_ZONEMASK in _GFP_ZONE_BAD:
            raise InvalidArgument(
                "gfp_mask",
                gfp_mask,
                "at most one zone modifier: __GFP_DMA, __GFP_HIGHMEM and __GFP_DMA32 exclude each other"
                " (2.6.32's GFP_ZONE_BAD)",
            )
        with self._emitter.operation("alloc_pages", f"gfp_mask={gfp_mask:#x}, order={order}", _ALLOC) as op:
            page = self.alloc(gfp_mask, order)
            op.result = "NULL" if page is None else f"page pfn={page.pfn:#x}"
            return page

    def free_pages(self, page: Page, order: int = 0) -> None:
        """``void __free_pages(struct page *page, unsigned int order)``: give back a block (mm/page_alloc.c).

        ``order`` must be the order the block was allocated with.  The real kernel trusts
        the caller: freeing a frame that is still a page table, still mapped, in the page
        cache or shared, not allocated at that order, or through a stale handle (the frame
        was freed and allocated again since) corrupts memory there (the frame is handed
        out again while in use, ``_count`` goes negative).  The model reads the
        frame's ``struct page`` first and refuses with :class:`~vmwidgets.PageStateError`
        naming what the frame is, changing nothing.

        >>> from vmwidgets import Kernel, GFP_KERNEL
        >>> k = Kernel()
        >>> before = k.buddyinfo()
        >>> k.free_pages(k.alloc_pages(GFP_KERNEL, 2), 2)   # the buddies merge back
        >>> k.buddyinfo() == before
        True
        """
        self.check_page(page)
        check_int("order", order, 0, MAX_ORDER - 1)
        self._check_freeable(page, order)
        with self._emitter.operation("free_pages", f"page=pfn {page.pfn:#x}, order={order}", _FREE_PAGES) as op:
            self.free(page.pfn, order)
            op.result = "void"

    def _check_freeable(self, page: Page, order: int) -> None:
        """What free_pages_check would find wrong, asked before anything changes."""
        mm, pfn = self.mem_map, page.pfn
        if mm.flags[pfn] & _RESERVED:
            raise PageStateError("page", page, "an allocated page (this one is reserved at boot)")
        if page.stale:  # check_page made sure the handle is of this kernel: it reads our mem_map
            raise PageStateError(
                "page",
                page,
                "the handle alloc_pages returned (this one is stale: the frame was freed and allocated again since)",
            )
        got = self._alloc_order.get(pfn)
        if got is None:
            what = "part of a larger block" if self._block_head(pfn) is not None else "free"
            raise PageStateError("page", page, f"a page returned by alloc_pages and not yet freed (this one is {what})")
        if got != order:
            raise InvalidArgument("order", order, f"{got}, the order pfn {pfn:#x} was allocated with")
        if mm.flags[pfn] & _SLAB:  # free_pages_check: PG_slab is among the flags a freed page must not have
            raise PageStateError("page", page, "a page no one uses (this one is a slab page: PageSlab)")
        for p in range(pfn, pfn + (1 << order)):
            if mm.pagetable[p]:
                raise PageStateError("page", page, f"a page no one uses (pfn {p:#x} is a page table in use)")
            if mm.mapping[p] == MAPPING_FILE:
                raise PageStateError("page", page, f"a page no one uses (pfn {p:#x} is a page-cache page)")
            if mm.mapcount[p] > 0:
                owner = MAPPING_NAMES.get(mm.mapping[p], "a page")
                raise PageStateError(
                    "page",
                    page,
                    f"an unmapped page (pfn {p:#x} is {owner} mapped by {mm.mapcount[p]} page-table "
                    "entries; kunmap, vunmap/vfree or munmap it first)",
                )
            if mm.mapping[p]:
                raise PageStateError("page", page, f"a page no one uses (pfn {p:#x} is {MAPPING_NAMES[mm.mapping[p]]})")
        if mm.count[pfn] > 1:
            raise PageStateError(
                "page", page, f"a page with one user (this one has _count {mm.count[pfn]}: shared, e.g. after fork)"
            )

    def _block_head(self, pfn: int) -> int | None:
        """The head of the allocated block ``pfn`` lies inside (compound_head), or None."""
        for order in range(1, MAX_ORDER):
            head = pfn & ~((1 << order) - 1)
            if self._alloc_order.get(head, -1) >= order:
                return head
        return None

    def buddyinfo(self) -> str:
        """/proc/buddyinfo: free blocks per order for each zone (mm/vmstat.c:frag_show_print).

        >>> from vmwidgets import Kernel
        >>> print(Kernel().buddyinfo(), end="")  # doctest: +NORMALIZE_WHITESPACE
        Node 0, zone      DMA      3      2      3      3      2      1      1      0      1      1      2
        Node 0, zone   Normal      0      0      0      0      0      0      0      0      0      0    218
        Node 0, zone  HighMem      0      0      0      0      0      0      0      0      0      0     32
        """
        from .procfs import buddyinfo

        return buddyinfo(self.zones)

    def page(self, pfn: int) -> Page:
        """``struct page *pfn_to_page(unsigned long pfn)`` (include/asm-generic/memory_model.h, FLATMEM).

        The handle of frame ``pfn``; :class:`~vmwidgets.errors.InvalidArgument` past ``max_pfn``."""
        check_int("pfn", pfn, 0, len(self.mem_map) - 1)
        return Page(self._owner, pfn)

    # -- read-only views ---------------------------------------------------------------------
    @property
    def alloc_order(self) -> Mapping[int, int]:
        """Allocated blocks: head pfn -> order (read-only; the kernel keeps no such table)."""
        return MappingProxyType(self._alloc_order)

    @property
    def reserved(self) -> tuple[tuple[int, int, str], ...]:
        """Frames boot kept for the kernel: ``(start_pfn, end_pfn, what)``."""
        return self._reserved

    @property
    def nr_pages(self) -> int:
        """``unsigned long num_physpages``: frames in ``mem_map`` (``max_pfn`` on this flat machine)."""
        return len(self.mem_map)

    @property
    def totalram_pages(self) -> int:
        """``unsigned long totalram_pages``: the frames boot handed to the buddy allocator
        (mem_init's free_all_bootmem plus the highmem pages), so ``num_physpages`` less the
        reserved ranges and holes."""
        return len(self.mem_map) - sum(e - s for s, e, _ in self._reserved)

    def is_ram(self, pfn: int) -> bool:
        """x86 ``int page_is_ram(unsigned long pagenr)``: the e820 map calls frame ``pfn`` RAM.

        False for a hole such as 640 kB-1 MB.  Returns ``int`` (0/1) in C."""
        return not any(s <= pfn < e for s, e in self._holes)

    def check_page(self, page: object, name: str = "page") -> Page:
        """The model's own check of a ``struct page *`` argument (the kernel trusts its callers).

        Raises :class:`~vmwidgets.errors.InvalidArgument` naming ``name`` for anything but a
        page handle of this kernel; returns ``page``, now known to be one."""
        if not isinstance(page, Page) or page.kernel is not self._owner:
            raise InvalidArgument(name, page, "a struct page (vmwidgets Page) of this kernel")
        return page

    def zone_idx(self, pfn: int) -> int:
        """include/linux/mm.h:page_zonenum: the ``enum zone_type`` of frame ``pfn`` (ZONE_DMA …)."""
        if pfn >= self.layout.max_low_pfn:
            return ZONE_HIGHMEM
        return ZONE_DMA if pfn < self.zones[ZONE_DMA].end_pfn else ZONE_NORMAL

    # -- calls for the subsystems above (no validation, no operation bracket) ------------------
    def alloc(self, gfp_mask: int, order: int) -> Page | None:
        """mm/page_alloc.c:get_page_from_freelist → buffered_rmqueue, without checks or bracket.

        ``gfp_t gfp_mask``, ``unsigned int order``; returns the first page, or None (NULL)
        after an ``AllocationFailed`` event.  For the subsystems above (vmalloc, page tables)."""
        for zone in self._zonelist(gfp_mask):
            pfn = self._rmqueue_smallest(zone, order)
            if pfn is not None:
                self.mem_map.count[pfn] = 1  # set_page_refcounted
                gen = self.mem_map.gen[pfn] + 1
                self.mem_map.gen[pfn] = gen
                self._alloc_order[pfn] = order
                self._emitter.emit(FrameAllocated, _BUFFERED, zone=zone.index, order=order, pfn=pfn, gfp=gfp_mask)
                return Page(self._owner, pfn, gen)
        names = ", ".join(z.name for z in self._zonelist(gfp_mask))
        self._emitter.emit(
            AllocationFailed,
            _ALLOC,
            what=f"alloc_pages(order={order})",
            reason=f"no free block of order {order} or above in {names}",
        )
        return None

    def free(self, pfn: int, order: int) -> None:
        """mm/page_alloc.c:__free_pages without the checks: drop a reference; at zero, free the block.

        ``unsigned long pfn`` (the head frame), ``unsigned int order``."""
        mm = self.mem_map
        mm.count[pfn] -= 1
        if mm.count[pfn]:
            return
        del self._alloc_order[pfn]
        mm.mapping[pfn] = 0  # free_hot_cold_page clears an anonymous page's mapping
        zi = self.zone_idx(pfn)
        self._emitter.emit(FrameFreed, _FREE_PAGES, zone=zi, order=order, pfn=pfn)
        self._free_one_page(self.zones[zi], pfn, order)

    def get_page(self, pfn: int, why: str) -> None:
        """include/linux/mm.h:get_page(``struct page *``): one more user holds frame ``pfn``.

        ``why`` is the model's: it says who took the reference in the event."""
        self.mem_map.count[pfn] += 1
        self._emitter.emit(
            PageRefChanged, "include/linux/mm.h:get_page", pfn=pfn, count=self.mem_map.count[pfn], why=why
        )

    def put_page(self, pfn: int) -> None:
        """mm/swap.c:put_page(``struct page *``): drop a reference to frame ``pfn``.

        The last one frees the frame, except a page-cache page, which stays cached."""
        mm = self.mem_map
        if mm.count[pfn] == 1 and mm.mapping[pfn] != MAPPING_FILE:
            self.free(pfn, 0)
        else:
            mm.count[pfn] -= 1
            self._emitter.emit(
                PageRefChanged, "mm/swap.c:put_page", pfn=pfn, count=mm.count[pfn], why="a mapping went away"
            )

    # -- boot ----------------------------------------------------------------------------------
    def free_all_bootmem(self, reserved: tuple[tuple[int, int, str], ...], holes: tuple[tuple[int, int], ...]) -> None:
        """mm/bootmem.c:free_all_bootmem: reserve what boot keeps, hand every other frame to the buddies.

        ``reserved`` is ``(start_pfn, end_pfn, what)`` per range, ``holes`` the e820 ranges
        that are not RAM.

        The kernel frees frames one by one in ascending pfn order and each merge completes
        at the list head; the result is the unique decomposition of each free run into
        maximal aligned blocks, with the highest block at the head of each list.  Computing
        that result directly is what makes booting 4 GB fast; a test checks it equals
        freeing frame by frame.
        """
        nr = len(self.mem_map)
        self._holes = holes
        self._reserved = tuple((s, min(e, nr), w) for s, e, w in reserved if s < nr)
        mm = self.mem_map
        for s, e, _ in self._reserved:
            mm.set_range(s, e, 1 << PG_reserved, 1)
        for zone in self.zones:
            pfn, end = zone.zone_start_pfn, zone.end_pfn
            while pfn < end:
                if mm.flags[pfn] & _RESERVED:
                    pfn += 1
                    continue
                order = MAX_ORDER - 1
                while pfn & ((1 << order) - 1) or pfn + (1 << order) > end or self._any_reserved(pfn, 1 << order):
                    order -= 1
                mm.flags[pfn] |= _BUDDY
                mm.private[pfn] = order
                zone.free_area[order].free_list.insert(0, pfn)
                pfn += 1 << order

    def age(self, seed: int, blocks: int = 6000) -> None:
        """The model's own (no kernel function): run the allocator so the free lists look used.

        ``blocks`` allocations of order 0–3 (mostly 0, 70% movable highmem-capable, the
        rest GFP_KERNEL), then two in three of them freed in random order; the rest stay
        allocated as "other users".  Deterministic for a seed.
        """
        rng = random.Random(seed)
        got = []
        for _ in range(blocks):
            order = rng.choice((0, 0, 0, 0, 1, 1, 2, 3))
            page = self.alloc(GFP_HIGHUSER if rng.random() < 0.7 else GFP_KERNEL, order)
            if page is None:
                break
            got.append((page.pfn, order))
        rng.shuffle(got)
        for pfn, order in got[: 2 * len(got) // 3]:
            self.free(pfn, order)

    # -- internals ---------------------------------------------------------------------------
    def _zonelist(self, gfp_mask: int) -> list[Zone]:
        if gfp_mask & K__GFP_DMA:
            idx = [ZONE_DMA]
        elif gfp_mask & K__GFP_HIGHMEM:
            idx = [ZONE_HIGHMEM, ZONE_NORMAL, ZONE_DMA]
        else:
            idx = [ZONE_NORMAL, ZONE_DMA]
        return [self.zones[i] for i in idx if i < len(self.zones) and self.zones[i].spanned_pages]

    def _rmqueue_smallest(self, zone: Zone, order: int) -> int | None:
        """mm/page_alloc.c:__rmqueue_smallest — the smallest free block that fits, split down."""
        mm = self.mem_map
        for current in range(order, MAX_ORDER):
            fl = zone.free_area[current].free_list
            if not fl:
                continue
            pfn = fl.pop(0)
            mm.flags[pfn] &= ~_BUDDY
            mm.private[pfn] = 0
            self._emitter.emit(FreeBlockTaken, _RMQUEUE, zone=zone.index, order=current, pfn=pfn, index=0)
            self._expand(zone, pfn, order, current)
            return pfn
        return None

    def _expand(self, zone: Zone, pfn: int, low: int, high: int) -> None:
        """mm/page_alloc.c:expand — put upper halves on the lists until the block is 2**low."""
        mm = self.mem_map
        size = 1 << high
        while high > low:
            high -= 1
            size >>= 1
            buddy = pfn + size
            zone.free_area[high].free_list.insert(0, buddy)
            mm.flags[buddy] |= _BUDDY
            mm.private[buddy] = high
            self._emitter.emit(BuddySplit, _EXPAND, zone=zone.index, order=high, pfn=pfn, buddy=buddy)

    def _free_one_page(self, zone: Zone, pfn: int, order: int) -> None:
        """mm/page_alloc.c:__free_one_page — merge with free buddies, add at the list head."""
        mm = self.mem_map
        emit = self._emitter.emit
        nr = len(mm)
        page_idx = pfn & ((1 << MAX_ORDER) - 1)
        base = pfn - page_idx
        while order < MAX_ORDER - 1:
            buddy = base + (page_idx ^ (1 << order))
            # page_is_buddy: valid pfn, same zone, PageBuddy with the same order
            reason = None
            if buddy >= nr:
                reason = "lies beyond the end of memory"
            elif not zone.zone_start_pfn <= buddy < zone.end_pfn:
                reason = f"belongs to another zone ({ZONE_NAMES[self.zone_idx(buddy)]})"
            elif mm.count[buddy] or mm.flags[buddy] & _RESERVED:
                reason = "is in use"
            elif not mm.flags[buddy] & _BUDDY or mm.private[buddy] != order:
                reason = f"is not a free block of order {order}"
            if reason is not None:
                emit(
                    BuddyNotMerged,
                    _FREE_ONE,
                    zone=zone.index,
                    order=order,
                    pfn=base + page_idx,
                    buddy=buddy,
                    reason=reason,
                )
                break
            fl = zone.free_area[order].free_list
            index = fl.index(buddy)
            del fl[index]
            mm.flags[buddy] &= ~_BUDDY
            mm.private[buddy] = 0
            emit(BuddyMerged, _FREE_ONE, zone=zone.index, order=order, pfn=base + page_idx, buddy=buddy, index=index)
            page_idx &= ~(1 << order)
            order += 1
        pfn = base + page_idx
        mm.flags[pfn] |= _BUDDY
        mm.private[pfn] = order
        zone.free_area[order].free_list.insert(0, pfn)
        emit(FreeBlockAdded, _FREE_ONE, zone=zone.index, order=order, pfn=pfn)

    def _any_reserved(self, pfn: int, n: int) -> bool:
        for start, end, _ in self._reserved:
            if start < pfn + n and pfn < end:
                return True
        return False


# The kernel's spelling (no name mangling outside a class).
setattr(PageAllocator, "__free_pages", PageAllocator.free_pages)
