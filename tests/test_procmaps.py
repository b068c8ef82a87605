"""from_proc_maps: a real process's mappings become an mm_struct with list and tree."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest
from helpers import check_timeline
from test_mmap import CAT_MAPS

from vmwidgets import (
    MAP_ANONYMOUS,
    MAP_PRIVATE,
    PROT_READ,
    PROT_WRITE,
    InvalidArgument,
    Kernel,
    data,
    from_proc_maps,
    validate_mm,
    validate_rbtree,
)
from vmwidgets.model.mmap import do_brk, do_mmap_pgoff


def test_the_running_process_round_trips() -> None:
    text = Path("/proc/self/maps").read_text()
    mm = from_proc_maps(text)
    validate_mm(mm)
    assert mm.maps() == text  # same lines, same padding, 64-bit addresses included
    assert mm.map_count == len(text.splitlines())
    assert mm.mm_rb.height() <= 2 * math.log2(mm.map_count + 1)
    check_timeline(mm.kernel)
    kinds = {e.kind for e in mm.kernel.timeline}
    assert {"VmaLinked", "RbNodeLinked", "RbRotatedLeft"} <= kinds


def test_a_32_bit_process_round_trips_with_heap_and_stack() -> None:
    heap = "0804d000-0806e000 rw-p 0804d000 00:00 0          [heap]\n"
    text = CAT_MAPS.replace("b7ea2000", heap + "b7ea2000", 1)
    mm = from_proc_maps(text, name="cat")
    assert mm.maps() == text
    assert (mm.start_brk, mm.brk) == (0x0804D000, 0x0806E000)
    assert mm.find_vma(0xBFFFF000).vm_flags & 0x100  # VM_GROWSDOWN


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("08048000-0804c000 r-xp 00000000 08:01 1001 /bin/cat\nnot a maps line\n", "line 2"),
        ("08048000-08048000 r-xp 00000000 08:01 1001 /bin/cat\n", "line 1"),
        ("08048001-0804c000 r-xp 00000000 08:01 1001 /bin/cat\n", "line 1"),
        ("08048000-0804c000 r-xp 0 08:01 1 /a\n0804b000-0804d000 r-xp 0 08:01 1 /b\n", "line 2"),
        ("", "text"),
    ],
)
def test_malformed_text_names_the_line_and_builds_nothing(text: str, where: str) -> None:
    k = Kernel()
    n = len(k.timeline)
    with pytest.raises(InvalidArgument) as info:
        from_proc_maps(text, kernel=k)
    assert info.value.name == where
    assert k.mms == [] and len(k.timeline) == n


def test_names_stay_unique_on_one_kernel() -> None:
    k = Kernel()
    a = from_proc_maps(CAT_MAPS, kernel=k, name="cat")
    b = from_proc_maps(CAT_MAPS, kernel=k, name="cat")
    assert (a.name, b.name) == ("cat", "cat-2") and a.mm_rb.name != b.mm_rb.name
    check_timeline(k)


def test_mm_names_never_collide_with_the_tasks() -> None:
    k = Kernel()
    with pytest.raises(InvalidArgument, match="number"):
        from_proc_maps(CAT_MAPS, kernel=k, name="1")
    with pytest.raises(InvalidArgument, match="name"):
        from_proc_maps(CAT_MAPS, kernel=k, name="a\nb")
    assert len(k.mms) == 0 and len(k.timeline.operations) == 0
    a = from_proc_maps(CAT_MAPS, kernel=k, name="cat-1")
    t = k.spawn("cat")
    b = from_proc_maps(CAT_MAPS, kernel=k, name="cat-1")
    names = [m.name for m in k.mms]
    assert names == ["cat-1", "1", "cat-1-2"] and len(set(names)) == len(names)
    assert (a.name, t.mm.name, b.name) == tuple(names)
    assert set(k.view_state().vmas) == set(names)  # the view state keeps every mm's VMAs apart
    check_timeline(k)


def test_a_maps_built_heap_grows_like_a_real_one() -> None:
    heap = "0804d000-0806e000 rw-p 0804d000 00:00 0          [heap]\n"
    k = Kernel()
    mm = from_proc_maps(CAT_MAPS.replace("b7ea2000", heap + "b7ea2000", 1), kernel=k)
    count = mm.map_count
    do_brk(mm, 0x0806E000, 0x2000)  # what sys_brk would do; a maps-built mm has no task to call it
    assert mm.map_count == count
    assert mm.find_vma(0x0804D000).vm_end == 0x08070000  # merged: VM_ACCOUNT and pgoff as the kernel's
    assert "[heap]" in mm.maps()
    validate_mm(mm)


def test_a_real_i386_listing_with_its_vdso_reads_back_as_a_32_bit_kernel_prints_it() -> None:
    text = data.i386_maps()  # 2.6.21 i386: [vdso] at 0xffffe000, above PAGE_OFFSET
    mm = from_proc_maps(text, name="cat")
    validate_mm(mm)
    assert mm.task_size == 1 << 32 and mm.map_count == 13
    # names at column 49 (32-bit pointers); the published copy lost show_map's trailing "0 " space
    assert [line.rstrip() for line in mm.maps().splitlines()] == text.splitlines()
    assert mm.find_vma(0xBFBF7000).vm_flags & 0x100  # VM_GROWSDOWN: the stack


def test_own_maps_falls_back_to_the_stored_sample_where_there_is_no_proc() -> None:
    mine = data.own_maps()
    assert mine.own and "/proc/self/maps" in mine.where and from_proc_maps(mine.text).map_count > 5
    missing = data.own_maps("/nonexistent/maps")
    assert not missing.own and missing.text == data.i386_maps() and "32-bit" in missing.where


def test_a_real_10000_line_browser_listing_round_trips() -> None:
    text = data.browser_maps()  # a 64-bit Chromium renderer (vmwidgets/data/SOURCES.md)
    lines = text.splitlines()
    assert len(lines) >= 10_000 and text.endswith("\n")
    assert f"{len(lines):,} lines" in (data.browser_maps.__doc__ or "")  # a re-capture updates the docs
    mm = from_proc_maps(text, name="chromium")
    assert mm.task_size == 1 << 64
    assert mm.map_count == len(lines)  # nothing merged: from_proc_maps links each line as it is
    assert mm.maps() == text  # same lines, same padding
    validate_mm(mm)  # list and tree agree, map_count, total_vm
    assert validate_rbtree(mm.mm_rb, key=lambda n: n.owner.vm_start) >= 1  # every red-black rule
    assert sum(1 for _ in mm.mm_rb) == len(lines)
    assert mm.mm_rb.height() <= 2 * math.log2(mm.map_count + 1)
    stack = next(int(line.split("-")[0], 16) for line in lines if line.endswith("[stack]"))
    assert mm.find_vma(stack).vm_flags & 0x100  # VM_GROWSDOWN: [stack] read back
    check_timeline(mm.kernel)


def test_a_browser_sized_mm_built_paused_records_only_what_follows() -> None:
    # how a lesson or a replay page keeps 10,000 VMAs out of its steps: build paused, record after
    k = Kernel()
    with k.timeline.paused():
        mm = from_proc_maps(data.browser_maps(), kernel=k, name="chromium")
    assert [op.name for op in k.timeline.operations] == ["(recording paused)"] and len(k.timeline) == 1
    vmas = list(mm)
    half = vmas[len(vmas) // 2 :]
    below, above = next((a, b) for a, b in itertools.pairwise(half) if b.vm_start - a.vm_end >= 0x10000)
    hint = below.vm_end + 0x4000  # a hole in the middle of the address space
    with k.emitter.operation("mmap", f"addr={hint:#x}, length=0x4000", "mm/mmap.c:do_mmap_pgoff"):
        assert do_mmap_pgoff(mm, None, hint, 0x4000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0) == hint
    assert [op.name for op in k.timeline.operations] == ["(recording paused)", "mmap"]
    assert len(k.timeline) < 100  # the link and its rebalancing, not the 10,000 lines
    assert mm.map_count == len(vmas) + 1 and mm.find_vma(hint).vm_end == hint + 0x4000 < above.vm_start
    validate_mm(mm)
    check_timeline(k)
    assert k.timeline.seek(0).vmas.get("chromium", {}) == {}  # before the gap: no VMAs yet
    assert len(k.timeline.seek(1).vmas["chromium"]) == len(vmas)  # after it: all of them, in one step
