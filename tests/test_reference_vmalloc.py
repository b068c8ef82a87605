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
            top = 0xFEFF_F000
            phys = rng.randrange(0xE000_0000, top)
            size = rng.choice((rng.randint(1, 0x3000), rng.randint(1, 0x90000), rng.randint(0x80000, 0x300000)))
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
