"""Era 2.6.32: vmalloc areas live in the vmap_area rb-tree and are freed lazily."""

from __future__ import annotations

import pytest
from helpers import check_frames, check_timeline, check_vmlist, observable

from vmwidgets import Config, Kernel, NotAVmallocArea, event_from_json
from vmwidgets.model.rbtree import validate_rbtree
from vmwidgets.model.vmap_area import LAZY_MAX_PAGES, VM_LAZY_FREE, VM_VM_AREA

PAGE = 4096


def check_tree(k: Kernel) -> None:
    validate_rbtree(k.vmap_area_root, key=lambda n: n.owner.va_start)
    assert [n.owner for n in k.vmap_area_root] == list(k.vmap_area_list)
    live = [va.va_start for va in k.vmap_area_list if not va.flags & VM_LAZY_FREE]
    assert live == [a.addr for a in k.vmlist or ()]


def test_areas_leave_an_extra_page_and_are_tree_nodes() -> None:
    k = Kernel(Config(era="2.6.32"))
    start = k.layout.vmalloc_start
    addrs = [k.vmalloc(PAGE) for _ in range(3)]
    assert addrs == [start, start + 3 * PAGE, start + 6 * PAGE]  # page, guard page, alloc_vmap_area's gap
    check_tree(k)
    kinds = {e.kind for e in k.timeline}
    assert {"VmapAreaVisited", "RbNodeLinked", "RbRecolored", "RbRotatedLeft"} <= kinds
    assert k.timeline.head.rb_labels["vmap_area_root"][start] == f"{start:08x}-{start + 2 * PAGE:08x}"


def test_vfree_is_lazy_until_a_purge() -> None:
    k = Kernel(Config(era="2.6.32"))
    a = k.vmalloc(PAGE)
    frame = k.find_vm_area(a).pages[0].pfn
    k.vfree(a)
    assert k.find_vm_area(a) is None and f"0x{a:08x}" not in k.vmallocinfo()
    t = k.translate(a)
    assert t.ok and t.phys >> 12 == frame  # the stale PTE still maps a frame the buddy allocator has back
    assert k.timeline.head.vmap_lazy == {a}
    b = k.vmalloc(PAGE)
    assert b != a  # the address stays taken until the purge
    with pytest.raises(NotAVmallocArea):
        k.vfree(a)  # already freed, even though still in the tree
    check_tree(k)
    check_timeline(k)


def test_the_purge_unmaps_all_lazy_areas_with_one_flush_then_reuses_them() -> None:
    k = Kernel(Config(era="2.6.32", ram=512 << 20))
    size = 1 << 20  # 256 pages + guard page + gap
    first = k.vmalloc(size)
    k.vfree(first)
    freed = 1
    while k.vmap_lazy_nr:  # keep freeing until the lazy pages pass lazy_max_pages()
        k.vfree(k.vmalloc(size))
        freed += 1
    assert freed * 257 > LAZY_MAX_PAGES
    assert not k.translate(first).ok  # the purge cleared the stale PTEs
    kinds = {e.kind for e in k.timeline}
    assert {"VmapAreaLazyFreed", "VmapAreaFreed", "VmapAreaVisited", "RbNodeErased"} <= kinds
    for e in k.timeline:
        assert event_from_json(e.to_json()) == e
    flushes = [e for e in k.timeline if e.kind == "TlbFlushed"]
    assert len(flushes) == 1 and flushes[0].fn == "mm/vmalloc.c:__purge_vmap_area_lazy"
    assert k.vmalloc(size) == first  # the addresses are free again
    check_tree(k)
    check_frames(k)
    check_timeline(k)


def test_a_full_vmalloc_area_purges_and_retries_before_failing() -> None:
    k = Kernel(Config(era="2.6.32", ram=4 << 30, pae=True))
    big = k.vmalloc(60 << 20)
    k.vfree(big)  # lazy: still in the tree
    assert k.vmap_lazy_nr < LAZY_MAX_PAGES
    again = k.vmalloc(100 << 20)  # does not fit beside the lazy area: purge, retry
    assert again == big and not k.vmap_lazy_nr
    assert k.vmalloc(100 << 20) is None
    assert k.dmesg().splitlines()[-1].startswith("vmap allocation for size ")
    check_tree(k)
    check_vmlist(k)


def test_vmlist_stays_sorted_beside_the_tree() -> None:
    k = Kernel(Config(era="2.6.32"))
    a, b, c = (k.vmalloc(PAGE) for _ in range(3))
    k.vfree(b)
    d = k.vmalloc(8 * PAGE)
    assert [x.addr for x in k.vmlist] == [a, c, d]
    walk = [e for e in k.timeline[k.timeline.operations[-1].start :] if e.kind == "VmlistVisited"]
    assert [v.verdict for v in walk] == ["before", "before"] and walk[0].fn == "mm/vmalloc.c:insert_vmalloc_vm"
    check_tree(k)


def test_a_lazily_freed_area_is_not_found_though_its_vmap_area_says_vm_area() -> None:
    """The decision documented in find_vm_area and vfree: 2.6.32 keeps VM_VM_AREA on a lazily
    freed vmap_area (mm/vmalloc.c:600-606 only adds VM_LAZY_FREE), so its find_vm_area
    (1246-1254) would return the kfree'd vm_struct and a second vfree would oops in
    remove_vm_area (1265-1290); the model answers NULL and refuses, changing nothing but the log."""
    k = Kernel(Config(era="2.6.32"))
    a = k.vmalloc(PAGE)
    k.vfree(a)
    (va,) = [v for v in k.vmap_area_list if v.va_start == a]
    assert va.flags & VM_VM_AREA and va.flags & VM_LAZY_FREE  # the kernel's state
    assert k.find_vm_area(a) is None
    before = observable(k)
    with pytest.raises(NotAVmallocArea):
        k.vfree(a)
    assert k.dmesg().splitlines()[-1].startswith("Trying to vfree() nonexistent vm area")
    assert observable(k)[1] == before[1]  # the model's state is as it was
    check_tree(k)
    check_timeline(k)
