"""Page faults, copy-on-write after fork, unmapping and exit (mm/memory.c, fault_32.c)."""

from __future__ import annotations

import pytest
from helpers import check_frames, check_timeline
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from vmwidgets import (
    GFP_KERNEL,
    KM_USER0,
    MAP_ANONYMOUS,
    MAP_PRIVATE,
    MAP_SHARED,
    PROT_READ,
    PROT_WRITE,
    Config,
    Kernel,
    PageStateError,
    validate_mm,
)
from vmwidgets.model.constants import _PAGE_DIRTY, _PAGE_RW, _PAGE_USER
from vmwidgets.model.validate import validate_struct_pages

PAGE = 4096
ANON = MAP_PRIVATE | MAP_ANONYMOUS
RW = PROT_READ | PROT_WRITE


def pte(k: Kernel, mm, addr: int) -> int:
    slot = k.user_slot(mm, addr)
    return 0 if slot is None else k.page_tables[slot[0]].get(slot[1], 0)


def test_demand_paging_fills_the_table_on_first_touch() -> None:
    k = Kernel()
    t = k.spawn("a")
    a = t.mmap(0, 2 * PAGE, RW, ANON)
    assert pte(k, t.mm, a) == 0
    first = t.access(a)
    assert first.faulted and first.ok
    kinds = [e.kind for e in k.timeline[k.timeline.operations[-1].start :]]
    assert kinds.index("PageFaulted") < kinds.index("PageTableAllocated") < kinds.index("PteInstalled")
    entry = pte(k, t.mm, a)
    assert entry & _PAGE_USER and entry & _PAGE_RW and entry & _PAGE_DIRTY  # 2.6.24: maybe_mkwrite(pte_mkdirty)
    again = t.access(a + 8)
    assert not again.faulted and again.phys == first.phys + 8
    check_timeline(k)


def test_2_6_32_maps_the_zero_page_for_reads_then_copies_on_write() -> None:
    k = Kernel(Config(era="2.6.32"))
    t = k.spawn("a")
    a = t.mmap(0, PAGE, RW, ANON)
    read = t.access(a)
    assert read.phys >> 12 == k.zero_pfn and not pte(k, t.mm, a) & _PAGE_RW
    write = t.access(a, write=True)
    assert write.faulted and write.phys >> 12 != k.zero_pfn and pte(k, t.mm, a) & _PAGE_RW
    check_frames(k)


def test_bad_accesses_get_sigsegv_with_the_reason() -> None:
    k = Kernel()
    t = k.spawn("a")
    cases = [
        (dict(addr=0x08048000, write=True), "without VM_WRITE"),
        (dict(addr=0x1000), "hole"),
        (dict(addr=0xC0000000), "kernel address"),
        (dict(addr=0xBFFEB000 - 0x20000), "too far below"),
    ]
    for kwargs, why in cases:
        out = t.access(**kwargs)
        assert out.signal == "SIGSEGV" and why in out.reason
        assert k.timeline[-2].kind == "SignalSent"


def test_the_stack_grows_down_to_an_access_just_below_it() -> None:
    k = Kernel()
    t = k.spawn("a")
    stack = t.mm.find_vma(t.mm.start_stack)
    out = t.access(stack.vm_start - 100, write=True)
    assert out.ok and stack.vm_start == (out.addr & ~0xFFF)
    validate_mm(t.mm)
    check_timeline(k)


def test_fork_shares_pages_until_a_write_copies_them() -> None:
    k = Kernel()
    parent = k.spawn("a")
    a = parent.mmap(0, PAGE, RW, ANON)
    frame = parent.access(a, write=True).phys >> 12
    child = k.fork(parent)
    assert child.mm.maps() == parent.mm.maps()
    assert not pte(k, parent.mm, a) & _PAGE_RW and not pte(k, child.mm, a) & _PAGE_RW  # both write-protected
    assert k.mem_map.count[frame] == 2
    refs = [e for e in k.timeline if e.kind == "PageRefChanged" and e.pfn == frame]
    assert refs and refs[-1].count == 2  # the reference count is shown
    assert child.access(a).phys >> 12 == frame  # reads share it
    copied = parent.access(a, write=True).phys >> 12
    assert copied != frame and k.mem_map.count[frame] == 1  # do_wp_page copied
    assert child.access(a, write=True).phys >> 12 == frame  # the last user reuses it
    validate_mm(child.mm)
    check_frames(k)
    check_timeline(k)


def test_exit_and_munmap_give_every_anonymous_frame_and_table_back() -> None:
    k = Kernel()
    free = sum(z.free_pages for z in k.zones)
    t = k.spawn("a")
    a = t.mmap(0x40000000, 16 * PAGE, RW, ANON)
    for i in range(16):
        t.access(a + i * PAGE, write=True)
    t.munmap(a, 16 * PAGE)
    assert pte(k, t.mm, a) == 0 and k.user_slot(t.mm, a) is None  # the PTE table went too
    child = k.fork(t)
    t.access(0x0804C000, write=True)
    k.exit(child)
    k.exit(t)
    assert sum(z.free_pages for z in k.zones) + len(k.cache_pfns) == free  # only the page cache stays
    check_frames(k)
    check_timeline(k)


def test_mprotect_write_protects_present_ptes() -> None:
    k = Kernel()
    t = k.spawn("a")
    a = t.mmap(0x40000000, PAGE, RW, ANON)
    t.access(a, write=True)
    t.mprotect(a, PAGE, PROT_READ)
    assert not pte(k, t.mm, a) & _PAGE_RW
    assert t.access(a, write=True).signal == "SIGSEGV"
    t.mprotect(a, PAGE, RW)
    frame = pte(k, t.mm, a) >> 12
    assert not pte(k, t.mm, a) & _PAGE_RW  # PAGE_COPY: still read-only until written
    assert t.access(a, write=True).phys >> 12 == frame  # do_wp_page reuses the only mapping


def test_files_share_the_page_cache_and_copy_on_private_writes() -> None:
    k = Kernel()
    t, u = k.spawn("a"), k.spawn("b")
    f1 = t.mmap(0, PAGE, PROT_READ, MAP_PRIVATE, file="/lib/libz.so")
    f2 = u.mmap(0, PAGE, RW, MAP_SHARED, file="/lib/libz.so")
    assert t.access(f1).phys == u.access(f2).phys  # one page-cache frame
    g = t.mmap(0, PAGE, RW, MAP_PRIVATE, file="/lib/libz.so")
    assert t.access(g, write=True).phys != t.access(f1).phys  # a private write copies
    assert u.access(f2, write=True).phys == t.access(f1).phys  # a shared write goes to the cache page
    check_frames(k)


def test_review_points_exec_after_mprotect_write_only_reads_prot_none_fork() -> None:
    from vmwidgets import PROT_EXEC, PROT_NONE

    k = Kernel(Config(pae=True))
    t = k.spawn("a")
    a = t.mmap(0x40000000, PAGE, PROT_READ, ANON)
    assert t.access(a).ok
    assert t.access(a, exec=True).signal == "SIGSEGV"  # NX page: a present fetch is a bad_area
    t.mprotect(a, PAGE, PROT_READ | PROT_EXEC)
    assert t.access(a, exec=True).ok  # pte_modify dropped NX
    w = t.mmap(0x40010000, PAGE, PROT_WRITE, ANON)
    assert t.access(w).ok  # x86 cannot make a page write-only: reads of PROT_WRITE memory work
    b = t.mmap(0x40020000, PAGE, RW, ANON)
    frame = t.access(b, write=True).phys >> 12
    t.mprotect(b, PAGE, PROT_NONE)
    child = k.fork(t)
    child.mprotect(b, PAGE, PROT_READ)
    assert child.access(b).phys >> 12 == frame  # the PROT_NONE'd page was shared, not lost
    assert t.access(b, user=False).signal == "Oops"  # a kernel-mode fault with no fixup
    check_frames(k)
    check_timeline(k)


def test_fork_leaves_file_and_untouched_vmas_to_fault_in_again() -> None:
    k = Kernel()
    t = k.spawn("a")
    t.access(0x08048000)  # text, from the page cache: no anon_vma
    child = k.fork(t)
    assert pte(k, child.mm, 0x08048000) == 0
    assert child.access(0x08048000).faulted


def test_pae_processes_share_the_kernel_pmd_so_vmalloc_needs_no_fault() -> None:
    k = Kernel(Config(pae=True))
    t = k.spawn("a")
    addr = k.vmalloc(PAGE)
    out = t.access(addr, user=False)
    assert out.ok and not out.faulted


def test_a_kernel_access_to_vmalloc_takes_vmalloc_fault() -> None:
    k = Kernel()
    t = k.spawn("a")
    addr = k.vmalloc(PAGE)  # a new PGD entry in swapper_pg_dir that t's pgd lacks
    assert not k.page_tables[t.mm.pgd.pfn].get(addr >> 22)
    out = t.access(addr, user=False)
    assert out.ok and k.page_tables[t.mm.pgd.pfn][addr >> 22] == k.page_tables[k.swapper_pg_dir.pfn][addr >> 22]
    assert any(e.fn.endswith("vmalloc_sync_one") for e in k.timeline)
    assert t.access(addr).signal == "SIGSEGV"  # not from user mode


class Procs(RuleBasedStateMachine):
    """Accesses, forks, exits and unmaps, with kmaps of user pages and kmallocs beside them:
    every frame's count equals the PTEs that map it."""

    @initialize(era=st.sampled_from(["2.6.24", "2.6.32"]), pae=st.booleans(), highmem=st.booleans())
    def boot(self, era: str, pae: bool, highmem: bool) -> None:
        # highmem: a large vmalloc= leaves 24 MB or so of lowmem, so user pages come from HighMem
        self.k = Kernel(Config(ram=64 << 20, era=era, pae=pae, vmalloc_reserve=(990 << 20) if highmem else None))
        self.free = sum(z.free_pages for z in self.k.zones)
        self.objs: list[int] = []
        t = self.k.spawn("a")
        t.mmap(0x40000000, 32 * PAGE, RW, ANON)
        t.mmap(0x50000000, 4 * PAGE, RW, MAP_PRIVATE, file="/data")

    @precondition(lambda self: self.k.tasks)
    @rule(i=st.integers(0, 7), page=st.integers(0, 35), write=st.booleans(), file=st.booleans())
    def access(self, i: int, page: int, write: bool, file: bool) -> None:
        t = self.k.tasks[i % len(self.k.tasks)]
        t.access((0x50000000 if file else 0x40000000) + (page % (4 if file else 32)) * PAGE, write=write)

    @precondition(lambda self: len(self.k.tasks) < 5)
    @rule()
    def spawn(self) -> None:
        t = self.k.spawn("b")
        t.mmap(0x40000000, 32 * PAGE, RW, ANON)
        t.mmap(0x50000000, 4 * PAGE, RW, MAP_PRIVATE, file="/data")

    @precondition(lambda self: 0 < len(self.k.tasks) < 5)
    @rule(i=st.integers(0, 7))
    def fork(self, i: int) -> None:
        self.k.fork(self.k.tasks[i % len(self.k.tasks)])

    @precondition(lambda self: self.k.tasks)
    @rule(i=st.integers(0, 7))
    def exit(self, i: int) -> None:
        self.k.exit(self.k.tasks[i % len(self.k.tasks)])

    @precondition(lambda self: self.k.tasks)
    @rule(i=st.integers(0, 7), page=st.integers(0, 31), n=st.integers(1, 8), prot=st.sampled_from([0, 1, 3, 5]))
    def mprotect(self, i: int, page: int, n: int, prot: int) -> None:
        self.k.tasks[i % len(self.k.tasks)].mprotect(0x40000000 + page * PAGE, n * PAGE, prot)

    @precondition(lambda self: self.k.tasks)
    @rule(i=st.integers(0, 7), page=st.integers(0, 31), n=st.integers(1, 8))
    def munmap(self, i: int, page: int, n: int) -> None:
        self.k.tasks[i % len(self.k.tasks)].munmap(0x40000000 + page * PAGE, n * PAGE)

    @precondition(lambda self: self.k.tasks)
    @rule(i=st.integers(0, 7), page=st.integers(0, 35), file=st.booleans(), atomic=st.booleans())
    def kmap_a_user_page(self, i: int, page: int, file: bool, atomic: bool) -> None:
        """What copy_to_user's slow paths do: map a user frame in the kernel, use it, unmap it.
        A kunmapped highmem slot keeps its PTE (count 1) while the task may exit and free the frame."""
        k = self.k
        t = k.tasks[i % len(k.tasks)]
        e = pte(k, t.mm, (0x50000000 if file else 0x40000000) + (page % (4 if file else 32)) * PAGE)
        if not e or not e & 1:
            return
        frame = k.page((e & k.addr_mask) >> 12)
        if atomic:
            v = k.kmap_atomic(frame, KM_USER0)
            assert k.translate(v).phys == frame.phys_addr
            k.kunmap_atomic(v, KM_USER0)
        else:
            v = k.kmap(frame)
            assert v is not None and k.translate(v).phys == frame.phys_addr
            k.kunmap(frame)

    @rule(size=st.integers(1, 5000))
    def kmalloc(self, size: int) -> None:
        a = self.k.kmalloc(size, GFP_KERNEL)
        if a is not None:
            self.objs.append(a)

    @precondition(lambda self: self.objs)
    @rule(i=st.integers(0, 7))
    def kfree(self, i: int) -> None:
        self.k.kfree(self.objs.pop(i % len(self.objs)))

    @precondition(lambda self: self.k.tasks)
    @rule(i=st.integers(0, 7), page=st.integers(0, 35), file=st.booleans())
    def free_a_frame_in_use(self, i: int, page: int, file: bool) -> None:
        """free_pages of a mapped, cached, shared or page-table frame: refused, nothing changes."""
        k = self.k
        t = k.tasks[i % len(k.tasks)]
        e = pte(k, t.mm, (0x50000000 if file else 0x40000000) + (page % (4 if file else 32)) * PAGE)
        pfn = (e & k.addr_mask) >> 12 if e else t.mm.pgd.pfn
        before, n, counts = k.view_state(), len(k.timeline), k.mem_map.count.tolist()
        with pytest.raises(PageStateError):
            k.free_pages(k.page(pfn), 0)
        assert k.view_state() == before and len(k.timeline) == n and k.mem_map.count.tolist() == counts

    @invariant()
    def counted(self) -> None:
        k = self.k
        validate_struct_pages(k)
        maps: dict[int, int] = {}
        for t in k.tasks:
            validate_mm(t.mm)
            for v in t.mm:
                for addr in range(v.vm_start, v.vm_end, PAGE):
                    e = pte(k, t.mm, addr)
                    if e:  # present, or PROT_NONE'd: the page is still referenced
                        pfn = (e & k.addr_mask) >> 12
                        maps[pfn] = maps.get(pfn, 0) + 1
        for t in k.tasks:  # every present user PTE lies inside a VMA of its mm
            for table, (level, base) in k.table_meta.items():
                if level != "pte" or table not in self._tables_of(t.mm):
                    continue
                for index, e in k.page_tables[table].items():
                    addr = base + index * PAGE
                    inside = any(v.vm_start <= addr < v.vm_end for v in t.mm)
                    assert inside, f"PTE {e:#x} for {addr:#x} outside every VMA"
        for pfn, n in maps.items():
            if pfn == k.zero_pfn:
                continue
            want = n + (1 if pfn in k.cache_pfns else 0)
            assert k.mem_map.count[pfn] == want, f"pfn {pfn:#x}: _count {k.mem_map.count[pfn]}, {want} users"
        check_frames(k)
        check_timeline(k)

    def _tables_of(self, mm) -> set[int]:
        k, out = self.k, set()
        parents = [mm.pgd.pfn]
        if k.config.pae:
            parents = [(k.page_tables[mm.pgd.pfn][i] & k.addr_mask) >> 12 for i in range(3)]
        for parent in parents:
            for i, e in k.page_tables[parent].items():
                if (not k.config.pae and i >= 768) or not e & 1:
                    continue
                out.add((e & k.addr_mask) >> 12)
        return out

    def teardown(self) -> None:
        for t in list(self.k.tasks):
            self.k.exit(t)
        for a in self.objs:
            self.k.kfree(a)
        slabs = sum(1 << sp.order for sp in self.k.slub.slabs())  # only the empty cpu slabs stay
        cpu = {c.cpu_slab.page.pfn for c in self.k.slub.slab_caches if c.cpu_slab.page is not None}
        assert {sp.pfn for sp in self.k.slub.slabs()} == cpu
        assert self.k.slub.live_objects() == {} and self.k.slub.large == {}
        assert sum(z.free_pages for z in self.k.zones) + len(self.k.cache_pfns) + slabs == self.free


Procs.TestCase.settings = settings(max_examples=40, stateful_step_count=30, deadline=None)
TestProcs = Procs.TestCase


def test_bad_calls_change_nothing() -> None:
    import pytest

    from vmwidgets import InvalidArgument

    k = Kernel()
    t = k.spawn("a")
    other = Kernel().spawn("b")
    before, n = k.view_state(), len(k.timeline)
    for call, name in (
        (lambda: k.access(other, 0x08048000), "task"),
        (lambda: t.access(-1), "addr"),
        (lambda: t.access(0x08048000, write="yes"), "write"),
        (lambda: k.fork(other), "task"),
        (lambda: k.exit("a"), "task"),
    ):
        with pytest.raises(InvalidArgument) as info:
            call()
        assert info.value.name == name
    assert k.view_state() == before and len(k.timeline) == n
    k.exit(t)
    with pytest.raises(InvalidArgument, match="live task"):
        t.access(0x08048000)


def test_out_of_memory_spawn_and_fork_leave_nothing_behind() -> None:
    from vmwidgets import GFP_HIGHUSER

    for cfg in (Config(ram=40 << 20), Config(ram=40 << 20, pae=True)):
        k = Kernel(cfg)
        t = k.spawn("a")
        a = t.mmap(0x40000000, 4 * PAGE, RW, ANON)
        for i in range(4):
            t.access(a + i * PAGE, write=True)
        hoard = []
        while (p := k.alloc_pages(GFP_HIGHUSER, 0)) is not None:
            hoard.append(p)
        for p in hoard[-3:]:  # a little room: enough for a pgd, not for all of a child
            k.free_pages(p, 0)
        free, tables, tasks = sum(z.free_pages for z in k.zones), set(k.page_tables), list(k.tasks)
        results = [k.fork(t) for _ in range(3)]
        assert None in results
        for child in results:
            if child is not None:
                k.exit(child)
        # no frame, table or task leaked (the parent's PTEs may stay write-protected, as in the kernel)
        assert sum(z.free_pages for z in k.zones) == free and set(k.page_tables) == tables and k.tasks == tasks
        check_frames(k)
        check_timeline(k)
        for p in hoard[:-3]:
            k.free_pages(p, 0)
        while (p := k.alloc_pages(GFP_HIGHUSER, 0)) is not None:
            pass
        assert k.spawn("b") is None
        check_frames(k)
