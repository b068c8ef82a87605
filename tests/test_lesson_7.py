"""Lesson 7 (from then to now): exercise keys checked an independent way, feedback for the usual mistakes,
and the facts the lesson's notebook relies on."""

from __future__ import annotations

import re

import pytest

from vmwidgets import Config, Kernel, from_proc_maps, validate_mm
from vmwidgets.exercises import LESSONS, ChoiceExercise, NumberExercise
from vmwidgets.exercises.l7_now import LESSON, SAMPLE_MAPS, lazy_pages
from vmwidgets.model.vmap_area import LAZY_MAX_PAGES, VM_LAZY_FREE
from vmwidgets.render.narration import explain

P = 4096
SEEDS = range(12)


def by_id(seed: int) -> dict:
    return {e.id: e for e in LESSON.exercises(seed)}


def maps_rows(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line, parsed here without the model."""
    return [(int(m[1], 16), int(m[2], 16)) for m in re.finditer(r"^([0-9a-f]+)-([0-9a-f]+) ", text, re.M)]


def test_registered_and_complete() -> None:
    assert LESSONS[7] is LESSON and LESSON.title == "From then to now"
    for seed in SEEDS:
        ex = LESSON.exercises(seed)
        assert [e.id for e in ex] == ["lazy_reuse", "lazy_count", "find_vma_64", "vma_structure", "hole_search"]
        for e in ex:
            assert e.check(e.answer_text()).correct, (seed, e.id)
            assert e.prompt and e.hint and e.explain
            assert "\n" not in e.prompt or e.id == "find_vma_64"  # that one lists three VMAs, one a line
    numbers = {tuple(e.answer for e in LESSON.exercises(s) if isinstance(e, NumberExercise)) for s in SEEDS}
    assert len(numbers) >= len(SEEDS) - 1  # seeds give different numbers


def _prompt_numbers(prompt: str) -> tuple[int, list[int], int]:
    vs = int(re.search(r"VMALLOC_START = (0x[0-9a-f]+)", prompt)[1], 16)
    n1, n2, n3 = (int(x) for x in re.findall(r"vmalloc\((\d+) \* 4096\)", prompt))
    a = int(re.search(r"a is at (0x[0-9a-f]+)", prompt)[1], 16)
    return vs, [n1, n2, n3], a


@pytest.mark.parametrize("seed", SEEDS)
def test_lazy_reuse_by_the_formula_and_by_both_eras(seed: int) -> None:
    e = by_id(seed)["lazy_reuse"]
    vs, (n1, n2, n3), a = _prompt_numbers(e.prompt)
    ram = int(re.search(r"with (\d+) MB of RAM", e.prompt)[1]) << 20
    assert a == vs and n3 <= n1
    # kernel notes §3: 2.6.28+ areas are size + guard page, and a collision moves to va_end + PAGE_SIZE;
    # a lazily freed area keeps its addresses, so c goes after b.
    b = a + (n1 + 1) * P + P
    assert e.answer == b + (n2 + 1) * P + P
    # a twin 2.6.32 kernel agrees, and the same calls on 2.6.24 reuse a's hole (the mistake it names)
    k32 = Kernel(Config(era="2.6.32", ram=ram))
    assert k32.layout.vmalloc_start == vs
    a32, b32 = k32.vmalloc(n1 * P), k32.vmalloc(n2 * P)
    k32.vfree(a32)
    assert (a32, b32, k32.vmalloc(n3 * P)) == (a, b, e.answer)
    k24 = Kernel(Config(era="2.6.24", ram=ram))
    a24 = k24.vmalloc(n1 * P)
    k24.vmalloc(n2 * P)
    k24.vfree(a24)
    assert k24.vmalloc(n3 * P) == a24
    assert "2.6.24" in e.check(hex(a)).message


def test_lazy_reuse_mistakes_get_their_own_feedback() -> None:
    e = by_id(0)["lazy_reuse"]
    _, (_, n2, _), a = _prompt_numbers(e.prompt)
    b = e.answer - (n2 + 2) * P
    assert "VM_LAZY_FREE" in e.check(hex(a)).message
    assert "one more unmapped page" in e.check(hex(e.answer - P)).message  # forgot the extra page
    assert "guard page" in e.check(hex(b + n2 * P)).message  # forgot guard and extra page
    assert "still in use" in e.check(hex(b)).message
    assert "too high" in e.check(hex(e.answer + 5 * P)).message


@pytest.mark.parametrize("seed", SEEDS)
def test_lazy_count_by_the_formula_and_a_twin_kernel(seed: int) -> None:
    e = by_id(seed)["lazy_count"]
    sizes = [int(x) for x in re.findall(r"v\d = vmalloc\((\d+)\)", e.prompt)]
    freed = [int(x) for x in re.findall(r"vfree\(v(\d)\)", e.prompt)]
    assert len(sizes) == 4 and 2 <= len(freed) <= 3
    # kernel notes §3: PAGE_ALIGN(size) + guard page per area; vmap_lazy_nr adds each freed area's pages
    assert e.answer == sum(-(-sizes[i] // P) + 1 for i in freed)
    k = Kernel(Config(era="2.6.32"))
    addrs = [k.vmalloc(s) for s in sizes]
    for i in freed:
        k.vfree(addrs[i])
    assert k.vmap_lazy_nr == lazy_pages(k) == e.answer < LAZY_MAX_PAGES
    assert not e.hex and e.check(str(e.answer)).correct


def test_lazy_count_mistakes() -> None:
    for seed in SEEDS:
        e = by_id(seed)["lazy_count"]
        sizes = [int(x) for x in re.findall(r"v\d = vmalloc\((\d+)\)", e.prompt)]
        freed = [int(x) for x in re.findall(r"vfree\(v(\d)\)", e.prompt)]
        data = sum(-(-sizes[i] // P) for i in freed)
        assert "guard page" in e.check(str(data)).message
        if e.answer + len(freed) not in (data, len(freed)):
            assert "belongs to no vmap_area" in e.check(str(e.answer + len(freed))).message
        if len(freed) != data:
            assert "number of freed areas" in e.check(str(len(freed))).message


@pytest.mark.parametrize("seed", SEEDS)
def test_find_vma_64_against_the_maps_text(seed: int) -> None:
    e = by_id(seed)["find_vma_64"]
    addr = int(re.search(r"find_vma\(mm, (0x[0-9a-f]+)\)", e.prompt)[1], 16)
    rows = maps_rows(SAMPLE_MAPS)
    assert addr > 1 << 32  # a 64-bit address
    assert not any(s <= addr < end for s, end in rows)  # in a hole
    assert e.answer == next(s for s, end in rows if addr < end)  # the first VMA ending above it
    assert e.answer < 1 << 47  # never the [vsyscall] gate VMA
    below = max(s for s, end in rows if end <= addr)
    assert "first VMA whose vm_end is above addr" in e.check(hex(below)).message
    assert "NULL only comes back when no VMA at all ends above addr" in e.check("0").message
    assert "addr < vm_end" in e.hint and "inside a VMA" not in e.hint  # the rule, no nudge towards NULL
    assert len(e.prompt.splitlines()) == 5  # the three VMAs on lines of their own
    for s, _ in rows:  # the three VMAs the prompt lists include the answer
        if s == e.answer:
            assert f"{s:x}-" in e.prompt


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_choices_explain_every_wrong_option(seed: int) -> None:
    ex = by_id(seed)
    for key, right in (("vma_structure", "a maple tree (mm->mm_mt)"), ("hole_search", "2.6.24")):
        e = ex[key]
        assert isinstance(e, ChoiceExercise) and e.answer == right
        assert e.check(right.upper()).correct
        for option, why in e.options.items():
            if option != right:
                assert why and not e.check(option).correct and e.check(option).message == why
    assert "6.1" in ex["vma_structure"].options["the mm_rb red-black tree and the vm_next list"]
    orders = {tuple(by_id(s)["hole_search"].options) for s in SEEDS}
    assert len(orders) > 1  # the options come in a seeded order


def test_the_sample_maps_is_a_valid_64_bit_process() -> None:
    """The lesson prints and builds SAMPLE_MAPS: one VMA per line, printed back exactly, a balanced tree."""
    mm = from_proc_maps(SAMPLE_MAPS, name="cat")
    validate_mm(mm)
    assert mm.maps() == SAMPLE_MAPS
    assert mm.map_count == len(SAMPLE_MAPS.splitlines()) == 24
    assert [(v.vm_start, v.vm_end) for v in mm] == maps_rows(SAMPLE_MAPS)
    assert mm.mm_rb.height() == 7
    assert SAMPLE_MAPS.splitlines()[-1].endswith("[vsyscall]")


def test_the_era_comparison_the_notebook_shows() -> None:
    rows = {}
    for era in ("2.6.24", "2.6.32"):
        k = Kernel(Config(era=era))
        a, b = k.vmalloc(3 * P), k.vmalloc(2 * P)
        k.vfree(a)
        rows[era] = (k, a, b, k.vmalloc(P))
    _, a24, b24, c24 = rows["2.6.24"]
    k32, a32, b32, c32 = rows["2.6.32"]
    assert (a24, b24, c24) == (0xF8800000, a24 + 4 * P, a24)
    assert (a32, b32, c32) == (0xF7FFE000, a32 + 5 * P, b32 + 4 * P)
    lazy = [n.owner for n in k32.vmap_area_root if n.owner.flags & VM_LAZY_FREE]
    assert [(v.va_start, v.va_end) for v in lazy] == [(a32, a32 + 4 * P)]
    assert k32.translate(a32 + 2 * P).phys == k32.translate(c32).phys  # a stale PTE maps c's frame
    assert k32.page(k32.translate(a32).phys >> 12).count == 0


def test_the_tiny_vmalloc_area_purges_then_reuses() -> None:
    k = Kernel(Config(era="2.6.32", vmalloc_reserve=64 << 10))
    start = k.layout.vmalloc_start
    assert (k.layout.vmalloc_end - start) // P == 16
    a, b = k.vmalloc(4 * P), k.vmalloc(4 * P)
    k.vfree(a)
    c = k.vmalloc(2 * P)
    assert [(x - start) // P for x in (a, b, c)] == [0, 6, 12]
    d = k.vmalloc(4 * P)
    op = k.timeline.operations[-1]
    kinds = [e.kind for e in k.timeline[op.start : op.end]]
    assert d == a and kinds.count("TlbFlushed") == 1 and kinds.count("PteCleared") == 4
    assert kinds.index("TlbFlushed") < kinds.index("VmapAreaFreed") < kinds.index("VmStructLinked")
    assert lazy_pages(k) == 0


def test_the_purge_steps_the_notebook_prints() -> None:
    """d's vmalloc: the overflow step ("no hole ... purge, then search again") comes before the one TLB flush."""
    k = Kernel(Config(era="2.6.32", vmalloc_reserve=64 << 10))
    a = k.vmalloc(4 * P)
    k.vmalloc(4 * P)
    k.vfree(a)
    k.vmalloc(2 * P)
    k.vmalloc(4 * P)
    op = k.timeline.operations[-1]
    steps = k.timeline[op.start : op.end]
    texts = [explain(e) for e in steps]
    overflow = next(i for i, t in enumerate(texts) if t.startswith("No hole is left below VMALLOC_END"))
    assert "purge the lazily freed areas, then search again" in texts[overflow]
    kinds = [e.kind for e in steps]
    assert overflow < kinds.index("PteCleared") < kinds.index("TlbFlushed") < kinds.index("RbNodeErased")
    visits = [i for i, e in enumerate(steps) if e.kind == "VmapAreaVisited"]
    assert [v for v in visits if v <= overflow] == list(range(visits[0], overflow + 1))  # first search
    assert any(v > kinds.index("VmapAreaFreed") for v in visits)  # the second search


def test_the_vmalloc_room_in_the_then_and_now_table() -> None:
    """Section 4's table: 111 MB (0xf8800000-0xff7fe000) in 2.6.24, 120 MB (0xf7ffe000-0xff7fe000) in 2.6.32."""
    for era, start, mb in (("2.6.24", 0xF8800000, 111), ("2.6.32", 0xF7FFE000, 120)):
        lay = Kernel(Config(era=era)).layout
        assert (lay.vmalloc_start, lay.vmalloc_end) == (start, 0xFF7FE000)
        assert (lay.vmalloc_end - lay.vmalloc_start) >> 20 == mb
        assert f"vmalloc : {start:#010x} - 0xff7fe000   ( {mb} MB)" in lay.table()


def test_find_vma_on_the_64_bit_sample() -> None:
    """The public find_vma takes 64-bit addresses: the two examples of section 1."""
    mm = from_proc_maps(SAMPLE_MAPS, name="cat")
    libc = mm.find_vma(0x7F5E1C712345)
    assert (libc.vm_start, libc.vm_end) == (0x7F5E1C711000, 0x7F5E1C866000)
    heap = mm.find_vma(0x5581D7A0C000)  # in the hole between /usr/bin/cat and [heap]
    assert (heap.vm_start, heap.vm_end) == (0x5581D8C3E000, 0x5581D8C5F000)
