"""Every public call validates: a specific VmError naming the argument, and nothing changes."""

from __future__ import annotations

import pytest

from vmwidgets import GFP_KERNEL, InvalidArgument, Kernel, VmError


def calls(k: Kernel, page, other):
    return [
        ("size", lambda: k.vmalloc(0)),
        ("size", lambda: k.vmalloc(-4096)),
        ("size", lambda: k.vmalloc(1 << 32)),
        ("size", lambda: k.vmalloc("8192")),
        ("caller", lambda: k.vmalloc(4096, caller=42)),
        ("caller", lambda: k.vmalloc(4096, caller="x" * 200)),
        ("addr", lambda: k.vfree(-1)),
        ("addr", lambda: k.vfree("0xf8800000")),
        ("pages", lambda: k.vmap([])),
        ("pages", lambda: k.vmap(page)),
        ("pages[0]", lambda: k.vmap([other])),
        ("pages[1]", lambda: k.vmap([page, k.page(0)])),
        ("flags", lambda: k.vmap([page], flags=1 << 20)),
        ("addr", lambda: k.vunmap(1 << 40)),
        ("phys_addr", lambda: k.ioremap(-1, 4096)),
        ("phys_addr", lambda: k.ioremap(1 << 33, 4096)),
        ("size", lambda: k.ioremap(0xFEC00000, 0)),
        ("size", lambda: k.ioremap(0xFFFFF000, 0x2000)),
        ("addr", lambda: k.iounmap(None)),
        ("addr", lambda: k.find_vm_area(None)),
        ("addr", lambda: k.vmalloc_to_page(1.5)),
        ("gfp_mask", lambda: k.alloc_pages("GFP_KERNEL", 0)),
        ("order", lambda: k.alloc_pages(GFP_KERNEL, 11)),
        ("order", lambda: k.alloc_pages(GFP_KERNEL, -1)),
        ("page", lambda: k.free_pages(page.pfn, 0)),
        ("pfn", lambda: k.page(len(k.mem_map))),
        ("vaddr", lambda: k.translate(-1)),
        ("vaddr", lambda: k.split(1 << 32)),
    ]


def test_each_bad_call_names_its_argument_and_changes_nothing() -> None:
    k, other = Kernel(), Kernel()
    page = k.alloc_pages(GFP_KERNEL, 0)
    k.vmalloc(8192)
    for name, call in calls(k, page, other.alloc_pages(GFP_KERNEL, 0)):
        before, n, ops = k.view_state(), len(k.timeline), len(k.timeline.operations)
        with pytest.raises(InvalidArgument) as info:
            call()
        assert isinstance(info.value, VmError)
        assert info.value.name == name and str(info.value).startswith(f"{name}="), str(info.value)
        assert "expected" in str(info.value)
        assert k.view_state() == before and len(k.timeline) == n and len(k.timeline.operations) == ops, name


def test_the_kernel_constructor_validates() -> None:
    for kwargs, name in (
        ({"config": "1G"}, "config"),
        ({"record": 1}, "record"),
        ({"checkpoint_every": 1}, "checkpoint_every"),
    ):
        with pytest.raises(InvalidArgument, match=name):
            Kernel(**kwargs)
