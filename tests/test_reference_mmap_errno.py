"""mmap's return value against tests/reference/mmap_errno.py, written from the kernel source.

Seeded random calls, most of them invalid (length 0 or past TASK_SIZE, unaligned or
top-of-memory MAP_FIXED addresses, bad MAP_TYPE, no fd, files opened without the access
asked for, offsets that wrap, MAP_GROWSDOWN on a file, MAP_HUGETLB …), in both eras with PAE
on and off.  The reference decides from the task's address space as it is before each call
(its VMAs and search hints: where a hole is found is tests/test_reference_unmapped_area.py's
business): the model must return the same value, and a refused call must change nothing but
the range mmap_region cleared before refusing.  Then the rules the runs found broken, one
test each, and the rules the model leaves out, which its docstrings must name.
"""

from __future__ import annotations

import copy
import random

import pytest
from reference import mmap_errno as ref
from reference.unmapped_area import RefMm, Vma

from vmwidgets import Config, File, Kernel, validate_mm
from vmwidgets.model.mm_types import FMODE_READ, FMODE_WRITE
from vmwidgets.model.mmap import MmStruct, sys_mmap_pgoff
from vmwidgets.model.sched import Task

PAGE = 4096
CONFIGS = [(era, pae) for era in ("2.6.24", "2.6.32") for pae in (False, True)]
ANON = ref.MAP_PRIVATE | ref.MAP_ANONYMOUS
RW = ref.PROT_READ | ref.PROT_WRITE


def _ref_mm(mm: MmStruct, era: str) -> RefMm:
    """The reference's view of the address space before a call: spans and search hints."""
    r = RefMm(era, mm.task_size)
    r.vmas = [Vma(v.vm_start, v.vm_end, (), None, 0) for v in mm]
    r.mmap_base, r.free_area_cache, r.cached_hole_size = mm.mmap_base, mm.free_area_cache, mm.cached_hole_size
    return r


def _state(mm: MmStruct) -> tuple[int, int, list[tuple[int, int]]]:
    return mm.free_area_cache, mm.cached_hole_size, [(v.vm_start, v.vm_end) for v in mm]


def _addr(rng: random.Random, mm: MmStruct) -> int:
    r = rng.random()
    if r < 0.25:
        return 0
    if r < 0.35:
        return rng.randint(1, 2 * PAGE)  # below mmap_min_addr, or a hint round_hint_to_min drops
    if r < 0.45:
        return rng.randint(0xFFFFE000, 0xFFFFFFFF)  # the top: IS_ERR_VALUE, or past TASK_SIZE
    if r < 0.55:
        return mm.task_size + rng.randint(-4, 4) * PAGE
    addr = rng.choice([v.vm_start for v in mm] + [v.vm_end for v in mm] + [0x40000000, 0x10000000])
    addr += rng.randint(-3, 3) * PAGE
    if rng.random() < 0.3:
        addr += rng.randint(1, PAGE - 1)
    return max(0, min(addr, 0xFFFFFFFF))


def _length(rng: random.Random, task_size: int) -> int:
    r = rng.random()
    if r < 0.1:
        return 0
    if r < 0.55:
        return rng.randint(1, 8) * PAGE - rng.choice((0, 0, rng.randint(1, PAGE - 1)))
    if r < 0.7:
        return rng.choice((task_size, task_size + 1, task_size - PAGE + 1, 0xFFFFFFFF, 0xFFFFF001, 0xFFFFF000))
    if r < 0.85:
        return rng.randint(1, 0x4000) * PAGE
    return rng.randint(0x60000, 0xBF000) * PAGE  # 1.5 GB to 3 GB: often no hole at all


def _flags(rng: random.Random, era: str) -> int:
    kind = rng.choice((ref.MAP_PRIVATE, ref.MAP_PRIVATE, ref.MAP_SHARED, 0, 3, rng.randint(4, 15)))
    flags = kind
    for bit, p in (
        (ref.MAP_ANONYMOUS, 0.5),
        (ref.MAP_FIXED, 0.4),
        (ref.MAP_GROWSDOWN, 0.15),
        (ref.MAP_DENYWRITE | ref.MAP_EXECUTABLE, 0.1),
        (0x4000, 0.1),  # MAP_NORESERVE
        (ref.MAP_HUGETLB, 0.1),
    ):
        if rng.random() < p:
            flags |= bit
    if era == "2.6.32" and flags & ref.MAP_HUGETLB and flags & ref.MAP_ANONYMOUS:
        flags &= ~ref.MAP_HUGETLB  # an anonymous huge page mapping: not modelled (Task.mmap says so)
    return flags


def _file(rng: random.Random) -> tuple[File | str | None, ref.OpenFile | None]:
    r = rng.random()
    if r < 0.15:
        return None, None  # a bad fd
    if r < 0.35:
        return "/data/opened", ref.OpenFile()  # a path: opened read-write
    mode = rng.choice((FMODE_READ | FMODE_WRITE, FMODE_READ, FMODE_READ, FMODE_WRITE, 0))
    return File("/data/f", (8, 1), 77, mode), ref.OpenFile(f_mode=mode)


def _pgoff(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.7:
        return rng.randint(0, 16)
    return 0xFFFFFFFF - rng.randint(0, 0x2000)


def _call(t: Task, era: str, rng: random.Random, skipped: list[str]) -> str:
    mm = t.mm
    addr, length = _addr(rng, mm), _length(rng, mm.task_size)
    prot = rng.randint(0, 7) | (rng.choice((0, 0, 0, 8, 0x10)) if rng.random() < 0.2 else 0)
    flags = _flags(rng, era)
    file, open_file = _file(rng)
    pgoff = _pgoff(rng)
    what = f"mmap({addr:#x}, {length:#x}, {prot}, {flags:#x}, {file!r}, {pgoff:#x})"
    r = _ref_mm(mm, era)
    searched = copy.deepcopy(r)  # the reference's search moves its hints, as the kernel's does
    want = ref.sys_mmap2(searched, addr, length, prot, flags, open_file, pgoff, map_count=mm.map_count)
    before = _state(mm)
    got = t.mmap(addr, length, prot, flags, file, pgoff)
    if want.rule.startswith("security_file_mmap"):  # 2.6.32's mmap_min_addr: not modelled
        skipped.append(what)
        return what
    assert got == want.value, f"{what}: model {got:#x}, reference {want.value:#x} ({want.rule})"
    if not want.failed:
        if rng.random() < 0.6:  # make room again
            assert t.munmap(got, length) == 0
        return what
    if want.rule == "get_unmapped_area":  # no hole: the search ran and failed, in both
        assert _state(mm) == (searched.free_area_cache, searched.cached_hole_size, before[2]), what
    elif want.cleared is None:  # refused: nothing changed, the hints included (the model's simplification)
        assert _state(mm) == before, f"{what} ({want.rule}) changed the address space"
    else:  # mmap_region had cleared the fixed range: the kernel's do_munmap, hints and all
        start, end = want.cleared
        assert r.do_munmap(start, end - start) == 0
        assert _state(mm) == (r.free_area_cache, r.cached_hole_size, r.spans()), what
    return what


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(("era", "pae"), CONFIGS)
def test_random_calls_return_what_the_reference_returns(era: str, pae: bool, seed: int) -> None:
    k = Kernel(Config(era=era, pae=pae), record=False)
    t = k.spawn("a")
    assert t is not None
    rng = random.Random(f"errno-{era}-{pae}-{seed}")
    skipped: list[str] = []
    for _ in range(200):
        _call(t, era, rng, skipped)
    validate_mm(t.mm)
    assert len(skipped) < 20  # the run is about what the model does model
    assert (era == "2.6.32") or not skipped


# -- the differences the runs found, one rule each -----------------------------------------------
ERAS = pytest.mark.parametrize("era", ["2.6.24", "2.6.32"])


def _task(era: str) -> tuple[Kernel, Task]:
    k = Kernel(Config(era=era), record=False)
    t = k.spawn("a")
    assert t is not None
    return k, t


@ERAS
def test_a_fixed_address_in_the_top_4095_bytes_comes_back_as_it_is(era: str) -> None:
    """mm/mmap.c:get_unmapped_area (24:1418, 32:1466): IS_ERR_VALUE(addr) returns it before
    the TASK_SIZE check, and sys_mmap2's long makes it a negative number."""
    _, t = _task(era)
    assert t.mmap(0xFFFFF800, PAGE, RW, ANON | ref.MAP_FIXED) == 0xFFFFF800 - (1 << 32) == -2048
    assert t.mmap(0xFFFFFFEA, PAGE, RW, ANON | ref.MAP_FIXED) == -ref.EINVAL  # -22 read back
    assert t.mmap(0xFFFFF000, PAGE, RW, ANON | ref.MAP_FIXED) == -ref.ENOMEM  # not an error value


@ERAS
def test_no_hole_is_enomem_before_the_map_type_and_file_checks(era: str) -> None:
    """do_mmap_pgoff runs get_unmapped_area (24:938, 32:973) before the MAP_TYPE switch and
    the f_mode checks, so a call with no hole is -ENOMEM whatever else is wrong with it."""
    _, t = _task(era)
    spans = _state(t.mm)[2]
    huge = 0xBF000000
    assert t.mmap(0, huge, RW, ref.MAP_ANONYMOUS) == -ref.ENOMEM  # bad MAP_TYPE, but no hole first
    ro = File("/data/ro", (8, 1), 5, FMODE_READ)
    assert t.mmap(0, huge, RW, ref.MAP_SHARED, ro) == -ref.ENOMEM
    assert t.mmap(0, huge, ref.PROT_READ, ref.MAP_PRIVATE | ref.MAP_GROWSDOWN, ro) == -ref.ENOMEM
    assert _state(t.mm)[2] == spans  # the failed searches moved the hints, as the kernel's do
    before = _state(t.mm)
    assert t.mmap(0, PAGE, RW, ref.MAP_ANONYMOUS) == -ref.EINVAL  # a hole: the MAP_TYPE check speaks
    assert _state(t.mm) == before  # a search that found a hole leaves the hints as they were


@ERAS
def test_a_fixed_growsdown_file_mapping_clears_its_range_before_it_is_refused(era: str) -> None:
    """mm/mmap.c:mmap_region clears the range (do_munmap, 24:1082-1087, 32:1134-1139) before
    refusing VM_GROWSDOWN on a file with -EINVAL (24:1139-1141, 32:1196-1198)."""
    _, t = _task(era)
    w = 0x40000000
    assert t.mmap(w, 4 * PAGE, RW, ANON | ref.MAP_FIXED) == w
    f = File("/data/f", (8, 1), 77)
    flags = ref.MAP_PRIVATE | ref.MAP_FIXED | ref.MAP_GROWSDOWN
    assert t.mmap(w + PAGE, 2 * PAGE, ref.PROT_READ, flags, f) == -ref.EINVAL
    assert [(v.vm_start - w, v.vm_end - w) for v in t.mm if w <= v.vm_start < w + 8 * PAGE] == [
        (0, PAGE),
        (3 * PAGE, 4 * PAGE),
    ]
    validate_mm(t.mm)


def test_map_hugetlb_with_a_file_is_einval_in_2_6_32_only() -> None:
    """2.6.32 mm/mmap.c:do_mmap_pgoff (32:952-955); 2.6.24 has no MAP_HUGETLB: an unknown bit,
    ignored."""
    f = File("/data/f", (8, 1), 77)
    for era, want in (("2.6.32", -ref.EINVAL), ("2.6.24", None)):
        _, t = _task(era)
        got = t.mmap(0, PAGE, ref.PROT_READ, ref.MAP_PRIVATE | ref.MAP_HUGETLB, f)
        assert got == want if want is not None else got > 0


# -- what the model leaves out: the docstrings must say so ----------------------------------------
def test_the_checks_the_model_leaves_out_are_named_in_its_docstrings() -> None:
    doc = " ".join((Task.mmap.__doc__ or "", sys_mmap_pgoff.__doc__ or "")).replace("\n", " ")
    doc = " ".join(doc.split())
    for phrase in (
        "sysctl_max_map_count",
        "MAP_LOCKED",
        "RLIMIT_AS",
        "overcommit",
        "noexec",
        "append-only",
        "mmap_min_addr",
        "old_mmap",
        "MAP_HUGETLB without a file",
        "leaves ``free_area_cache`` and ``cached_hole_size`` as they were",
    ):
        assert phrase in doc, phrase


@ERAS
def test_the_reference_refuses_what_the_model_leaves_out(era: str) -> None:
    """The reference's own rules for what the random runs never draw."""
    new = era == "2.6.32"
    mm = RefMm(era)
    big = (17 if new else 9) * PAGE  # one page past MLOCK_LIMIT
    assert ref.sys_mmap2(mm, 0, big, RW, ANON | ref.MAP_LOCKED, None, 0).value == -ref.EAGAIN
    assert ref.sys_mmap2(mm, 0, big - PAGE, RW, ANON | ref.MAP_LOCKED, None, 0).value > 0
    over = ref.sys_mmap2(mm, 0, PAGE, RW, ANON, None, 0, map_count=ref.MAX_MAP_COUNT + 1)
    assert over.value == -ref.ENOMEM
    shared = ref.MAP_SHARED
    assert ref.sys_mmap2(mm, 0, PAGE, RW, shared, ref.OpenFile(append_only=True), 0).value == -ref.EACCES
    assert ref.sys_mmap2(mm, 0, PAGE, 7, shared, ref.OpenFile(noexec=True), 0).value == -ref.EPERM
    assert ref.sys_mmap2(mm, 0, PAGE, 1, shared, ref.OpenFile(has_mmap=False), 0).value == -ref.ENODEV
    low = ref.sys_mmap2(mm, 0, PAGE, RW, ANON | ref.MAP_FIXED, None, 0)
    assert low.value == (-ref.EPERM if new else 0)
    assert ref.old_mmap(mm, 0, PAGE, RW, ANON, None, 100).value == -ref.EINVAL
