"""The buddy allocator splits, merges and picks zones as mm/page_alloc.c does."""

from __future__ import annotations

import pytest
from helpers import check_frames

from vmwidgets import (
    GFP_DMA,
    GFP_HIGHUSER,
    GFP_KERNEL,
    Config,
    InvalidArgument,
    Kernel,
    PageStateError,
)
from vmwidgets.events import BuddyMerged, BuddySplit, FrameAllocated, FrameFreed, FreeBlockAdded, FreeBlockTaken
from vmwidgets.render.narration import explain


def lists(k: Kernel) -> dict:
    return {(z.index, o): fa.free_list[:] for z in k.zones for o, fa in enumerate(z.free_area)}


def test_boot_lists_equal_freeing_every_frame_in_ascending_order() -> None:
    k = Kernel(Config(ram=40 << 20), record=False)
    boot = lists(k)
    check_frames(k)
    got = []
    while (page := k.alloc_pages(GFP_HIGHUSER, 0)) is not None:
        got.append(page)
    assert all(fa.nr_free == 0 for z in k.zones for fa in z.free_area)
    for page in sorted(got, key=lambda p: p.pfn):  # what free_all_bootmem does
        k.free_pages(page, 0)
    assert lists(k) == boot  # same blocks, same list order (highest block at the head)


def test_alloc_splits_the_head_block_down_order_by_order() -> None:
    k = Kernel()
    normal = k.zones[1]
    head = normal.free_area[10].free_list[0]
    assert head == max(normal.free_area[10].free_list)  # the last block freed at boot
    start = len(k.timeline)
    page = k.alloc_pages(GFP_KERNEL, 0)
    evs = list(k.timeline)[start + 1 : -1]
    assert isinstance(evs[0], FreeBlockTaken) and (evs[0].order, evs[0].pfn) == (10, head)
    splits = evs[1:-1]
    assert [type(e) for e in splits] == [BuddySplit] * 10
    assert [(e.order, e.buddy) for e in splits] == [(o, head + (1 << o)) for o in range(9, -1, -1)]
    assert isinstance(evs[-1], FrameAllocated) and evs[-1].pfn == head == page.pfn
    assert [normal.free_area[o].free_list[0] for o in range(10)] == [head + (1 << o) for o in range(10)]
    assert page.count == 1 and page.zone == "Normal" and page.order is None


def test_free_merges_buddy_by_buddy_back_to_the_boot_state() -> None:
    k = Kernel()
    boot = lists(k)
    page = k.alloc_pages(GFP_KERNEL, 2)
    start = len(k.timeline)
    k.free_pages(page, 2)
    evs = list(k.timeline)[start + 1 : -1]
    assert isinstance(evs[0], FrameFreed)
    merges = [e for e in evs if isinstance(e, BuddyMerged)]
    assert [e.order for e in merges] == list(range(2, 10))
    for e in merges:  # buddy = idx ^ (1 << order), e.g. page 8's order-1 buddy is 10
        assert e.buddy == e.pfn ^ (1 << e.order)
    assert isinstance(evs[-1], FreeBlockAdded) and evs[-1].order == 10
    assert lists(k) == boot


def test_no_merge_across_the_normal_highmem_boundary() -> None:
    k = Kernel(Config(era="2.6.32"))  # max_low_pfn 0x377fe is not MAX_ORDER aligned
    assert k.layout.max_low_pfn == 0x377FE
    normal, high = k.zones[1], k.zones[2]
    assert 0x377FC in normal.free_area[1].free_list  # PageBuddy, order 1, in Normal
    page = k.alloc_pages(GFP_HIGHUSER, 1)
    assert page.pfn == 0x377FE  # the only order-1 block of HighMem
    k.free_pages(page, 1)
    assert 0x377FE in high.free_area[1].free_list  # not merged with 0x377fc
    assert 0x377FC in normal.free_area[1].free_list
    check_frames(k)


def test_zone_selection_and_fallback() -> None:
    k = Kernel(Config(ram=48 << 20), record=False)  # no highmem RAM: HighMem is empty
    assert k.alloc_pages(GFP_DMA, 0).zone == "DMA"
    assert k.alloc_pages(GFP_KERNEL, 0).zone == "Normal"
    assert k.alloc_pages(GFP_HIGHUSER, 0).zone == "Normal"  # falls back from the empty HighMem
    big = Kernel()
    assert big.alloc_pages(GFP_HIGHUSER, 0).zone == "HighMem"
    while big.zones[2].free_pages:
        big.alloc_pages(GFP_HIGHUSER, 0)
    assert big.alloc_pages(GFP_HIGHUSER, 0).zone == "Normal"


def test_out_of_memory_returns_null_and_says_so() -> None:
    k = Kernel(Config(ram=32 << 20))
    while k.alloc_pages(GFP_DMA, 3) is not None:
        pass
    assert k.timeline[-2].kind == "AllocationFailed"
    assert "order 3" in explain(k.timeline[-2]) and "DMA" in k.timeline[-2].reason


def test_bad_frees_raise_and_change_nothing() -> None:
    k = Kernel()
    page = k.alloc_pages(GFP_KERNEL, 1)
    before, n = k.view_state(), len(k.timeline)
    with pytest.raises(InvalidArgument, match="order=0: expected 1, the order"):
        k.free_pages(page, 0)
    with pytest.raises(PageStateError):
        k.free_pages(k.page(0x100), 0)  # reserved: the kernel image
    with pytest.raises(InvalidArgument, match="page"):
        k.free_pages(Kernel().page(page.pfn), 1)  # another kernel's page
    with pytest.raises(InvalidArgument, match="order=11"):
        k.free_pages(page, 11)
    with pytest.raises(InvalidArgument, match="gfp_mask"):
        k.alloc_pages(-1, 0)
    assert k.view_state() == before and len(k.timeline) == n
    k.free_pages(page, 1)
    with pytest.raises(PageStateError, match="not yet freed"):
        k.free_pages(page, 1)


def test_struct_page_fields() -> None:
    k = Kernel()
    assert k.page(0).reserved and k.page(0).count == 1
    low = k.alloc_pages(GFP_KERNEL, 0)
    assert low.virtual == 0xC0000000 + low.phys_addr and low.mappings == (low.virtual,)
    high = k.alloc_pages(GFP_HIGHUSER, 0)
    assert high.virtual is None and high.zone == "HighMem" and high.mappings == ()
    head = k.page(k.zones[1].free_area[10].free_list[0])
    assert head.order == 10 and "buddy" in head.flag_names
    assert "pfn=" in repr(high)


def test_buddyinfo_format() -> None:
    lines = Kernel().buddyinfo().splitlines()
    assert lines[1].startswith("Node 0, zone   Normal ")
    assert lines[2].split()[-1] == "32" and len(lines[2].split()) == 4 + 11


def test_a_free_without_merge_says_why() -> None:
    k = Kernel()
    a = k.alloc_pages(GFP_KERNEL, 0)
    b = k.alloc_pages(GFP_KERNEL, 0)  # a's buddy
    assert b.pfn == a.pfn ^ 1
    start = len(k.timeline)
    k.free_pages(a, 0)
    (ev,) = [e for e in list(k.timeline)[start:] if e.kind == "BuddyNotMerged"]
    assert (ev.pfn, ev.buddy, ev.order, ev.reason) == (a.pfn, b.pfn, 0, "is in use")
    assert "no merge" in explain(ev)


@pytest.mark.parametrize("cfg", [Config(ram=1 << 30), Config(ram=4 << 30, pae=True)], ids=["1GB", "4GB-PAE"])
def test_boot_holds_at_most_ten_bytes_a_frame(cfg: Config) -> None:
    """mem_map's dense fields are flags, _count and private (9 bytes a frame); the fields that
    are 0 on free frames (mapcount, mapping, PageTable, gen) must not cost every frame."""
    import gc
    import tracemalloc

    gc.collect()
    tracemalloc.start()
    try:
        k = Kernel(cfg)
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert held < 10 * len(k.mem_map), f"{held / len(k.mem_map):.1f} bytes a frame"


def test_sparse_struct_page_fields_read_and_write_as_arrays() -> None:
    from vmwidgets.model.page import FrameArray

    field = FrameArray("i", 5000)
    assert len(field) == 5000 and field[4999] == 0 and list(field.items()) == []
    field[4999] = 7
    field[3] -= 2
    field[2048] = 0  # a zero write into an untouched chunk allocates nothing
    assert (field[4999], field[3], field[4998]) == (7, -2, 0)
    assert list(field.items()) == [(3, -2), (4999, 7)] and len(field._chunks) == 2
    field[3] = 0
    assert list(field.items()) == [(4999, 7)]
    for bad in (-1, 5000):
        with pytest.raises(IndexError):
            field[bad]
        with pytest.raises(IndexError):
            field[bad] = 1
