"""Lesson 4 (vmalloc and vmlist): the exercise keys agree with the kernel's rules computed
independently from the prompts, typical mistakes get their own feedback, and the model
behaves as the lesson says it does."""

from __future__ import annotations

import itertools
import re

import pytest

from vmwidgets import GFP_KERNEL, VM_ALLOC, VM_IOREMAP, VM_MAP, Config, Kernel
from vmwidgets.exercises import LESSONS, ChoiceExercise, NumberExercise
from vmwidgets.exercises.l4_vmalloc import LESSON, where_next
from vmwidgets.render.narration import explain

SEEDS = range(12)
PAGE = 4096
HEX = r"0x[0-9a-f]+"


def page_align(n: int) -> int:
    return (n + PAGE - 1) // PAGE * PAGE


def align_up(x: int, a: int) -> int:
    return (x + a - 1) // a * a


def by_id(seed: int) -> dict:
    return {e.id: e for e in LESSON.exercises(seed)}


def areas_of(prompt: str) -> list[tuple[int, int]]:
    """``(start, size)`` of every area the prompt lists as ``0x…-0x… (N bytes)``."""
    out = []
    for s, e, n in re.findall(rf"({HEX})-({HEX}) \((\d+) bytes\)", prompt):
        assert int(e, 16) - int(s, 16) == int(n)
        out.append((int(s, 16), int(n)))
    return out


def vmalloc_start_of(prompt: str) -> int:
    return int(re.search(rf"VMALLOC_START = ({HEX})", prompt).group(1), 16)


@pytest.mark.parametrize("seed", SEEDS)
def test_prompts_say_why_vmalloc_start_moves(seed: int) -> None:
    """VMALLOC_START differs between questions: each prompt gives the RAM, the end of
    lowmem and VMALLOC_START, and they agree (2.6.24: 8 MB above a lowmem capped at 896 MB)."""
    for e in LESSON.exercises(seed):
        if "VMALLOC_START" not in e.prompt:
            continue
        m = re.search(rf"with (\d+) MB of RAM: lowmem ends at ({HEX}), so VMALLOC_START = ({HEX})", e.prompt)
        assert m, e.prompt
        ram, high, start = int(m.group(1)) << 20, int(m.group(2), 16), int(m.group(3), 16)
        assert high == 0xC0000000 + min(ram, 896 << 20)
        assert start == high + (8 << 20)
        assert len(areas_of(e.prompt)) == e.prompt.count("bytes)") == e.prompt.count("\n  0x")  # one area a line


def first_fit(start: int, areas: list[tuple[int, int]], need: int, align: int = 1) -> int:
    """kernel-notes §3, written out again: walk the sorted areas from VMALLOC_START; an
    area in the way moves the candidate past its end (aligned); the first gap with room
    for ``need`` bytes (guard page included) wins."""
    addr = align_up(start, align)
    for a, size in sorted(areas):
        if a + size <= addr:
            continue
        if addr + need <= a:
            return addr
        addr = align_up(a + size, align)
    return addr


# -- the keys, recomputed from the prompts ------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_next_vmalloc_is_first_fit_with_a_guard_page(seed: int) -> None:
    e = by_id(seed)["next_vmalloc"]
    size = int(re.search(r"vmalloc\((\d+)\)", e.prompt).group(1))
    want = first_fit(vmalloc_start_of(e.prompt), areas_of(e.prompt), page_align(size) + PAGE)
    assert e.answer == want


@pytest.mark.parametrize("seed", SEEDS)
def test_after_vfree_takes_the_hole_only_if_the_guard_page_fits_too(seed: int) -> None:
    e = by_id(seed)["after_vfree"]
    freed = int(re.search(rf"vfree\(({HEX})\)", e.prompt).group(1), 16)
    size = int(re.search(r"vmalloc\((\d+)\)", e.prompt).group(1))
    areas = areas_of(e.prompt)
    hole = dict(areas)[freed]
    rest = [a for a in areas if a[0] != freed]
    want = first_fit(vmalloc_start_of(e.prompt), rest, page_align(size) + PAGE)
    assert e.answer == want
    assert (e.answer == freed) == (page_align(size) + PAGE <= hole)


@pytest.mark.parametrize("seed", SEEDS)
def test_size_field_and_nr_pages(seed: int) -> None:
    ex = by_id(seed)
    n = int(re.search(r"vmalloc\((\d+)\)", ex["size_field"].prompt).group(1))
    assert ex["size_field"].answer == page_align(n) + PAGE
    m = int(re.search(r"vmalloc\((\d+)\)", ex["nr_pages"].prompt).group(1))
    assert ex["nr_pages"].answer == -(-m // PAGE)


@pytest.mark.parametrize("seed", SEEDS)
def test_area_kind_follows_from_the_fields(seed: int) -> None:
    e = by_id(seed)["area_kind"]
    assert isinstance(e, ChoiceExercise)
    phys = int(re.search(rf"phys_addr = ({HEX})", e.prompt).group(1), 16)
    has_pages = "pages = an array" in e.prompt
    want = "VM_IOREMAP" if phys else ("VM_ALLOC" if has_pages else "VM_MAP")
    assert e.answer == want
    for option in e.options:
        assert e.check(option).correct == (option == want)


@pytest.mark.parametrize("seed", range(6))
def test_area_kind_feedback_names_the_deciding_field_once_right(seed: int) -> None:
    """A right answer explains with the deciding field; a wrong one points at pages and phys_addr
    as this area has them, without naming the flag (issue 14)."""
    e = by_id(seed)["area_kind"]
    clue = {
        "VM_IOREMAP": re.search(rf"phys_addr = {HEX}", e.prompt).group(0),
        "VM_MAP": "pages = NULL and phys_addr = 0",
        "VM_ALLOC": "pages = an array",
    }[e.answer]
    assert e.answer != "VM_IOREMAP" or clue != "phys_addr = 0x0"
    for option in e.options:
        fb = e.check(option)
        if option == e.answer:
            assert clue in fb.message and "The deciding field" in fb.message
        else:
            assert "This area has pages = " in fb.message and "phys_addr = " in fb.message
            assert e.answer not in fb.message and "deciding" not in fb.message


def test_area_kind_covers_every_kind_and_seed_0_is_ioremap() -> None:
    assert by_id(0)["area_kind"].answer == "VM_IOREMAP"
    assert {by_id(s)["area_kind"].answer for s in range(3)} == {"VM_IOREMAP", "VM_MAP", "VM_ALLOC"}


@pytest.mark.parametrize("seed", SEEDS)
def test_ioremap_addr_is_aligned_to_its_size_and_keeps_the_offset(seed: int) -> None:
    e = by_id(seed)["ioremap_addr"]
    phys, size = (int(x, 16) for x in re.search(rf"ioremap\(({HEX}), ({HEX})\)", e.prompt).groups())
    offset = phys % PAGE
    mapped = page_align(offset + size)
    bit = min(max(mapped.bit_length(), 12), 19)  # fls(size), clamped to PAGE_SHIFT..IOREMAP_MAX_ORDER
    base = first_fit(vmalloc_start_of(e.prompt), areas_of(e.prompt), mapped + PAGE, 1 << bit)
    assert e.answer == base + offset
    assert base % (1 << bit) == 0
    assert f"1 << fls({mapped:#x}) = {1 << bit:#x}" in e.explain


def test_ioremap_feedback_covers_the_page_rounding() -> None:
    """Registers that cross a page boundary need one page more than PAGE_ALIGN(size):
    forgetting it gets its own feedback (seed 6: 0x3000 bytes 0x100 into a page)."""
    seen = 0
    for seed in range(40):
        e = by_id(seed)["ioremap_addr"]
        phys, size = (int(x, 16) for x in re.search(rf"ioremap\(({HEX}), ({HEX})\)", e.prompt).groups())
        offset = phys % PAGE
        rounded = page_align(size)
        if page_align(offset + size) == rounded:
            continue
        short = first_fit(vmalloc_start_of(e.prompt), areas_of(e.prompt), rounded + PAGE,
                          1 << min(max(rounded.bit_length(), 12), 19))  # fmt: skip
        if short + offset != e.answer:
            assert "PAGE_ALIGN" in e.check(hex(short + offset)).message
            seen += 1
    assert seen >= 2


def test_where_next_agrees_with_a_twin_kernel_and_leaves_the_search_on_the_timeline() -> None:
    def scenario() -> Kernel:
        k = Kernel(Config(aged=True, seed=3))
        a = [k.vmalloc(p * PAGE, caller=f"c{p}") for p in (2, 1, 3)]
        k.vfree(a[1])
        return k

    k, twin = scenario(), scenario()
    e = where_next(k, 2 * PAGE, caller="x")
    assert e.answer == twin.vmalloc(2 * PAGE, caller="x") == twin.layout.vmalloc_start + 9 * PAGE
    op = k.timeline.operations[-1]
    assert op.name == "vmalloc" and op.result == f"{e.answer:#010x}"
    kinds = [ev.kind for ev in k.timeline[op.start : op.end]]
    assert "VmlistVisited" in kinds and "VmStructLinked" in kinds
    linked = next(ev for ev in k.timeline[op.start : op.end] if ev.kind == "VmStructLinked")
    assert str(e.answer_text()) in explain(linked)
    # the freed 1-page hole holds 2 pages with a guard page: 2 pages + guard do not fit
    assert "guard page" in e.check(hex(twin.layout.vmalloc_start + 3 * PAGE)).message


# -- the feedback names the typical mistakes ----------------------------------------------


def test_mistakes_get_their_own_feedback() -> None:
    seen = set()
    for seed in range(30):
        ex = by_id(seed)
        nv, av = ex["next_vmalloc"], ex["after_vfree"]
        areas = areas_of(nv.prompt)
        end = areas[-1][0] + areas[-1][1]
        if end != nv.answer:
            assert "first fit" in nv.check(hex(end)).message
            seen.add("append")
        size = int(re.search(r"vmalloc\((\d+)\)", nv.prompt).group(1))
        no_guard = first_fit(vmalloc_start_of(nv.prompt), areas, page_align(size))
        if no_guard != nv.answer:
            assert "guard page" in nv.check(hex(no_guard)).message
            seen.add("no guard")
        freed = int(re.search(rf"vfree\(({HEX})\)", av.prompt).group(1), 16)
        if av.answer != freed:
            assert "does not fit" in av.check(hex(freed)).message
            seen.add("hole too small")
        n = int(re.search(r"vmalloc\((\d+)\)", ex["size_field"].prompt).group(1))
        if page_align(n) + PAGE != n:
            fb = ex["size_field"].check(str(page_align(n)))
            assert not fb.correct and "guard page" in fb.message
        assert ex["size_field"].check(f"{(page_align(n) + PAGE) // 1024} kB").correct  # units are read
        nr = ex["nr_pages"]
        assert "guard page" in nr.check(str(nr.answer + 1)).message
        io = ex["ioremap_addr"]
        if io.answer % PAGE:
            assert "offset" in io.check(hex(io.answer & ~(PAGE - 1))).message
            seen.add("offset")
        kind = ex["area_kind"]
        wrong = next(o for o in kind.options if o != kind.answer)
        assert kind.check(wrong).message.startswith("No:")
    assert seen == {"append", "no guard", "hole too small", "offset"}  # every trap occurs for some seed


def test_unknown_wrong_answers_get_the_distance_and_the_hint() -> None:
    e = by_id(0)["next_vmalloc"]
    fb = e.check(hex(e.answer + 0x10 * PAGE))
    assert not fb.correct and "too high" in fb.message and "guard page" in fb.message


# -- the lesson as a whole -----------------------------------------------------------------


def test_registered_seeds_vary() -> None:
    assert LESSONS[4] is LESSON and LESSON.title == "vmalloc and vmlist"
    keys = [tuple(e.answer for e in LESSON.exercises(s)) for s in range(10)]
    assert len(set(keys)) == 10
    for s in range(3):
        for e in LESSON.exercises(s):
            assert "`" not in e.prompt and "**" not in e.prompt  # plain text; line breaks are kept
            assert e.hint and e.explain
            if isinstance(e, NumberExercise):
                assert e.check(e.answer_text()).correct


def test_the_model_does_what_the_lesson_shows() -> None:
    """Facts the notebook states: scattered highmem frames, guard page unmapped, vmap
    without pages[], ioremap with phys_addr and size alignment, the ISA window, 2.6.32's
    extra page between areas."""
    k = Kernel(Config(aged=True, seed=7))
    block = k.alloc_pages(GFP_KERNEL, 2)
    assert block.zone == "Normal"
    buf = k.vmalloc(4 * PAGE, caller="demo_buffer")
    area = k.find_vm_area(buf)
    pfns = [p.pfn for p in area.pages]
    assert all(p.zone == "HighMem" for p in area.pages)
    assert any(b != a + 1 for a, b in itertools.pairwise(pfns))  # not one run of frames
    assert (area.size, area.flags, area.nr_pages, area.phys_addr) == (5 * PAGE, VM_ALLOC, 4, 0)
    assert k.translate(buf + 4 * PAGE).fault == "pte"  # the guard page
    pages = [k.alloc_pages(GFP_KERNEL, 0) for _ in range(2)]
    v = k.vmap(pages, caller="vmap_demo")
    va = k.find_vm_area(v)
    assert va.flags == VM_MAP and va.pages is None and va.nr_pages == 0
    assert k.translate(v + PAGE).phys == pages[1].phys_addr
    k.vunmap(v)
    assert all(p.count == 1 for p in pages)  # vunmap leaves the frames to their owner
    io = k.ioremap(0xFEBF0010, 0x100, caller="mydev_probe")
    ia = k.find_vm_area(io & ~(PAGE - 1))
    assert ia.flags == VM_IOREMAP and ia.pages is None and ia.phys_addr == 0xFEBF0000
    assert ia.addr % 0x2000 == 0 and io % PAGE == 0x10
    io2 = k.ioremap(0xFEBE0100, 0x2000)  # crosses two page boundaries: 3 pages, 16 kB aligned
    ia2 = k.find_vm_area(io2 & ~(PAGE - 1))
    assert (ia2.size, ia2.phys_addr, ia2.addr % 0x4000, io2 % PAGE) == (4 * PAGE, 0xFEBE0000, 0, 0x100)
    assert k.ioremap(0xB8000, 0x1000) == 0xC00B8000  # the ISA window is in the direct map already
    small = Kernel(Config(ram=64 << 20, aged=True, seed=1))  # §1: fragmented, no 2 MB block left
    assert small.alloc_pages(GFP_KERNEL, 9) is None
    big = small.vmalloc(2 << 20)
    assert big == small.layout.vmalloc_start == 0xC4800000
    assert small.find_vm_area(big).nr_pages == 512
    new = Kernel(Config(era="2.6.32"))
    a, b = new.vmalloc(PAGE), new.vmalloc(PAGE)
    assert b - a == 3 * PAGE  # one page, its guard page, and one more page from alloc_vmap_area


@pytest.mark.parametrize("seed", range(8))
def test_a_start_one_page_off_gets_the_guard_page_rule(seed: int) -> None:
    """One page too high or too low is the guard page put in the wrong place (issue 14)."""
    for eid in ("next_vmalloc", "after_vfree"):
        e = by_id(seed)[eid]
        low, high = e.check(hex(e.value - 4096)).message, e.check(hex(e.value + 4096)).message
        assert "guard page" in low and "guard page" in high
        assert high.startswith("One page too high: the guard page comes after an area")
        assert f"{e.value:x}" not in low + high
