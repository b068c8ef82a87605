"""An independent reference of SLUB on one CPU, written from mm/slub.c and include/linux/slub_def.h.

Not a copy of ``vmwidgets/model/slub.py``: written again from the sources, in a different
shape (slabs as Python lists of free slot indexes instead of free pointers in objects), so
a test comparing the two catches a rule either got wrong.  Line numbers are in
``sndrzt/linux-source-2.6.24`` @e8fc8216 ("24") and ``sndrzt/linux-2.6.32`` @ae8292a5 ("32").

The page allocator is outside the reference: :class:`RefSlub` asks ``new_frames(order)``
for the base address of each new slab and reports each slab it gives back in ``discarded``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

PAGE = 4096
MAX_ORDER = 11


def fls(x: int) -> int:
    return 0 if x == 0 else x.bit_length()


def page_order(size: int) -> int:
    """get_order: the smallest n with 4096 << n >= size."""
    n = 0
    while PAGE << n < size:
        n += 1
    return n


def order_for(size: int, era: str) -> int:
    """calculate_order + slab_order (24: 1744-1812; 32: 1967-2044), as one loop each."""
    new = era != "2.6.24"
    top = 3 if new else 1  # slub_max_order: 24 DEFAULT_MAX_ORDER (157), 32 PAGE_ALLOC_COSTLY_ORDER (1933)

    def fits(objs: int, limit: int, fract: int) -> int:
        if new and PAGE // size > 65535:  # 32: MAX_OBJS_PER_PAGE
            return page_order(size * 65535) - 1
        o = max(0, fls(objs * size - 1) - 12)
        while o <= limit:
            slab = PAGE << o
            if slab >= objs * size and slab % size <= slab // fract:
                return o
            o += 1
        return limit + 1

    objs = min(8, (PAGE << top) // size) if new else 4  # 32: 4 * (fls(nr_cpu_ids) + 1) with 1 CPU
    while objs > 1:
        for fract in (16, 8, 4) if new else (8, 4):
            o = fits(objs, top, fract)
            if o <= top:
                return o
        objs = objs - 1 if new else objs // 2
    o = fits(1, top, 1)
    if o <= top:
        return o
    o = fits(1, MAX_ORDER, 1)
    return o if (o < MAX_ORDER or (not new and o == MAX_ORDER)) else -1


def geometry(size: int, era: str, align: int = 8) -> tuple[int, int, int]:
    """(slot size, order, objects per slab) of a plain cache of ``size``-byte objects."""
    slot = (size + 3) // 4 * 4
    a = max(align, 8)
    slot = (slot + a - 1) // a * a
    o = order_for(slot, era)
    return slot, o, (PAGE << o) // slot


def kmalloc_sizes(era: str) -> list[int]:
    """kmem_cache_init (24: 2801-2866, 32: 3174-3260): 96, 192, then 8 up to 2048 (24) or 8192 (32)."""
    return [96, 192] + [1 << i for i in range(3, 12 if era == "2.6.24" else 14)]


def kmalloc_cache_size(size: int) -> int:
    """get_slab's choice (24: 2496): size_index below 193, the next power of two above."""
    if size <= 8:
        return 8
    if 64 < size <= 96:
        return 96
    if 128 < size <= 192:
        return 192
    return 1 << fls(size - 1)


def kmalloc_limit(era: str) -> int:
    return 2048 if era == "2.6.24" else 8192


def min_partial(slot: int, era: str) -> int:
    if era == "2.6.24":
        return 5
    return min(10, max(5, fls(slot) - 1))


@dataclass
class RefSlab:
    base: int
    order: int
    objects: int
    free: list[int]  # slot indexes, head first: the page freelist
    inuse: int = 0
    frozen: bool = False


@dataclass
class RefCache:
    name: str
    slot: int
    order: int
    objects: int
    era: str
    cpu: RefSlab | None = None
    cpu_free: list[int] = field(default_factory=list)  # c->freelist, head first
    partial: list[RefSlab] = field(default_factory=list)
    slabs: dict[int, RefSlab] = field(default_factory=dict)


class RefSlub:
    """kmalloc/kfree on the reference's kmalloc caches."""

    def __init__(self, era: str, new_frames: Callable[[int], int]) -> None:
        self.era = era
        self.new_frames = new_frames
        self.discarded: list[int] = []
        self.caches: dict[int, RefCache] = {}
        for size in kmalloc_sizes(era):
            slot, order, objects = geometry(size, era)
            self.caches[size] = RefCache(f"kmalloc-{size}", slot, order, objects, era)

    def kmalloc(self, size: int) -> int:
        c = self.caches[kmalloc_cache_size(size)]
        if c.cpu_free:  # slab_alloc's fast path
            assert c.cpu is not None
            return c.cpu.base + c.cpu_free.pop(0) * c.slot
        slab = c.cpu
        if slab is not None and not slab.free:  # deactivate a full cpu slab: it is on no list
            slab.frozen = False
            c.cpu = None
        if c.cpu is None:
            if c.partial:
                slab = c.partial.pop(0)
            else:
                base = self.new_frames(c.order)
                slab = RefSlab(base, c.order, c.objects, list(range(c.objects)))
                c.slabs[base] = slab
            slab.frozen = True
            c.cpu = slab
        assert c.cpu is not None
        first, *rest = c.cpu.free
        c.cpu_free = rest
        c.cpu.free = []
        c.cpu.inuse = c.cpu.objects
        return c.cpu.base + first * c.slot

    def kfree(self, addr: int) -> None:
        for c in self.caches.values():
            for base, slab in c.slabs.items():
                if base <= addr < base + (PAGE << slab.order):
                    self._free(c, slab, (addr - base) // c.slot)
                    return
        raise KeyError(addr)

    def _free(self, c: RefCache, slab: RefSlab, index: int) -> None:
        if slab is c.cpu:
            c.cpu_free.insert(0, index)
            return
        was_full = not slab.free
        slab.free.insert(0, index)
        slab.inuse -= 1
        if slab.inuse == 0:
            if not was_full:
                c.partial.remove(slab)
            del c.slabs[slab.base]
            self.discarded.append(slab.base)
        elif was_full:
            c.partial.append(slab)

    def partial_bases(self, size: int) -> list[int]:
        return [s.base for s in self.caches[size].partial]

    def active(self, size: int) -> tuple[int, int, int]:
        """(active_objs, num_objs, num_slabs) as /proc/slabinfo prints them: the cpu slab is full."""
        c = self.caches[size]
        n = len(c.slabs)
        return sum(s.inuse for s in c.partial) + (n - len(c.partial)) * c.objects, n * c.objects, n
