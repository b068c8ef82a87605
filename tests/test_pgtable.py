"""Page tables: the boot direct map, walks in both paging modes, PTE installs by vmalloc."""

from __future__ import annotations

import pytest

from vmwidgets import Config, InvalidArgument, Kernel
from vmwidgets.events import FrameAllocated, PageTableAllocated, PteInstalled


def test_non_pae_lowmem_is_mapped_by_4mb_pages() -> None:
    k = Kernel()
    t = k.translate(0xC0801234)
    assert t.phys == 0x801234 and t.page_size == 4 << 20 and t.fault is None
    (step,) = t.steps
    assert (step.level, step.index) == ("pgd", 770) and "PSE" in step.flags and "GLOBAL" in step.flags
    assert step.table == k.swapper_pg_dir.pfn
    assert k.split(0xC0801234) == {"pgd": 770, "pte": 1, "offset": 0x234}


def test_pae_walks_three_levels_with_2mb_pages_and_nx_on_data() -> None:
    k = Kernel(Config(pae=True))
    t = k.translate(0xC0801234)
    assert [s.level for s in t.steps] == ["pgd", "pmd"]
    assert [s.index for s in t.steps] == [3, 4]
    assert t.steps[0].flags == ("PRESENT",)  # a PAE PDPT entry has only the present bit
    assert t.phys == 0x801234 and t.page_size == 2 << 20
    assert "NX" in k.translate(0xC2000000).steps[-1].flags  # data
    assert "NX" not in k.translate(0xC0100000).steps[-1].flags  # kernel text
    assert k.split(0xC0801234) == {"pgd": 3, "pmd": 4, "pte": 1, "offset": 0x234}


def test_without_pse_lowmem_has_4kb_page_tables() -> None:
    k = Kernel(Config(pse=False, ram=256 << 20))
    t = k.translate(0xC0801234)
    assert [s.level for s in t.steps] == ["pgd", "pte"]
    assert t.phys == 0x801234 and t.page_size == 4096
    assert t.steps[1].index == 1 and "PSE" not in t.steps[0].flags
    assert not k.translate(0xC0000000 + (256 << 20)).ok  # exactly max_low_pfn frames mapped


def test_a_walk_that_stops_names_the_level() -> None:
    k = Kernel()
    t = k.translate(0x08048000)
    assert not t.ok and t.fault == "pgd" and t.phys is None
    assert "fault" in str(t)
    pae = Kernel(Config(pae=True))
    assert pae.translate(pae.layout.vmalloc_start).fault == "pmd"


def test_vmalloc_allocates_a_pte_table_then_installs_ptes() -> None:
    k = Kernel()
    start = len(k.timeline)
    addr = k.vmalloc(3 * 4096)
    evs = list(k.timeline)[start:]
    kinds = [e.kind for e in evs]
    i = kinds.index("PageTableAllocated")
    table_ev = evs[i]
    assert isinstance(evs[i - 1], FrameAllocated) and evs[i - 1].pfn == table_ev.pfn
    assert evs[i - 1].zone in (0, 1)  # GFP_KERNEL: page tables live in lowmem
    assert table_ev.parent == k.swapper_pg_dir.pfn and table_ev.index == addr >> 22
    ptes = [e for e in evs if isinstance(e, PteInstalled)]
    area = k.find_vm_area(addr)
    assert [e.vaddr for e in ptes] == [addr, addr + 4096, addr + 8192]
    assert [e.entry >> 12 for e in ptes] == [p.pfn for p in area.pages]
    assert all(e.entry & 0xFFF == 0x163 for e in ptes)  # PAGE_KERNEL: present, rw, accessed, dirty, global
    t = k.translate(addr + 4096 + 5)
    assert [s.level for s in t.steps] == ["pgd", "pte"] and t.phys == (area.pages[1].pfn << 12) + 5
    assert k.translate(addr + 3 * 4096).fault == "pte"  # the guard page
    again = len(k.timeline)
    k.vmalloc(4096)
    assert not any(isinstance(e, PageTableAllocated) for e in list(k.timeline)[again:])


def test_pae_vmalloc_ptes_carry_nx() -> None:
    k = Kernel(Config(pae=True, era="2.6.32"))
    addr = k.vmalloc(4096)
    t = k.translate(addr)
    assert [s.level for s in t.steps] == ["pgd", "pmd", "pte"] and "NX" in t.steps[-1].flags


def test_page_tables_are_frames() -> None:
    k = Kernel()
    assert any(s <= k.swapper_pg_dir.pfn < e and "page tables" in w for s, e, w in k.reserved)
    addr = k.vmalloc(4096)
    table = k.translate(addr).steps[-1].table
    assert table in k.alloc_order and k.page(table).count == 1


def test_translate_checks_its_arguments() -> None:
    k = Kernel()
    n = len(k.timeline)
    with pytest.raises(InvalidArgument, match="vaddr"):
        k.translate(1 << 32)
    with pytest.raises(InvalidArgument, match="pgd"):
        k.translate(0xC0000000, pgd=k.page(0x2000))
    assert len(k.timeline) == n


def test_2_6_32_maps_the_first_and_last_bits_of_lowmem_with_4kb_pages() -> None:
    k = Kernel(Config(era="2.6.32"))
    hm = k.layout.high_memory  # 0xf77fe000: not 4 MB aligned
    assert k.translate(0xC0000000).page_size == 4096  # the first 4 MB: fixed MTRRs live there
    assert k.translate(0xC0400000).page_size == 4 << 20
    assert k.translate(hm - 4096).page_size == 4096 and k.translate(hm - 4096).ok
    assert k.translate(hm).fault == "pte"  # nothing past max_low_pfn
    old = Kernel()
    assert old.translate(old.layout.high_memory - 1).page_size == 4 << 20  # 2.6.24: large pages throughout


def test_pae_user_pgd_entries_point_at_empty_zero_page() -> None:
    k = Kernel(Config(pae=True))
    t = k.translate(0x08048000)
    assert t.steps[0].flags == ("PRESENT",) and t.fault == "pmd"
    zero = {k.translate(va).steps[1].table for va in (0, 0x40000000, 0x80000000)}
    assert len(zero) == 1  # all three user entries share the one empty_zero_page
