"""Random sequences of vmalloc, vfree, vmap, vunmap, ioremap, iounmap, alloc_pages, free_pages,
kmap, kunmap, kmap_atomic, kunmap_atomic, kmalloc, kfree, kmem_cache_create, kmem_cache_alloc
and kmem_cache_free keep every invariant after every step, and freeing everything restores boot
(only the page tables vmalloc built and the empty cpu slabs stay, as in the kernel)."""

from __future__ import annotations

import itertools

import pytest
from helpers import check_frames, check_timeline, check_vmlist
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, initialize, invariant, rule

from vmwidgets import (
    GFP_DMA,
    GFP_HIGHUSER,
    GFP_KERNEL,
    KM_USER0,
    KM_USER1,
    VM_IOREMAP,
    VM_VPAGES,
    Config,
    Kernel,
    PageStateError,
)
from vmwidgets.model.constants import PAGE_SHIFT, PAGE_SIZE
from vmwidgets.model.rbtree import validate_rbtree
from vmwidgets.model.validate import validate_struct_pages

CONFIGS = [
    Config(ram=48 << 20),  # small: out-of-memory paths are reachable
    Config(ram=64 << 20, pae=True, era="2.6.32"),
    Config(ram=40 << 20, vmalloc_reserve=64 << 20, pse=False),
    # a large vmalloc= leaves little lowmem: most of the 64 MB is highmem, so kmap uses the pkmap
    Config(ram=64 << 20, vmalloc_reserve=1000 << 20),
    Config(ram=64 << 20, vmalloc_reserve=990 << 20, pae=True, era="2.6.32"),
]
CACHE_NAMES = ["task_struct", "dentry", "inode_cache", "my_cache", "buffer_head", "bio"]


class KernelMachine(RuleBasedStateMachine):
    vm = Bundle("vm")
    io = Bundle("io")
    pages = Bundle("pages")
    maps = Bundle("maps")
    objs = Bundle("objs")
    caches = Bundle("caches")

    def __init__(self) -> None:
        super().__init__()
        self.k: Kernel = None  # type: ignore[assignment]
        self.mapped: dict[int, list[int]] = {}
        self.in_vmap: set[int] = set()
        self.kmapped: dict[int, tuple[object, int]] = {}  # pfn -> (page, kmaps not yet kunmapped)
        self.atomic: dict[int, tuple[int, int]] = {}  # km_type -> (address, pfn)
        self.live: dict[int, tuple[int, object]] = {}  # object address -> (size, cache or None for kmalloc)

    @initialize(cfg=st.sampled_from(CONFIGS))
    def boot(self, cfg: Config) -> None:
        self.k = Kernel(cfg, checkpoint_every=64)
        self.boot_free = {(z.index, o): fa.free_list[:] for z in self.k.zones for o, fa in enumerate(z.free_area)}
        self.boot_tables = set(self.k.page_tables)
        self.boot_alloc = dict(self.k.alloc_order)

    @rule(target=vm, size=st.integers(1, 3 << 20))
    def vmalloc(self, size: int) -> int | None:
        return self.k.vmalloc(size)

    @rule(addr=consumes(vm))
    def vfree(self, addr: int | None) -> None:
        self.k.vfree(addr)

    @rule(target=pages, gfp=st.sampled_from([GFP_KERNEL, GFP_HIGHUSER, GFP_HIGHUSER, GFP_DMA]), order=st.integers(0, 4))
    def alloc_pages(self, gfp: int, order: int):
        page = self.k.alloc_pages(gfp, order)
        return None if page is None else (page, order)

    def _pinned(self, pfn: int) -> bool:
        return pfn in self.in_vmap or pfn in self.kmapped or any(p == pfn for _, p in self.atomic.values())

    @rule(block=consumes(pages))
    def free_pages(self, block) -> None:
        if block is not None and not self._pinned(block[0].pfn):
            self.k.free_pages(*block)

    # -- highmem.py: kmap / kunmap / kmap_atomic / kunmap_atomic --------------------------------
    @rule(block=pages)
    def kmap(self, block) -> None:
        if block is None or block[0].stale or block[0].count == 0:
            return
        page = block[0]
        addr = self.k.kmap(page)
        if addr is None:  # every slot in use: the kernel would sleep
            return
        assert self.k.translate(addr).phys == page.phys_addr
        _, n = self.kmapped.get(page.pfn, (page, 0))
        self.kmapped[page.pfn] = (page, n + 1)

    @rule(target=pages)
    def alloc_highpage_and_kmap(self):
        """The common pairing (a user page copied through kmap): makes pkmap slots busy often enough."""
        page = self.k.alloc_pages(GFP_HIGHUSER, 0)
        if page is None:
            return None
        self.kmap((page, 0))
        return (page, 0)

    @rule(data=st.data())
    def kunmap(self, data: st.DataObject) -> None:
        if not self.kmapped:
            return
        pfn = data.draw(st.sampled_from(sorted(self.kmapped)))
        page, n = self.kmapped[pfn]
        self.k.kunmap(page)
        if n == 1:
            del self.kmapped[pfn]
        else:
            self.kmapped[pfn] = (page, n - 1)

    @rule(block=pages, km_type=st.sampled_from([KM_USER0, KM_USER1]))
    def kmap_atomic(self, block, km_type: int) -> None:
        if block is None or block[0].stale or block[0].count == 0 or km_type in self.atomic:
            return
        addr = self.k.kmap_atomic(block[0], km_type)
        assert self.k.translate(addr).phys == block[0].phys_addr
        self.atomic[km_type] = (addr, block[0].pfn)

    @rule(km_type=st.sampled_from([KM_USER0, KM_USER1]))
    def kunmap_atomic(self, km_type: int) -> None:
        if km_type in self.atomic:
            addr, _ = self.atomic.pop(km_type)
            self.k.kunmap_atomic(addr, km_type)

    # -- slub.py: kmalloc / kfree / kmem_cache_* ------------------------------------------------
    @rule(target=objs, size=st.one_of(st.integers(0, 300), st.integers(0, 20000)))
    def kmalloc(self, size: int) -> int | None:
        addr = self.k.kmalloc(size, GFP_KERNEL)
        if addr is not None and size:
            assert addr not in self.live
            self.live[addr] = (size, None)
        return addr if size else None  # kmalloc(0) is ZERO_SIZE_PTR: nothing to free

    @rule(
        target=caches,
        name=st.sampled_from(CACHE_NAMES),
        size=st.integers(1, 3000),
        align=st.sampled_from([0, 8, 64, 256]),
    )
    def kmem_cache_create(self, name: str, size: int, align: int):
        return self.k.kmem_cache_create(name, size, align)

    @rule(target=objs, cache=caches)
    def kmem_cache_alloc(self, cache) -> int | None:
        if cache is None:
            return None
        addr = self.k.kmem_cache_alloc(cache, GFP_KERNEL)
        if addr is not None:
            assert addr not in self.live
            self.live[addr] = (cache.objsize, cache)
        return addr

    @rule(addr=consumes(objs))
    def free_object(self, addr: int | None) -> None:
        if addr is None:
            return
        _, cache = self.live.pop(addr)
        if cache is None:
            self.k.kfree(addr)
        else:
            self.k.kmem_cache_free(cache, addr)

    @rule(target=maps, blocks=st.lists(pages, min_size=1, max_size=4, unique_by=lambda b: id(b)))
    def vmap(self, blocks):
        chosen = [b[0] for b in blocks if b is not None and b[1] == 0 and b[0].pfn not in self.in_vmap]
        if not chosen:
            return None
        addr = self.k.vmap(chosen)
        if addr is not None:
            self.mapped[addr] = [p.pfn for p in chosen]
            self.in_vmap.update(self.mapped[addr])
        return addr

    @rule(addr=consumes(maps))
    def vunmap(self, addr: int | None) -> None:
        if addr is not None:
            self.k.vunmap(addr)
            self.in_vmap.difference_update(self.mapped.pop(addr))

    @rule(
        target=io, phys=st.sampled_from([0xFEC00000, 0xE0001234, 0xFED00000, 0x000A0000]), size=st.integers(1, 1 << 20)
    )
    def ioremap(self, phys: int, size: int) -> int | None:
        return self.k.ioremap(phys, size)

    @rule(addr=consumes(io))
    def iounmap(self, addr: int | None) -> None:
        if addr is not None:
            self.k.iounmap(addr)

    @rule(data=st.data())
    def free_a_frame_in_use(self, data: st.DataObject) -> None:
        """free_pages of a page table, a vmalloc, vmapped or kmapped page or a slab: refused, nothing changes."""
        k = self.k
        in_use = set(k.table_meta) | self.in_vmap | {p.pfn for a in k.vmlist or () if a.pages for p in a.pages}
        in_use |= {sp.pfn for sp in k.slub.slabs()} | {p for p in self.kmapped if p >= k.layout.max_low_pfn}
        pfn = data.draw(st.sampled_from(sorted(p for p in in_use if p < len(k.mem_map))))
        before, n, counts = k.view_state(), len(k.timeline), k.mem_map.count.tolist()
        with pytest.raises(PageStateError):
            k.free_pages(k.page(pfn), k.alloc_order.get(pfn, 0))
        assert k.view_state() == before and len(k.timeline) == n and k.mem_map.count.tolist() == counts

    @invariant()
    def consistent(self) -> None:
        if self.k.config.era_minor >= 28:  # the vmap_area tree and list agree with vmlist
            validate_rbtree(self.k.vmap_area_root, key=lambda n: n.owner.va_start)
            assert [n.owner for n in self.k.vmap_area_root] == list(self.k.vmap_area_list)
        check_frames(self.k)
        validate_struct_pages(self.k)
        check_vmlist(self.k, self.mapped)
        self.check_pkmap()
        self.check_slab_objects()
        check_timeline(self.k)

    def check_pkmap(self) -> None:
        """Each pkmap slot's count is 0 exactly when its PTE is clear; a count n >= 2 is n - 1 kmaps."""
        k = self.k
        if k.layout.pkmap_base is None:
            return
        users: dict[int, int] = {}
        for pfn, (page, n) in self.kmapped.items():
            if pfn >= k.layout.max_low_pfn:
                addr = k.page_address(page)
                assert addr is not None
                users[(addr - k.layout.pkmap_base) >> PAGE_SHIFT] = n
        for nr, count in enumerate(k.pkmap_count):
            t = k.walk(k.swapper, k.layout.pkmap_base + (nr << PAGE_SHIFT))
            assert (count == 0) == (not t.ok), f"pkmap slot {nr}: count {count}, PTE present {t.ok}"
            assert count == (users[nr] + 1 if nr in users else min(count, 1)), f"pkmap slot {nr}: count {count}"
        for t, (addr, pfn) in self.atomic.items():
            if pfn >= k.layout.max_low_pfn:
                assert addr == k.highmem.kmap_atomic_addr(t) and k.translate(addr).phys >> PAGE_SHIFT == pfn

    def check_slab_objects(self) -> None:
        """Every live object lies inside its slab, no two overlap, and the model knows exactly ours."""
        slub = self.k.slub
        large = slub.large
        in_slab = {a for a in self.live if a not in large}
        objects = slub.live_objects()
        assert set(objects) == in_slab
        slabs = {sp.pfn: sp for sp in slub.slabs()}
        for a, (size, cache) in self.live.items():
            if a in large:
                assert cache is None and self.k.alloc_order[self.k.virt_to_page(a).pfn] == large[a]
                continue
            sp = slabs[objects[a]]
            assert cache is None or sp.slab is cache
            assert size <= sp.slab.objsize <= sp.slab.size
            assert sp.address <= a and a + sp.slab.size <= sp.address + (PAGE_SIZE << sp.order)
            assert self.k.alloc_order[sp.pfn] == sp.order
        spans = sorted((a, a + slabs[objects[a]].slab.size) for a in in_slab)
        spans += sorted((a, a + (PAGE_SIZE << o)) for a, o in large.items())
        spans.sort()
        assert all(x[1] <= y[0] for x, y in itertools.pairwise(spans)), "objects overlap"

    def teardown(self) -> None:
        k = self.k
        if k is None:
            return
        for addr in list(self.mapped):
            k.vunmap(addr)
        for t, (addr, _) in self.atomic.items():
            k.kunmap_atomic(addr, t)
        for page, n in self.kmapped.values():
            for _ in range(n):
                k.kunmap(page)
        k.kmap_flush_unused()
        assert not any(k.pkmap_count) and k.highmem.pagefault_disabled == 0
        for addr, (_, cache) in self.live.items():
            if cache is None:
                k.kfree(addr)
            else:
                k.kmem_cache_free(cache, addr)
        assert k.slub.live_objects() == {} and k.slub.large == {}
        cpu = {c.cpu_slab.page.pfn for c in k.slub.slab_caches if c.cpu_slab.page is not None}
        assert {sp.pfn for sp in k.slub.slabs()} == cpu, "only the cpu slabs stay, every object free"
        slab_frames = {sp.pfn: sp.order for sp in k.slub.slabs()}
        while k.vmlist is not None:  # VM_VPAGES arrays go with their owner
            a = next(x for x in k.vmlist if not x.flags & VM_VPAGES or x.flags & VM_IOREMAP)
            (k.iounmap if a.flags & VM_IOREMAP else k.vfree)(a.addr)
        tables = [p for p in k.page_tables if p not in self.boot_tables]
        for pfn, order in list(k.alloc_order.items()):
            if pfn not in tables and pfn not in slab_frames and pfn not in self.boot_alloc:
                k.free_pages(k.page(pfn), order)
        assert set(k.alloc_order) == set(tables) | set(slab_frames) | set(self.boot_alloc), "a leak"
        for pfn in tables:  # as in the kernel they stay; hand them back to compare with boot
            k.page_alloc.free(pfn, 0)
        for pfn, order in slab_frames.items():  # the empty cpu slabs too (no kmem_cache_shrink here)
            if pfn not in self.boot_alloc:
                k.page_alloc.free(pfn, order)
        now = {(z.index, o): sorted(fa.free_list) for z in k.zones for o, fa in enumerate(z.free_area)}
        assert now == {key: sorted(v) for key, v in self.boot_free.items()}


KernelMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestKernel = KernelMachine.TestCase
