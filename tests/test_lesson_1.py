"""Lesson 1's exercises: answers checked an independent way, mistakes get their own feedback.

The answers come from the model; here they are recomputed from kernel-notes.md's formulas
using only the numbers printed in each prompt (so the prompts are self-contained too), and,
where an operation is involved, from a twin kernel (a page-table walk for __pa/__va, a
second vmalloc for the first-fit address).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from vmwidgets import Config, Kernel, Layout, data
from vmwidgets.exercises import LESSONS, ChoiceExercise, NumberExercise
from vmwidgets.exercises.l1_layout import (
    LESSON,
    REGION_OPTIONS,
    first_vmalloc,
    high_memory_exercise,
    lowmem_exercise,
    pa_exercise,
    region_exercise,
    va_exercise,
)

BOOTLOGS = Path(data.__file__).parent / "bootlogs"
MB = 1 << 20
PAGE_OFFSET = 0xC0000000
SEEDS = range(40)
IDS = ["lowmem", "high_memory", "first_vmalloc", "pa", "va", "region"]


@cache
def exercises(seed: int) -> tuple:
    return tuple(LESSON.exercises(seed))


def by_id(seed: int) -> dict:
    return {e.id: e for e in exercises(seed)}


def machine(prompt: str) -> dict:
    """The machine a prompt describes: era minor, PAE, RAM, vmalloc=, and any hex it names."""
    m = re.search(r"Linux 2\.6\.(\d+), (PAE|non-PAE), (\d+) MB of RAM", prompt)
    assert m, prompt
    vm = re.search(r"vmalloc=(\d+)M", prompt)
    end = re.search(r"VMALLOC_END is (0x[0-9a-f]+)", prompt)
    hm = re.search(r"high_memory = (0x[0-9a-f]+)", prompt)
    return {
        "minor": int(m.group(1)),
        "pae": m.group(2) == "PAE",
        "ram": int(m.group(3)) * MB,
        "vmalloc": int(vm.group(1)) * MB if vm else None,
        "vmalloc_end": int(end.group(1), 16) if end else None,
        "high_memory": int(hm.group(1), 16) if hm else None,
    }


def maxmem(d: dict) -> int:
    """kernel-notes.md §1: MAXMEM by era, with vmalloc= (plus VMALLOC_OFFSET from 2.6.28)."""
    if d["minor"] >= 28:
        reserve = 128 * MB if d["vmalloc"] is None else d["vmalloc"] + 8 * MB
        return d["vmalloc_end"] - PAGE_OFFSET - reserve
    reserve = 128 * MB if d["vmalloc"] is None else d["vmalloc"]
    return (1 << 32) - PAGE_OFFSET - reserve


def config(d: dict) -> Config:
    return Config(ram=d["ram"], pae=d["pae"], era=f"2.6.{d['minor']}", vmalloc_reserve=d["vmalloc"])


# -- every seed: the key is right, checked independently ----------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_the_set_has_its_exercises_and_accepts_its_own_key(seed: int) -> None:
    ex = exercises(seed)
    assert [e.id for e in ex] == IDS
    for e in ex:
        assert e.check(e.answer_text()).correct, e.id
        assert e.explain and e.hint, e.id
        assert "\n" not in e.prompt and "`" not in e.prompt and "**" not in e.prompt, e.id
        if isinstance(e, NumberExercise):
            assert e.value not in e.mistakes, e.id  # a mistake is never the answer
            assert len(e.mistakes) >= 2, e.id


@pytest.mark.parametrize("seed", SEEDS)
def test_lowmem_is_min_of_ram_and_maxmem(seed: int) -> None:
    e = by_id(seed)["lowmem"]
    d = machine(e.prompt)
    low = min(d["ram"], maxmem(d) >> 12 << 12)
    assert e.answer == low >> 20


@pytest.mark.parametrize("seed", SEEDS)
def test_high_memory_follows_the_vmalloc_option(seed: int) -> None:
    e = by_id(seed)["high_memory"]
    d = machine(e.prompt)
    assert d["vmalloc"] is not None
    assert d["ram"] > maxmem(d)  # the prompt promises RAM reaches past MAXMEM
    assert e.answer == PAGE_OFFSET + (maxmem(d) >> 12 << 12)


@pytest.mark.parametrize("seed", SEEDS)
def test_first_vmalloc_lands_at_vmalloc_start(seed: int) -> None:
    e = by_id(seed)["first_vmalloc"]
    d = machine(e.prompt)
    hm = d["high_memory"]
    assert hm == PAGE_OFFSET + d["ram"]  # all RAM is lowmem, as the prompt says
    if d["minor"] >= 28:
        start = hm + 8 * MB
    else:
        start = (hm + 2 * 8 * MB - 1) & ~(8 * MB - 1)
    assert e.answer == start
    # a twin kernel, booted from the prompt's numbers alone, puts the same call there
    size = int(re.search(r"vmalloc\((\d+)\)", e.prompt).group(1))
    twin = Kernel(config(d))
    assert twin.vmalloc(size) == e.answer
    assert [a.addr for a in twin.vmlist] == [e.answer]


@pytest.mark.parametrize("seed", SEEDS)
def test_pa_and_va_agree_with_the_page_table_walk(seed: int) -> None:
    ex = by_id(seed)
    pa, va = ex["pa"], ex["va"]
    vaddr = int(re.search(r"__pa\((0x[0-9a-f]+)\)", pa.prompt).group(1), 16)
    paddr = int(re.search(r"__va\((0x[0-9a-f]+)\)", va.prompt).group(1), 16)
    twin = Kernel(config(machine(pa.prompt)))
    assert pa.answer == twin.translate(vaddr).phys == vaddr - PAGE_OFFSET
    assert twin.translate(va.answer).phys == paddr and va.answer == paddr + PAGE_OFFSET


@pytest.mark.parametrize("seed", SEEDS)
def test_region_from_the_printed_ranges(seed: int) -> None:
    e = by_id(seed)["region"]
    assert isinstance(e, ChoiceExercise) and set(e.options) == set(REGION_OPTIONS)
    ranges = {n: (int(a, 16), int(b, 16)) for n, a, b in re.findall(r"(\w+) (0x[0-9a-f]+)-(0x[0-9a-f]+)", e.prompt)}
    addr = int(re.search(r"the address (0x[0-9a-f]+)", e.prompt).group(1), 16)
    names = {"lowmem": "lowmem (direct map)", "vmalloc": "vmalloc", "pkmap": "pkmap", "fixmap": "fixmap"}
    inside = [names[n] for n, (a, b) in ranges.items() if a <= addr < b]
    if addr < PAGE_OFFSET:
        expected = "user space"
    elif ranges["lowmem"][1] <= addr < ranges["vmalloc"][0]:
        expected = "VMALLOC_OFFSET gap"
    else:
        (expected,) = inside
    assert e.answer == expected
    for option in e.options:
        assert e.check(option).correct == (option == expected)


def test_seeds_cover_both_eras_every_region_and_change_the_numbers() -> None:
    sets = [exercises(s) for s in SEEDS]
    for i in range(len(IDS)):
        assert len({str(ex[i].answer) for ex in sets}) > 1, IDS[i]
    for i in range(3):  # the machine-based questions meet both eras
        assert {machine(ex[i].prompt)["minor"] for ex in sets} == {24, 32}
    assert {ex[5].answer for ex in sets} == set(REGION_OPTIONS)


def test_lesson_is_registered_with_its_key() -> None:
    assert LESSONS[1] is LESSON
    key = LESSON.answer_key(3)
    assert all(f"  {i}: " in key for i in IDS)


# -- typical mistakes get their own feedback ---------------------------------------------------------
def test_pa_va_swapped_is_named() -> None:
    cfg = Config()
    pa = pa_exercise(cfg, 0xC0801234)
    assert pa.answer == 0x801234
    fb = pa.check("0x80801234")  # __va's direction: + PAGE_OFFSET, wrapped to 32 bits
    assert not fb.correct and "__va" in fb.message
    assert "subtract PAGE_OFFSET" in pa.check("0xc0801234").message
    assert "pfn" in pa.check("0x801").message
    va = va_exercise(cfg, 0x801234)
    assert va.answer == 0xC0801234
    fb = va.check("0x40801234")  # __pa's direction: - PAGE_OFFSET, wrapped
    assert not fb.correct and "__pa" in fb.message
    assert "unchanged" in va.check("0x801234").message


def test_first_vmalloc_mistakes_gap_rounding_and_top_down() -> None:
    k, e = first_vmalloc(Config(ram=700 * MB), pages=2)  # the notebook's machine
    assert e.answer == 0xEC800000 and k.layout.high_memory == 0xEBC00000
    assert "VMALLOC_OFFSET" in e.check("0xebc00000").message  # no gap at all
    assert "rounds up" in e.check("0xec400000").message  # 2.6.28+ rule used on 2.6.24
    assert "guard page" in e.check("0xec801000").message
    assert "first-fit" in e.check(hex(k.layout.vmalloc_end - 3 * 4096)).message
    t = k.timeline  # what the notebook reveals: the step that links the vm_struct
    linked = next(i for i, ev in enumerate(t) if ev.kind == "VmStructLinked")
    assert t.seek(linked + 1).vmlist == [0xEC800000] and t.seek(linked).vmlist == []
    _, new = first_vmalloc(Config(ram=700 * MB, era="2.6.32"), pages=2)
    assert new.answer == 0xEC400000
    assert "2.6.24" in new.check("0xec800000").message


def test_lowmem_mistakes() -> None:
    big = lowmem_exercise(Config(ram=2048 * MB, era="2.6.32"))
    assert big.answer == 887
    assert "962 MB is not what a default kernel gives" in big.check("962").message
    assert "2.6.27" in big.check("896").message
    assert "all of the RAM" in big.check("2048").message
    assert "128 MB" in big.check("1024").message
    assert "highmem" in big.check(str(2048 - 887)).message
    small = lowmem_exercise(Config(ram=512 * MB))
    assert small.answer == 512
    fb = small.check("896")  # a hint, not the answer (issue 14): 512 MB is the RAM, and the answer
    assert "smaller of RAM and MAXMEM" in fb.message and "512" not in fb.message


def test_high_memory_mistakes() -> None:
    new = high_memory_exercise(Config(ram=2048 * MB, era="2.6.32", vmalloc_reserve=256 * MB))
    assert new.answer == 0xEEFFE000  # kernel-notes: log 12 (2.6.38, vmalloc=256M) has lowmem 751 MB
    assert "adds VMALLOC_OFFSET" in new.check("0xef7fe000").message
    assert "without vmalloc=" in new.check("0xf77fe000").message
    assert "physical address" in new.check("0x2effe000").message
    old = high_memory_exercise(Config(ram=2048 * MB, vmalloc_reserve=256 * MB))
    assert old.answer == 0xF0000000
    assert "only 2.6.28 and later" in old.check("0xef800000").message
    assert "VMALLOC_START" in old.check("0xf0800000").message


def test_region_gap_mistake_explains_high_memory() -> None:
    e = region_exercise(Config(), 0xF8000000)  # high_memory itself: the first byte of the gap
    assert e.answer == "VMALLOC_OFFSET gap"
    fb = e.check("lowmem (direct map)")
    assert not fb.correct and "high_memory = 0xf8000000" in fb.message
    assert "below" in e.check("vmalloc").message
    assert region_exercise(Config(), 0xF7FFFFFF).answer == "lowmem (direct map)"
    assert region_exercise(Config(), 0xBFFFFFFF).answer == "user space"
    assert region_exercise(Config(), 0xFFFFE000).answer == "fixmap"
    with pytest.raises(ValueError, match="guard"):
        region_exercise(Config(), 0xFF7FE000)  # the two guard pages are not an option


# -- facts the notebook states -----------------------------------------------------------------
def test_default_kernels_never_give_962_mb_of_lowmem() -> None:
    for era in ("2.6.24", "2.6.32"):
        for pae in (False, True):
            for ram_mb in (256, 512, 896, 960, 962, 1024, 2048, 4096):
                lay = Layout.compute(Config(ram=ram_mb * MB, pae=pae, era=era))
                assert (lay.high_memory - lay.page_offset) >> 20 <= 896
    lay = Kernel(Config(vmalloc_reserve=62 * MB)).layout
    assert (lay.high_memory - PAGE_OFFSET) >> 20 == 962 and (lay.vmalloc_end - lay.vmalloc_start) >> 20 == 39


def test_the_notebooks_boot_log_is_reproduced() -> None:
    log = (BOOTLOGS / "00g-ubuntu-2.6.24-19-1GB.txt").read_text()
    ram_kb = int(re.search(r"Memory: \d+k/(\d+)k", log).group(1))
    real = [ln for ln in log.splitlines() if re.match(r"\s{4}(fixmap|pkmap|vmalloc|lowmem|  \.)", ln)]
    k = Kernel(Config(ram=ram_kb * 1024, era="2.6.24", pae=False, fixmap_kb=720))
    assert len(real) == 7 and k.layout.table().splitlines()[1:] == real
    assert k.layout.totalhigh_kb == 130816


def test_the_notebooks_machine_table() -> None:
    rows = {
        Config(ram=512 * MB): (0xE0000000, 0xE0800000, 495),
        Config(era="2.6.32"): (0xF77FE000, 0xF7FFE000, 120),
        Config(vmalloc_reserve=256 * MB): (0xF0000000, 0xF0800000, 239),
        Config(era="2.6.32", vmalloc_reserve=256 * MB): (0xEEFFE000, 0xEF7FE000, 256),
    }
    for cfg, (hm, start, vm_mb) in rows.items():
        lay = Kernel(cfg).layout
        assert (lay.high_memory, lay.vmalloc_start, (lay.vmalloc_end - lay.vmalloc_start) >> 20) == (hm, start, vm_mb)
    pae = Kernel(Config(ram=2048 * MB, era="2.6.32", pae=True)).layout
    assert pae.last_pkmap == 512 and pae.pkmap_end - pae.pkmap_base == 2 * MB


def test_the_notebooks_boot_log_ranges_by_era() -> None:
    """§3: 896 MB exactly up to 2.6.27, 883 to 891 MB from 2.6.28, on the logs with RAM to spare."""
    old, new = set(), set()
    for path in BOOTLOGS.glob("*.txt"):
        text = path.read_text()
        head = dict(re.findall(r"^# (\w+): (.*)$", text, re.M))
        minor = int(re.search(r"2\.6\.(\d+)", head["version"]).group(1))
        low_mb = int(re.search(r"lowmem  : .*\(\s*(\d+) MB\)", text).group(1))
        ram_mb = int(re.search(r"Memory: \d+k/(\d+)k", text).group(1)) // 1024
        assert low_mb <= 896
        if "vmalloc=" in head["cmdline"] or ram_mb <= low_mb:
            continue  # vmalloc= or all RAM is lowmem
        (new if minor >= 28 else old).add(low_mb)
    assert old == {896}
    assert min(new) == 883 and max(new) == 891


def test_vmalloc_start_rounding_two_ways_and_default_sizes() -> None:
    """§4: (hm + 16 MB - 1) rounded down to 8 MB == hm + 8 MB rounded up; §5: 111 and 120 MB."""
    for hm in range(0xE0000000, 0xE1000000, 0x1000):
        assert (hm + 16 * MB - 1) & ~(8 * MB - 1) == -(-(hm + 8 * MB) // (8 * MB)) * 8 * MB
    for ram_mb in (700, 701, 512, 300):
        lay = Kernel(Config(ram=ram_mb * MB)).layout
        assert lay.vmalloc_start == -(-(lay.high_memory + 8 * MB) // (8 * MB)) * 8 * MB
    sizes = {era: Kernel(Config(era=era)).layout for era in ("2.6.24", "2.6.32")}
    assert {e: (m.vmalloc_end - m.vmalloc_start) >> 20 for e, m in sizes.items()} == {"2.6.24": 111, "2.6.32": 120}


def test_vmalloc_area_size_includes_one_guard_page() -> None:
    """§4's predict text: the vm_struct is 12288 bytes for vmalloc(8192)."""
    k, _ = first_vmalloc(Config(ram=700 * MB), pages=2)
    (area,) = k.vmlist
    assert area.size == 12288 and area.nr_pages == 2
