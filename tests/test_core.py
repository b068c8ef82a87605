"""The core's owners: free_pages refuses frames still in use, subscribers cannot break an operation."""

from __future__ import annotations

import warnings

import pytest
from helpers import check_frames, check_timeline

from vmwidgets import GFP_KERNEL, InvalidArgument, Kernel, PageStateError
from vmwidgets.model.config import Config
from vmwidgets.model.emit import SubscriberWarning

PAGE = 4096


def _refused(k: Kernel, page, order: int, words: str, exc: type = PageStateError) -> None:
    """free_pages(page, order) raises ``exc`` mentioning ``words`` and changes nothing at all."""
    before, n, ops = k.view_state(), len(k.timeline), len(k.timeline.operations)
    counts, buddy = k.mem_map.count.tolist(), k.buddyinfo()
    with pytest.raises(exc, match=words):
        k.free_pages(page, order)
    assert k.view_state() == before and len(k.timeline) == n and len(k.timeline.operations) == ops
    assert k.mem_map.count.tolist() == counts and k.buddyinfo() == buddy


@pytest.mark.parametrize("pae", [False, True])
def test_a_live_pgd_is_refused_and_never_handed_out_again(pae: bool) -> None:
    k = Kernel(Config(pae=pae))
    t = k.spawn("cat")
    _refused(k, t.mm.pgd, 0, "page table")
    _refused(k, k.swapper_pg_dir, 0, "reserved")
    got = {k.alloc_pages(GFP_KERNEL, 0).pfn for _ in range(64)}
    assert t.mm.pgd.pfn not in got and min(k.mem_map.count) >= 0
    k.exit(t)
    check_frames(k)


def test_a_kernel_pte_table_is_refused() -> None:
    k = Kernel()
    addr = k.vmalloc(PAGE)
    table = k.translate(addr).steps[0].entry >> 12
    assert k.table_meta[table][0] == "pte"
    _refused(k, k.page(table), 0, "page table")


def test_pages_of_a_vmalloc_area_are_refused_until_vfree() -> None:
    k = Kernel()
    addr = k.vmalloc(2 * PAGE)
    page = k.find_vm_area(addr).pages[1]
    assert page.mapcount == 1
    _refused(k, page, 0, "vmalloc area mapped by 1")


@pytest.mark.parametrize("era", ["2.6.24", "2.6.32"])
def test_a_vmapped_page_is_refused_until_vunmap(era: str) -> None:
    k = Kernel(Config(era=era))
    page = k.alloc_pages(GFP_KERNEL, 0)
    addr = k.vmap([page])
    _refused(k, page, 0, "mapped by 1 page-table")
    k.vunmap(addr)  # 2.6.32: lazily, the stale PTE stays but no longer counts
    assert page.mapcount == 0
    k.free_pages(page, 0)
    check_frames(k)
    check_timeline(k)


def test_page_cache_and_cow_shared_pages_are_refused() -> None:
    k = Kernel()
    t = k.spawn("cat")
    assert t.access(0x08048000).ok  # the text: a page-cache page
    (cached,) = k.cache_pfns
    _refused(k, k.page(cached), 0, "page-cache page")
    stack = t.mm.start_stack & ~(PAGE - 1)
    assert t.access(stack, write=True).ok
    child = k.fork(t)
    frame = k.translate(stack, t.mm.pgd).phys >> 12
    assert k.mem_map.count[frame] == 2 and k.page(frame).mapcount == 2
    _refused(k, k.page(frame), 0, "anonymous page of a process mapped by 2")
    k.exit(child)
    k.exit(t)
    check_frames(k)


def test_stale_handles_double_frees_tails_and_wrong_orders_are_refused() -> None:
    k = Kernel()
    page = k.alloc_pages(GFP_KERNEL, 0)
    k.free_pages(page, 0)
    _refused(k, page, 0, "this one is free")
    t = k.spawn("sh")  # pgd_alloc takes the frame just freed: the old handle now names a pgd
    assert t.mm.pgd.pfn == page.pfn and page.stale and not t.mm.pgd.stale
    _refused(k, page, 0, "stale")
    _refused(k, k.page(page.pfn), 0, "page table")  # a fresh handle: what the frame is now
    block = k.alloc_pages(GFP_KERNEL, 2)
    _refused(k, k.page(block.pfn + 1), 0, "part of a larger block")
    _refused(k, block, 1, "2, the order", InvalidArgument)
    free_pages = getattr(k, "__free_pages")  # the kernel's spelling
    free_pages(block, 2)
    check_frames(k)


def test_a_raising_subscriber_never_aborts_an_operation() -> None:
    k = Kernel()
    seen = []

    def flaky(ev) -> None:
        seen.append(ev)
        if ev.kind == "FrameAllocated":
            raise RuntimeError("listener bug")

    k.subscribe(flaky)
    with pytest.warns(SubscriberWarning, match="listener bug"):
        addr = k.vmalloc(3 * PAGE)
    assert addr is not None and k.timeline.operations[-1].result == f"{addr:#010x}"
    assert k.find_vm_area(addr).nr_pages == 3
    allocated = sum(ev.kind == "FrameAllocated" for ev in seen)  # three pages and the first PTE table
    assert allocated == 4 and len(k.subscriber_errors) == allocated
    assert all(isinstance(e.error, RuntimeError) for e in k.subscriber_errors)
    assert seen[-1].kind == "OperationEnded"
    k.vfree(addr)
    check_frames(k)
    check_timeline(k)


def test_warnings_as_errors_still_leave_the_operation_whole() -> None:
    k = Kernel(record=False)
    k.subscribe(lambda ev: 1 / 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        addr = k.vmalloc(PAGE)
    assert addr is not None and k.vmallocinfo().count("\n") == 1
    assert all(isinstance(e.error, ZeroDivisionError) for e in k.subscriber_errors)


def test_validate_struct_pages_catches_a_wrong_mark() -> None:
    from vmwidgets import InvariantError
    from vmwidgets.model.validate import validate_struct_pages

    k = Kernel()
    t = k.spawn("cat")
    assert t.access(t.mm.start_stack, write=True).ok
    validate_struct_pages(k)
    frame = k.translate(t.mm.start_stack, t.mm.pgd).phys >> 12
    k.mem_map.mapcount[frame] += 1
    with pytest.raises(InvariantError, match="mapcount"):
        validate_struct_pages(k)
    k.mem_map.mapcount[frame] -= 1
    k.mem_map.pagetable[frame] = 1
    with pytest.raises(InvariantError, match="PageTable"):
        validate_struct_pages(k)


def test_a_raising_timeline_observer_does_not_lose_the_result() -> None:
    k = Kernel()

    def broken(_timeline) -> None:
        raise KeyError("view gone")

    k.timeline.observe(broken)
    with pytest.warns(SubscriberWarning, match="view gone"):
        addr = k.vmalloc(PAGE)
    assert addr is not None and k.timeline.operations[-1].result == f"{addr:#010x}"
    assert "the end of vmalloc" in repr(k.subscriber_errors[-1])
    check_frames(k)
