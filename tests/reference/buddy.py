"""An independent reference of the buddy free lists (mm/page_alloc.c), for /proc/buddyinfo.

Written from the sources, not from ``vmwidgets/model/page_alloc.py``: free blocks are a
``dict`` of head pfn -> order per zone beside the lists, where the model keeps PG_buddy
bits in mem_map.  Line numbers are mm/page_alloc.c in ``sndrzt/linux-source-2.6.24``
@e8fc8216 ("24") and ``sndrzt/linux-2.6.32`` @ae8292a5 ("32").  It keeps the model's stated
configuration (one CPU, no per-CPU page lists, no watermarks, one free list per order as
if every block had one migrate type): within that,

- __rmqueue_smallest (24: 647-671; 32: 717-740) takes the **head** of the first non-empty
  list from the asked order up (24: 660; 32: 730); expand (24: 580-595; 32: 655-670) puts
  the upper half of each split at the head of the list one order down (24: 591; 32: 666).
- The zonelist of a GFP mask: __GFP_DMA: DMA; __GFP_HIGHMEM: HighMem, Normal, DMA; else
  Normal, DMA (include/linux/gfp.h gfp_zone, 24: 120-131; 32: 214-230; the zonelist is
  built highest zone first, build_zonelists_node).  A request fails when no zone of its
  list has a block of that order or more (no watermarks).
- __free_one_page (24: 413-449; 32: 449-487) merges while ``order < MAX_ORDER - 1`` (24: 429;
  32: 466) with the buddy ``pfn ^ (1 << order)`` if page_is_buddy (24: 373-387; 32: 409-423):
  a free block of the same order in the same zone; then adds the block at the head
  (24: 446-447; 32: 484-485).
"""

from __future__ import annotations

from collections.abc import Sequence

MAX_ORDER = 11
GFP_DMA, GFP_HIGHMEM = 0x01, 0x02


class RefZone:
    def __init__(self, name: str, start: int, end: int, lists: Sequence[Sequence[int]]) -> None:
        self.name, self.start, self.end = name, start, end
        self.lists: list[list[int]] = [list(fl) for fl in lists]  # head first
        self.free: dict[int, int] = {pfn: o for o, fl in enumerate(lists) for pfn in fl}


class RefBuddy:
    """The free lists of node 0's zones (DMA, Normal, HighMem), from a given start state."""

    def __init__(self, zones: Sequence[tuple[str, int, int, Sequence[Sequence[int]]]]) -> None:
        self.zones = [RefZone(*z) for z in zones]

    def zonelist(self, gfp: int) -> list[RefZone]:
        by = {z.name: z for z in self.zones if z.end > z.start}
        names = ["DMA"] if gfp & GFP_DMA else ["HighMem", "Normal", "DMA"] if gfp & GFP_HIGHMEM else ["Normal", "DMA"]
        return [by[n] for n in names if n in by]

    def alloc(self, gfp: int, order: int) -> int | None:
        for z in self.zonelist(gfp):
            for current in range(order, MAX_ORDER):
                if not z.lists[current]:
                    continue
                pfn = z.lists[current].pop(0)
                del z.free[pfn]
                while current > order:  # expand
                    current -= 1
                    buddy = pfn + (1 << current)
                    z.lists[current].insert(0, buddy)
                    z.free[buddy] = current
                return pfn
        return None

    def free(self, pfn: int, order: int) -> None:
        z = next(z for z in self.zones if z.start <= pfn < z.end)
        while order < MAX_ORDER - 1:
            buddy = pfn ^ (1 << order)
            if z.free.get(buddy) != order:  # page_is_buddy: same zone (this dict), free, same order
                break
            del z.free[buddy]
            z.lists[order].remove(buddy)
            pfn &= ~(1 << order)
            order += 1
        z.lists[order].insert(0, pfn)
        z.free[pfn] = order

    def nr_free(self) -> list[tuple[str, int, list[int]]]:
        """(name, present pages, nr_free per order) for procfs.buddyinfo; a zone without frames is
        not populated_zone."""
        return [(z.name, z.end - z.start, [len(fl) for fl in z.lists]) for z in self.zones]
