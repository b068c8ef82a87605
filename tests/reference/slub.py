"""An independent reference of SLUB on one CPU, written from mm/slub.c and include/linux/slub_def.h.

Not a copy of ``vmwidgets/model/slub.py``: written again from the sources, in a different
shape (slabs as Python lists of free slot indexes instead of free pointers in objects), so
a test comparing the two catches a rule either got wrong.  Line numbers are in
``sndrzt/linux-source-2.6.24`` @e8fc8216 ("24") and ``sndrzt/linux-2.6.32`` @ae8292a5 ("32");
a bare number is in mm/slub.c.  The kernel configuration is the model's: i386, 4 kB pages,
one CPU, one node, CONFIG_SLUB_DEBUG without ``slub_debug`` (so ``kmem_cache_flags`` keeps
the flags: 24: 982, 32: 1038), no constructors.

The page allocator is outside the reference: :class:`RefSlub` asks ``new_frames(order)``
for the base address of each new slab or large kmalloc (None when the page allocator
refuses) and reports each slab it gives back in ``discarded`` and each large kmalloc it
frees in ``freed_large``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

PAGE = 4096
PAGE_SHIFT = 12
MAX_ORDER = 11
WORD = 4  # sizeof(void *) on i386
# ARCH_KMALLOC_MINALIGN and ARCH_SLAB_MINALIGN: x86 defines neither, so both are
# __alignof__(unsigned long long), 8 on i386 (24: 196-202; 32: 159-165).
ARCH_KMALLOC_MINALIGN = 8
ARCH_SLAB_MINALIGN = 8
CACHE_LINE = 64  # cache_line_size(): the model's CPU
ZERO_SIZE_PTR = 16  # include/linux/slab.h: ((void *)16) (24: 43; 32: 85)
# include/linux/slab.h flags, the same values in both eras (24: 24, 33, 27, 28; 32: 22, 75, 25, 54)
SLAB_HWCACHE_ALIGN = 0x00002000
SLAB_RECLAIM_ACCOUNT = 0x00020000
SLAB_PANIC = 0x00040000
SLAB_DESTROY_BY_RCU = 0x00080000
# SLUB_NEVER_MERGE (24: 190; 32: 153) and SLUB_MERGE_SAME (24: 193; 32: 156), less the
# debug, trace, DMA and notrack flags no cache here has.
NEVER_MERGE = SLAB_DESTROY_BY_RCU
MERGE_SAME = SLAB_RECLAIM_ACCOUNT
MAX_OBJS_PER_PAGE = 65535  # 32: 169 (page->objects is a u16); 24 has no such cap


def fls(x: int) -> int:
    return 0 if x == 0 else x.bit_length()


def align_up(x: int, a: int) -> int:
    return -(-x // a) * a


def page_order(size: int) -> int:
    """get_order (24: include/asm-generic/page.h:10; 32: include/asm-generic/getorder.h:9):
    the smallest n with 4096 << n >= size, for size >= 1."""
    n = 0
    while PAGE << n < size:
        n += 1
    return n


def order_for(size: int, era: str) -> int:
    """calculate_order + slab_order (24: 1770 + 1744; 32: 1996 + 1967), as one loop each.

    ``slub_max_order`` 24: DEFAULT_MAX_ORDER 1 for PAGE_SHIFT <= 12 (157, set at 1710),
    32: PAGE_ALLOC_COSTLY_ORDER 3 (1933).  Minimum objects 24: DEFAULT_MIN_OBJECTS 4 (158),
    halved each round (1794); 32: ``4 * (fls(nr_cpu_ids) + 1)`` = 8 on one CPU (2013),
    capped at what a ``slub_max_order`` slab holds (2014-2015), one fewer each round (2026).
    Waste fractions 24: 8, 4 (1786); 32: 16, 8, 4 (2018).  Then one object up to
    ``slub_max_order``, then up to MAX_ORDER: 24 takes ``order <= MAX_ORDER`` (1809), 32
    ``order < MAX_ORDER`` (2041); else -ENOSYS (-1 here).
    """
    new = era != "2.6.24"
    top = 3 if new else 1

    def fits(objs: int, limit: int, fract: int) -> int:
        if new and PAGE // size > MAX_OBJS_PER_PAGE:  # 32: 1974-1975
            return page_order(size * MAX_OBJS_PER_PAGE) - 1
        o = max(0, fls(objs * size - 1) - PAGE_SHIFT)  # slub_min_order is 0
        while o <= limit:
            slab = PAGE << o
            if slab >= objs * size and slab % size <= slab // fract:
                return o
            o += 1
        return limit + 1

    objs = min(8, (PAGE << top) // size) if new else 4
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


def calculate_alignment(flags: int, align: int, size: int, era: str) -> int:
    """calculate_alignment (24: 1817-1838; 32: 2049-2070).

    24: SLAB_HWCACHE_ALIGN and ``size > cache_line_size() / 2`` returns
    ``max(align, cache_line_size())`` at once (1829-1831).  32: with SLAB_HWCACHE_ALIGN
    the line is halved while ``size <= ralign / 2`` and ``align = max(align, ralign)``
    (2059-2064).  Both: below ARCH_SLAB_MINALIGN gives ARCH_SLAB_MINALIGN (24 returns it
    at 1833-1834; 32 assigns it at 2066-2067 and rounds it, still 8), else
    ALIGN(align, sizeof(void *)) (24: 1836; 32: 2069).
    """
    if flags & SLAB_HWCACHE_ALIGN:
        if era == "2.6.24":
            if size > CACHE_LINE // 2:
                return max(align, CACHE_LINE)
        else:
            r = CACHE_LINE
            while size <= r // 2:
                r //= 2
            align = max(align, r)
    if align < ARCH_SLAB_MINALIGN:
        return ARCH_SLAB_MINALIGN
    return align_up(align, WORD)


def geometry(size: int, era: str, align: int = ARCH_KMALLOC_MINALIGN) -> tuple[int, int, int]:
    """(slot size, order, objects per slab) of a cache of ``size``-byte objects without flags:
    calculate_sizes (24: 2091; 32: 2344) rounds to a word (24: 2113; 32: 2356), then to
    calculate_alignment's result (24: 2169 + 2176; 32: 2424 + 2432); the objects are
    ``(PAGE_SIZE << order) / size`` (24: 2186; 32: oo_make, 304-312)."""
    slot = align_up(align_up(size, WORD), calculate_alignment(0, align, size, era))
    o = order_for(slot, era)
    return slot, o, (PAGE << o) // slot


def kmalloc_sizes(era: str) -> list[int]:
    """kmem_cache_init (24: 2801, 2826-2841; 32: 3174, 3199-3214): 96, 192, then 8 up to
    2048 (24: ``i < PAGE_SHIFT``) or 8192 (32: ``i < SLUB_PAGE_SHIFT``, slub_def.h:136), each
    create_kmalloc_cache (24: 2377; 32: 2693) with ARCH_KMALLOC_MINALIGN and no flags, list_add
    at the head of slab_caches (24: 2390; 32: 2709)."""
    return [96, 192] + [1 << i for i in range(3, 12 if era == "2.6.24" else 14)]


def kmalloc_cache_size(size: int) -> int:
    """get_slab (24: 2496; 32: 2833): ``size_index[(size - 1) / 8]`` up to 192 (24: 2504; 32:
    2841; the table at 24: 2470-2494 maps 65-96 to kmalloc-96 and 129-192 to kmalloc-192),
    else ``fls(size - 1)`` (24: 2506; 32: 2843)."""
    if size <= 8:
        return 8
    if 64 < size <= 96:
        return 96
    if 128 < size <= 192:
        return 192
    return 1 << fls(size - 1)


def kmalloc_limit(era: str) -> int:
    """The largest kmalloc a cache serves: __kmalloc tests ``size > PAGE_SIZE / 2`` (24: 2520) and
    ``size > SLUB_MAX_SIZE`` (32: 2858), ``2 * PAGE_SIZE`` (32: slub_def.h:134); the inline kmalloc
    of a constant size tests the same (24: slub_def.h:168; 32: slub_def.h:246)."""
    return 2048 if era == "2.6.24" else 8192


def min_partial(slot: int, era: str) -> int:
    """Empty slabs unfreeze_slab keeps on the partial list: 24 the constant MIN_PARTIAL 5 (175,
    tested at 1352); 32 ``s->min_partial`` = set_min_partial(s, ilog2(s->size)) (2495),
    clamped to MIN_PARTIAL 5 .. MAX_PARTIAL 10 (2331-2338; 131, 138), tested at 1442."""
    if era == "2.6.24":
        return 5
    return min(10, max(5, fls(slot) - 1))


@dataclass
class RefSlab:
    cache: RefCache
    base: int
    order: int
    objects: int  # 32: page->objects (1146); 24: s->objects
    free: list[int]  # slot indexes, head first: the page freelist
    inuse: int = 0
    frozen: bool = False


@dataclass
class RefCache:
    name: str
    objsize: int
    flags: int
    era: str
    align: int  # 24: as asked; 32: calculate_alignment's result (2425)
    size: int = 0
    offset: int = 0
    inuse: int = 0
    order: int = 0
    objects: int = 0
    min_order: int = 0  # 32: s->min (2456)
    min_objects: int = 0
    refcount: int = 1
    cpu: RefSlab | None = None
    cpu_free: list[int] = field(default_factory=list)  # c->freelist, head first
    partial: list[RefSlab] = field(default_factory=list)
    nr_slabs: int = 0
    total_objects: int = 0  # 32: n->total_objects

    @property
    def slot(self) -> int:
        return self.size


def open_cache(name: str, size: int, align: int, flags: int, era: str) -> RefCache | None:
    """kmem_cache_open (24: 2192; 32: 2464) → calculate_sizes (24: 2091-2189; 32: 2344-2462).

    The object is rounded to a word (24: 2113; 32: 2356) and that is ``s->inuse`` (24: 2129;
    32: 2384); SLAB_DESTROY_BY_RCU moves the free pointer after it: ``s->offset = size``
    and one more word (24: 2131-2143; 32: 2386-2398).  calculate_alignment of the flags,
    the asked align and **objsize** (24: 2169; 32: 2424, which stores it in ``s->align``,
    2425); size rounded to it (24: 2176; 32: 2432); calculate_order; -ENOSYS or no objects:
    NULL (24: 2179-2188; 32: 2436-2460).  32: ``s->min = oo_make(get_order(size), size)`` (2456).
    """
    new = era != "2.6.24"
    s = RefCache(name, size, flags, era, align)
    sz = align_up(size, WORD)
    s.inuse = sz
    if flags & SLAB_DESTROY_BY_RCU:
        s.offset = sz
        sz += WORD
    al = calculate_alignment(flags, align, size, era)
    if new:
        s.align = al
    s.size = sz = align_up(sz, al)
    order = order_for(sz, era)
    if order < 0:
        return None
    s.order, s.objects = order, (PAGE << order) // sz
    if not s.objects:
        return None
    s.min_order = page_order(sz)
    s.min_objects = (PAGE << s.min_order) // sz
    return s


class RefSlub:
    """kmalloc, kfree and the kmem_cache_* calls, one CPU."""

    def __init__(self, era: str, new_frames: Callable[[int], int | None]) -> None:
        self.era = era
        self.new = era != "2.6.24"
        self.new_frames = new_frames
        self.discarded: list[int] = []
        self.freed_large: list[tuple[int, int]] = []
        self.large: dict[int, int] = {}  # address -> order
        self.frames: dict[int, RefSlab] = {}  # every page of every slab -> the slab
        self.slab_caches: list[RefCache] = []  # head first: list_add
        self.names: dict[str, RefCache] = {}
        self.caches: dict[int, RefCache] = {}  # kmalloc caches by object size
        for size in kmalloc_sizes(era):
            c = open_cache(f"kmalloc-{size}", size, ARCH_KMALLOC_MINALIGN, 0, era)
            assert c is not None
            self.slab_caches.insert(0, c)
            self.names[c.name] = c
            self.caches[size] = c

    # -- kmem_cache_create ------------------------------------------------------------------
    def find_mergeable(self, size: int, align: int, flags: int) -> RefCache | None:
        """find_mergeable (24: 2904-2943; 32: 3302-3341) with slab_unmergeable (24: 2887-2902; 32: 3285-3300).

        A SLUB_NEVER_MERGE flag: none (24: 2910; 32: 3308).  The size rounded to a word, the
        alignment of the flags, align and that **rounded** size, the size rounded to it
        (24: 2916-2918; 32: 3314-3316); then the first cache of slab_caches, newest first,
        that is mergeable (no SLUB_NEVER_MERGE flag, no ctor, refcount >= 0), at least that
        big, with the same SLUB_MERGE_SAME bits, a size that is a multiple of the alignment
        and less than a word more (24: 2921-2940; 32: 3319-3338).
        """
        if flags & NEVER_MERGE:
            return None
        size = align_up(size, WORD)
        al = calculate_alignment(flags, align, size, self.era)
        size = align_up(size, al)
        for s in self.slab_caches:
            if s.flags & NEVER_MERGE or s.refcount < 0:
                continue
            if size > s.size or (flags & MERGE_SAME) != (s.flags & MERGE_SAME):
                continue
            if s.size & ~(al - 1) != s.size or s.size - size >= WORD:
                continue
            return s
        return None

    def kmem_cache_create(self, name: str, size: int, align: int = 0, flags: int = 0) -> RefCache | None:
        """kmem_cache_create (24: 2945; 32: 3343): a merge bumps ``refcount`` (24: 2956; 32: 3356),
        raises ``objsize`` (24: 2961; 32: 3361) and ``inuse`` (24: 2969; 32: 3370) and adds the
        name as a sysfs alias (no slab_caches entry); else kmem_cache_open and list_add at
        the head (24: 2979; 32: 3386).  Names are assumed unique (sysfs decides duplicates)."""
        s = self.find_mergeable(size, align, flags)
        if s is not None:
            s.refcount += 1
            s.objsize = max(s.objsize, size)
            s.inuse = max(s.inuse, align_up(size, WORD))
            self.names[name] = s
            return s
        s = open_cache(name, size, align, flags, self.era)
        if s is None:
            return None
        self.slab_caches.insert(0, s)
        self.names[name] = s
        return s

    # -- allocation -------------------------------------------------------------------------
    def kmalloc(self, size: int) -> int | None:
        """__kmalloc (24: 2516; 32: 2853).  Above the cache limit (24: 2520; 32: 2858) whole pages
        at ``get_order(size)`` (24: ``__get_free_pages`` at 2521-2522; 32: kmalloc_large,
        slub_def.h:230-238); an order >= MAX_ORDER is NULL (24: include/linux/gfp.h:181; 32:
        mm/page_alloc.c:1804).  0 bytes: get_slab returns ZERO_SIZE_PTR (24: 2501-2502; 32:
        2838-2839) and __kmalloc returns it (24: 2526-2527; 32: 2863-2864)."""
        if size > kmalloc_limit(self.era):
            order = page_order(size)
            if order >= MAX_ORDER:
                return None
            base = self.new_frames(order)
            if base is not None:
                self.large[base] = order
            return base
        if size == 0:
            return ZERO_SIZE_PTR
        return self.slab_alloc(self.caches[kmalloc_cache_size(size)])

    def kmem_cache_alloc(self, s: RefCache) -> int | None:
        """kmem_cache_alloc (24: 1567; 32: 1747) → slab_alloc."""
        return self.slab_alloc(s)

    def slab_alloc(self, c: RefCache) -> int | None:
        """slab_alloc (24: 1542-1564; 32: 1708-1744): the head of ``c->freelist`` (24: 1556-1557;
        32: 1732-1733), else __slab_alloc (24: 1465-1530; 32: 1622-1696): reload from the cpu
        slab's own freelist (load_freelist, 24: 1477-1490; 32: 1640-1654), else deactivate it
        (another_slab: 24: 1492; 32: 1656), take the head of the partial list (new_slab: 24:
        1495; 32: 1659; get_partial_node's first entry, 24: 1258; 32: 1340) or a new slab,
        freeze it and load its whole freelist: the first object is returned, the rest become
        ``c->freelist`` and ``inuse = objects`` (24: 1486; 32: 1648)."""
        if c.cpu_free:
            assert c.cpu is not None
            return c.cpu.base + c.cpu_free.pop(0) * c.size
        if c.cpu is not None and not c.cpu.free:
            self.deactivate(c)
        if c.cpu is None:
            slab = c.partial.pop(0) if c.partial else self.new_slab(c)
            if slab is None:
                return None
            slab.frozen = True
            c.cpu = slab
        slab = c.cpu
        first, *rest = slab.free
        c.cpu_free = rest
        slab.free = []
        slab.inuse = slab.objects
        return slab.base + first * c.size

    def new_slab(self, c: RefCache) -> RefSlab | None:
        """new_slab (24: 1078; 32: 1163) → allocate_slab (24: 1040; 32: 1102): ``s->order`` (24:
        1055); 32 first tries ``s->oo`` with __GFP_NORETRY (1114-1116), then ``s->min`` (1117-1125),
        ``page->objects = oo_objects(oo)`` (1146).  Each slab counts in ``nr_slabs`` (24: 1095;
        32: inc_slabs_node 855-862, called at 1177) and, 32, ``total_objects``.  An order of
        MAX_ORDER or more is NULL from the page allocator (24: include/linux/gfp.h:181; 32:
        mm/page_alloc.c:1804): only 24's calculate_order can choose order MAX_ORDER."""
        order, objects = c.order, c.objects
        base = self.new_frames(order) if order < MAX_ORDER else None
        if base is None and self.new:
            order, objects = c.min_order, c.min_objects
            base = self.new_frames(order) if order < MAX_ORDER else None
        if base is None:
            return None
        slab = RefSlab(c, base, order, objects, list(range(objects)))
        for i in range(1 << order):
            self.frames[base + i * PAGE] = slab
        c.nr_slabs += 1
        c.total_objects += objects
        return slab

    def deactivate(self, c: RefCache) -> None:
        """deactivate_slab (24: 1373-1395; 32: 1466-1494): ``c->freelist`` goes back object by object
        onto the page's freelist (24: 1383-1391; 32: 1478-1490); unfreeze_slab (24: 1338-1368;
        32: 1422-1461): a slab with
        objects in use and free ones goes on the partial list (24 at the head, add_partial
        1206, 1345-1346; 32 at the tail unless objects came back from ``c->freelist``: ``tail =
        0``, 1481, 1430-1431); a full one on no list; an empty one on the tail while
        ``nr_partial < min_partial`` (24: 1352-1362; 32: 1442-1453), else discarded."""
        slab = c.cpu
        assert slab is not None
        back = len(c.cpu_free)
        for index in c.cpu_free:
            slab.free.insert(0, index)
        slab.inuse -= back
        c.cpu_free = []
        c.cpu = None
        slab.frozen = False
        if slab.inuse:
            if slab.free:
                if self.new and not back:
                    c.partial.append(slab)
                else:
                    c.partial.insert(0, slab)
        elif len(c.partial) < min_partial(c.size, self.era):
            c.partial.append(slab)
        else:
            self.discard(c, slab)

    # -- free -------------------------------------------------------------------------------
    def kfree(self, addr: int | None) -> None:
        """kfree (24: 2592-2605; 32: 2957-2975): ZERO_OR_NULL_PTR does nothing (24: 2596; 32: 2964;
        include/linux/slab.h 24: 45, 32: 87: any pointer up to 16); a page without PG_slab
        goes back through put_page (24: 2601; 32: 2971) at its compound order; else slab_free."""
        if addr is None or addr <= ZERO_SIZE_PTR:
            return
        if addr in self.large:
            self.freed_large.append((addr, self.large.pop(addr)))
            return
        slab = self.frames[addr & ~(PAGE - 1)]
        self.slab_free(slab.cache, slab, (addr - slab.base) // slab.cache.size)

    def kmem_cache_free(self, s: RefCache, addr: int) -> None:
        """kmem_cache_free (24: 1669; 32: 1890): virt_to_head_page, then slab_free."""
        slab = self.frames[addr & ~(PAGE - 1)]
        assert slab.cache is s
        self.slab_free(s, slab, (addr - slab.base) // s.size)

    def slab_free(self, c: RefCache, slab: RefSlab, index: int) -> None:
        """slab_free (24: 1650-1667; 32: 1866-1888): the cpu slab's object is pushed on
        ``c->freelist`` (24: 1660-1662; 32: 1880-1882; ``c->node`` is never -1 without debug).
        __slab_free (24: 1589-1637; 32: 1796-1853): pushed on the page freelist, ``inuse--``
        (24: 1600-1602; 32: 1811-1813); a frozen slab stops there; an emptied slab leaves the
        partial list if it was on it and is discarded (24: 1607-1630; 32: 1820-1846), whatever
        min_partial; a slab that was full (``!prior``) goes on the partial tail (24: 1616
        add_partial_tail; 32: 1828 add_partial(..., 1))."""
        if slab is c.cpu:
            c.cpu_free.insert(0, index)
            return
        prior = bool(slab.free)
        slab.free.insert(0, index)
        slab.inuse -= 1
        if slab.frozen:
            return
        if slab.inuse == 0:
            if prior:
                c.partial.remove(slab)
            self.discard(c, slab)
        elif not prior:
            c.partial.append(slab)

    def discard(self, c: RefCache, slab: RefSlab) -> None:
        """discard_slab (24: 1164; 32: 1254): ``nr_slabs`` (and 32 ``total_objects``) drop, the
        frames go back (__free_slab, 24: 1122; 32: 1204)."""
        for i in range(1 << slab.order):
            del self.frames[slab.base + i * PAGE]
        c.nr_slabs -= 1
        c.total_objects -= slab.objects
        self.discarded.append(slab.base)

    # -- /proc/slabinfo ---------------------------------------------------------------------
    def partial_bases(self, size: int) -> list[int]:
        return [s.base for s in self.caches[size].partial]

    def row(self, c: RefCache) -> tuple[int, int, int, int, int, int]:
        """s_show's numbers (24: 4170-4201; 32: 4731-4765): (active_objs, num_objs, objsize column,
        objperslab, pagesperslab, slabs).  24: ``nr_objs = nr_slabs * s->objects`` (4192) and
        ``nr_inuse`` = count_partial's sum of ``inuse`` (3079-3090, 4189) plus ``s->objects`` per
        slab not on the partial list (4193): the cpu slab counts as full.  32: ``nr_objs`` =
        ``total_objects`` (4751), ``nr_inuse = nr_objs - nr_free`` (4755) with count_partial's
        ``count_free`` = ``objects - inuse`` of partial slabs (1541-1558, 4752).  The objsize
        column is ``s->size`` in both eras (24: 4196; 32: 4758), then ``s->objects`` / ``1 << s->order``
        (24) or ``oo_objects(s->oo)`` / ``1 << oo_order(s->oo)`` (32: 4758-4759)."""
        if self.new:
            nr_objs = c.total_objects
            active = nr_objs - sum(p.objects - p.inuse for p in c.partial)
        else:
            nr_objs = c.nr_slabs * c.objects
            active = sum(p.inuse for p in c.partial) + (c.nr_slabs - len(c.partial)) * c.objects
        return active, nr_objs, c.size, c.objects, 1 << c.order, c.nr_slabs

    def active(self, size: int) -> tuple[int, int, int]:
        """(active_objs, num_objs, num_slabs) of kmalloc-``size``'s row."""
        a, n, _, _, _, slabs = self.row(self.caches[size])
        return a, n, slabs

    def slabinfo(self) -> str:
        """/proc/slabinfo: s_start prints print_slabinfo_header at position 0 (24: 4149-4158, header
        4139-4147; 32: 4710-4719, 4700-4708), then s_show (24: 4170; 32: 4731) for each cache
        of slab_caches from the head (seq_list_start / seq_list_next): newest first; an alias
        has no entry of its own.  Each row: ``"%-17s %6lu %6lu %6u %4u %4d"``, then
        ``" : tunables %4u %4u %4u"`` of three zeros and ``" : slabdata %6lu %6lu %6lu"`` of
        nr_slabs, nr_slabs, 0 (24: 4195-4200; 32: 4757-4763)."""
        out = [
            "slabinfo - version: 2.1\n",
            "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
            " : tunables <limit> <batchcount> <sharedfactor>"
            " : slabdata <active_slabs> <num_slabs> <sharedavail>\n",
        ]
        for c in self.slab_caches:
            active, nr_objs, size, objects, pages, slabs = self.row(c)
            out.append(
                "%-17s %6d %6d %6d %4d %4d" % (c.name, active, nr_objs, size, objects, pages)  # noqa: UP031
                + " : tunables %4d %4d %4d" % (0, 0, 0)  # noqa: UP031
                + " : slabdata %6d %6d %6d\n" % (slabs, slabs, 0)  # noqa: UP031
            )
        return "".join(out)
