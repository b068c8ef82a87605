"""Random sequences of vmalloc, vfree, vmap, vunmap, ioremap, iounmap, alloc_pages and
free_pages keep every invariant after every step, and freeing everything restores boot."""

from __future__ import annotations

import pytest
from helpers import check_frames, check_timeline, check_vmlist
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, initialize, invariant, rule

from vmwidgets import GFP_DMA, GFP_HIGHUSER, GFP_KERNEL, VM_IOREMAP, VM_VPAGES, Config, Kernel, PageStateError
from vmwidgets.model.rbtree import validate_rbtree
from vmwidgets.model.validate import validate_struct_pages

CONFIGS = [
    Config(ram=48 << 20),  # small: out-of-memory paths are reachable
    Config(ram=64 << 20, pae=True, era="2.6.32"),
    Config(ram=40 << 20, vmalloc_reserve=64 << 20, pse=False),
]


class KernelMachine(RuleBasedStateMachine):
    vm = Bundle("vm")
    io = Bundle("io")
    pages = Bundle("pages")
    maps = Bundle("maps")

    def __init__(self) -> None:
        super().__init__()
        self.k: Kernel = None  # type: ignore[assignment]
        self.mapped: dict[int, list[int]] = {}
        self.in_vmap: set[int] = set()

    @initialize(cfg=st.sampled_from(CONFIGS))
    def boot(self, cfg: Config) -> None:
        self.k = Kernel(cfg, checkpoint_every=64)
        self.boot_free = {(z.index, o): fa.free_list[:] for z in self.k.zones for o, fa in enumerate(z.free_area)}
        self.boot_tables = set(self.k.page_tables)

    @rule(target=vm, size=st.integers(1, 3 << 20))
    def vmalloc(self, size: int) -> int | None:
        return self.k.vmalloc(size)

    @rule(addr=consumes(vm))
    def vfree(self, addr: int | None) -> None:
        self.k.vfree(addr)

    @rule(target=pages, gfp=st.sampled_from([GFP_KERNEL, GFP_HIGHUSER, GFP_DMA]), order=st.integers(0, 4))
    def alloc_pages(self, gfp: int, order: int):
        page = self.k.alloc_pages(gfp, order)
        return None if page is None else (page, order)

    @rule(block=consumes(pages))
    def free_pages(self, block) -> None:
        if block is not None and block[0].pfn not in self.in_vmap:
            self.k.free_pages(*block)

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
        """free_pages of a page table, a vmalloc page or a vmapped page: refused, nothing changes."""
        k = self.k
        in_use = set(k.table_meta) | self.in_vmap | {p.pfn for a in k.vmlist or () if a.pages for p in a.pages}
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
        check_timeline(self.k)

    def teardown(self) -> None:
        k = self.k
        if k is None:
            return
        for addr in list(self.mapped):
            k.vunmap(addr)
        while k.vmlist is not None:  # VM_VPAGES arrays go with their owner
            a = next(x for x in k.vmlist if not x.flags & VM_VPAGES or x.flags & VM_IOREMAP)
            (k.iounmap if a.flags & VM_IOREMAP else k.vfree)(a.addr)
        tables = [p for p in k.page_tables if p not in self.boot_tables]
        for pfn, order in list(k.alloc_order.items()):
            if pfn not in tables:
                k.free_pages(k.page(pfn), order)
        assert set(k.alloc_order) == set(tables), "only vmalloc's page tables stay allocated"
        for pfn in tables:  # as in the kernel they stay; hand them back to compare with boot
            k.page_alloc.free(pfn, 0)
        now = {(z.index, o): sorted(fa.free_list) for z in k.zones for o, fa in enumerate(z.free_area)}
        assert now == {key: sorted(v) for key, v in self.boot_free.items()}


KernelMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestKernel = KernelMachine.TestCase
