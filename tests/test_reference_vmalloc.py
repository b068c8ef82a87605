"""Where the model puts vmalloc, vmap and ioremap areas, against a reference written from the
kernel sources (``tests/reference/vmalloc.py``, which cites mm/vmalloc.c by era and line).

Seeded random runs of vmalloc/vfree, vmap/vunmap and ioremap/iounmap in both eras with and
without PAE, on machines whose vmalloc space is about 500 MB, 120 MB and 24 MB, with sizes
from one byte to several MB, so that the space fills: 2.6.24 then returns NULL, 2.6.32
purges its lazily freed areas and retries.  After every step the model must have returned
the reference's address (or None), have the reference's vmlist (address, size, flags,
pages, phys) and TLB flushes, and in 2.6.32 the same lazily freed vmap_areas and the same
purges; /proc/vmallocinfo must be the procfs reference's text of the reference's areas.
"""

from __future__ import annotations

import random

import pytest
from reference import procfs as refproc
from reference import vmalloc as ref

from vmwidgets import Config, Kernel
from vmwidgets.events import Event, TlbFlushed
from vmwidgets.model.constants import GFP_HIGHUSER, GFP_KERNEL, MB, PAGE_SIZE, VM_IOREMAP, VM_MAP
from vmwidgets.model.vmap_area import VM_LAZY_FREE

ERAS = [(era, pae) for era in ("2.6.24", "2.6.32") for pae in (False, True)]
MACHINES = {  # seed -> Config arguments: vmalloc spaces of about 500, 120 and 24 MB
    0: {"ram": 512 * MB},
    1: {"ram": 1024 * MB},
    2: {"ram": 2048 * MB, "vmalloc_reserve": 24 * MB},
    3: {"ram": 2048 * MB, "vmalloc_reserve": 40 * MB},
}


def _reference(k: Kernel, era: str) -> ref.RefVmalloc:
    lay = k.layout
    limit = k.page_alloc.nr_pages if era == "2.6.24" else k.page_alloc.totalram_pages
    r = ref.RefVmalloc(era, lay.vmalloc_start, lay.vmalloc_end, limit, lay.page_offset, lay.high_memory)
    r.tail_end_check = True  # the model's documented simplification (vmwidgets/model/vmalloc.py)
    return r


def _model_areas(k: Kernel) -> list[tuple[int, int, int, int, int]]:
    return [(a.addr, a.size, a.flags, a.nr_pages, a.phys_addr) for a in k.vmlist or ()]


def _size(rng: random.Random) -> int:
    kind = rng.random()
    if kind < 0.3:
        return rng.randint(1, PAGE_SIZE)
    if kind < 0.6:
        return rng.randint(1, 64 << 10)
    if kind < 0.85:
        return rng.randint(1, 1 << 20)
    return rng.randint(1 << 20, 6 << 20)


@pytest.mark.parametrize("seed", sorted(MACHINES))
@pytest.mark.parametrize(("era", "pae"), ERAS)
def test_seeded_vmalloc_vmap_ioremap_placement_matches_the_reference(era: str, pae: bool, seed: int) -> None:
    k = Kernel(Config(era=era, pae=pae, **MACHINES[seed]), record=False)  # type: ignore[arg-type]
    r = _reference(k, era)
    flushes: list[tuple[int, int]] = []

    def watch(ev: Event) -> None:
        if isinstance(ev, TlbFlushed):
            flushes.append((ev.start, ev.end))

    k.subscribe(watch)
    rng = random.Random(seed)
    live: dict[int, tuple[str, object]] = {}  # returned address -> (kind, what to give back)
    spare: list[object] = []  # single pages for vmap
    budget = (k.page_alloc.totalram_pages // 3) if seed == 0 else 1 << 30  # keep 512 MB out of frame trouble
    used = 0
    full = purged_for_room = 0
    for step in range(400):
        op = rng.random()
        caller = rng.choice(("my_module_init", "drv_probe"))
        did = ""
        if op < 0.35:
            size = _size(rng)
            pages = -(-size // PAGE_SIZE)
            if used + pages <= budget:
                purges = r.purges
                want = r.vmalloc(size, caller)
                got = k.vmalloc(size, caller)
                assert got == want, (step, "vmalloc", size, got and hex(got), want and hex(want))
                full += want is None
                purged_for_room += r.purges - purges > 0 and len(r.lazy()) == 0
                if got is not None:
                    live[got] = ("vmalloc", pages)
                    used += pages
                did = f"vmalloc({size})"
        elif op < 0.6 and live:
            a = rng.choice(sorted(live))
            kind, extra = live.pop(a)
            if kind == "vmalloc":
                r.vfree(a)
                k.vfree(a)
                used -= extra  # type: ignore[operator]
            elif kind == "vmap":
                r.vunmap(a)
                k.vunmap(a)
                spare.extend(extra)  # type: ignore[arg-type]
            else:
                r.iounmap(a)
                k.iounmap(a)
            did = f"{kind} free {a:#x}"
        elif op < 0.75:
            while len(spare) < 8:
                page = k.alloc_pages(rng.choice((GFP_KERNEL, GFP_HIGHUSER)), 0)
                assert page is not None
                spare.append(page)
            take = [spare.pop() for _ in range(rng.randint(1, 8))]
            flags = rng.choice((VM_MAP, VM_MAP, VM_IOREMAP, VM_MAP | VM_IOREMAP))
            want = r.vmap(len(take), flags, caller)
            got = k.vmap(take, flags, caller)  # type: ignore[arg-type]
            assert got == want, (step, "vmap", len(take), flags, got and hex(got), want and hex(want))
            if got is None:
                spare.extend(take)
            else:
                live[got] = ("vmap", take)
            did = f"vmap({len(take)}, {flags})"
        else:
            top = 0xF_FFFF_F000 if pae and era == "2.6.32" else 0xFEFF_F000  # above 4 GB with PAE
            phys = rng.randrange(0xE000_0000, top)
            size = rng.choice((rng.randint(1, 0x3000), rng.randint(1, 0x90000), rng.randint(0x80000, 0x300000)))
            if rng.random() < 0.1:  # the ISA window: the direct map, no area
                phys, size = rng.randrange(0xA0000, 0xFF000), rng.randint(1, 0x1000)
            want = r.ioremap(phys, size, caller)
            got = k.ioremap(phys, size, caller)
            assert got == want, (step, "ioremap", hex(phys), size, got and hex(got), want and hex(want))
            if got is not None:
                live[got] = ("ioremap", None)
            did = f"ioremap({phys:#x}, {size})"
        assert _model_areas(k) == r.areas(), (step, did)
        assert flushes == r.flushes, (step, did)
        if era == "2.6.32":
            lazy = {(va.va_start, va.va_end) for va in k.vmap_area_list if va.flags & VM_LAZY_FREE}
            assert lazy == r.lazy(), (step, did)
            assert [(va.va_start, va.va_end) for va in k.vmap_area_list] == [(s, e) for s, e, _ in r.vas], (step, did)
            assert k.vmap_lazy_nr == r.lazy_nr, (step, did)
        if step % 10 == 0:
            text = refproc.vmallocinfo(
                refproc.VmArea(a.addr, a.size, a.flags, a.nr_pages, a.phys_addr, a.caller) for a in r.vmlist
            )
            assert k.vmallocinfo() == text, step
    if seed >= 2:
        assert full, "the vmalloc space never filled"


def test_2_6_24_places_past_vmalloc_end_when_the_walk_runs_off_vmlist() -> None:
    """2.6.24's walk (mm/vmalloc.c:204-220) compares ``addr`` with ``end`` only after stepping
    over an area at or above it; an area below ``addr`` (205-209) moves ``addr`` with no check,
    and running off the list takes ``addr`` as it is.  Here an ioremap aligned to 512 kB skips
    past X to B, finds the one-page vmalloc Y starting below B and ending above it, moves on
    to B + 512 kB and ends the walk there: the kernel links an area that ends 12 kB past
    VMALLOC_END (in the 2 guard pages and the pkmap space).  The model checks the end there
    too (its documented simplification); so does the reference with ``tail_end_check``.  An
    empty vmlist is the other unchecked case: any size fits at VMALLOC_START."""
    k = Kernel(Config(era="2.6.24"), record=False)
    start, end = k.layout.vmalloc_start, k.layout.vmalloc_end
    kernel = _reference(k, "2.6.24")
    kernel.tail_end_check = False
    assert kernel.ioremap(0xE000_0000, end - start + PAGE_SIZE, None) == start  # empty vmlist: no check
    kernel.vunmap(start)
    model = _reference(k, "2.6.24")
    b = (end - (516 << 10)) & ~((512 << 10) - 1)  # a 512 kB boundary 516 kB to 1 MB below the end
    for r in (kernel, model):
        assert r.ioremap(0xE000_0000, b - 2 * PAGE_SIZE - start, None) == start  # X: [start, b - 4 kB)
        assert r.vmalloc(1, None) == b - PAGE_SIZE  # Y: [b - 4 kB, b + 4 kB)
    assert k.ioremap(0xE000_0000, b - 2 * PAGE_SIZE - start) == start
    assert k.vmalloc(1) == b - PAGE_SIZE
    past = kernel.ioremap(0xE800_0000, 512 << 10, None)
    assert past == b + (512 << 10) and past + (512 << 10) + PAGE_SIZE == end + 3 * PAGE_SIZE
    assert model.ioremap(0xE800_0000, 512 << 10, None) is None
    assert k.ioremap(0xE800_0000, 512 << 10) is None
    assert k.ioremap(0xE800_0000, end - start) is None


@pytest.mark.parametrize("era", ["2.6.24", "2.6.32"])
def test_vmalloc_refuses_more_pages_than_the_era_counts_before_taking_any_frame(era: str) -> None:
    """__vmalloc_node returns NULL for more pages than ``num_physpages`` (2.6.24 mm/vmalloc.c:496)
    or ``totalram_pages`` (2.6.32, 1499) before it looks for room or frames."""
    k = Kernel(Config(era=era, ram=32 * MB), record=False)
    r = _reference(k, era)
    frames: list[Event] = []
    k.subscribe(lambda ev: frames.append(ev) if type(ev).__name__ == "FrameAllocated" else None)
    size = (r.limit + 1) * PAGE_SIZE
    assert r.vmalloc(size, None) is None and not r.vmlist
    assert k.vmalloc(size) is None and not frames and k.vmlist is None
    assert r.vmalloc(size - PAGE_SIZE, None) is not None  # one page less passes the check


def _free_frames(k: Kernel) -> int:
    return sum(len(fa.free_list) << order for z in k.zones for order, fa in enumerate(z.free_area))


@pytest.mark.parametrize(("era", "pae"), ERAS)
def test_seeded_vmalloc_out_of_frames_frees_its_area_as_the_reference_says(era: str, pae: bool) -> None:
    """A 32 MB machine: vmallocs of up to 6 MB run out of frames, and __vmalloc_area_node then
    vfrees the area it linked (2.6.24 mm/vmalloc.c:458-470, 2.6.32 1445-1458): in 2.6.24 it
    leaves vmlist with a TLB flush, in 2.6.32 its vmap_area stays behind lazily freed.  A
    request is only made when the free frames are clearly enough (the pages and 64 more for
    page tables and pages[]) or clearly too few."""
    k = Kernel(Config(era=era, pae=pae, ram=32 * MB), record=False)
    r = _reference(k, era)
    flushes: list[tuple[int, int]] = []
    k.subscribe(lambda ev: flushes.append((ev.start, ev.end)) if isinstance(ev, TlbFlushed) else None)
    rng = random.Random(7)
    live: list[int] = []
    failed = 0
    for step in range(150):
        if rng.random() < 0.6 or not live:
            size = rng.choice((rng.randint(1, 64 << 10), rng.randint(1 << 20, 6 << 20)))
            pages = -(-size // PAGE_SIZE)
            free = _free_frames(k)
            if pages < free <= pages + 64:
                continue
            want = r.vmalloc(size, None, frames_ok=pages + 64 < free)
            got = k.vmalloc(size, None)
            assert got == want, (step, size, free, got and hex(got), want and hex(want))
            failed += want is None
            if got is not None:
                live.append(got)
        else:
            a = live.pop(rng.randrange(len(live)))
            r.vfree(a)
            k.vfree(a)
        assert _model_areas(k) == r.areas(), step
        assert flushes == r.flushes, step
        if era == "2.6.32":
            assert [(va.va_start, va.va_end) for va in k.vmap_area_list] == [(s, e) for s, e, _ in r.vas], step
            assert {(va.va_start, va.va_end) for va in k.vmap_area_list if va.flags & VM_LAZY_FREE} == r.lazy()
            assert k.vmap_lazy_nr == r.lazy_nr, step
    assert failed


def test_2_6_32_purges_only_above_lazy_max_pages() -> None:
    """free_unmap_vmap_area_noflush purges when ``vmap_lazy_nr > lazy_max_pages()`` (2.6.32
    mm/vmalloc.c:604, strictly above 8192 pages on one CPU, 501-508): eight lazily freed
    areas of 1024 pages (1023 and the guard page) reach 8192 and wait; a ninth area of two
    pages passes it and one flush covers all nine (563-564)."""
    k = Kernel(Config(era="2.6.32"), record=False)
    r = _reference(k, "2.6.32")
    flushes: list[tuple[int, int]] = []
    k.subscribe(lambda ev: flushes.append((ev.start, ev.end)) if isinstance(ev, TlbFlushed) else None)
    addrs = [k.vmalloc(1023 * PAGE_SIZE) for _ in range(8)] + [k.vmalloc(1)]
    assert addrs == [r.vmalloc(1023 * PAGE_SIZE, None) for _ in range(8)] + [r.vmalloc(1, None)]
    for a in addrs[:8]:
        k.vfree(a)  # type: ignore[arg-type]
        r.vfree(a)  # type: ignore[arg-type]
    assert k.vmap_lazy_nr == r.lazy_nr == ref.LAZY_MAX_PAGES == 8192 and not flushes and not r.flushes
    k.vfree(addrs[8])
    r.vfree(addrs[8])  # type: ignore[arg-type]
    assert flushes == r.flushes == [(addrs[0], addrs[8] + 2 * PAGE_SIZE)]  # type: ignore[operator]
    assert k.vmap_lazy_nr == r.lazy_nr == 0 and not k.vmap_area_list and not r.vas
