"""The buddy allocator (mm/page_alloc.c), as a mixin of :class:`~vmwidgets.Kernel`.

Simplifications, said once: no per-CPU page lists (every order-0 request goes straight
to the free lists), no watermarks, reclaim or OOM killer (a request no zone can meet
fails with NULL at once), no migrate types (one free list per order, as before 2.6.24's
anti-fragmentation work).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
)
from .constants import (
    __GFP_DMA,
    __GFP_HIGHMEM,
    GFP_MASK_ALL,
    MAX_ORDER,
    ZONE_DMA,
    ZONE_HIGHMEM,
    ZONE_NAMES,
    ZONE_NORMAL,
    PG_buddy,
    PG_reserved,
)
from .page import Page

if TYPE_CHECKING:
    from .kernel import Kernel

_RMQUEUE = "mm/page_alloc.c:__rmqueue_smallest"
_EXPAND = "mm/page_alloc.c:expand"
_BUFFERED = "mm/page_alloc.c:buffered_rmqueue"
_FREE_ONE = "mm/page_alloc.c:__free_one_page"
_FREE_PAGES = "mm/page_alloc.c:__free_pages"
_ALLOC = "mm/page_alloc.c:__alloc_pages"
_BUDDY = 1 << PG_buddy
_RESERVED = 1 << PG_reserved


K__GFP_DMA = __GFP_DMA  # no name mangling inside class bodies
K__GFP_HIGHMEM = __GFP_HIGHMEM  # no name mangling inside class bodies


class BuddyAllocator:
    """alloc_pages / free_pages and their helpers; state lives in ``zones`` and ``mem_map``."""

    # -- public ------------------------------------------------------------------------------
    def alloc_pages(self: Kernel, gfp_mask: int, order: int = 0) -> Page | None:
        """Allocate ``2**order`` contiguous frames; follows mm/page_alloc.c:__alloc_pages.

        Zones are tried from the highest the GFP flags allow down (``__GFP_HIGHMEM``:
        HighMem, Normal, DMA; ``GFP_KERNEL``: Normal, DMA; ``GFP_DMA``: DMA).  Returns the
        first page, or None (the kernel's NULL) with an ``AllocationFailed`` event.

        >>> from vmwidgets import Kernel, GFP_KERNEL
        >>> k = Kernel()
        >>> page = k.alloc_pages(GFP_KERNEL, 2)   # four contiguous frames from ZONE_NORMAL
        >>> page.zone, hex(page.pfn), page.count
        ('Normal', '0x37c00', 1)
        """
        check_int("gfp_mask", gfp_mask, 0, GFP_MASK_ALL, "a combination of GFP_* / __GFP_* flags")
        check_int("order", order, 0, MAX_ORDER - 1)
        with self._operation("alloc_pages", f"gfp_mask={gfp_mask:#x}, order={order}", _ALLOC) as op:
            page = self._alloc_pages(gfp_mask, order)
            op.result = "NULL" if page is None else f"page pfn={page.pfn:#x}"
            return page

    def free_pages(self: Kernel, page: Page, order: int = 0) -> None:
        """Free a block from :meth:`alloc_pages`; follows mm/page_alloc.c:__free_pages.

        ``order`` must be the order the block was allocated with (the kernel trusts the
        caller; the model checks and refuses, changing nothing).

        >>> from vmwidgets import Kernel, GFP_KERNEL
        >>> k = Kernel()
        >>> before = k.buddyinfo()
        >>> k.free_pages(k.alloc_pages(GFP_KERNEL, 2), 2)   # the buddies merge back
        >>> k.buddyinfo() == before
        True
        """
        self._check_page(page)
        check_int("order", order, 0, MAX_ORDER - 1)
        got = self._alloc_order.get(page.pfn)
        if got is None:
            raise PageStateError(
                "page",
                page,
                "a page returned by alloc_pages and not yet freed "
                "(this one is free, reserved or part of a larger block)",
            )
        if got != order:
            raise InvalidArgument("order", order, f"{got}, the order pfn {page.pfn:#x} was allocated with")
        if any(self._live_mapping(v) for v in self._rmap.get(page.pfn, ())):
            raise PageStateError("page", page, "a page no vmalloc area maps (vunmap/vfree it first)")
        with self._operation("free_pages", f"page=pfn {page.pfn:#x}, order={order}", _FREE_PAGES) as op:
            self._free_pages(page.pfn, order)
            op.result = "void"

    def buddyinfo(self: Kernel) -> str:
        """/proc/buddyinfo: free blocks per order for each zone (mm/vmstat.c:frag_show_print).

        >>> from vmwidgets import Kernel
        >>> print(Kernel().buddyinfo(), end="")  # doctest: +NORMALIZE_WHITESPACE
        Node 0, zone      DMA      3      2      3      3      2      1      1      0      1      1      2
        Node 0, zone   Normal      0      0      0      0      0      0      0      0      0      0    218
        Node 0, zone  HighMem      0      0      0      0      0      0      0      0      0      0     32
        """
        lines = []
        for z in self.zones:
            if not z.spanned_pages:  # walk_zones_in_node skips zones that are not populated
                continue
            counts = "".join(f"{fa.nr_free:6d} " for fa in z.free_area)
            lines.append(f"Node 0, zone {z.name:>8s} {counts}")
        return "\n".join(lines) + "\n"

    def page(self: Kernel, pfn: int) -> Page:
        """``pfn_to_page(pfn)``."""
        check_int("pfn", pfn, 0, len(self.mem_map) - 1)
        return Page(self, pfn)

    # -- internals ---------------------------------------------------------------------------
    def _check_page(self: Kernel, page: object, name: str = "page") -> None:
        if not isinstance(page, Page) or page._k is not self:
            raise InvalidArgument(name, page, "a struct page (vmwidgets Page) of this kernel")

    def _zone_idx(self: Kernel, pfn: int) -> int:
        lay = self.layout
        if pfn >= lay.max_low_pfn:
            return ZONE_HIGHMEM
        return ZONE_DMA if pfn < self.zones[ZONE_DMA].end_pfn else ZONE_NORMAL

    def _zonelist(self: Kernel, gfp_mask: int) -> list:
        if gfp_mask & K__GFP_DMA:
            idx = [ZONE_DMA]
        elif gfp_mask & K__GFP_HIGHMEM:
            idx = [ZONE_HIGHMEM, ZONE_NORMAL, ZONE_DMA]
        else:
            idx = [ZONE_NORMAL, ZONE_DMA]
        return [self.zones[i] for i in idx if i < len(self.zones) and self.zones[i].spanned_pages]

    def _alloc_pages(self: Kernel, gfp_mask: int, order: int) -> Page | None:
        for zone in self._zonelist(gfp_mask):
            pfn = self._rmqueue_smallest(zone, order)
            if pfn is not None:
                self.mem_map.count[pfn] = 1  # set_page_refcounted
                self._alloc_order[pfn] = order
                self._emit(FrameAllocated, _BUFFERED, zone.index, order, pfn, gfp_mask)
                return Page(self, pfn)
        names = ", ".join(z.name for z in self._zonelist(gfp_mask))
        self._emit(
            AllocationFailed,
            _ALLOC,
            f"alloc_pages(order={order})",
            f"no free block of order {order} or above in {names}",
        )
        return None

    def _rmqueue_smallest(self: Kernel, zone, order: int) -> int | None:
        """mm/page_alloc.c:__rmqueue_smallest — the smallest free block that fits, split down."""
        mm = self.mem_map
        for current in range(order, MAX_ORDER):
            fl = zone.free_area[current].free_list
            if not fl:
                continue
            pfn = fl.pop(0)
            mm.flags[pfn] &= ~_BUDDY
            mm.private[pfn] = 0
            self._emit(FreeBlockTaken, _RMQUEUE, zone.index, current, pfn, 0)
            self._expand(zone, pfn, order, current)
            return pfn
        return None

    def _expand(self: Kernel, zone, pfn: int, low: int, high: int) -> None:
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
            self._emit(BuddySplit, _EXPAND, zone.index, high, pfn, buddy)

    def _free_pages(self: Kernel, pfn: int, order: int) -> None:
        """__free_pages: drop the reference; at zero, return the block to its zone."""
        mm = self.mem_map
        mm.count[pfn] -= 1
        if mm.count[pfn]:
            return
        del self._alloc_order[pfn]
        zi = self._zone_idx(pfn)
        self._emit(FrameFreed, _FREE_PAGES, zi, order, pfn)
        self._free_one_page(self.zones[zi], pfn, order)

    def _free_one_page(self: Kernel, zone, pfn: int, order: int) -> None:
        """mm/page_alloc.c:__free_one_page — merge with free buddies, add at the list head."""
        mm = self.mem_map
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
                reason = f"belongs to another zone ({ZONE_NAMES[self._zone_idx(buddy)]})"
            elif mm.count[buddy] or mm.flags[buddy] & _RESERVED:
                reason = "is in use"
            elif not mm.flags[buddy] & _BUDDY or mm.private[buddy] != order:
                reason = f"is not a free block of order {order}"
            if reason is not None:
                self._emit(BuddyNotMerged, _FREE_ONE, zone.index, order, base + page_idx, buddy, reason)
                break
            fl = zone.free_area[order].free_list
            index = fl.index(buddy)
            del fl[index]
            mm.flags[buddy] &= ~_BUDDY
            mm.private[buddy] = 0
            self._emit(BuddyMerged, _FREE_ONE, zone.index, order, base + page_idx, buddy, index)
            page_idx &= ~(1 << order)
            order += 1
        pfn = base + page_idx
        mm.flags[pfn] |= _BUDDY
        mm.private[pfn] = order
        zone.free_area[order].free_list.insert(0, pfn)
        self._emit(FreeBlockAdded, _FREE_ONE, zone.index, order, pfn)

    def _boot_free_lists(self: Kernel) -> None:
        """Hand every unreserved frame to the buddy allocator, as free_all_bootmem does.

        The kernel frees frames one by one in ascending pfn order and each merge completes
        at the list head; the result is the unique decomposition of each free run into
        maximal aligned blocks, with the highest block at the head of each list.  Computing
        that result directly is what makes booting 4 GB fast; a test checks it equals
        freeing frame by frame.
        """
        mm = self.mem_map
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

    def _any_reserved(self: Kernel, pfn: int, n: int) -> bool:
        for start, end, _ in self._reserved:
            if start < pfn + n and pfn < end:
                return True
        return False
