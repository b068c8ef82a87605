"""Config validation, the era formulas, zones, __pa/__va and the region list."""

from __future__ import annotations

import itertools

import pytest

from vmwidgets import AddressError, Config, ConfigError, Kernel, Layout, VmError

MB = 1 << 20


def test_default_is_the_first_lesson_machine() -> None:
    lay = Kernel().layout
    assert lay.high_memory - lay.page_offset == 896 * MB  # exactly 896 MB of lowmem
    assert (lay.max_pfn - lay.max_low_pfn) * 4096 == 128 * MB  # and 128 MB of highmem
    assert [z.name for z in lay.zones] == ["DMA", "Normal", "HighMem"]
    assert (lay.zones[0].start_pfn, lay.zones[0].end_pfn) == (0, 0x1000)
    assert (lay.zones[1].end_pfn, lay.zones[2].end_pfn) == (0x38000, 0x40000)


def test_2_6_28_formulas_take_lowmem_from_vmalloc_end() -> None:
    old = Layout.compute(Config(ram=2 << 30, era="2.6.24"))
    new = Layout.compute(Config(ram=2 << 30, era="2.6.32", fixmap_kb=720))
    assert old.maxmem == 0x38000000
    assert new.maxmem == new.vmalloc_end - new.page_offset - 128 * MB
    assert new.vmalloc_start == new.high_memory + 8 * MB  # not rounded up to 8 MB any more
    assert old.vmalloc_start % (8 * MB) == 0 and old.vmalloc_start - old.high_memory >= 8 * MB


def test_vmalloc_parameter_gets_8_mb_more_from_2_6_28() -> None:
    assert Layout.compute(Config(era="2.6.24", vmalloc_reserve=256 * MB)).vmalloc_reserve == 256 * MB
    assert Layout.compute(Config(era="2.6.32", vmalloc_reserve=256 * MB)).vmalloc_reserve == 264 * MB
    assert Layout.compute(Config(era="2.6.32")).vmalloc_reserve == 128 * MB


def test_small_ram_has_no_highmem_and_a_big_vmalloc_area() -> None:
    lay = Layout.compute(Config(ram=256 * MB))
    assert lay.max_low_pfn == lay.max_pfn == 0x10000
    assert lay.zones[2].end_pfn == lay.zones[2].start_pfn  # empty HighMem zone
    assert lay.vmalloc_end - lay.vmalloc_start > 600 * MB


def test_without_highmem_the_kernel_ignores_ram_above_lowmem() -> None:
    lay = Layout.compute(Config(ram=2 << 30, highmem=False))
    assert lay.max_pfn == lay.max_low_pfn == 0x38000
    assert lay.pkmap_base is None and "pkmap" not in lay.table()
    assert lay.vmalloc_end == lay.fixaddr_start - 2 * 4096


def test_pae_changes_pmd_size_and_pkmap() -> None:
    lay = Layout.compute(Config(pae=True))
    assert lay.last_pkmap == 512 and lay.pmd_size == 2 * MB
    assert lay.pkmap_base % (2 * MB) == 0


def test_regions_tile_the_4gb_space_in_order() -> None:
    regions = Kernel(Config(era="2.6.32")).layout.regions()
    assert regions[0].start == 0 and regions[-1].end == 1 << 32
    for a, b in itertools.pairwise(regions):
        assert a.end == b.start
    assert [r.kind for r in regions][:4] == ["user", "lowmem", "gap", "vmalloc"]


def test_pa_and_va_cover_lowmem_only() -> None:
    k = Kernel()
    assert k.pa(0xC0801234) == 0x801234
    assert k.va(0x801234) == 0xC0801234
    assert getattr(k, "__pa")(0xC0000000) == 0
    with pytest.raises(AddressError, match=r"vaddr=0xf8000000: expected .*0xc0000000, 0xf8000000"):
        k.pa(0xF8000000)
    with pytest.raises(AddressError, match="paddr=0x38000000"):
        k.va(0x38000000)
    with pytest.raises(AddressError):
        k.pa(0xBFFFFFFF)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"ram": 12345}, "ram"),
        ({"ram": 8 << 30}, "ram"),
        ({"ram": 16 * MB}, "ram"),
        ({"ram": "1G"}, "ram"),
        ({"era": "2.6.40"}, "era"),
        ({"era": "3.2"}, "era"),
        ({"pae": 1}, "pae"),
        ({"fixmap_kb": 3}, "fixmap_kb"),
        ({"vmalloc_reserve": -1}, "vmalloc_reserve"),
        ({"vmalloc_reserve": 1016 * MB}, "vmalloc_reserve"),
        ({"fixaddr_top": 0xFFFFF001}, "fixaddr_top"),
        ({"page_offset": 0xA0000000}, "page_offset"),
    ],
)
def test_bad_config_names_the_field(kwargs: dict, name: str) -> None:
    with pytest.raises(ConfigError) as info:
        Kernel(Config(**kwargs))
    assert info.value.name == name
    assert str(info.value).startswith(f"{name}=") and "expected" in str(info.value)
    assert isinstance(info.value, VmError)


def test_other_vmsplits_move_everything() -> None:
    lay = Layout.compute(Config(page_offset=0x80000000, ram=2 << 30))
    assert lay.page_offset == 0x80000000
    assert lay.high_memory - lay.page_offset == (1 << 31) - 128 * MB
    assert "lowmem  : 0x80000000" in lay.table()


def test_4gb_pae_boots() -> None:
    k = Kernel(Config(ram=4 << 30, pae=True, era="2.6.32"))
    assert k.zones[2].spanned_pages == 0x100000 - k.layout.max_low_pfn
    assert sum(z.free_pages for z in k.zones) > 0xF0000


def test_2_6_24_has_16_boot_fixmap_slots() -> None:
    """include/asm-x86/fixmap_32.h (2.6.24): NR_FIX_BTMAPS is 16, then FIX_WP_TEST, so the boot
    fixmap ends 17 pages below the permanent entries.  With 960 permanent pages PKMAP_BASE
    (FIXADDR_BOOT_START - (LAST_PKMAP + 1) pages, PMD-aligned down) lands at 0xff800000; the
    64 slots the model used to count put it a whole PMD lower."""
    lay = Kernel(Config(era="2.6.24", fixmap_kb=960 * 4, highmem=True, ram=2 << 30)).layout
    assert lay.fixaddr_boot_start == 0xFFFFF000 - (960 + 17) * 4096 == 0xFFC2E000
    assert lay.pkmap_base == 0xFF800000


@pytest.mark.parametrize("ram_mb", [64, 500, 508, 512, 800, 1024, 2048])
def test_the_vmalloc_offset_gap_is_8_to_16_mb_in_2_6_24_and_8_mb_from_2_6_28(ram_mb: int) -> None:
    """What lesson 1, the quick start and the README say (issue 14): 2.6.24 rounds VMALLOC_START
    = (high_memory + 2 * VMALLOC_OFFSET - 1) & ~(VMALLOC_OFFSET - 1); 2.6.32 adds VMALLOC_OFFSET."""
    ram = ram_mb * MB + (4096 if ram_mb == 500 else 0)  # one page past an 8 MB boundary: 16 MB less a page
    old = Layout.compute(Config(ram=ram))
    new = Layout.compute(Config(ram=ram, era="2.6.32"))
    assert 8 * MB <= old.vmalloc_start - old.high_memory < 16 * MB
    assert old.vmalloc_start % (8 * MB) == 0
    assert (old.vmalloc_start - old.high_memory == 8 * MB) is (old.high_memory % (8 * MB) == 0)
    assert new.vmalloc_start - new.high_memory == 8 * MB
