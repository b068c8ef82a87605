"""vmalloc/vfree, vmap, ioremap and /proc/vmallocinfo follow mm/vmalloc.c."""

from __future__ import annotations

import itertools

import pytest
from helpers import check_frames, check_vmlist

from vmwidgets import GFP_KERNEL, VM_ALLOC, VM_MAP, Config, Kernel, NotAVmallocArea, VmStruct
from vmwidgets.render.pseudocode import lines_for


def test_vm_struct_has_exactly_the_kernel_fields() -> None:
    k = Kernel()
    k.vmalloc(100)
    area = k.vmlist
    assert isinstance(area, VmStruct)
    fields = [f for f in VmStruct.__slots__ if not f.startswith("_")]
    assert sorted(fields) == sorted(["next", "addr", "size", "flags", "pages", "nr_pages", "phys_addr", "caller"])
    assert (area.size, area.flags, area.nr_pages, area.phys_addr) == (8192, VM_ALLOC, 1, 0)


def test_first_fit_packs_areas_back_to_back_with_guard_pages() -> None:
    k = Kernel()
    start = k.layout.vmalloc_start
    a = k.vmalloc(8192)
    b = k.vmalloc(1)
    c = k.vmalloc(3 * 4096)
    assert (a, b, c) == (start, start + 3 * 4096, start + 5 * 4096)
    assert [x.addr for x in k.vmlist] == [a, b, c]
    assert k.vmlist.next.next.next is None
    k.vfree(b)
    assert k.vmalloc(4096) == b  # the hole is reused: first fit
    k.vfree(b)
    assert k.vmalloc(8192) == start + 9 * 4096  # too big for the hole: goes after c
    check_vmlist(k)


def test_era_2_6_32_leaves_one_more_page_between_areas() -> None:
    k = Kernel(Config(era="2.6.32"))
    a = k.vmalloc(4096)
    b = k.vmalloc(4096)
    assert a == k.layout.vmalloc_start and b == a + 3 * 4096


def test_the_hole_search_is_visible_node_by_node() -> None:
    k = Kernel()
    addrs = [k.vmalloc(4096) for _ in range(3)]
    k.vfree(addrs[1])
    n = len(k.timeline)
    k.vmalloc(4096)
    evs = list(k.timeline)[n:]
    visits = [(e.addr, e.verdict) for e in evs if e.kind == "VmlistVisited"]
    assert visits == [(addrs[0], "skip"), (addrs[2], "fits")]
    linked = next(e for e in evs if e.kind == "VmStructLinked")
    assert (linked.addr, linked.position) == (addrs[1], 1)
    assert linked.fn == "mm/vmalloc.c:__get_vm_area_node"


def test_vmallocinfo_format() -> None:
    k = Kernel()
    k.vmalloc(8192, caller="e1000_probe+0x2a/0x3b0")
    k.ioremap(0xFEBC0000, 0x20000, caller="e1000_probe+0x1f/0x3b0")
    k.vmap([k.alloc_pages(GFP_KERNEL, 0)], caller=None)
    lines = k.vmallocinfo().splitlines()
    assert lines == [
        "0xf8800000-0xf8803000   12288 e1000_probe+0x2a/0x3b0 pages=2 vmalloc",
        "0xf8803000-0xf8805000    8192 vmap",
        "0xf8840000-0xf8861000  135168 e1000_probe+0x1f/0x3b0 phys=febc0000 ioremap",
    ]


def test_vmalloc_takes_frames_one_by_one_highmem_first() -> None:
    k = Kernel()
    addr = k.vmalloc(5 * 4096)
    area = k.find_vm_area(addr)
    assert [p.zone for p in area.pages] == ["HighMem"] * 5
    assert all(p.count == 1 for p in area.pages)
    assert [k.vmalloc_to_page(addr + i * 4096) for i in range(5)] == area.pages
    assert area.pages[2].mappings == (addr + 2 * 4096,)


def test_a_big_vmalloc_vmallocs_its_pages_array() -> None:
    k = Kernel()
    addr = k.vmalloc(5 << 20)
    info = k.vmallocinfo().splitlines()
    assert info[0].endswith("pages=1280 vmalloc vpages")
    assert info[1].split()[1] == "12288" and info[1].endswith("pages=2 vmalloc")  # 1280*4 bytes
    k.vfree(addr)
    assert k.vmlist is None
    check_frames(k)


def test_vfree_returns_every_frame() -> None:
    k = Kernel()
    before = {(z.index, o): sorted(fa.free_list) for z in k.zones for o, fa in enumerate(z.free_area)}
    addr = k.vmalloc(10 * 4096)
    table = k.translate(addr).steps[0].entry >> 12
    k.vfree(addr)
    k.page_alloc.free(table, 0)  # vmalloc's page table stays, as in the kernel
    after = {(z.index, o): sorted(fa.free_list) for z in k.zones for o, fa in enumerate(z.free_area)}
    assert after == before
    assert not k.translate(addr).ok


@pytest.mark.parametrize(
    ("addr", "message"),
    [(0xF8800010, "Trying to vfree() bad address (f8800010)"), (0xF9000000, "Trying to vfree() nonexistent vm area")],
)
def test_bad_vfree_warns_then_raises_and_corrupts_nothing(addr: int, message: str) -> None:
    k = Kernel()
    k.vmalloc(4096)
    before = k.view_state()
    with pytest.raises(NotAVmallocArea, match="addr="):
        k.vfree(addr)
    assert k.view_state() == before and k.timeline.head == before
    warning = next(e for e in reversed(k.timeline) if e.kind == "WarningPrinted")
    assert warning.message.startswith(message)
    assert k.timeline.operations[-1].result == "error: NotAVmallocArea"


def test_double_vfree_is_caught() -> None:
    k = Kernel()
    addr = k.vmalloc(4096)
    k.vfree(addr)
    with pytest.raises(NotAVmallocArea):
        k.vfree(addr)
    assert k.vfree(None) is None


def test_out_of_vmalloc_space_returns_null() -> None:
    k = Kernel()
    before = k.view_state()
    assert k.vmalloc(200 << 20) is None
    assert k.view_state() == before
    kinds = [e.kind for e in k.timeline]
    assert "AllocationFailed" in kinds
    warning = next(e for e in k.timeline if e.kind == "WarningPrinted")
    assert warning.message == "allocation failed: out of vmalloc space - use vmalloc=<size> to increase size."
    assert k.dmesg().splitlines()[-1] == warning.message  # printk'd to the kernel log


def test_2_6_32_says_out_of_space_as_alloc_vmap_area_does() -> None:
    k = Kernel(Config(era="2.6.32"))
    assert k.vmalloc(200 << 20) is None
    assert k.dmesg().splitlines()[-1] == (
        "vmap allocation for size 209719296 failed: use vmalloc=<size> to increase size."
    )


def test_out_of_memory_undoes_the_half_built_area() -> None:
    k = Kernel(Config(ram=40 << 20), record=False)
    free_before, boot_tables = sum(z.free_pages for z in k.zones), set(k.page_tables)
    assert k.vmalloc(free_before * 4096 - 4096) is None  # fits the space, not the memory
    assert k.vmlist is None
    new_tables = set(k.page_tables) - boot_tables  # the pages[] array was mapped; its table stays
    assert sum(z.free_pages for z in k.zones) + len(new_tables) == free_before
    check_frames(k)


def test_ioremap_maps_device_memory_without_frames() -> None:
    k = Kernel()
    frames = dict(k.alloc_order)
    addr = k.ioremap(0xFEC00000, 4096)
    area = k.find_vm_area(addr)
    assert area.size == 8192 and area.addr % 8192 == 0  # 4 kB ioremap: 8 kB alignment
    assert area.phys_addr == 0xFEC00000 and area.nr_pages == 0 and area.pages is None
    t = k.translate(addr + 0x20)
    assert t.phys == 0xFEC00020 and t.steps[-1].entry & 0xFFF == 0x063  # 2.6.24 ioremap(): cached, not global
    assert set(k.alloc_order) - set(frames) == {t.steps[-1].table}  # only a page table
    off = k.ioremap(0xE0001234, 16)
    assert off & 0xFFF == 0x234 and k.translate(off).phys == 0xE0001234
    k.iounmap(off)
    k.iounmap(addr)
    assert k.vmlist is None


def test_ioremap_special_cases() -> None:
    k = Kernel()
    assert k.ioremap(0xB8000, 4000) == 0xC00B8000  # the ISA window is always mapped
    assert k.vmlist is None
    assert k.ioremap(0x2000000, 4096) is None  # lowmem RAM the page allocator owns
    assert k.timeline[-2].kind == "AllocationFailed"
    assert k.ioremap(0x100000, 4096) is not None  # reserved RAM (the kernel image) may be remapped
    assert k.ioremap(0x3F000000, 4096) is not None  # 2.6.24 checks only ranges starting in lowmem


def test_ioremap_in_2_6_32_is_uncached_and_skips_the_last_page_in_its_ram_check() -> None:
    k = Kernel(Config(era="2.6.32"))
    addr = k.ioremap(0xFEC00000, 4096)
    assert k.translate(addr).steps[-1].entry & 0xFFF == 0x173  # PAGE_KERNEL | PCD (ioremap_nocache)
    assert k.ioremap(0x3F000000, 8192) is None  # highmem RAM is checked too
    assert k.ioremap(0x3F000000, 4096) is not None  # ...but not the last page of the range


def test_iounmap_ignores_lowmem_and_warns_about_unknown_areas() -> None:
    k = Kernel()
    before = k.view_state()
    k.iounmap(0xC00B8000)  # the ISA window came from the direct map: nothing to undo
    assert k.view_state() == before
    with pytest.raises(NotAVmallocArea, match="addr=0xf8801234"):
        k.iounmap(0xF8801234)
    assert k.dmesg().splitlines()[-1] == "iounmap: bad address f8801000"
    assert k.view_state() == before


def test_vmap_maps_callers_frames_and_vunmap_keeps_them() -> None:
    k = Kernel()
    pages = [k.alloc_pages(GFP_KERNEL, 0) for _ in range(3)]
    addr = k.vmap(pages)
    area = k.find_vm_area(addr)
    assert area.flags == VM_MAP and area.nr_pages == 0 and area.pages is None  # as 2.6.24's vmap
    assert [k.translate(addr + i * 4096).phys >> 12 for i in range(3)] == [p.pfn for p in pages]
    k.vunmap(addr)
    assert all(p.count == 1 for p in pages) and k.vmlist is None
    for p in pages:
        k.free_pages(p, 0)


def test_find_vm_area_matches_the_start_only() -> None:
    k = Kernel()
    addr = k.vmalloc(8192)
    assert k.find_vm_area(addr) is k.vmlist
    assert k.find_vm_area(addr + 4096) is None
    assert k.vmalloc_to_page(addr + 8192) is None  # guard page


def test_a_fresh_machine_hands_out_neighbours_an_aged_one_scatters() -> None:
    fresh = Kernel()
    pfns = [p.pfn for p in fresh.find_vm_area(fresh.vmalloc(8 * 4096)).pages]
    assert pfns == list(range(pfns[0], pfns[0] + 8))  # the buddy allocator splits one block
    aged = Kernel(Config(aged=True, seed=3))
    check_frames(aged)
    scattered = [p.pfn for p in aged.find_vm_area(aged.vmalloc(8 * 4096)).pages]
    assert sum(b - a != 1 for a, b in itertools.pairwise(scattered)) >= 5
    again = Kernel(Config(aged=True, seed=3))
    assert [p.pfn for p in again.find_vm_area(again.vmalloc(8 * 4096)).pages] == scattered  # deterministic
    other = Kernel(Config(aged=True, seed=4))
    assert [p.pfn for p in other.find_vm_area(other.vmalloc(8 * 4096)).pages] != scattered
    assert aged.timeline.seek(0) == aged.timeline._checkpoints[0]  # aging happened before the timeline


@pytest.mark.parametrize("era", ["2.6.24", "2.6.32"])
def test_size_limit_is_num_physpages_then_totalram_pages(era: str) -> None:
    """mm/vmalloc.c: 2.6.24's vmap and __vmalloc_node refuse more than num_physpages pages (411,
    496); 2.6.32's more than totalram_pages (1389, 1499), which leaves out reserved frames."""
    k = Kernel(Config(era=era, ram=64 << 20))
    n = k.page_alloc.totalram_pages
    assert n < k.page_alloc.nr_pages == 16384
    page = k.alloc_pages(GFP_KERNEL)
    addr = k.vmap([page] * (n + 1))  # count between the two limits
    if era == "2.6.24":
        assert addr is not None
        k.vunmap(addr)
    else:
        assert addr is None and k.vmlist is None
    start = len(k.timeline)
    assert k.vmalloc((n + 1) << 12) is None  # too big for memory in both eras, refused at once only in 2.6.32
    failed = [e for e in list(k.timeline)[start:] if e.kind == "AllocationFailed"]
    assert ("totalram_pages" in failed[0].reason) == (era == "2.6.32")
    assert k.vmlist is None


@pytest.mark.parametrize(
    ("era", "where"),
    [
        (
            "2.6.24",
            {
                "ioremap": "arch/x86/mm/ioremap_32.c:__ioremap",
                "iounmap": "arch/x86/mm/ioremap_32.c:iounmap",
                "find_vm_area": "mm/vmalloc.c:__find_vm_area",
                "vmalloc_to_page": "mm/memory.c:vmalloc_to_page",
                "pgd": "arch/x86/mm/pgtable_32.c",
            },
        ),
        (
            "2.6.32",
            {
                "ioremap": "arch/x86/mm/ioremap.c:__ioremap_caller",
                "iounmap": "arch/x86/mm/ioremap.c:iounmap",
                "find_vm_area": "mm/vmalloc.c:find_vm_area",
                "vmalloc_to_page": "mm/vmalloc.c:vmalloc_to_page",
                "pgd": "arch/x86/mm/pgtable.c",
            },
        ),
    ],
)
def test_event_sources_name_the_eras_files(era: str, where: dict[str, str]) -> None:
    """2.6.24 keeps ioremap in arch/x86/mm/ioremap_32.c (__ioremap, line 37; iounmap, 160),
    vmalloc_to_page in mm/memory.c (2626), the static __find_vm_area in mm/vmalloc.c (271) and
    the pgd code in arch/x86/mm/pgtable_32.c (pgd_ctor 240, pgd_alloc 325, pgd_free 355);
    2.6.32 has arch/x86/mm/ioremap.c (__ioremap_caller 99, iounmap 322), mm/vmalloc.c's
    vmalloc_to_page (206) and static find_vm_area (1246, no __find_vm_area), and
    arch/x86/mm/pgtable.c (68, 227, 268).  The pseudo-code is found for either file."""
    k = Kernel(Config(era=era, pae=True))
    start = len(k.timeline)
    io = k.ioremap(0xFEC00000, 4096)
    assert io is not None
    k.find_vm_area(io)
    k.vmalloc_to_page(io)
    k.iounmap(io)
    task = k.spawn("a")
    assert task is not None
    k.exit(task)
    fns = {e.fn for e in list(k.timeline)[start:]}
    for name in ("ioremap", "iounmap", "find_vm_area", "vmalloc_to_page"):
        assert where[name] in fns, (name, sorted(fns))
    pgd = {f for f in fns if f.rpartition(":")[2] in ("pgd_alloc", "pgd_ctor", "pgd_free")}
    assert {f.rpartition(":")[0] for f in pgd} == {where["pgd"]} and len(pgd) == 3
    assert all(lines_for(f)[1] for f in pgd | {where["iounmap"]})
