"""Lesson 3 (page tables): every answer checked another way than the model computed it.

The exercises take their answers from the model (``split``, ``translate``, the recorded
``PageTableAllocated`` events, ``pte_flag_names``).  Here the same numbers come from the
prompt text and the formulas of shared/kernel-notes.md §5 (bit splits, flag bit numbers,
large-page sizes) or from the layout of the 3G/1G split, so a bug in either shows.
"""

from __future__ import annotations

import functools
import re

import pytest

from vmwidgets import Config, Kernel
from vmwidgets.events import PageTableAllocated
from vmwidgets.exercises import LESSONS, ChoiceExercise, FieldsExercise, NumberExercise
from vmwidgets.exercises.l3_page_tables import LESSON, STOPS, new_tables_exercise

SEEDS = range(40)
PAGE = 4096
MB = 1 << 20
HEX = re.compile(r"0x[0-9a-f]+")


@functools.cache
def by_id(seed: int) -> dict:
    return {e.id: e for e in LESSON.exercises(seed)}


def hexes(text: str) -> list[int]:
    return [int(h, 16) for h in HEX.findall(text)]


def test_registered_with_six_exercises_of_the_right_kinds() -> None:
    assert LESSONS[3] is LESSON and LESSON.title == "Page tables: walking an address"
    ex = by_id(0)
    assert list(ex) == ["walk", "walk_pae", "lowmem_phys", "new_tables", "flags", "stop"]
    assert isinstance(ex["walk"], FieldsExercise) and isinstance(ex["walk_pae"], FieldsExercise)
    assert isinstance(ex["lowmem_phys"], NumberExercise) and isinstance(ex["new_tables"], NumberExercise)
    assert isinstance(ex["flags"], FieldsExercise) and isinstance(ex["stop"], ChoiceExercise)


@pytest.mark.parametrize("seed", SEEDS)
def test_walk_matches_the_10_10_12_split(seed: int) -> None:
    e = by_id(seed)["walk"]
    (addr,) = hexes(e.prompt)
    assert e.answer == {"pgd": addr >> 22, "pte": (addr >> 12) & 1023, "offset": addr % 4096}
    assert e.check(f"pgd={addr >> 22} pte={(addr >> 12) & 1023} offset={addr % 4096}").correct


@pytest.mark.parametrize("seed", SEEDS)
def test_walk_pae_matches_the_2_9_9_12_split(seed: int) -> None:
    e = by_id(seed)["walk_pae"]
    (addr,) = hexes(e.prompt)
    want = {"pgd": addr >> 30, "pmd": (addr >> 21) & 511, "pte": (addr >> 12) & 511, "offset": addr % 4096}
    assert e.answer == want
    assert e.check({k: str(v) for k, v in want.items()}).correct


@pytest.mark.parametrize("seed", SEEDS)
def test_lowmem_phys_is_the_direct_map_and_the_large_page_formula(seed: int) -> None:
    e = by_id(seed)["lowmem_phys"]
    pae = "with PAE" in e.prompt
    ram = int(re.search(r"(\d+) MB of RAM", e.prompt).group(1)) << 20
    addr, *entries = hexes(e.prompt)
    assert e.answer == addr - 0xC0000000  # __pa: lowmem is PAGE_OFFSET + physical
    assert e.answer == Kernel(Config(ram=ram, pae=pae)).layout.pa(addr)  # a twin machine's __pa
    leaf = entries[-1]
    assert leaf & 0x80  # PSE
    size = 2 * MB if pae else 4 * MB
    assert e.answer == (leaf & 0x000FFFFFFFFFF000 & ~(size - 1)) | (addr & (size - 1))
    assert len(entries) == (2 if pae else 1)


@pytest.mark.parametrize("seed", SEEDS)
def test_new_tables_counts_blocks_without_a_table(seed: int) -> None:
    e = by_id(seed)["new_tables"]
    pae = "With PAE" in e.prompt
    span = 2 * MB if pae else 4 * MB
    first_size, second_size = (int(n) for n in re.findall(r"vmalloc\((\d+)\)", e.prompt))
    start, *_, second = hexes(e.prompt)
    assert start == 0xF8800000
    assert second == start + first_size + PAGE  # packed after the first area and its guard page
    have = {a // span for a in range(start, start + first_size, PAGE)}
    need = {a // span for a in range(second, second + second_size, PAGE)}  # the guard page is not mapped
    assert e.answer == len(need - have)
    # and a twin kernel, counted by walking instead of by events
    k = Kernel(Config(pae=pae))
    k.vmalloc(first_size)
    blocks = range(start // span, (second + second_size + PAGE) // span + 1)
    before = {b for b in blocks if k.translate(b * span).fault not in ("pgd", "pmd")}
    k.vmalloc(second_size)
    after = {b for b in blocks if k.translate(b * span).fault not in ("pgd", "pmd")}
    assert e.answer == len(after - before)


@pytest.mark.parametrize("seed", SEEDS)
def test_flags_follow_the_bit_numbers(seed: int) -> None:
    e = by_id(seed)["flags"]
    entry = int(re.search(r"holds (0x[0-9a-f]+)", e.prompt).group(1), 16)
    want = {"present": entry & 1, "rw": entry >> 1 & 1, "user": entry >> 2 & 1, "pse": entry >> 7 & 1,
            "global": entry >> 8 & 1}  # fmt: skip
    if e.prompt.startswith("A PAE (64-bit)"):
        want["nx"] = entry >> 63 & 1
    assert e.answer == want


@pytest.mark.parametrize("seed", SEEDS)
def test_stop_follows_the_layout(seed: int) -> None:
    e = by_id(seed)["stop"]
    n = int(re.search(r"vmalloc\((\d+)\)", e.prompt).group(1)) // PAGE
    high_memory, area, addr = hexes(e.prompt)
    if 0xC0000000 <= addr < high_memory:
        want = "PGD entry: a 4 MB page"
    elif area <= addr < area + n * PAGE:
        want = "PTE entry: a 4 kB page"
    elif area + n * PAGE <= addr < area + (n + 1) * PAGE:
        want = "PTE entry: not present"  # the guard page
    else:  # user space, or vmalloc space no table covers (the area sits in the first 4 MB block)
        assert addr < 0xC0000000 or addr >= area + 4 * MB
        want = "PGD entry: not present"
    assert e.answer == want
    for option in STOPS:
        fb = e.check(option)
        assert fb.correct == (option == want)
        assert fb.message and (fb.correct or "Right" not in fb.message)


def test_answers_vary_with_the_seed_and_cover_every_case() -> None:
    sets = [by_id(s) for s in SEEDS]
    for key in ("walk", "walk_pae", "lowmem_phys"):
        assert len({str(x[key].answer) for x in sets}) > 30, key
    assert len({x["flags"].prompt for x in sets}) > 30 and len({str(x["flags"].answer) for x in sets}) >= 6
    assert {x["new_tables"].answer for x in sets} >= {0, 1, 2}
    assert {x["stop"].answer for x in sets} == set(STOPS)
    assert {"with PAE" in x["lowmem_phys"].prompt for x in sets} == {True, False}
    assert {"With PAE" in x["new_tables"].prompt for x in sets} == {True, False}
    assert {"nx" in x["flags"].fields for x in sets} == {True, False}


def test_typical_mistakes_get_their_own_feedback() -> None:
    hit = set()
    for seed in SEEDS:
        ex = by_id(seed)
        w = ex["walk"]
        (addr,) = hexes(w.prompt)
        right = w.answer
        fb = w.check(f"pgd={addr >> 20} pte={right['pte']} offset={right['offset']}")
        assert not fb.correct and "pgd is not right yet" in fb.message and "1 MB" in fb.message
        fb = w.check(f"pgd={right['pgd']} pte={addr >> 12} offset={right['offset']}")
        assert "whole virtual page number" in fb.message and "pgd is right" in fb.message
        if addr >= 0xC0000000:
            fb = w.check(f"pgd={(addr - 0xC0000000) >> 22} pte={right['pte']} offset={right['offset']}")
            assert "PAGE_OFFSET" in fb.message
            hit.add("page_offset")

        p = ex["walk_pae"]
        (addr,) = hexes(p.prompt)
        r = p.answer
        fb = p.check(f"pgd={addr >> 22} pmd={r['pmd']} pte={r['pte']} offset={r['offset']}")
        assert "4 entries" in fb.message
        if (addr >> 12) & 0x3FF != r["pte"]:
            fb = p.check(f"pgd={r['pgd']} pmd={r['pmd']} pte={(addr >> 12) & 0x3FF} offset={r['offset']}")
            assert "512 entries" in fb.message
            hit.add("pae_pte")

        lp = ex["lowmem_phys"]
        addr, *entries = hexes(lp.prompt)
        small_page = (entries[-1] & 0x000FFFFFFFFFF000) | (addr & 0xFFF)
        assert "4 kB page" in lp.check(hex(small_page)).message
        assert "virtual address itself" in lp.check(hex(addr)).message
        assert "pfn" in lp.check(hex(lp.answer >> 12)).message
        if entries[-1] >> 63:
            assert "NX" in lp.check(hex(lp.answer | 1 << 63)).message
            hit.add("nx")

        nt = ex["new_tables"]
        for wrong, text in nt.mistakes.items():
            assert nt.check(str(wrong)) == (False, text)
        if any("guard page" in t for t in nt.mistakes.values()):
            hit.add("guard")
        if any("already covers" in t for t in nt.mistakes.values()):
            hit.add("existing")

        f = ex["flags"]
        flipped = dict(f.answer, user=1 - f.answer["user"])
        fb = f.check(" ".join(f"{k}={v}" for k, v in flipped.items()))
        assert not fb.correct and "user is not right yet (USER is bit 2" in fb.message
    assert hit == {"page_offset", "pae_pte", "nx", "guard", "existing"}


def test_prompts_are_plain_self_contained_text() -> None:
    for seed in range(5):
        for e in LESSON.exercises(seed):
            for text in (e.prompt, e.hint, e.explain):
                assert text and "`" not in text and "**" not in text and "\n" not in text, (e.id, text)
            assert "0x" in e.prompt or "vmalloc(" in e.prompt


def test_the_notebook_prediction_needs_one_table_and_reveals_it() -> None:
    k = Kernel()
    k.vmalloc(3 * PAGE)
    addr = k.vmalloc(4 * MB)
    op = k.timeline.operations[-1]
    ex, reveal = new_tables_exercise(k, op, id="predict")
    assert addr == 0xF8804000 and ex.answer == 1 and ex.id == "predict"
    assert "0xf8800000-0xf8bfffff" in ex.prompt and "vmalloc(4194304) returns 0xf8804000" in ex.prompt
    shown = k.timeline[reveal - 1]
    assert isinstance(shown, PageTableAllocated) and shown.vaddr == 0xF8C00000 and shown.index == 995
    assert op.start < reveal <= op.end
    assert "already covers" in ex.check("2").message
    assert "0xf8c03000" in ex.check("0").message  # the last mapped page, in the block without a table


def test_a_guard_page_on_the_boundary_needs_no_table() -> None:
    k = Kernel()
    k.vmalloc(1018 * PAGE)  # 0xf8800000, 1019 pages with the guard page
    addr = k.vmalloc(5 * PAGE)  # its pages end at 0xf8bfffff; the guard page is 0xf8c00000
    op = k.timeline.operations[-1]
    ex, reveal = new_tables_exercise(k, op)
    assert addr == 0xF8BFB000 and ex.answer == 0 and reveal == op.end
    msg = ex.check("1").message
    assert "guard page at 0xf8c00000" in msg and "already covers" in msg  # two slips give 1: both named
    assert k.translate(0xF8C00000).fault == "pgd"  # indeed no table there


def test_slip_feedback_keeps_the_per_field_verdicts() -> None:
    e = by_id(3)["walk"]
    (addr,) = hexes(e.prompt)
    fb = e.check({"pgd": str(addr >> 20)})
    assert fb.message.startswith("pgd is not right yet (the top 10 bits: addr >> 22); pte is missing")
    assert e.check(e.answer_text()).correct and "name=value" in e.check("no idea").message


def test_flags_feedback_on_a_table_entry_says_the_pte_below_decides() -> None:
    seen = set()
    for seed in SEEDS:
        f = by_id(seed)["flags"]
        entry = int(re.search(r"holds (0x[0-9a-f]+)", f.prompt).group(1), 16)
        if "entry on the walk of the vmalloc address" in f.prompt:
            assert entry & 0xFFF == 0x67  # _PAGE_TABLE
            assert "PTE below decides" in f.explain and "user mode may use" not in f.explain
            wrong = dict(f.answer, user=0)
            fb = f.check(" ".join(f"{k}={v}" for k, v in wrong.items()))
            assert not fb.correct and "_PAGE_TABLE is 0x67" in fb.message
            seen.add("table")
        elif "process's" in f.prompt:
            assert "user mode may use this page" in f.explain and "preset" not in f.explain
            seen.add("user")
        else:  # a kernel page: USER clear, ACCESSED and DIRTY preset by the kernel
            assert "USER clear: kernel only" in f.explain and "preset by the kernel" in f.explain
            seen.add("kernel")
    assert seen == {"table", "user", "kernel"}
