"""kmalloc and the SLUB allocator (mm/slub.c, include/linux/slub_def.h), one CPU, one node.

Checked line by line against 2.6.24 (``[24]``) and 2.6.32 (``[32]``); eras from 2.6.28 on
take the 2.6.32 rules, like the rest of the model (the versions in between, where these
rules changed one by one, are not checked).  A cache (:class:`KmemCache`) cuts slabs
of ``1 << order`` lowmem frames from the page allocator into ``objects`` slots of ``size``
bytes.  A free object holds the address of the next free one at ``object + offset`` (the
model keeps those words in a dict keyed by the object's address: :attr:`Slub.free_pointers`).

Simplifications, said once: one CPU (``cpu_slab`` is embedded, as on UP), one node
(``local_node``), no debug flags, poisoning, red zones, sysfs, SLUB_STATS, locks or
IRQ toggling; no constructors; DMA caches (``kmalloc_dma-N``) are not made, so
``__GFP_DMA`` slab requests are refused; ``SLAB_DESTROY_BY_RCU`` moves the free pointer
as in the kernel but frees an empty slab at once (the grace period is not modelled);
the ``struct kmem_cache`` of a new cache is not itself kmalloc'ed; caches are empty after
boot (the kernel's own boot-time kmallocs are not replayed); memory contents are not
modelled, so ``__GFP_ZERO`` changes nothing visible.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import AddressError, InvalidArgument, NotASlabObject, check_int, check_text
from ..events import (
    AllocationFailed,
    CpuSlabChanged,
    KmallocRouted,
    KmemCacheCreated,
    KmemCacheMerged,
    SlabCreated,
    SlabDiscarded,
    SlabFreelistLoaded,
    SlabObjectAllocated,
    SlabObjectFreed,
    SlabPartialAdded,
    SlabPartialRemoved,
)
from .config import Config
from .constants import __GFP_DMA, __GFP_HIGHMEM, MAX_ORDER, PAGE_SHIFT, PAGE_SIZE, PG_slab, gfp_bits_mask
from .emit import Emitter
from .layout import Layout
from .page import MAPPING_KMALLOC, MAPPING_SLAB, Page
from .page_alloc import PageAllocator

__all__ = [
    "KMALLOC_MIN_SIZE",
    "MAX_PARTIAL",
    "MIN_PARTIAL",
    "SLAB_DESTROY_BY_RCU",
    "SLAB_FLAGS_ALLOWED",
    "SLAB_HWCACHE_ALIGN",
    "SLAB_PANIC",
    "SLAB_RECLAIM_ACCOUNT",
    "ZERO_SIZE_PTR",
    "KmemCache",
    "KmemCacheCpu",
    "KmemCacheNode",
    "KmemCacheOrderObjects",
    "SlabPage",
    "Slub",
    "calculate_order",
    "get_order",
    "slab_order",
]

# include/linux/slab.h (the same values in both eras)
SLAB_HWCACHE_ALIGN = 0x00002000
SLAB_RECLAIM_ACCOUNT = 0x00020000
SLAB_PANIC = 0x00040000
SLAB_DESTROY_BY_RCU = 0x00080000
SLAB_FLAGS_ALLOWED = SLAB_HWCACHE_ALIGN | SLAB_RECLAIM_ACCOUNT | SLAB_PANIC | SLAB_DESTROY_BY_RCU
SLUB_NEVER_MERGE = SLAB_DESTROY_BY_RCU  # [24] slub.c:SLUB_NEVER_MERGE, less the debug flags
SLUB_MERGE_SAME = SLAB_RECLAIM_ACCOUNT  # [24] slub.c:SLUB_MERGE_SAME, less DEBUG_FREE and CACHE_DMA
ZERO_SIZE_PTR = 16  # include/linux/slab.h: ((void *)16), [24] 43, [32] 85
KMALLOC_MIN_SIZE = 8  # slub_def.h: ARCH_KMALLOC_MINALIGN is unset on x86, so __alignof__(long long)
ARCH_SLAB_MINALIGN = 8  # slub.c: __alignof__(unsigned long long) on i386
SIZEOF_VOID_P = 4
CACHE_LINE_SIZE = 64  # cache_line_size(): boot_cpu_data.x86_cache_alignment of a current CPU
MIN_PARTIAL = 5  # slub.c: [24] 175, [32] 131
MAX_PARTIAL = 10  # [32] slub.c:138 (2.6.32 only)
MAX_OBJS_PER_PAGE = 65535  # [32] slub.c:169: page->objects is a u16

_KMALLOC = "mm/slub.c:__kmalloc"
_GET_SLAB = "mm/slub.c:get_slab"
_LARGE = "include/linux/slub_def.h:kmalloc_large"
_KFREE = "mm/slub.c:kfree"
_SLAB_ALLOC = "mm/slub.c:slab_alloc"
_SLOW_ALLOC = "mm/slub.c:__slab_alloc"
_SLAB_FREE = "mm/slub.c:slab_free"
_SLOW_FREE = "mm/slub.c:__slab_free"
_NEW_SLAB = "mm/slub.c:new_slab"
_DISCARD = "mm/slub.c:discard_slab"
_GET_PARTIAL = "mm/slub.c:get_partial"
_DEACTIVATE = "mm/slub.c:deactivate_slab"
_UNFREEZE = "mm/slub.c:unfreeze_slab"
_CREATE = "mm/slub.c:kmem_cache_create"
_MERGE = "mm/slub.c:find_mergeable"
_CACHE_ALLOC = "mm/slub.c:kmem_cache_alloc"
_CACHE_FREE = "mm/slub.c:kmem_cache_free"
_PG_SLAB = 1 << PG_slab

K__GFP_DMA = __GFP_DMA  # no name mangling inside class bodies
K__GFP_HIGHMEM = __GFP_HIGHMEM  # no name mangling inside class bodies


def _align(x: int, a: int) -> int:
    return (x + a - 1) & ~(a - 1)


def _fls(x: int) -> int:
    """include/linux/bitops.h:fls: the 1-based index of the highest set bit, 0 for 0."""
    return x.bit_length()


def get_order(size: int) -> int:
    """include/asm-generic/page.h:get_order(``unsigned long size``): the smallest order whose
    block holds ``size`` bytes (0 for 1..4096); the same in both eras."""
    return max(0, _fls((size - 1) >> PAGE_SHIFT)) if size > 0 else 0


def slab_order(size: int, min_objects: int, max_order: int, fract_leftover: int, era32: bool) -> int:
    """mm/slub.c:slab_order ([24] 1744, [32] 1967): the first order from the smallest that holds
    ``min_objects`` objects of ``size`` bytes, up to ``max_order``, wasting at most
    ``1/fract_leftover`` of the slab; ``max_order + 1`` if none.  ``slub_min_order`` is 0.
    2.6.32 first caps the objects at 65535 (``page->objects`` is a u16)."""
    if era32 and PAGE_SIZE // size > MAX_OBJS_PER_PAGE:
        return get_order(size * MAX_OBJS_PER_PAGE) - 1
    order = max(0, _fls(min_objects * size - 1) - PAGE_SHIFT)
    while order <= max_order:
        slab_size = PAGE_SIZE << order
        if slab_size >= min_objects * size and slab_size % size <= slab_size // fract_leftover:
            break
        order += 1
    return order


def calculate_order(size: int, era32: bool) -> int:
    """mm/slub.c:calculate_order ([24] 1770, [32] 1996): the slab order of objects of ``size`` bytes.

    2.6.24: ``slub_max_order`` 1 (``DEFAULT_MAX_ORDER`` for 4 kB pages, [24] 157),
    ``slub_min_objects`` 4 (``DEFAULT_MIN_OBJECTS``, 158), waste 1/8 then 1/4, then half the
    objects.  2.6.32: ``slub_max_order`` 3 (``PAGE_ALLOC_COSTLY_ORDER``, [32] 1933), min
    objects ``4 * (fls(nr_cpu_ids) + 1)`` = 8 on one CPU, capped at what an order-3 slab
    holds, waste 1/16, 1/8, 1/4, then one object fewer.  Both then try one object per
    slab up to ``slub_max_order``, then up to ``MAX_ORDER`` (2.6.24 accepts order
    ``MAX_ORDER`` itself, ``<=``; 2.6.32 does not).  Returns -ENOSYS (-38) when nothing fits.
    """
    max_order = 3 if era32 else 1
    if era32:
        min_objects = min(4 * (_fls(1) + 1), (PAGE_SIZE << max_order) // size)
    else:
        min_objects = 4
    while min_objects > 1:
        fraction = 16 if era32 else 8
        while fraction >= 4:
            order = slab_order(size, min_objects, max_order, fraction, era32)
            if order <= max_order:
                return order
            fraction //= 2
        min_objects = min_objects - 1 if era32 else min_objects // 2
    order = slab_order(size, 1, max_order, 1, era32)
    if order <= max_order:
        return order
    order = slab_order(size, 1, MAX_ORDER, 1, era32)
    if order < MAX_ORDER or (not era32 and order == MAX_ORDER):
        return order
    return -38


def _calculate_alignment(flags: int, align: int, size: int, era32: bool) -> int:
    """mm/slub.c:calculate_alignment ([24] 1817, [32] 2049)."""
    if flags & SLAB_HWCACHE_ALIGN:
        if era32:  # the smallest power-of-two fraction of the line the object still fills half of
            ralign = CACHE_LINE_SIZE
            while size <= ralign // 2:
                ralign //= 2
            align = max(align, ralign)
        elif size > CACHE_LINE_SIZE // 2:
            return max(align, CACHE_LINE_SIZE)
    if align < ARCH_SLAB_MINALIGN:
        return ARCH_SLAB_MINALIGN
    return _align(align, SIZEOF_VOID_P)


class KmemCacheOrderObjects:
    """``struct kmem_cache_order_objects`` (2.6.25+, [32] slub_def.h): ``x = order << 16 | objects``.

    ``oo_order(x)`` and ``oo_objects(x)`` ([32] slub.c:314/319) are :attr:`order` and
    :attr:`objects`."""

    __slots__ = ("x",)

    def __init__(self, order: int, objects: int) -> None:
        self.x = (order << 16) | objects  # oo_make

    @property
    def order(self) -> int:
        """``oo_order``: ``x >> 16``."""
        return self.x >> 16

    @property
    def objects(self) -> int:
        """``oo_objects``: ``x & 0xffff``."""
        return self.x & 0xFFFF

    def __repr__(self) -> str:
        return f"<oo order={self.order} objects={self.objects}>"


class SlabPage:
    """The ``struct page`` fields of a slab's first frame ([24] mm_types.h 36–91; [32] 40–…).

    ``freelist`` (overlays ``index``): the first free object, 0 for NULL; ``inuse``
    (overlays ``_mapcount``; a u16 in 2.6.32): objects not on it (the cpu slab counts
    every object in use); ``objects`` (2.6.32's u16 field; 2.6.24 reads ``s->objects``);
    ``slab`` (overlays ``mapping``): the cache; ``frozen``: ``PageSlubFrozen`` (2.6.24's
    ``SlabFrozen``, PG_active): it is a cpu slab.  ``page`` is the page allocator's handle,
    ``pfn``/``order`` its frames, ``address`` its ``page_address``."""

    __slots__ = ("address", "freelist", "frozen", "inuse", "objects", "order", "page", "pfn", "slab")

    def __init__(self, page: Page, order: int, address: int, objects: int, slab: KmemCache) -> None:
        self.page, self.pfn, self.order, self.address = page, page.pfn, order, address
        self.objects, self.slab = objects, slab
        self.freelist, self.inuse, self.frozen = 0, 0, False

    def object_addresses(self) -> range:
        """The address of each object slot, lowest first (``for_each_object``)."""
        return range(self.address, self.address + self.objects * self.slab.size, self.slab.size)

    def __repr__(self) -> str:
        return f"<slab {self.slab.name} pfn={self.pfn:#x} inuse={self.inuse}/{self.objects}>"


class KmemCacheCpu:
    """``struct kmem_cache_cpu`` (both eras): ``freelist`` (first object of the lockless list, 0 for
    NULL), ``page`` (the cpu slab, None for NULL), ``node`` (0: the one node), ``offset``
    (the free pointer's offset **in words**) and ``objsize``."""

    __slots__ = ("freelist", "node", "objsize", "offset", "page")

    def __init__(self, offset_words: int, objsize: int) -> None:
        self.freelist = 0
        self.page: SlabPage | None = None
        self.node = 0
        self.offset, self.objsize = offset_words, objsize


class KmemCacheNode:
    """``struct kmem_cache_node``: ``nr_partial``, ``partial`` (head first), ``nr_slabs`` and (2.6.32,
    with CONFIG_SLUB_DEBUG) ``total_objects``."""

    __slots__ = ("nr_partial", "nr_slabs", "partial", "total_objects")

    def __init__(self) -> None:
        self.nr_partial = 0
        self.partial: list[SlabPage] = []
        self.nr_slabs = 0
        self.total_objects = 0


class KmemCache:
    """``struct kmem_cache`` ([24] slub_def.h 36–70; [32] 68–112), one CPU and one node.

    Both eras: ``flags``, ``size`` (the slot: object, free pointer if moved, alignment),
    ``objsize`` (what was asked), ``offset`` (of the free pointer, in bytes), ``refcount``,
    ``ctor`` (always None here), ``inuse`` (``objsize`` word-aligned), ``align``, ``name``,
    ``local_node`` and ``cpu_slab``.  2.6.24 has the plain fields ``order`` and ``objects``
    and keeps ``align`` as asked.  2.6.32 has ``oo``, ``min`` and ``max``
    (:class:`KmemCacheOrderObjects`), ``allocflags`` and ``min_partial``, and stores the
    computed alignment in ``align``; its ``order``/``objects`` here are ``oo_order(oo)``/
    ``oo_objects(oo)``.  A field the era lacks raises AttributeError.
    """

    __slots__ = (
        "_era32",
        "_max",
        "_min",
        "_min_partial",
        "_oo",
        "align",
        "cpu_slab",
        "ctor",
        "flags",
        "inuse",
        "local_node",
        "name",
        "objsize",
        "offset",
        "refcount",
        "size",
    )

    def __init__(self, name: str, size: int, align: int, flags: int, era32: bool) -> None:
        self._era32 = era32
        self.name, self.objsize, self.flags, self.refcount, self.ctor = name, size, flags, 1, None
        self.align = align
        self.size = self.offset = self.inuse = 0
        self._oo = self._min = self._max = KmemCacheOrderObjects(0, 0)
        self._min_partial = MIN_PARTIAL
        self.local_node = KmemCacheNode()
        self.cpu_slab = KmemCacheCpu(0, size)

    def _fields32(self, name: str) -> None:
        if not self._era32:
            raise AttributeError(f"struct kmem_cache has no field {name} in 2.6.24 (it came with 2.6.25+)")

    @property
    def order(self) -> int:
        """2.6.24: ``int order``; 2.6.32: ``oo_order(s->oo)``."""
        return self._oo.order

    @property
    def objects(self) -> int:
        """2.6.24: ``int objects``; 2.6.32: ``oo_objects(s->oo)``."""
        return self._oo.objects

    @property
    def oo(self) -> KmemCacheOrderObjects:
        """2.6.32: the preferred order and objects per slab."""
        self._fields32("oo")
        return self._oo

    @property
    def min(self) -> KmemCacheOrderObjects:
        """2.6.32: the fallback, ``get_order(size)`` and its objects."""
        self._fields32("min")
        return self._min

    @property
    def max(self) -> KmemCacheOrderObjects:
        """2.6.32: the largest ``oo`` the cache ever had."""
        self._fields32("max")
        return self._max

    @property
    def allocflags(self) -> int:
        """2.6.32: GFP flags added to each slab allocation (``__GFP_COMP`` for order > 0;
        the model's page allocator has no compound pages, so it reports 0x4000 but does not pass it)."""
        self._fields32("allocflags")
        return 0x4000 if self._oo.order else 0

    @property
    def min_partial(self) -> int:
        """2.6.32: ``clamp(ilog2(size), MIN_PARTIAL, MAX_PARTIAL)`` (set_min_partial, [32] 2331/2495).
        2.6.24 has no field: every cache uses the constant ``MIN_PARTIAL`` (5)."""
        self._fields32("min_partial")
        return self._min_partial

    def __repr__(self) -> str:
        return f"<kmem_cache {self.name} size={self.size} order={self.order} objects={self.objects}>"


class Slub:
    """The SLUB allocator of one kernel: ``slab_caches``, the kmalloc caches, their slabs.

    Built after the page allocator, from which it takes whole slabs with ``alloc_pages``
    and to which it gives them back with ``__free_pages``.  A slab's first frame gets
    ``PG_slab`` and every frame of it ``page->slab`` (shown as ``mapping``), so
    ``free_pages`` refuses to free one directly.
    """

    def __init__(self, config: Config, layout: Layout, emitter: Emitter, page_alloc: PageAllocator) -> None:
        self._era32 = config.era_minor >= 28
        self._gfp_mask, self._era = gfp_bits_mask(config.era_minor), config.era
        self._layout = layout
        self._emitter = emitter
        self._page_alloc = page_alloc
        self.slab_caches: list[KmemCache] = []  # newest first (list_add)
        self._by_name: dict[str, KmemCache] = {}  # names and aliases (sysfs's view)
        self.kmalloc_caches: dict[int, KmemCache] = {}  # index (1: 96, 2: 192, 3..: 2**i)
        self._slab_of: dict[int, SlabPage] = {}  # every frame of every slab
        self._fp: dict[int, int] = {}  # the free pointer stored in each free object
        self._large: dict[int, tuple[Page, int]] = {}  # kmalloc_large: address -> (page, order)
        self._kmem_cache_init()

    # -- boot ----------------------------------------------------------------------------
    def _kmem_cache_init(self) -> None:
        """mm/slub.c:kmem_cache_init ([24] 2801, [32] 3174): kmalloc-96 and -192, then one cache
        per power of two from 8 up to 2048 (2.6.24: ``i < PAGE_SHIFT``) or 8192 (2.6.32:
        ``i < SLUB_PAGE_SHIFT``), each added at the head of ``slab_caches``.  They are
        named "kmalloc" at first and "kmalloc-%d" once slab_state is UP; the model gives the
        final names at once."""
        top = PAGE_SHIFT + 2 if self._era32 else PAGE_SHIFT
        for index, size in [(1, 96), (2, 192), *((i, 1 << i) for i in range(3, top))]:
            s = self._kmem_cache_open(f"kmalloc-{size}", size, KMALLOC_MIN_SIZE, 0)
            assert s is not None
            self.slab_caches.insert(0, s)
            self._by_name[s.name] = s
            self.kmalloc_caches[index] = s

    def boot_message(self) -> str:
        """What kmem_cache_init prints last ([24] slub.c:2877, [32] 3271): the kmalloc caches made,
        the cache line, ``slub_min_order``-``slub_max_order`` and ``slub_min_objects`` as
        set (2.6.32 prints its unset 0), one CPU, one node."""
        min_objects = 0 if self._era32 else 4
        return (
            f"SLUB: Genslabs={len(self.kmalloc_caches)}, HWalign={CACHE_LINE_SIZE}, "
            f"Order=0-{3 if self._era32 else 1}, MinObjects={min_objects}, CPUs=1, Nodes=1"
        )

    @property
    def kmalloc_max(self) -> int:
        """The largest size kmalloc takes from a cache: 2.6.24 ``PAGE_SIZE / 2`` ([24] slub.c:2520),
        2.6.32 ``SLUB_MAX_SIZE`` = ``2 * PAGE_SIZE`` ([32] slub_def.h:134)."""
        return 2 * PAGE_SIZE if self._era32 else PAGE_SIZE // 2

    # -- public --------------------------------------------------------------------------
    def kmalloc(self, size: int, gfp: int) -> int | None:
        """``void *kmalloc(size_t size, gfp_t flags)``: ``size`` bytes of lowmem (mm/slub.c:__kmalloc).

        ``size`` 0 returns ``ZERO_SIZE_PTR`` (16).  Up to the era's limit (2.6.24: 2048,
        ``PAGE_SIZE / 2`` [24] slub.c:2520; 2.6.32: 8192, ``SLUB_MAX_SIZE`` [32] slub_def.h:134, tested at slub.c:2858)
        get_slab picks ``kmalloc-N``: ``size_index`` for 1–192 (65–96 → kmalloc-96, 129–192
        → kmalloc-192, [24] 2496), else the next power of two; the object comes from
        :meth:`kmem_cache_alloc`'s path.  Larger requests take whole pages from the page
        allocator at ``get_order(size)`` (2.6.24 ``__get_free_pages``, 2.6.32
        ``kmalloc_large`` [32] slub_def.h:230), without ``PG_slab``.  Returns the object's
        address, or None (NULL) when no frames are left or the order reaches ``MAX_ORDER``.

        Refused (:class:`~vmwidgets.errors.InvalidArgument`, nothing changed): a size that
        is no ``size_t``; ``__GFP_HIGHMEM`` (the kernel BUGs: ``GFP_SLAB_BUG_MASK``, [24]
        slub.c:1086, [32] 1170); ``__GFP_DMA`` for a slab size (DMA caches are not modelled).

        >>> from vmwidgets import Kernel, GFP_KERNEL
        >>> k = Kernel()
        >>> a = k.kmalloc(100, GFP_KERNEL)          # kmalloc-128: a new slab, its first object
        >>> k.kmalloc(100, GFP_KERNEL) - a         # the next slot, from c->freelist
        128
        >>> k.kmalloc(0, GFP_KERNEL)
        16
        """
        check_int("size", size, 0, 0xFFFFFFFF, "a size_t (0 to 0xffffffff bytes)")
        self._check_gfp(gfp, slab=size <= self.kmalloc_max)
        with self._emitter.operation("kmalloc", f"size={size}, flags={gfp:#x}", _KMALLOC) as op:
            if size > self.kmalloc_max:
                addr = self._kmalloc_large(size, gfp)
            elif size == 0:
                self._emitter.emit(KmallocRouted, _GET_SLAB, size=0, cache="ZERO_SIZE_PTR", order=0)
                addr = ZERO_SIZE_PTR
            else:
                s = self.get_slab(size)
                self._emitter.emit(KmallocRouted, _GET_SLAB, size=size, cache=s.name, order=s.order)
                addr = self._slab_alloc(s, gfp)
            op.result = "NULL" if addr is None else f"{addr:#010x}"
            return addr

    def kfree(self, addr: int | None) -> None:
        """``void kfree(const void *objp)`` (mm/slub.c:kfree, [24] 2592, [32] 2957): give back what kmalloc returned.

        None (NULL) and ``ZERO_SIZE_PTR`` do nothing (``ZERO_OR_NULL_PTR``: any pointer up to
        16).  A slab object goes back to its slab (:meth:`kmem_cache_free`'s path); a
        large kmalloc's pages go back to the page allocator (``put_page``).  The kernel trusts
        the pointer: freeing twice, or an address kmalloc did not return, corrupts the
        freelist or BUGs (2.6.32: ``BUG_ON(!PageCompound)``).  The model refuses both with
        :class:`~vmwidgets.errors.NotASlabObject` before anything changes.
        """
        if addr is None:
            return
        check_int("addr", addr, 0, 0xFFFFFFFF, "an address kmalloc returned, or None")
        if addr <= ZERO_SIZE_PTR:
            return
        large = self._large.get(addr)
        sp = None if large is not None else self._object_slab(addr, None, "kfree")
        with self._emitter.operation("kfree", f"{addr:#010x}", _KFREE) as op:
            if sp is None:
                assert large is not None
                self._free_large(addr, *large)
            else:
                self._slab_free(sp.slab, sp, addr)
            op.result = "void"

    def kmem_cache_create(self, name: str, size: int, align: int = 0, flags: int = 0) -> KmemCache | None:
        """``struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align,
        unsigned long flags, ctor)`` (mm/slub.c, [24] 2945, [32] 3343), without a ctor.

        First ``find_mergeable`` ([24] 2904): an existing cache newest first with no ctor,
        the same ``SLAB_RECLAIM_ACCOUNT`` bit, a ``size`` at most 3 bytes above the new
        ``ALIGN(ALIGN(size, 4), align)`` and a multiple of the alignment is reused: its
        ``refcount`` and ``objsize`` grow and ``name`` becomes an alias (no /proc/slabinfo
        row).  Else a new cache: ``calculate_sizes`` (free pointer at offset 0, or after the
        object with ``SLAB_DESTROY_BY_RCU``; ``SLAB_HWCACHE_ALIGN`` aligns to the 64-byte
        line, 2.6.32 to the smallest half-line fraction that fits) and ``calculate_order``.
        Returns the cache, or None (NULL) when no order fits (``SLAB_PANIC`` would panic)
        or the name is taken.  The last is a deliberate simplification: in the kernel sysfs,
        which the model leaves out, decides a duplicate name, not SLUB.  A mergeable cache's
        directory has a unique id (create_unique_id, [24] 3973, [32] 4537) and its name is a
        symlink that sysfs_slab_alias ([24] 4065, [32] 4635) removes and makes again, so such
        a create succeeds (a second row of that name, or the alias moved); an unmergeable
        cache's directory makes kobject_add fail ([24] 4031, [32] 4595): NULL, 2.6.24 leaving
        the new cache on slab_caches.  The model keeps every name unique so
        :meth:`kmem_cache` finds one cache.

        Refused: a name that is no printable text, a size of 0 (SLUB would divide by zero),
        an align that is not 0 or a power of two up to 4096, flags outside
        ``SLAB_HWCACHE_ALIGN | SLAB_RECLAIM_ACCOUNT | SLAB_PANIC | SLAB_DESTROY_BY_RCU``
        (the debug flags and ``SLAB_CACHE_DMA`` are not modelled).
        """
        check_text("name", name, "a cache name", max_len=64)
        check_int("size", size, 1, 0xFFFFFFFF, "a size_t of at least 1 byte")
        check_int("align", align, 0, PAGE_SIZE, "0 or a power of two up to 4096")
        if align & (align - 1):
            raise InvalidArgument("align", align, "0 or a power of two up to 4096")
        check_int("flags", flags, 0, 0xFFFFFFFF, "SLAB_* flags")
        if flags & ~SLAB_FLAGS_ALLOWED:
            raise InvalidArgument(
                "flags",
                flags,
                "a combination of SLAB_HWCACHE_ALIGN, SLAB_RECLAIM_ACCOUNT, SLAB_PANIC, SLAB_DESTROY_BY_RCU",
            )
        with self._emitter.operation("kmem_cache_create", f'"{name}", size={size}, align={align}', _CREATE) as op:
            if name in self._by_name:
                self._emitter.emit(
                    AllocationFailed,
                    _CREATE,
                    what=f"kmem_cache_create({name})",
                    reason="sysfs already has a cache of that name",
                )
                op.result = "NULL"
                return None
            s = self._find_mergeable(size, align, flags)
            if s is not None:
                s.refcount += 1
                s.objsize = max(s.objsize, size)
                s.cpu_slab.objsize = s.objsize
                s.inuse = max(s.inuse, _align(size, SIZEOF_VOID_P))
                self._by_name[name] = s
                self._emitter.emit(
                    KmemCacheMerged, _MERGE, name=name, cache=s.name, objsize=s.objsize, refcount=s.refcount
                )
                op.result = f"{s.name} (merged)"
                return s
            s = self._kmem_cache_open(name, size, align, flags)
            if s is None:
                self._emitter.emit(
                    AllocationFailed, _CREATE, what=f"kmem_cache_create({name})", reason="no slab order fits the object"
                )
                op.result = "NULL"
                return None
            self.slab_caches.insert(0, s)
            self._by_name[name] = s
            self._emitter.emit(
                KmemCacheCreated,
                _CREATE,
                name=name,
                size=s.size,
                objsize=s.objsize,
                align=s.align,
                offset=s.offset,
                order=s.order,
                objects=s.objects,
            )
            op.result = name
            return s

    def kmem_cache_alloc(self, cache: KmemCache, gfp: int) -> int | None:
        """``void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfpflags)`` (mm/slub.c:slab_alloc,
        [24] 1542, [32] 1708): one object.

        Fast path: pop the head of ``c->freelist``.  Slow path (``__slab_alloc``, [24] 1465,
        [32] 1622): the cpu slab being exhausted is deactivated (it is full: it drops off);
        the head of the node's partial list, else a new slab from the page allocator,
        becomes the cpu slab (frozen); its whole freelist moves to ``c->freelist``, the
        first object is returned and ``page->inuse`` is set to ``objects``.  2.6.32 retries a
        failed slab allocation at ``s->min``'s order.  Returns the address or None (NULL).
        Refused: a cache not of this kernel, ``__GFP_HIGHMEM`` (BUG), ``__GFP_DMA``.
        """
        s = self._check_cache(cache)
        self._check_gfp(gfp, slab=True)
        with self._emitter.operation("kmem_cache_alloc", f"{s.name}, flags={gfp:#x}", _CACHE_ALLOC) as op:
            addr = self._slab_alloc(s, gfp)
            op.result = "NULL" if addr is None else f"{addr:#010x}"
            return addr

    def kmem_cache_free(self, cache: KmemCache, obj: int) -> None:
        """``void kmem_cache_free(struct kmem_cache *s, void *x)`` (mm/slub.c:slab_free, [24] 1650,
        [32] 1866): give an object back.

        Fast path: the object's slab is the cpu slab, so it is pushed on ``c->freelist``
        (LIFO: the next allocation returns it).  Slow path (``__slab_free``, [24] 1589, [32]
        1796): pushed on the slab's own freelist, ``inuse`` drops; a slab that was full goes
        on the partial list's tail; a slab that becomes empty is discarded at once, in
        both eras, whatever ``min_partial`` (only ``unfreeze_slab`` keeps empty slabs).
        The kernel trusts ``x``: a double free or another cache's object corrupts the
        freelist.  The model refuses both (:class:`~vmwidgets.errors.NotASlabObject`).
        """
        s = self._check_cache(cache)
        check_int("obj", obj, 0, 0xFFFFFFFF, f"an object of {s.name} not yet freed")
        sp = self._object_slab(obj, s, "kmem_cache_free")
        with self._emitter.operation("kmem_cache_free", f"{s.name}, {obj:#010x}", _CACHE_FREE) as op:
            self._slab_free(s, sp, obj)
            op.result = "void"

    def kmem_cache(self, name: str) -> KmemCache:
        """The cache named ``name`` (or aliased to it), as ``/sys/kernel/slab/<name>`` finds it
        (``/sys/slab`` in 2.6.24).  :class:`~vmwidgets.errors.InvalidArgument` for a name no cache has."""
        check_text("name", name, "a cache name", max_len=64)
        s = self._by_name.get(name)
        if s is None:
            raise InvalidArgument("name", name, f"the name of a cache ({', '.join(c.name for c in self.slab_caches)})")
        return s

    def get_slab(self, size: int) -> KmemCache:
        """mm/slub.c:get_slab (``size_t size``, [24] 2496, [32] 2833): the kmalloc cache of a
        request of 1 to the era's kmalloc limit bytes (no DMA caches)."""
        check_int("size", size, 1, self.kmalloc_max)
        if size <= 192:  # size_index[(size - 1) / 8]
            index = 1 if 64 < size <= 96 else 2 if 128 < size <= 192 else max(3, _fls(size - 1))
        else:
            index = _fls(size - 1)
        return self.kmalloc_caches[index]

    def virt_to_page(self, addr: int) -> Page:
        """``struct page *virt_to_page(void *kaddr)``: ``pfn_to_page(__pa(kaddr) >> PAGE_SHIFT)``
        (include/asm-x86/page_32.h; arch/x86/include/asm/page.h in 2.6.32).

        Only for lowmem addresses (:class:`~vmwidgets.errors.AddressError` otherwise: the
        macro would return a bogus page).  For a slab object, the frame it lies in (the
        kernel's ``virt_to_head_page`` then finds the slab's first frame)."""
        check_int("addr", addr, 0, 0xFFFFFFFF, "a lowmem kernel address")
        return self._page_alloc.page(self._layout.pa(addr) >> PAGE_SHIFT)

    def slabinfo(self) -> str:
        """/proc/slabinfo (mm/slub.c:s_show, [24] 4170, [32] 4731), version 2.1, newest cache first.

        Columns: active objects, objects, ``size`` (not objsize), objects per slab, pages per
        slab, zero tunables, then slabs twice and 0.  The cpu slab counts as full.  2.6.24
        sums ``inuse`` of partial slabs plus ``objects`` for every other slab; 2.6.32
        subtracts the free objects of partial slabs from ``total_objects``.
        """
        lines = [
            "slabinfo - version: 2.1",
            "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
            " : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>",
        ]
        for s in self.slab_caches:
            n = s.local_node
            if self._era32:
                nr_objs = n.total_objects
                active = nr_objs - sum(p.objects - p.inuse for p in n.partial)
            else:
                nr_objs = n.nr_slabs * s.objects
                active = sum(p.inuse for p in n.partial) + (n.nr_slabs - n.nr_partial) * s.objects
            lines.append(
                f"{s.name:<17} {active:6d} {nr_objs:6d} {s.size:6d} {s.objects:4d} {1 << s.order:4d}"
                f" : tunables {0:4d} {0:4d} {0:4d} : slabdata {n.nr_slabs:6d} {n.nr_slabs:6d} {0:6d}"
            )
        return "\n".join(lines) + "\n"

    # -- read-only views -------------------------------------------------------------------
    @property
    def free_pointers(self) -> dict[int, int]:
        """Every free object's stored free pointer: address -> next free object (0 for NULL). A copy."""
        return dict(self._fp)

    def slabs(self) -> Iterator[SlabPage]:
        """Every slab, by first frame."""
        seen: set[int] = set()
        for pfn in sorted(self._slab_of):
            sp = self._slab_of[pfn]
            if sp.pfn not in seen:
                seen.add(sp.pfn)
                yield sp

    def live_objects(self) -> dict[int, int]:
        """Every object handed out and not freed: address -> its slab's first pfn."""
        out: dict[int, int] = {}
        for sp in self.slabs():
            for a in sp.object_addresses():
                if a not in self._fp:
                    out[a] = sp.pfn
        return out

    @property
    def large(self) -> dict[int, int]:
        """kmalloc's page-allocator blocks: address -> order (a copy)."""
        return {a: o for a, (_, o) in self._large.items()}

    # -- checks -----------------------------------------------------------------------------
    def _check_gfp(self, gfp: int, slab: bool) -> None:
        check_int(
            "gfp",
            gfp,
            0,
            self._gfp_mask,
            f"a combination of GFP_* / __GFP_* flags (within {self._era}'s __GFP_BITS_MASK)",
        )
        if gfp & K__GFP_HIGHMEM:
            raise InvalidArgument(
                "gfp", gfp, "flags without __GFP_HIGHMEM (slab memory must be lowmem: the kernel BUGs)"
            )
        if slab and gfp & K__GFP_DMA:
            raise InvalidArgument("gfp", gfp, "flags without __GFP_DMA (the kmalloc_dma caches are not modelled)")

    def _check_cache(self, cache: object) -> KmemCache:
        if not isinstance(cache, KmemCache) or not any(c is cache for c in self.slab_caches):
            raise InvalidArgument("cache", cache, "a struct kmem_cache of this kernel (k.kmem_cache(name))")
        return cache

    def _object_slab(self, addr: int, cache: KmemCache | None, who: str) -> SlabPage:
        """The slab ``addr`` is a live object of (of ``cache`` if given), or NotASlabObject."""
        what = "an object kmalloc returned and not yet freed" if cache is None else f"a live object of {cache.name}"
        try:
            pfn = self._layout.pa(addr) >> PAGE_SHIFT
        except AddressError:
            raise NotASlabObject("addr", addr, f"{what} (this one is not in the direct map)") from None
        sp = self._slab_of.get(pfn)
        if sp is None:
            raise NotASlabObject("addr", addr, f"{what} (pfn {pfn:#x} is no slab page: PageSlab is clear)")
        off = addr - sp.address
        if off % sp.slab.size or off // sp.slab.size >= sp.objects:
            raise NotASlabObject("addr", addr, f"{what} (this one is not the start of an object of {sp.slab.name})")
        if cache is not None and sp.slab is not cache:
            raise NotASlabObject("addr", addr, f"{what} (this one belongs to {sp.slab.name})")
        if addr in self._fp:
            raise NotASlabObject("addr", addr, f"{what} (this one is free already: {who} twice)")
        return sp

    # -- kmem_cache_open and find_mergeable -------------------------------------------------
    def _kmem_cache_open(self, name: str, size: int, align: int, flags: int) -> KmemCache | None:
        """mm/slub.c:kmem_cache_open → calculate_sizes ([24] 2091, [32] 2344); None if no order fits."""
        era32 = self._era32
        s = KmemCache(name, size, align, flags, era32)
        sz = _align(size, SIZEOF_VOID_P)
        s.inuse = sz
        if flags & SLAB_DESTROY_BY_RCU:  # the object may be read after free: keep the pointer outside it
            s.offset = sz
            sz += SIZEOF_VOID_P
        al = _calculate_alignment(flags, align, size, era32)
        if era32:
            s.align = al
        s.size = sz = _align(sz, al)
        order = calculate_order(sz, era32)
        if order < 0 or (PAGE_SIZE << order) // sz == 0:
            return None
        s._oo = s._max = KmemCacheOrderObjects(order, (PAGE_SIZE << order) // sz)
        min_order = get_order(sz)
        s._min = KmemCacheOrderObjects(min_order, (PAGE_SIZE << min_order) // sz)
        s._min_partial = max(MIN_PARTIAL, min(MAX_PARTIAL, _fls(sz) - 1)) if era32 else MIN_PARTIAL
        s.cpu_slab = KmemCacheCpu(s.offset // SIZEOF_VOID_P, s.objsize)
        return s

    def _find_mergeable(self, size: int, align: int, flags: int) -> KmemCache | None:
        """mm/slub.c:find_mergeable ([24] 2904, [32] 3302)."""
        if flags & SLUB_NEVER_MERGE:
            return None
        size = _align(size, SIZEOF_VOID_P)
        align = _calculate_alignment(flags, align, size, self._era32)
        size = _align(size, align)
        for s in self.slab_caches:
            if s.flags & SLUB_NEVER_MERGE or s.refcount < 0 or s.ctor is not None:
                continue
            if size > s.size or (flags & SLUB_MERGE_SAME) != (s.flags & SLUB_MERGE_SAME):
                continue
            if s.size & ~(align - 1) != s.size or s.size - size >= SIZEOF_VOID_P:
                continue
            return s
        return None

    # -- allocation -------------------------------------------------------------------------
    def _slab_alloc(self, s: KmemCache, gfp: int) -> int | None:
        c = s.cpu_slab
        obj = c.freelist
        if obj and c.page is not None:  # the fast path
            c.freelist = self._fp.pop(obj)
            self._emitter.emit(SlabObjectAllocated, _SLAB_ALLOC, cache=s.name, addr=obj, pfn=c.page.pfn, path="fast")
            return obj
        return self._slow_alloc(s, gfp)

    def _slow_alloc(self, s: KmemCache, gfp: int) -> int | None:
        """mm/slub.c:__slab_alloc on one CPU (``node_match`` always holds)."""
        c = s.cpu_slab
        if c.page is not None:
            if c.page.freelist:
                return self._load_freelist(s, c.page)
            self._deactivate_slab(s)
        new = self._get_partial(s)
        if new is None:
            new = self._new_slab(s, gfp)
            if new is None:
                return None
            new.frozen = True  # SetSlabFrozen
        self._set_cpu_slab(s, new)
        return self._load_freelist(s, new)

    def _load_freelist(self, s: KmemCache, page: SlabPage) -> int:
        c, fp = s.cpu_slab, self._fp
        obj = page.freelist
        c.freelist = fp.pop(obj)
        count, p = 0, c.freelist
        while p:
            count += 1
            p = fp[p]
        page.inuse = page.objects  # the cpu slab counts as full
        page.freelist = 0
        c.node = 0
        self._emitter.emit(SlabFreelistLoaded, _SLOW_ALLOC, cache=s.name, pfn=page.pfn, count=count)
        self._emitter.emit(SlabObjectAllocated, _SLOW_ALLOC, cache=s.name, addr=obj, pfn=page.pfn, path="slow")
        return obj

    def _set_cpu_slab(self, s: KmemCache, page: SlabPage | None) -> None:
        c = s.cpu_slab
        old = c.page
        c.page = page
        self._emitter.emit(
            CpuSlabChanged,
            _SLOW_ALLOC if page is not None else _DEACTIVATE,
            cache=s.name,
            old=None if old is None else old.pfn,
            new=None if page is None else page.pfn,
        )

    def _get_partial(self, s: KmemCache) -> SlabPage | None:
        """mm/slub.c:get_partial → get_partial_node: the head of the partial list, frozen."""
        n = s.local_node
        if not n.partial:
            return None
        page = n.partial[0]
        self._remove_partial(s, page, _GET_PARTIAL)
        page.frozen = True
        return page

    def _new_slab(self, s: KmemCache, gfp: int) -> SlabPage | None:
        """mm/slub.c:new_slab → allocate_slab ([24] 1040/1078, [32] 1102/1163)."""
        gfp &= ~(K__GFP_DMA | K__GFP_HIGHMEM)
        orders = [s.order]
        if self._era32 and s._min.order != s.order:  # the first try is __GFP_NORETRY; then s->min
            orders.append(s._min.order)
        page = None
        order = objects = 0
        for order in orders:
            objects = (PAGE_SIZE << order) // s.size
            if order >= MAX_ORDER:
                self._emitter.emit(
                    AllocationFailed, _NEW_SLAB, what=f"new_slab({s.name})", reason=f"order {order} >= MAX_ORDER"
                )
                continue
            page = self._page_alloc.alloc_pages(gfp, order)
            if page is not None:
                break
        if page is None:
            return None
        mm = self._page_alloc.mem_map
        mm.flags[page.pfn] |= _PG_SLAB  # __SetPageSlab
        base = self._layout.va(page.pfn << PAGE_SHIFT)
        sp = SlabPage(page, order, base, objects, s)
        for pfn in range(page.pfn, page.pfn + (1 << order)):
            mm.mapping[pfn] = MAPPING_SLAB  # page->slab = s
            self._slab_of[pfn] = sp
        fp = self._fp
        addrs = sp.object_addresses()
        for a in addrs:  # thread the freelist in address order, the last one NULL
            fp[a] = a + s.size
        fp[addrs[-1]] = 0
        sp.freelist = base
        n = s.local_node
        n.nr_slabs += 1
        n.total_objects += objects
        self._emitter.emit(SlabCreated, _NEW_SLAB, cache=s.name, pfn=page.pfn, order=order, addr=base, objects=objects)
        return sp

    def _deactivate_slab(self, s: KmemCache) -> None:
        """mm/slub.c:deactivate_slab ([24] 1373, [32] 1466) then unfreeze_slab ([24] 1338, [32] 1422)."""
        c, fp = s.cpu_slab, self._fp
        page = c.page
        assert page is not None
        tail = True
        while c.freelist:  # back onto the page's freelist one by one: the order reverses
            tail = False
            obj = c.freelist
            c.freelist = fp[obj]
            fp[obj] = page.freelist
            page.freelist = obj
            page.inuse -= 1
        self._set_cpu_slab(s, None)
        page.frozen = False
        n = s.local_node
        if page.inuse:
            if page.freelist:  # 2.6.24 always at the head; 2.6.32 at the tail unless objects came back hot
                self._add_partial(s, page, tail and self._era32, _UNFREEZE)
        elif n.nr_partial < (s._min_partial if self._era32 else MIN_PARTIAL):
            self._add_partial(s, page, True, _UNFREEZE)
        else:
            self._discard_slab(s, page)

    def _add_partial(self, s: KmemCache, page: SlabPage, tail: bool, fn: str) -> None:
        n = s.local_node
        index = len(n.partial) if tail else 0
        n.partial.insert(index, page)
        n.nr_partial += 1
        self._emitter.emit(SlabPartialAdded, fn, cache=s.name, pfn=page.pfn, index=index)

    def _remove_partial(self, s: KmemCache, page: SlabPage, fn: str) -> None:
        n = s.local_node
        index = next(i for i, p in enumerate(n.partial) if p is page)
        del n.partial[index]
        n.nr_partial -= 1
        self._emitter.emit(SlabPartialRemoved, fn, cache=s.name, pfn=page.pfn, index=index)

    # -- free -------------------------------------------------------------------------------
    def _slab_free(self, s: KmemCache, page: SlabPage, obj: int) -> None:
        c, fp = s.cpu_slab, self._fp
        if page is c.page:  # the fast path (c->node >= 0 always: no debug)
            fp[obj] = c.freelist
            c.freelist = obj
            self._emitter.emit(SlabObjectFreed, _SLAB_FREE, cache=s.name, addr=obj, pfn=page.pfn, path="fast")
            return
        prior = page.freelist
        fp[obj] = prior
        page.freelist = obj
        page.inuse -= 1
        self._emitter.emit(SlabObjectFreed, _SLOW_FREE, cache=s.name, addr=obj, pfn=page.pfn, path="slow")
        if page.frozen:  # another CPU's slab: never on one CPU
            return
        if not page.inuse:
            if prior:
                self._remove_partial(s, page, _SLOW_FREE)
            self._discard_slab(s, page)
        elif not prior:
            self._add_partial(s, page, True, _SLOW_FREE)

    def _discard_slab(self, s: KmemCache, page: SlabPage) -> None:
        """mm/slub.c:discard_slab → free_slab: clear PG_slab and page->slab, free the frames."""
        n = s.local_node
        n.nr_slabs -= 1
        n.total_objects -= page.objects
        freelist, p = [], page.freelist  # its order, for the replay going back over the discard
        while p:
            freelist.append((p - page.address) // s.size)
            p = self._fp[p]
        for a in page.object_addresses():
            del self._fp[a]
        mm = self._page_alloc.mem_map
        mm.flags[page.pfn] &= ~_PG_SLAB
        for pfn in range(page.pfn, page.pfn + (1 << page.order)):
            mm.mapping[pfn] = 0
            del self._slab_of[pfn]
        self._emitter.emit(
            SlabDiscarded,
            _DISCARD,
            cache=s.name,
            pfn=page.pfn,
            order=page.order,
            addr=page.address,
            objects=page.objects,
            freelist=tuple(freelist),
        )
        self._page_alloc.free_pages(page.page, page.order)

    # -- large kmalloc ----------------------------------------------------------------------
    def _kmalloc_large(self, size: int, gfp: int) -> int | None:
        """2.6.24: __kmalloc's own ``__get_free_pages`` call; 2.6.32: kmalloc_large."""
        order = get_order(size)
        fn = _LARGE if self._era32 else _KMALLOC
        self._emitter.emit(KmallocRouted, fn, size=size, cache="", order=order)
        if order >= MAX_ORDER:  # [24] gfp.h:181, [32] page_alloc.c:1804 return NULL
            self._emitter.emit(AllocationFailed, fn, what=f"kmalloc({size})", reason=f"order {order} >= MAX_ORDER")
            return None
        page = self._page_alloc.alloc_pages(gfp, order)
        if page is None:
            return None
        for pfn in range(page.pfn, page.pfn + (1 << order)):
            self._page_alloc.mem_map.mapping[pfn] = MAPPING_KMALLOC
        addr = self._layout.va(page.pfn << PAGE_SHIFT)
        self._large[addr] = (page, order)
        return addr

    def _free_large(self, addr: int, page: Page, order: int) -> None:
        del self._large[addr]
        for pfn in range(page.pfn, page.pfn + (1 << order)):
            self._page_alloc.mem_map.mapping[pfn] = 0
        self._page_alloc.free_pages(page, order)
