"""kmap/kunmap (the pkmap band) and kmap_atomic (the fixmap's KM slots), both eras, PAE on and off.

Rules and sources: mm/highmem.c map_new_virtual (2.6.24 lines 116-164, 2.6.32 139-187),
flush_all_zero_pkmaps (69-105 / 88-127), kmap_high (166-184 / 197-213), kunmap_high
(188-225 / 250-288); arch/x86/mm/highmem_32.c kmap/kunmap (4-19 / 5-20), kmap_atomic_prot
and kunmap_atomic (29-76 / 30-77); enum km_type (include/asm-x86/kmap_types.h 10-25,
include/asm-generic/kmap_types.h 10-32); LAST_PKMAP (asm-x86/highmem.h 41-45,
asm/pgtable_32_types.h 34-38).
"""

from __future__ import annotations

import dataclasses
import random

import pytest
from reference import highmem as ref

import vmwidgets
from vmwidgets import GFP_HIGHUSER, GFP_KERNEL, KM_USER0, KM_USER1, Config, InvalidArgument, Kernel, PageStateError
from vmwidgets.events import (
    FixmapSlotComputed,
    PageAddressRead,
    PkmapCountChanged,
    PkmapSlotVisited,
    PkmapWaitQueued,
    PteCleared,
    TlbFlushed,
    event_from_json,
)
from vmwidgets.model.validate import validate_struct_pages
from vmwidgets.reducers import apply

CONFIGS = [
    Config(era="2.6.24"),
    Config(era="2.6.24", pae=True),
    Config(era="2.6.32"),
    Config(era="2.6.32", pae=True),
]
IDS = ["2.6.24", "2.6.24-pae", "2.6.32", "2.6.32-pae"]


def with_reference(cfg: Config) -> tuple[Kernel, ref.Kmaps]:
    """The model and the reference for one machine: the fixmap size is the reference's enum
    under the distro options (ref.KConfig), so every constant below comes from the sources."""
    kc = ref.KConfig(pae=cfg.pae)
    cfg = dataclasses.replace(cfg, fixmap_kb=4 * ref.fixmap_enum(cfg.era, kc).permanent_end)
    return Kernel(cfg, record=False), ref.Kmaps(cfg.era, kc, cfg.ram)


def highpages(k: Kernel, n: int) -> list:
    out = [k.alloc_pages(GFP_HIGHUSER, 0) for _ in range(n)]
    assert all(p is not None and p.zone == "HighMem" for p in out)
    return out


@pytest.mark.parametrize("cfg", CONFIGS, ids=IDS)
def test_last_pkmap_and_the_first_slots(cfg: Config) -> None:
    k = Kernel(cfg, record=False)
    n = 512 if cfg.pae else 1024
    assert len(k.pkmap_count) == n == k.layout.last_pkmap
    a, b = highpages(k, 2)
    base = k.layout.pkmap_base
    assert k.kmap(a) == base + 4096  # the pre-increment: slot 1 first
    assert k.kmap(b) == base + 2 * 4096
    assert k.kmap(a) == base + 4096  # mapped already: same slot, one more user
    assert k.pkmap_count[:3] == (0, 3, 2) and k.last_pkmap_nr == 2
    for addr, p in ((base + 4096, a), (base + 8192, b)):
        assert k.translate(addr).phys == p.phys_addr
    k.kunmap(a)
    k.kunmap(a)
    assert k.pkmap_count[1] == 1 and k.translate(base + 4096).phys == a.phys_addr  # the PTE stays
    assert k.page_address(a) == base + 4096
    assert k.kmap(a) == base + 4096 and k.pkmap_count[1] == 2  # reused without a search


@pytest.mark.parametrize("cfg", CONFIGS, ids=IDS)
def test_lowmem_pages_take_no_slot(cfg: Config) -> None:
    k = Kernel(cfg, record=False)
    p = k.alloc_pages(GFP_KERNEL, 0)
    assert k.kmap(p) == k.layout.page_offset + p.phys_addr
    k.kunmap(p)
    k.kunmap(p)  # the kernel keeps no count for lowmem: nothing to refuse
    assert not any(k.pkmap_count) and k.last_pkmap_nr == 0
    assert k.kmap_atomic(p, KM_USER0) == k.layout.page_offset + p.phys_addr
    k.kunmap_atomic(k.layout.page_offset + p.phys_addr, KM_USER0)


@pytest.mark.parametrize("cfg", CONFIGS, ids=IDS)
def test_wrap_flushes_unused_slots_and_keeps_used_ones(cfg: Config) -> None:
    k = Kernel(cfg)
    n = k.layout.last_pkmap
    pages = highpages(k, n + 1)
    base = k.layout.pkmap_base
    for p in pages[: n - 1]:  # slots 1 .. n-1
        k.kmap(p)
    k.kunmap(pages[0])  # slot 1 unused but mapped (count 1)
    start = len(k.timeline)
    assert k.kmap(pages[n - 1]) == base  # wraps: the flush frees slot 1, then slot 0 is free
    events = list(k.timeline)[start:]
    cleared = [e for e in events if type(e) is PteCleared]
    assert [e.vaddr for e in cleared] == [base + 4096]
    flushes = [e for e in events if type(e) is TlbFlushed]
    assert [(e.start, e.end) for e in flushes] == [(base, base + n * 4096)]
    assert k.pkmap_count[0] == 2 and k.pkmap_count[1] == 0 and k.page_address(pages[0]) is None
    assert not k.translate(base + 4096).ok
    assert k.kmap(pages[n]) == base + 4096  # the flushed slot is the next free one
    assert k.timeline.head == k.view_state()


@pytest.mark.parametrize("cfg", CONFIGS, ids=IDS)
def test_every_slot_in_use_would_sleep(cfg: Config) -> None:
    k = Kernel(cfg)
    n = k.layout.last_pkmap
    pages = highpages(k, n + 1)
    for p in pages[:n]:
        assert k.kmap(p) is not None
    start = len(k.timeline)
    assert k.kmap(pages[n]) is None
    events = list(k.timeline)[start:]
    assert type(events[-2]) is PkmapWaitQueued and events[-2].pfn == pages[n].pfn
    visits = [e for e in events if type(e) is PkmapSlotVisited]
    # the wrap to slot 0 resets the budget to LAST_PKMAP (map_new_virtual), so 2n-1 slots are looked at
    assert len([e for e in visits if e.verdict == "busy"]) == 2 * n - 1
    k.kunmap(pages[5])  # slot 6 has no user now; the next search wraps, flushes it and takes it
    assert k.kmap(pages[n]) == k.layout.pkmap_base + 6 * 4096


def test_kunmap_of_a_page_with_no_user_is_refused() -> None:
    k = Kernel(record=False)
    (a,) = highpages(k, 1)
    with pytest.raises(PageStateError):
        k.kunmap(a)
    k.kmap(a)
    k.kunmap(a)
    before = (k.pkmap_count, k.last_pkmap_nr)
    with pytest.raises(PageStateError):
        k.kunmap(a)
    assert (k.pkmap_count, k.last_pkmap_nr) == before


def test_refused_pages_change_nothing() -> None:
    k, other = Kernel(), Kernel(record=False)
    (a,) = highpages(k, 1)
    freed = k.alloc_pages(GFP_HIGHUSER, 0)
    k.free_pages(freed, 0)
    n = len(k.timeline)
    for bad in (other.alloc_pages(GFP_HIGHUSER, 0), freed, None, 5):
        with pytest.raises(vmwidgets.VmError):
            k.kmap(bad)
        with pytest.raises(vmwidgets.VmError):
            k.kmap_atomic(bad, KM_USER0)
    for t in (-1, 13, 1.0, None, True):
        with pytest.raises(InvalidArgument):
            k.kmap_atomic(a, t)
    assert len(k.timeline) == n and not any(k.pkmap_count)


@pytest.mark.parametrize("cfg", CONFIGS, ids=IDS)
def test_kmap_atomic_address_per_type(cfg: Config) -> None:
    k, r = with_reference(cfg)
    nr = r.km_type_nr
    assert k.km_types == ref.km_types(cfg.era) and len(k.km_types) == nr and k.km_types[KM_USER0] == "KM_USER0"
    pages = highpages(k, nr)
    for t, p in enumerate(pages):
        v = k.kmap_atomic(p, t)
        assert v == r.kmap_atomic(p.pfn, t) == r.km_slot_addr(t) == 0xFFFFF000 - (70 + t) * 4096
        assert k.translate(v).phys == p.phys_addr
    with pytest.raises(InvalidArgument):  # no nesting of one type (BUG_ON(!pte_none))
        k.kmap_atomic(pages[0], KM_USER1)
    for t in range(nr):
        k.kunmap_atomic(r.km_slot_addr(t) + 12, t)  # any address inside the page
        assert not k.translate(r.km_slot_addr(t)).ok
    with pytest.raises(InvalidArgument):  # nothing left to undo
        k.kunmap_atomic(r.km_slot_addr(KM_USER0), KM_USER0)


def test_kmap_atomic_user0_is_0xfffb6000_and_user1_a_page_below() -> None:
    for era in ("2.6.24", "2.6.32"):
        k = Kernel(Config(era=era), record=False)
        a, b = highpages(k, 2)
        assert k.kmap_atomic(a, KM_USER0) == 0xFFFB6000
        assert k.kmap_atomic(b, KM_USER1) == 0xFFFB5000
        with pytest.raises(vmwidgets.AddressError):  # neither KM_USER0's slot nor lowmem
            k.kunmap_atomic(0xFFFB5000, KM_USER0)


def test_the_era_differs_in_km_types_and_the_wrap_flush() -> None:
    assert vmwidgets.KM_NMI_PTE == 18
    with pytest.raises(InvalidArgument):
        Kernel(Config(era="2.6.24"), record=False).kmap_atomic(None, vmwidgets.KM_NMI)
    k24, k32 = Kernel(Config(era="2.6.24")), Kernel(Config(era="2.6.32"))
    for k in (k24, k32):
        n = k.layout.last_pkmap
        for p in highpages(k, n - 1):
            k.kmap(p)  # all in use: the wrap clears nothing
        k.kmap(highpages(k, 1)[0])
    flushed = [any(type(e) is TlbFlushed for e in k.timeline) for k in (k24, k32)]
    assert flushed == [True, False]  # 2.6.24 flushes on every wrap, 2.6.32 only after clearing


def test_fixmap_entries_in_enum_order() -> None:
    names24 = [e.name for e in Kernel(Config(era="2.6.24"), record=False).fixed_addresses]
    names32 = [e.name for e in Kernel(Config(era="2.6.32"), record=False).fixed_addresses]
    assert names24[-4:] == ["FIX_KMAP_BEGIN", "FIX_ACPI_BEGIN", "FIX_PCIE_MCFG", "FIX_PARAVIRT_BOOTMAP"]
    assert names32[-5:] == [
        "FIX_KMAP_BEGIN",
        "FIX_PCIE_MCFG",
        "FIX_PARAVIRT_BOOTMAP",
        "FIX_TEXT_POKE1",
        "FIX_TEXT_POKE0",
    ]
    k = Kernel(Config(era="2.6.24"), record=False)
    kmap = next(e for e in k.fixed_addresses if e.name == "FIX_KMAP_BEGIN")
    assert (kmap.first, kmap.last) == (70, 173)  # 13 types x 8 CPUs fill the 720 kB fixmap
    last = k.fixed_addresses[-1]
    # index i covers [FIXADDR_TOP - i*4K, +4K): the band's lowest page is P, the first boot slot
    assert last.last + 1 == k.config.fixmap_pages and last.start == k.layout.fixaddr_start + 4096


@pytest.mark.parametrize("cfg", CONFIGS, ids=IDS)
@pytest.mark.parametrize("seed", range(3))
def test_random_kmap_kunmap_match_the_reference(cfg: Config, seed: int) -> None:
    """Phases of few kunmaps (the pool fills: wraps, flushes, kmaps that would sleep) and of many."""
    rng = random.Random(seed)
    k, kmaps = with_reference(cfg)
    n = kmaps.n
    assert (n, kmaps.base) == (k.layout.last_pkmap, k.layout.pkmap_base)
    pages = highpages(k, 3 * n)
    held: list = []
    sleeps = 0
    for i in range(5 * n):
        if held and rng.random() < (0.15 if (i // n) % 2 == 0 else 0.6):
            p = held.pop(rng.randrange(len(held)))
            k.kunmap(p)
            kmaps.kunmap(p.pfn)
        else:
            p = rng.choice(pages)
            got, want = k.kmap(p), kmaps.kmap(p.pfn)
            assert got == want
            if got is None:
                sleeps += 1
            else:
                held.append(p)
        assert k.last_pkmap_nr == kmaps.last
    assert kmaps.flushes and sleeps  # the sequence did wrap, flush and fill the pool
    assert list(k.pkmap_count) == kmaps.count
    for slot in range(n):
        t = k.translate(kmaps.base + slot * 4096)
        assert t.phys == (kmaps.pte[slot] << 12 if slot in kmaps.pte else None)


def test_replay_of_kmaps_matches_the_model() -> None:
    k = Kernel(Config(era="2.6.32", pae=True), checkpoint_every=64)
    pages = highpages(k, 600)
    for i, p in enumerate(pages):
        k.kmap(p)
        if i % 3:
            k.kunmap(p)
    state = k.timeline.seek(0).copy()
    for ev in k.timeline:
        apply(ev, state)
    assert state == k.view_state() == k.timeline.head
    assert state.last_pkmap_nr == k.last_pkmap_nr and sum(state.pkmap_count.values()) == sum(k.pkmap_count)
    assert k.timeline.seek(0).pkmap_count == {}


def test_highmem_events_round_trip_through_json() -> None:
    k = Kernel(Config(era="2.6.32", pae=True))
    pages = highpages(k, 513)
    for p in pages:
        k.kmap(p)  # the last one would sleep
    k.kunmap_atomic(k.kmap_atomic(pages[0], KM_USER0), KM_USER0)
    kinds = {PageAddressRead, PkmapSlotVisited, PkmapCountChanged, PkmapWaitQueued, FixmapSlotComputed}
    seen = set()
    for e in k.timeline:
        if type(e) in kinds and type(e) not in seen:
            seen.add(type(e))
            assert event_from_json(e.to_json()) == e
    assert seen == kinds


@pytest.mark.parametrize("cfg", CONFIGS, ids=IDS)
def test_validate_struct_pages_leaves_an_unused_slot_uncounted(cfg: Config) -> None:
    """kunmap_high drops a slot to count 1 and its PTE stays until the flush: the frame's
    mapcount no longer counts it, and the model's check agrees (found by tests/test_stateful.py)."""
    k = Kernel(cfg, record=False)
    (a,) = highpages(k, 1)
    v = k.kmap(a)
    assert v is not None and k.mem_map.mapcount[a.pfn] == 1
    validate_struct_pages(k)
    k.kunmap(a)
    assert k.pkmap_count[1] == 1 and k.translate(v).phys == a.phys_addr and k.mem_map.mapcount[a.pfn] == 0
    validate_struct_pages(k)
    assert k.kmap(a) == v and k.mem_map.mapcount[a.pfn] == 1  # a user again: counted again
    validate_struct_pages(k)
    k.kunmap(a)
    k.kmap_flush_unused()
    validate_struct_pages(k)


# -- the reference's layout, fixmap enum and km types against the model ----------------------------

ERA_PAE = [(era, pae) for era in ref.ERAS for pae in (False, True)]
ERA_PAE_IDS = [f"{era}{'-pae' if pae else ''}" for era, pae in ERA_PAE]
# Option sets for enum fixed_addresses beyond the distro default (KConfig()): each changes P.
OPTION_SETS = [
    {},
    {"x86_f00f_bug": False, "x86_cyclone_timer": True},
    {"x86_f00f_bug": False},
    {"paravirt": False},
    {"pci_mmconfig": False, "acpi": False},
    {"x86_io_apic": False, "x86_visws_apic": True},
]


def _model_layout(era: str, pae: bool, p: int, ram: int) -> vmwidgets.model.layout.Layout:
    return vmwidgets.model.layout.Layout.compute(Config(era=era, pae=pae, ram=ram, fixmap_kb=4 * p))


@pytest.mark.parametrize(("era", "pae"), ERA_PAE, ids=ERA_PAE_IDS)
def test_layout_around_the_pkmap_matches_the_reference(era: str, pae: bool) -> None:
    """LAST_PKMAP, FIXADDR_START, FIXADDR_BOOT_START, PKMAP_BASE, VMALLOC_END and max_low_pfn for
    fixmaps of every option set and NR_CPUS 1-200, RAM 512 MB to 4 GB (8 GB with PAE)."""
    rams = [512 << 20, 1 << 30, 2 << 30, 4 << 30] + ([8 << 30] if pae else [])
    seen = set()
    for opts in OPTION_SETS:
        for cpus in (1, 2, 3, 4, 8, 16, 32, 64, 128, 200):
            kc = ref.KConfig(pae=pae, nr_cpus=cpus, **opts)
            assert kc.plausible(era)
            p = ref.fixmap_enum(era, kc).permanent_end
            for ram in rams:
                want = ref.layout(era, pae, p, ram, kc)
                lay = _model_layout(era, pae, p, ram)
                got = (lay.fixaddr_start, lay.fixaddr_boot_start, lay.pkmap_base, lay.last_pkmap, lay.vmalloc_end)
                assert got == want[:5], (opts, cpus, ram)
                assert (lay.maxmem, lay.max_low_pfn, lay.high_memory) == want[5:], (opts, cpus, ram)
                assert lay.end_of_fixed_addresses == ref.boot_slots_end(era, p)
                seen.add(want.pkmap_base)
    assert len(seen) > 1  # the sweep moved PKMAP_BASE


@pytest.mark.parametrize("era", ref.ERAS)
def test_pkmap_base_over_every_fixmap_size(era: str) -> None:
    """Every P the model accepts (4 kB to 16 MB of fixmap): the model's PKMAP_BASE and VMALLOC_END
    are the reference's, and 2.6.32's optional boot slots (PROVIDE_OHCI1394_DMA_INIT,
    INTEL_TXT), which the model leaves out, never move PKMAP_BASE: only FIXADDR_BOOT_START."""
    for pae in (False, True):
        for p in range(1, 4097):
            lay = _model_layout(era, pae, p, 1 << 30)
            want = ref.layout(era, pae, p, 1 << 30)
            assert (lay.pkmap_base, lay.vmalloc_end, lay.fixaddr_boot_start) == (
                want.pkmap_base,
                want.vmalloc_end,
                want.fixaddr_boot_start,
            )
            if era == "2.6.32":
                for extra in (
                    {"provide_ohci1394_dma_init": True},
                    {"intel_txt": True},
                    {"intel_txt": True, "provide_ohci1394_dma_init": True},
                ):
                    assert ref.layout(era, pae, p, 1 << 30, ref.KConfig(pae=pae, **extra)).pkmap_base == want.pkmap_base


def _model_fixmap(era: str, pae: bool, p: int) -> list[tuple[str, int, int]]:
    cfg = Config(era=era, pae=pae, fixmap_kb=4 * p)
    entries = vmwidgets.model.highmem.fixed_addresses(cfg, vmwidgets.model.layout.Layout.compute(cfg))
    top = cfg.fixaddr_top
    for e in entries:  # [__fix_to_virt(last), __fix_to_virt(first) + PAGE_SIZE)
        assert (e.start, e.end) == (ref.fix_to_virt(e.last, top), ref.fix_to_virt(e.first, top) + ref.PAGE_SIZE)
    return [(e.name, e.first, e.last) for e in entries]


@pytest.mark.parametrize(("era", "pae"), ERA_PAE, ids=ERA_PAE_IDS)
def test_fixmap_permanent_entries_match_the_reference_enum(era: str, pae: bool) -> None:
    """The model's enum (FIX_KMAP_BEGIN = 70) is the reference's under the distro options
    (LOCAL_APIC, IO_APIC, F00F_BUG, ACPI, PCI_MMCONFIG, PARAVIRT) for every NR_CPUS: its
    FIX_KMAP_END and the entries after it follow from the fixmap size.  CYCLONE_TIMER in
    place of F00F_BUG gives the same indices under another name."""
    for cpus in range(1, 65):
        kc = ref.KConfig(pae=pae, nr_cpus=cpus)
        enum = ref.fixmap_enum(era, kc)
        assert enum.index("FIX_KMAP_BEGIN") == vmwidgets.model.highmem.FIX_KMAP_BEGIN == 70
        assert _model_fixmap(era, pae, enum.permanent_end) == list(enum.permanent)
        cyclone = ref.fixmap_enum(era, ref.KConfig(pae=pae, nr_cpus=cpus, x86_f00f_bug=False, x86_cyclone_timer=True))
        assert [e[1:] for e in cyclone.permanent] == [e[1:] for e in enum.permanent]
    k = Kernel(Config(era=era, pae=pae, fixmap_kb=4 * ref.fixmap_enum(era, ref.KConfig(pae=pae)).permanent_end))
    assert [(e.name, e.first, e.last) for e in k.fixed_addresses] == list(
        ref.fixmap_enum(era, ref.KConfig(pae=pae)).permanent
    )


def test_default_fixmap_sizes_against_the_enum() -> None:
    """The non-PAE defaults (720 kB, 904 kB) are the distro enum with NR_CPUS 8.  The PAE defaults
    (3612 kB, read off 2.6.27/2.6.28 -server logs, and 3744 kB) come from no 2.6.24 or 2.6.32
    enum under a plausible config: 903 pages needs 2.6.24 without ACPI (and so without
    PCI_MMCONFIG), 936 pages no config at all.  The model then lists ⌊CPUs⌋ KM blocks and
    leaves the rest unnamed (documented in model/highmem.py:fixed_addresses)."""
    assert Config(era="2.6.24").fixmap_pages == ref.fixmap_enum("2.6.24", ref.KConfig()).permanent_end == 180
    assert Config(era="2.6.32").fixmap_pages == ref.fixmap_enum("2.6.32", ref.KConfig()).permanent_end == 226
    names = ("x86_local_apic", "x86_io_apic", "x86_visws_apic", "x86_f00f_bug", "x86_cyclone_timer", "acpi",
             "pci_mmconfig", "paravirt")  # fmt: skip
    for era in ref.ERAS:
        target = Config(era=era, pae=True).fixmap_pages
        hits = []
        for bits in range(1 << len(names)):
            opts = {name: bool(bits >> i & 1) for i, name in enumerate(names)}
            for cpus in range(1, 513):
                kc = ref.KConfig(pae=True, nr_cpus=cpus, **opts)
                if kc.plausible(era) and ref.fixmap_enum(era, kc).permanent_end == target:
                    hits.append(kc)
        assert all(not kc.acpi for kc in hits) and (era == "2.6.24") == bool(hits)
        kmap = next(e for e in _model_fixmap(era, True, target) if e[0] == "FIX_KMAP_BEGIN")
        assert (kmap[2] - kmap[1] + 1) % len(ref.km_types(era)) == 0  # whole CPUs, the rest unnamed


@pytest.mark.parametrize("era", ref.ERAS)
def test_km_types_per_era(era: str) -> None:
    """Names and values of enum km_type: the model's constants and k.km_types are the reference's."""
    names = ref.km_types(era)
    assert len(names) == {"2.6.24": 13, "2.6.32": 19}[era]
    assert Kernel(Config(era=era), record=False).km_types == names
    assert vmwidgets.model.highmem.km_types(Config(era=era)) == names
    for value, name in enumerate(ref.KM_NAMES_32):
        assert getattr(vmwidgets, name) == value
    # CONFIG_DEBUG_HIGHMEM (not modelled) would fence every member: KM_USER0 = 7
    debug = ref.km_types(era, debug_highmem=True)
    assert debug.index("KM_USER0") == 7 and len(debug) == 2 * len(names) + 1


@pytest.mark.parametrize(("era", "pae"), [(era, False) for era in ref.ERAS], ids=list(ref.ERAS))
def test_without_config_highmem(era: str, pae: bool) -> None:
    """No CONFIG_HIGHMEM: VMALLOC_END = FIXADDR_START - 2 pages, no PKMAP_BASE.  2.6.24 has no
    FIX_KMAP slots then (fixmap_32.h:78-81 under CONFIG_HIGHMEM); 2.6.32 keeps them (fixmap.h:104-106,
    under CONFIG_X86_32)."""
    kc = ref.KConfig(pae=pae, highmem=False)
    enum = ref.fixmap_enum(era, kc)
    for ram in (512 << 20, 1 << 30, 2 << 30):
        cfg = Config(era=era, pae=pae, ram=ram, highmem=False, fixmap_kb=4 * enum.permanent_end)
        lay = vmwidgets.model.layout.Layout.compute(cfg)
        want = ref.layout(era, pae, enum.permanent_end, ram, kc)
        assert (lay.fixaddr_start, lay.pkmap_base, lay.vmalloc_end, lay.max_low_pfn) == (
            want.fixaddr_start,
            want.pkmap_base,
            want.vmalloc_end,
            want.max_low_pfn,
        )
        entries = vmwidgets.model.highmem.fixed_addresses(cfg, lay)
        assert [(e.name, e.first, e.last) for e in entries] == list(enum.permanent)


# -- seeded random interleavings of every entry point, highmem and lowmem pages -------------------

RAM2G = [dataclasses.replace(c, ram=2 << 30) for c in CONFIGS]


def _state(k: Kernel, flushes: list) -> tuple:
    return k.pkmap_count, k.last_pkmap_nr, k.highmem.pagefault_disabled, len(flushes)


@pytest.mark.parametrize("cfg", RAM2G, ids=IDS)
@pytest.mark.parametrize("seed", range(4))
def test_random_interleaving_matches_the_reference(cfg: Config, seed: int) -> None:
    """kmap / kunmap / kmap_atomic / kunmap_atomic / kmap_flush_unused / page_address on highmem
    (GFP_HIGHUSER) and lowmem (GFP_KERNEL) pages, wrong calls included: results, the kernel's
    BUGs (the model refuses exactly those, changing nothing), last_pkmap_nr, pkmap_count,
    pagefault_disable's depth, every PTE of the pkmap and the KM slots, and every TLB flush
    (the model's TlbFlushed events: the pkmap range on a wrap or kmap_flush_unused, one page
    in kunmap_atomic) against the reference's count."""
    rng = random.Random(seed)
    k, r = with_reference(cfg)
    n = r.n
    high = highpages(k, 2 * n)
    low = [k.alloc_pages(GFP_KERNEL, 0) for _ in range(24)]
    for p in high + low:
        assert r.highmem(p.pfn) == (p.zone == "HighMem")
    assert not any(r.highmem(p.pfn) for p in low)
    flushes: list[tuple[int, int]] = []
    k.subscribe(lambda e: flushes.append((e.start, e.end)) if type(e) is TlbFlushed else None)
    held: list = []  # pages kmapped, once per kmap
    atomic: list[tuple[int, int]] = []  # (vaddr, type) of kmap_atomic calls not yet undone
    nr_types = r.km_type_nr
    seen: dict[str, int] = {}

    def both(name: str, *args: object) -> tuple[bool, object]:
        """k.<name>(*args) and the reference's, pages passed to it as pfns."""
        try:
            want = getattr(r, name)(*(getattr(a, "pfn", a) for a in args))
        except ref.Bug:
            before = _state(k, flushes)
            with pytest.raises(vmwidgets.VmError):
                getattr(k, name)(*args)
            assert _state(k, flushes) == before
            seen[name + " BUG"] = seen.get(name + " BUG", 0) + 1
            return False, None
        got = getattr(k, name)(*args)
        assert got == want, name
        seen[name] = seen.get(name, 0) + 1
        return True, got

    def page() -> object:
        return rng.choice(high) if rng.random() < 0.85 else rng.choice(low)

    for i in range(6 * n):
        fill = (i // (2 * n)) % 2 == 0  # phases of few kunmaps (the pool fills) and of many
        x = rng.random()
        if x < (0.66 if fill else 0.20):
            p = page()
            ok, v = both("kmap", p)
            if v is not None:
                held.append(p)
            elif ok:
                seen["kmap sleeps"] = seen.get("kmap sleeps", 0) + 1
        elif x < (0.67 if fill else 0.66) and held:
            p = held.pop(rng.randrange(len(held)))
            both("kunmap", p)
        elif x < 0.74:
            p, t = page(), rng.randrange(nr_types)
            ok, v = both("kmap_atomic", p, t)
            if ok:
                atomic.append((v, t))
        elif x < 0.86:
            if atomic and rng.random() < 0.8:
                j = rng.randrange(len(atomic))
                v, t = atomic[j]
                if rng.random() < 0.2:
                    t = rng.randrange(nr_types)  # the wrong type: a BUG unless v is lowmem
                v += rng.randrange(4096)  # any address inside the page
            else:  # nothing to undo, or a slot that is empty
                j, v, t = -1, r.km_slot_addr(rng.randrange(nr_types)), rng.randrange(nr_types)
            slot = r.km_slot_addr(t)
            if v & ~0xFFF == slot and t not in r.kmap_pte and r.pagefault_depth:
                # the kernel clears the empty PTE, flushes it and enables page faults once;
                # the model refuses (its kunmap_atomic docstring says why)
                before = _state(k, flushes)
                with pytest.raises(InvalidArgument):
                    k.kunmap_atomic(v, t)
                assert _state(k, flushes) == before
                continue
            ok, _ = both("kunmap_atomic", v, t)
            if ok and j >= 0:
                atomic.pop(j)
            for u in (t, rng.randrange(nr_types)):  # the type's own PTE is the one cleared, others stay
                assert k.translate(r.km_slot_addr(u)).phys == (r.kmap_pte[u] << 12 if u in r.kmap_pte else None)
        elif x < 0.88:
            both("kmap_flush_unused")
        elif x < 0.94:
            p = rng.choice(high + low + held)
            both("page_address", p)
        else:  # kunmap of a page with no kmap left: a BUG for highmem, nothing for lowmem
            p = page()
            if p not in held:
                both("kunmap", p)
        assert (k.last_pkmap_nr, k.highmem.pagefault_disabled, len(flushes)) == (
            r.last,
            r.pagefault_depth,
            len(r.flushes),
        )
        if i % 512 == 0:
            assert list(k.pkmap_count) == r.count
    assert flushes == r.flushes
    assert list(k.pkmap_count) == r.count
    for slot in range(n):
        assert k.translate(r.pkmap_addr(slot)).phys == (r.pte[slot] << 12 if slot in r.pte else None)
    for t in range(nr_types):
        assert k.translate(r.km_slot_addr(t)).phys == (r.kmap_pte[t] << 12 if t in r.kmap_pte else None)
    for p in high + low:
        assert k.page_address(p) == r.page_address(p.pfn)
    # every path was taken: wraps with flushes, sleeps, BUGs of each kind
    wanted = {"kmap", "kmap sleeps", "kunmap", "kunmap BUG", "kmap_atomic", "kmap_atomic BUG", "kunmap_atomic",
              "kunmap_atomic BUG", "kmap_flush_unused", "page_address"}  # fmt: skip
    assert wanted <= set(seen), seen
    sizes = {e - s for s, e in r.flushes}
    assert sizes == {4096, n * 4096}
