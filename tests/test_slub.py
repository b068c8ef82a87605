"""kmalloc and SLUB (vmwidgets/model/slub.py) in both eras, against tests/reference/slub.py."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from typing import Any

import pytest
from helpers import check_frames, observable
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference.slub import RefSlub, geometry, kmalloc_cache_size, kmalloc_limit, kmalloc_sizes, min_partial

from vmwidgets import GFP_HIGHUSER, GFP_KERNEL, Config, InvalidArgument, Kernel, NotASlabObject, PageStateError
from vmwidgets.events import SlabCreated, SlabDiscarded
from vmwidgets.model.constants import __GFP_DMA, PG_slab
from vmwidgets.model.slub import (
    SLAB_DESTROY_BY_RCU,
    SLAB_HWCACHE_ALIGN,
    SLAB_PANIC,
    SLAB_RECLAIM_ACCOUNT,
    ZERO_SIZE_PTR,
    KmemCache,
)

ERAS = ["2.6.24", "2.6.32"]
CONFIGS = [Config(era=e, pae=p, ram=256 << 20) for e in ERAS for p in (False, True)]


def _kernel(era: str, pae: bool = False, record: bool = True) -> Kernel:
    return Kernel(Config(era=era, pae=pae, ram=256 << 20), record=record)


# -- geometry -------------------------------------------------------------------------------------
# (order, objects) of each kmalloc cache, by hand from mm/slub.c:calculate_order (24: 1770-1812;
# 32: 1996-2044) and slab_order (24: 1744-1768; 32: 1967-1994): slub_max_order 1 (24: 157, 1710)
# or 3 (32: 1933), at least 4 objects (24: 158) or min(8, what order 3 holds) (32: 2013-2015), waste
# at most 1/8 then 1/4 (24: 1786) or 1/16, 1/8, 1/4 (32: 2018); objects = (PAGE_SIZE << order) / size
# (24: 2186; 32: oo_make 304-312).  E.g. 2.6.32's kmalloc-1024: order 0 holds 4 < 8, order 1 holds 8
# with no waste; 2.6.24's kmalloc-2048: order 0 holds 2 < 4, order 1 holds 4.
TABLE = {
    "2.6.24": {8: (0, 512), 16: (0, 256), 32: (0, 128), 64: (0, 64), 96: (0, 42), 128: (0, 32), 192: (0, 21),
               256: (0, 16), 512: (0, 8), 1024: (0, 4), 2048: (1, 4)},
    "2.6.32": {8: (0, 512), 16: (0, 256), 32: (0, 128), 64: (0, 64), 96: (0, 42), 128: (0, 32), 192: (0, 21),
               256: (0, 16), 512: (0, 8), 1024: (1, 8), 2048: (2, 8), 4096: (3, 8), 8192: (3, 4)},
}  # fmt: skip


@pytest.mark.parametrize("era", ERAS)
def test_the_kmalloc_caches_of_each_era(era: str) -> None:
    k = _kernel(era, record=False)
    names = [c.name for c in k.slub.slab_caches]
    top = 2048 if era == "2.6.24" else 8192
    expect = [f"kmalloc-{1 << i}" for i in range(top.bit_length() - 1, 2, -1)] + ["kmalloc-192", "kmalloc-96"]
    assert names == expect  # newest first: list_add at the head
    for size, (order, objects) in TABLE[era].items():
        c = k.kmem_cache(f"kmalloc-{size}")
        assert (c.size, c.objsize, c.offset, c.order, c.objects) == (size, size, 0, order, objects)
        assert geometry(size, era) == (size, order, objects)  # the reference agrees with the table


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize(
    "size", [1, 3, 7, 8, 12, 20, 24, 33, 52, 100, 120, 200, 300, 700, 1500, 2000, 3000, 5000, 8000]
)
def test_cache_geometry_matches_the_reference(era: str, size: int) -> None:
    k = _kernel(era, record=False)
    c = k.kmem_cache_create(f"c{size}", size, 0, SLAB_DESTROY_BY_RCU)  # never merged
    assert c is not None
    slot = (size + 3) // 4 * 4 + 4
    ref_slot, order, objects = geometry(slot, era)
    assert (c.size, c.order, c.objects, c.offset) == (ref_slot, order, objects, (size + 3) // 4 * 4)


@pytest.mark.parametrize("era", ERAS)
def test_every_size_goes_to_the_reference_cache(era: str) -> None:
    k = _kernel(era, record=False)
    for size in range(1, kmalloc_limit(era) + 1):
        assert k.slub.get_slab(size).name == f"kmalloc-{kmalloc_cache_size(size)}", size
    assert k.slub.get_slab(100).name == "kmalloc-128"
    assert k.slub.get_slab(193).name == "kmalloc-256"
    assert k.slub.get_slab(65).name == "kmalloc-96"


def test_struct_kmem_cache_fields_per_era() -> None:
    old, new = _kernel("2.6.24", record=False), _kernel("2.6.32", record=False)
    c24 = old.kmem_cache("kmalloc-128")
    with pytest.raises(AttributeError):
        c24.oo  # noqa: B018  2.6.24 has int order, int objects
    with pytest.raises(AttributeError):
        c24.min_partial  # noqa: B018  the constant MIN_PARTIAL instead
    c32 = new.kmem_cache("kmalloc-1024")
    assert c32.oo.x == (1 << 16) | 8 and (c32.order, c32.objects) == (1, 8)
    assert (c32.min.order, c32.min.objects) == (0, 4)  # s->min: get_order(size)
    assert c32.allocflags & 0x4000  # __GFP_COMP for order > 0
    for size in kmalloc_sizes("2.6.32"):
        assert new.kmem_cache(f"kmalloc-{size}").min_partial == min_partial(size, "2.6.32")
    assert [new.kmem_cache(f"kmalloc-{s}").min_partial for s in (8, 64, 128, 1024)] == [5, 6, 7, 10]


# -- three kmallocs of 100 bytes ----------------------------------------------------------------------
# mm/slub.c: get_slab's size_index sends 97-128 to kmalloc-128 (24: 2504; 32: 2841); the first call
# finds no cpu slab and takes a new one (__slab_alloc new_slab: 24: 1495-1519; 32: 1659-1687), the
# next ones pop c->freelist (slab_alloc 24: 1556-1557; 32: 1732-1733), a freed cpu-slab object is
# pushed on it (slab_free 24: 1660-1662; 32: 1880-1882); s_show counts the cpu slab as full
# (24: 4193; 32: 4751-4755, inuse = objects at 24: 1486, 32: 1648).
@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: f"{c.era}-{'pae' if c.pae else 'nopae'}")
def test_three_kmallocs_of_100_bytes(cfg: Config) -> None:
    k = Kernel(cfg)
    s = k.kmalloc(100, GFP_KERNEL)
    assert s is not None and s % 4096 == 0
    assert [k.kmalloc(100, GFP_KERNEL) for _ in range(2)] == [s + 0x80, s + 0x100]
    page = k.virt_to_page(s)
    assert page.zone in ("Normal", "DMA") and page.flags & (1 << PG_slab)
    row = next(line for line in k.slabinfo().splitlines() if line.startswith("kmalloc-128 "))
    assert row.split() == "kmalloc-128 32 32 128 32 1 : tunables 0 0 0 : slabdata 1 1 0".split()
    k.kfree(s + 0x80)
    assert k.kmalloc(100, GFP_KERNEL) == s + 0x80  # LIFO c->freelist
    assert k.kmalloc(0, GFP_KERNEL) == ZERO_SIZE_PTR
    k.kfree(ZERO_SIZE_PTR)
    k.kfree(None)
    assert k.timeline.head == k.view_state()


@pytest.mark.parametrize("era", ERAS)
def test_a_full_slab_drops_off_and_returns_through_the_partial_tail(era: str) -> None:
    k = _kernel(era)
    first = [k.kmalloc(100, GFP_KERNEL) for _ in range(32)]
    second = k.kmalloc(100, GFP_KERNEL)  # slab 2; slab 1, full, is on no list
    c = k.kmem_cache("kmalloc-128")
    assert c.cpu_slab.page is not None and c.cpu_slab.page.address == second
    assert c.local_node.partial == []
    k.kfree(first[5])
    k.kfree(first[9])
    assert [p.address for p in c.local_node.partial] == [first[0]]
    assert c.local_node.partial[0].freelist == first[9]  # the slab's own freelist is LIFO too
    for a in first:
        if a not in (first[5], first[9]):
            k.kfree(a)
    assert c.local_node.partial == [] and c.local_node.nr_slabs == 1  # emptied: discarded at once
    check_frames(k)


@pytest.mark.parametrize("era", ERAS)
def test_large_kmalloc_goes_to_the_page_allocator(era: str) -> None:
    k = _kernel(era)
    before = k.buddyinfo()
    a = k.kmalloc(3000, GFP_KERNEL)
    assert a is not None
    if era == "2.6.24":
        assert k.slub.large == {a: 0} and not k.virt_to_page(a).flags & (1 << PG_slab)
    else:
        assert k.slub.large == {} and k.kmem_cache("kmalloc-4096").local_node.nr_slabs == 1
    b = k.kmalloc(8193, GFP_KERNEL)
    assert b is not None and k.slub.large[b] == 2
    with pytest.raises(PageStateError):
        k.free_pages(k.virt_to_page(b), 2)  # kfree it, not free_pages
    k.kfree(b)
    assert k.kmalloc(8 << 20, GFP_KERNEL) is None  # order 11 >= MAX_ORDER: NULL
    if era == "2.6.24":
        k.kfree(a)
        assert k.buddyinfo() == before
    check_frames(k)


@pytest.mark.parametrize("era", ERAS)
def test_free_pages_refuses_a_slab_page(era: str) -> None:
    k = _kernel(era)
    a = k.kmalloc(2000, GFP_KERNEL)  # kmalloc-2048: an order-1 or order-2 slab
    page = k.virt_to_page(a)
    order = k.kmem_cache("kmalloc-2048").order
    before = observable(k)
    with pytest.raises(PageStateError, match="slab"):
        k.free_pages(page, order)
    assert observable(k) == before


# -- kmem_cache_create ----------------------------------------------------------------------------
@pytest.mark.parametrize("era", ERAS)
def test_kmem_cache_create_merges_and_aligns(era: str) -> None:
    k = _kernel(era)
    c = k.kmem_cache_create("my_obj", 52)
    assert c is not None and (c.size, c.objsize, c.offset, c.objects) == (56, 52, 0, 73)
    assert k.slabinfo().splitlines()[2].startswith("my_obj ")  # the newest cache is the first row
    alias = k.kmem_cache_create("my_alias", 61)
    assert alias is k.kmem_cache("kmalloc-64") and alias.refcount == 2
    assert k.kmem_cache("my_alias") is alias and "my_alias" not in k.slabinfo()
    hw = k.kmem_cache_create("hw", 100, 0, SLAB_HWCACHE_ALIGN)
    assert hw is k.kmem_cache("kmalloc-128")  # 100 aligned to the 64-byte line is 128
    assert k.kmem_cache_create("my_obj", 52) is None  # the name is taken: NULL
    rcu = k.kmem_cache_create("rcu", 52, 0, SLAB_DESTROY_BY_RCU)
    assert rcu is not None and rcu.offset == 52 and rcu.size == 56  # the free pointer after the object
    obj = k.kmem_cache_alloc(c, GFP_KERNEL)
    assert obj is not None
    with pytest.raises(NotASlabObject):
        k.kmem_cache_free(rcu, obj)  # another cache's object
    k.kmem_cache_free(c, obj)
    assert k.timeline.head == k.view_state()


@pytest.mark.parametrize("era", ERAS)
def test_align_is_kept_in_2_6_24_and_computed_in_2_6_32(era: str) -> None:
    k = _kernel(era, record=False)
    c = k.kmem_cache_create("a", 20, 0, SLAB_DESTROY_BY_RCU)
    assert c is not None and c.size == 24
    assert c.align == (8 if era == "2.6.32" else 0)


# -- refusals ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("era", ERAS)
def test_bad_frees_and_bad_arguments_change_nothing(era: str) -> None:
    k = _kernel(era)
    a = k.kmalloc(40, GFP_KERNEL)
    k.kfree(k.kmalloc(40, GFP_KERNEL))
    freed = a + 64
    v = k.vmalloc(4096)
    before = observable(k)
    for bad in (freed, a + 8, v, k.layout.page_offset + 0x100000, 0x08048000):
        with pytest.raises(NotASlabObject):
            k.kfree(bad)
    for call, args in [
        (k.kmalloc, (-1, GFP_KERNEL)),
        (k.kmalloc, (1 << 32, GFP_KERNEL)),
        (k.kmalloc, (100, GFP_HIGHUSER)),
        (k.kmalloc, (100, __GFP_DMA)),
        (k.kmalloc, (True, GFP_KERNEL)),
        (k.kmem_cache, ("no-such-cache",)),
        (k.kmem_cache_create, ("x", 0)),
        (k.kmem_cache_create, ("x\n", 8)),
        (k.kmem_cache_create, ("x", 8, 3)),
        (k.kmem_cache_create, ("x", 8, 0, 0x800)),
        (k.kmem_cache_alloc, ("kmalloc-8", GFP_KERNEL)),
        (k.kmem_cache_alloc, (Kernel(record=False).kmem_cache("kmalloc-8"), GFP_KERNEL)),
        (k.kmem_cache_free, (k.kmem_cache("kmalloc-32"), a)),  # a is kmalloc-64's
        (k.virt_to_page, (v,)),
    ]:
        with pytest.raises(InvalidArgument):
            call(*args)
    assert observable(k) == before


# -- against the reference -----------------------------------------------------------------------
_FLAGS = (0, 0, 0, SLAB_HWCACHE_ALIGN, SLAB_RECLAIM_ACCOUNT, SLAB_DESTROY_BY_RCU, SLAB_HWCACHE_ALIGN | SLAB_PANIC)


class _Run:
    """One model kernel and one RefSlub fed the same calls; the page allocator is the model's.

    ``new_frames`` hands the reference the frames the model's slab or large kmalloc got at this
    very step, in order, if the order matches; when the model got none of that order the
    reference is told the page allocator refused, which is checked against the free lists as
    they were before the step (the model's page allocator has no watermarks: a request fails
    exactly when no free block of that order or more is in ZONE_NORMAL or ZONE_DMA)."""

    def __init__(self, cfg: Config) -> None:
        self.k = k = Kernel(cfg, record=False)
        self.got: list[tuple[int, int]] = []  # (address, order) the model took this step
        self.discards: list[int] = []
        self.free_before: dict[str, list[int]] = {}
        self.refusals = 0
        self.saw_partial = False

        def watch(ev: object) -> None:
            if isinstance(ev, SlabCreated):
                self.got.append((ev.addr, ev.order))
            elif isinstance(ev, SlabDiscarded):
                self.discards.append(ev.addr)

        k.subscribe(watch)
        self.ref = RefSlub(cfg.era, self._new_frames)

    def _new_frames(self, order: int) -> int | None:
        if self.got and self.got[0][1] == order:
            return self.got.pop(0)[0]
        lowmem = [n for z, free in self.free_before.items() if z in ("Normal", "DMA") for n in free[order:]]
        assert not any(lowmem), f"the model refused an order-{order} block the free lists had"
        self.refusals += 1
        return None

    def step(self, model: Callable[..., Any], ref: Callable[..., Any], *args: Any) -> tuple[Any, Any]:
        """``model(*args)`` then ``ref(*args)``; a KmemCache first argument becomes the reference's cache."""
        self.free_before = {z.name: [fa.nr_free for fa in z.free_area] for z in self.k.zones}
        self.got.clear()
        m = model(*args)
        if isinstance(m, int) and m in self.k.slub.large:
            self.got.append((m, self.k.slub.large[m]))
        if args and isinstance(args[0], KmemCache):
            args = (self.ref.names[args[0].name], *args[1:])
        r = ref(*args)
        assert not self.got, f"the model took frames the reference did not ask for: {self.got}"
        assert self.discards == self.ref.discarded
        return m, r

    def check(self) -> None:
        k, ref = self.k, self.ref
        assert k.slabinfo() == ref.slabinfo()
        self.saw_partial |= any(c.partial for c in ref.slab_caches)
        for c in ref.slab_caches:
            mc = k.kmem_cache(c.name)
            assert [p.address for p in mc.local_node.partial] == [p.base for p in c.partial], c.name
            assert (mc.cpu_slab.page.address if mc.cpu_slab.page else None) == (c.cpu.base if c.cpu else None)
        assert k.slub.large == ref.large


def _random_run(cfg: Config, seed: int, steps: int, hog: bool = False) -> _Run:
    """kmalloc (0, small, every cache, large, too large), kfree (also of NULL and ZERO_SIZE_PTR),
    kmem_cache_create (sizes, aligns, flags: merges and new caches), kmem_cache_alloc/free on
    them; the whole /proc/slabinfo text, partial lists and cpu slabs every few steps.  ``hog``:
    lowmem is first filled with order-0 pages, 30% given back, and more given back as it goes,
    so slabs above order 0 often fail (2.6.32 falls back to s->min's order)."""
    run = _Run(cfg)
    k, ref = run.k, run.ref
    rng = random.Random(seed)
    limit = kmalloc_limit(cfg.era)
    hogs = []
    if hog:
        while (p := k.alloc_pages(GFP_KERNEL)) is not None:
            hogs.append(p)
        rng.shuffle(hogs)
        for _ in range(len(hogs) * 3 // 10):
            k.free_pages(hogs.pop())
    live: list[int] = []  # kmalloc'ed
    objs: list[tuple[str, int]] = []  # (cache name, object) from kmem_cache_alloc
    names: list[str] = []
    for i in range(steps):
        r = rng.random()
        if r < 0.30 or (r < 0.45 and not live):
            size = rng.choice(
                (rng.randint(1, 200), rng.randint(1, limit), rng.randint(1, limit), rng.randint(limit + 1, 40000),
                 100, 32, 0, rng.choice((8 << 20, 5 << 20)) if rng.random() < 0.05 else 64)
            )  # fmt: skip
            m, a = run.step(lambda n: k.kmalloc(n, GFP_KERNEL), ref.kmalloc, size)
            assert m == a, (i, size)
            if m is not None and m != ZERO_SIZE_PTR:
                live.append(m)
        elif r < 0.45:
            addr = live.pop(rng.randrange(len(live)))
            run.step(k.kfree, ref.kfree, addr)
        elif r < 0.48:
            for x in (None, ZERO_SIZE_PTR):
                run.step(k.kfree, ref.kfree, x)
        elif r < 0.53:
            name = f"c{i}"
            size = rng.choice(
                (rng.randint(1, 300), rng.randint(1, 5000), rng.randint(1, 70000), rng.choice((24, 52, 61, 100)))
            )
            if rng.random() < 0.02:
                size = rng.randint(3 << 20, 6 << 20)
            align = rng.choice((0, 0, 0, 4, 8, 16, 32, 64, 128, 4096))
            flags = rng.choice(_FLAGS)
            m, c = run.step(k.kmem_cache_create, ref.kmem_cache_create, name, size, align, flags)
            assert (m is None) == (c is None), (name, size, align, flags)
            if m is not None and c is not None:
                names.append(name)
                fields = (m.name, m.size, m.objsize, m.offset, m.inuse, m.align, m.order, m.objects, m.refcount)
                assert fields == (c.name, c.size, c.objsize, c.offset, c.inuse, c.align, c.order, c.objects, c.refcount)
                if cfg.era == "2.6.32":
                    assert (m.min.order, m.min.objects, m.min_partial) == (
                        c.min_order,
                        c.min_objects,
                        min_partial(c.size, cfg.era),
                    )
        elif r < 0.75 and names:
            name = rng.choice(names)
            m, a = run.step(lambda c: k.kmem_cache_alloc(c, GFP_KERNEL), ref.kmem_cache_alloc, k.kmem_cache(name))
            assert m == a, (i, name)
            if m is not None:
                objs.append((name, m))
        elif r < 0.95 and objs:
            name, addr = objs.pop(rng.randrange(len(objs)))
            run.step(k.kmem_cache_free, ref.kmem_cache_free, k.kmem_cache(name), addr)
        elif hogs:
            page = hogs.pop()
            k.free_pages(page)
        if i % 5 == 0:
            run.check()
    run.check()
    return run


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: f"{c.era}-{'pae' if c.pae else 'nopae'}")
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_seeded_kmalloc_kfree_sequences_match_the_reference(cfg: Config, seed: int) -> None:
    run = _random_run(cfg, seed, 1500)
    k, ref = run.k, run.ref
    assert len(ref.discarded) > 3 and ref.freed_large, "the sequence made and discarded slabs and large blocks"
    assert run.saw_partial, "some partial list was not empty"
    assert any(c.refcount > 1 for c in ref.slab_caches), "some cache was merged"
    assert any(c.name[0] == "c" and c.refcount == 1 for c in ref.slab_caches), "some cache is new"
    check_frames(k)


@pytest.mark.parametrize("cfg", [Config(era=c.era, pae=c.pae, ram=32 << 20) for c in CONFIGS],
                         ids=lambda c: f"{c.era}-{'pae' if c.pae else 'nopae'}")  # fmt: skip
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_seeded_sequences_under_memory_pressure_match_the_reference(cfg: Config, seed: int) -> None:
    run = _random_run(cfg, seed, 900, hog=True)
    assert run.refusals, "the page allocator refused some order"
    if cfg.era == "2.6.32":
        small = [c for c in run.ref.slab_caches if c.order != c.min_order and c.nr_slabs]
        assert small, "some slab was cut at s->min's order"
    check_frames(run.k)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    era=st.sampled_from(ERAS),
    ops=st.lists(st.tuples(st.booleans(), st.integers(0, 9000), st.integers(0, 10**6)), max_size=120),
)
def test_objects_never_overlap_and_nothing_leaks(era: str, ops: list[tuple[bool, int, int]]) -> None:
    k = _kernel(era, record=False)
    before = dict(k.alloc_order)
    live: dict[int, int] = {}
    for alloc, size, pick in ops:
        if alloc or not live:
            a = k.kmalloc(size, GFP_KERNEL)
            assert a is not None
            if size:
                live[a] = size
        else:
            a = sorted(live)[pick % len(live)]
            del live[a]
            k.kfree(a)
        spans = sorted((a, a + n) for a, n in live.items())
        assert all(x[1] <= y[0] for x, y in itertools.pairwise(spans)), "objects overlap"
        for a in live:
            if a not in k.slub.large:
                slab = k.slub.live_objects()[a]
                assert k.virt_to_page(a).pfn >= slab
    assert set(k.slub.live_objects()) == {a for a in live if a not in k.slub.large}
    for a in list(live):
        k.kfree(a)
    check_frames(k)
    cpu = {c.cpu_slab.page.pfn for c in k.slub.slab_caches if c.cpu_slab.page is not None}
    assert {sp.pfn for sp in k.slub.slabs()} == cpu  # only the cpu slabs stay, every object free
    assert k.slub.live_objects() == {} and k.slub.large == {}
    assert set(k.alloc_order) == set(before) | cpu


@pytest.mark.parametrize(
    ("era", "line"),
    [
        ("2.6.24", "SLUB: Genslabs=11, HWalign=64, Order=0-1, MinObjects=4, CPUs=1, Nodes=1"),
        ("2.6.32", "SLUB: Genslabs=13, HWalign=64, Order=0-3, MinObjects=0, CPUs=1, Nodes=1"),
    ],
)
def test_kmem_cache_init_prints_its_line_after_the_memory_layout(era: str, line: str) -> None:
    lines = _kernel(era, record=False).dmesg().splitlines()
    assert lines[-1] == line and lines[-2].lstrip().startswith(".text")


@pytest.mark.parametrize("pae", [False, True])
def test_2_6_32_falls_back_to_s_min_when_the_preferred_order_fails(pae: bool) -> None:
    run = _Run(Config(era="2.6.32", pae=pae, ram=64 << 20))
    k, ref = run.k, run.ref
    for order in range(10, 0, -1):  # leave only single free frames in lowmem
        while k.alloc_pages(GFP_KERNEL, order) is not None:
            pass
    a, ra = run.step(lambda n: k.kmalloc(n, GFP_KERNEL), ref.kmalloc, 1000)
    assert a is not None and a == ra  # kmalloc-1024 prefers order 1 (8 objects); s->min is order 0
    assert run.refusals == 1  # the reference asked for order 1, was refused, then asked for order 0
    slab = k.kmem_cache("kmalloc-1024").cpu_slab.page
    assert slab is not None and (slab.order, slab.objects) == (0, 4)
    assert [run.step(lambda n: k.kmalloc(n, GFP_KERNEL), ref.kmalloc, 1000)[0] - a for _ in range(3)] == [
        1024,
        2048,
        3072,
    ]
    row = next(x for x in k.slabinfo().splitlines() if x.startswith("kmalloc-1024 ")).split()
    assert row[1:6] == ["4", "4", "1024", "8", "2"]  # total_objects counts page->objects; the row shows oo
    run.check()  # the whole slabinfo text, partial lists, cpu slabs


@pytest.mark.parametrize("pae", [False, True])
def test_2_6_24_has_no_fallback(pae: bool) -> None:
    run = _Run(Config(era="2.6.24", pae=pae, ram=64 << 20))
    k, ref = run.k, run.ref
    for order in range(10, 0, -1):
        while k.alloc_pages(GFP_KERNEL, order) is not None:
            pass
    kmalloc = lambda n: k.kmalloc(n, GFP_KERNEL)  # noqa: E731
    assert run.step(kmalloc, ref.kmalloc, 2000) == (None, None)  # kmalloc-2048 needs order 1
    assert run.step(kmalloc, ref.kmalloc, 5000) == (None, None)  # a large kmalloc of order 1
    assert run.refusals == 2
    assert run.step(kmalloc, ref.kmalloc, 3000)[0] is not None  # large from 2049 on: order 0 is there
    assert run.step(kmalloc, ref.kmalloc, 1000)[0] is not None  # kmalloc-1024 is order 0 in 2.6.24
    run.check()
