"""brk, /proc/PID/maps' [heap] and [stack], and stack growth against tests/reference/brk_stack.py,
written from the 2.6.24 and 2.6.32 sources.

Seeded random runs in both eras, PAE on and off: brk calls (growing, shrinking, unaligned,
below end_code, into a mapping, past TASK_SIZE) interleaved with mmap/munmap/mprotect around
the heap, and user accesses to the heap, below the stack and below MAP_GROWSDOWN mappings.
After every step: brk's return value, whether the access faulted to a SIGSEGV, the VMAs
(ranges, vm_flags, vm_pgoff, file, anon_vma sharing), mm->brk, total_vm and the maps text.
The model takes the stack pointer to be the bottom of the stack VMA (vmwidgets/model/fault.py
says so); the reference gets that stack pointer.
"""

from __future__ import annotations

import random

import pytest
from helpers import replay_spawn
from reference import brk_stack as ref
from reference.vma_merge import Vma

from vmwidgets import Config, File, Kernel, validate_mm
from vmwidgets.model.mm_types import (
    MAP_ANONYMOUS,
    MAP_FIXED,
    MAP_GROWSDOWN,
    MAP_PRIVATE,
    PROT_EXEC,
    PROT_NONE,
    PROT_READ,
    PROT_WRITE,
    VM_ACCOUNT,
    VM_GROWSDOWN,
)
from vmwidgets.model.mmap import MmStruct, sys_brk
from vmwidgets.model.sched import Task

PAGE = 4096
ANON = MAP_PRIVATE | MAP_ANONYMOUS
RW, RX = PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC
W = 0x40000000  # where MAP_GROWSDOWN mappings go
CONFIGS = [(era, pae) for era in ("2.6.24", "2.6.32") for pae in (False, True)]
ERAS = pytest.mark.parametrize("era", ["2.6.24", "2.6.32"])
Row = tuple[int, int, int, int, object, object]


def _spawned(era: str, pae: bool) -> tuple[Kernel, Task, ref.BrkMm]:
    """A task as spawn leaves it, and the reference replaying spawn's mmaps; the addresses
    spawn did not fix, and the mm fields execve sets, are read from the model (inputs here)."""
    k = Kernel(Config(era=era, pae=pae), record=False)
    t = k.spawn("a")
    assert t is not None
    mm = t.mm
    r = ref.BrkMm(era, task_size=mm.task_size)
    r.end_code, r.start_data, r.end_data = mm.end_code, mm.start_data, mm.end_data
    r.start_brk, r.brk, r.start_stack = mm.start_brk, mm.brk, mm.start_stack
    replay_spawn(t, r)
    return k, t, r


def _labelled(rows: list[Row]) -> list[Row]:
    files: dict[int, int] = {}
    anons: dict[int, int] = {}
    out = []
    for start, end, flags, pgoff, file, anon in rows:
        flabel = None if file is None else files.setdefault(id(file), len(files))
        alabel = None if anon is None else anons.setdefault(id(anon), len(anons))
        out.append((start, end, flags, pgoff, flabel, alabel))
    return out


def _compare(t: Task, r: ref.BrkMm, what: str) -> None:
    mm = t.mm
    got = _labelled([(v.vm_start, v.vm_end, v.vm_flags, v.vm_pgoff, v.vm_file, v.anon_vma) for v in mm])
    want = _labelled([(v.start, v.end, v.flags, v.pgoff, v.file, v.anon) for v in r.vmas])
    if got != want:
        diff = [(g, e) for g, e in zip(got, want, strict=False) if g != e][:3] or (len(got), len(want))
        raise AssertionError(f"after {what}: VMAs differ, first differences {diff}")
    assert (mm.brk, mm.total_vm) == (r.brk, r.total_vm), what
    assert mm.maps() == r.maps(), what


def _heap_end(mm: MmStruct) -> int:
    return ref.page_align(mm.brk)


def _brk_value(rng: random.Random, mm: MmStruct) -> int:
    x = rng.random()
    if x < 0.45:
        return max(0, mm.brk + rng.randint(-6 * PAGE, 12 * PAGE))
    if x < 0.55:
        return mm.start_brk + rng.randint(-PAGE, 8 * PAGE)
    if x < 0.6:
        return rng.choice((0, mm.end_code - 1, mm.end_code, mm.start_data))
    if x < 0.7:  # into or just below a mapping above the heap
        above = [v for v in mm if v.vm_start >= _heap_end(mm)]
        if above:
            return above[0].vm_start + rng.randint(-2 * PAGE, PAGE)
        return mm.brk
    if x < 0.8:
        return rng.choice((mm.task_size - PAGE, mm.task_size, mm.task_size + 1, 0xFFFFF000, 0xFFFFF001, 0xFFFFFFFF))
    return mm.brk + rng.randint(1, 0x400) * PAGE + rng.randint(0, PAGE - 1)


def _near_heap(rng: random.Random, mm: MmStruct) -> int:
    return max(mm.start_brk - 2 * PAGE, _heap_end(mm) + rng.randint(-4, 10) * PAGE)


def _step(rng: random.Random, t: Task, r: ref.BrkMm) -> str:
    mm = t.mm
    op = rng.random()
    if op < 0.35:
        value = _brk_value(rng, mm)
        got, want = t.brk(value), r.sys_brk(value)
        assert got == want, (hex(value), hex(got), hex(want))
        return f"brk({value:#x}) = {got:#x}"
    if op < 0.5:  # a mapping near the top of the heap: in the way, or merged by the next brk
        addr = _near_heap(rng, mm)
        length = rng.randint(1, 4) * PAGE
        prot = RW if rng.random() < 0.7 else rng.choice((PROT_READ, RX, PROT_NONE))
        file = None if rng.random() < 0.8 else File("/data/f", (8, 1), 77)
        flags = (ANON if file is None else MAP_PRIVATE) | MAP_FIXED
        pgoff = rng.randint(0, 4)
        assert t.mmap(addr, length, prot, flags, file, pgoff) == addr
        r.do_mmap_pgoff(file, addr, length, prot, flags, pgoff)
        return f"mmap({addr:#x}, {length:#x}, {prot}, {flags:#x}, {file})"
    if op < 0.55:  # a stack-like mapping elsewhere, up to just under RLIMIT_STACK
        length = rng.choice((rng.randint(1, 8) * PAGE, (8 << 20) - rng.randint(0, 3) * PAGE))
        addr = W + rng.randint(0, 4) * (16 << 20)
        assert t.mmap(addr, length, RW, ANON | MAP_FIXED | MAP_GROWSDOWN) == addr
        r.do_mmap_pgoff(None, addr, length, RW, ANON | MAP_FIXED | MAP_GROWSDOWN, 0)
        return f"mmap({addr:#x}, {length:#x}, growsdown)"
    if op < 0.63:
        addr = _near_heap(rng, mm)
        length = rng.randint(1, 4) * PAGE
        assert t.munmap(addr, length) == 0
        r.do_munmap(addr, length)
        return f"munmap({addr:#x}, {length:#x})"
    if op < 0.7:
        addr = _near_heap(rng, mm)
        prot = rng.choice((RW, PROT_READ, PROT_NONE))
        got, want = t.mprotect(addr, PAGE, prot), r.sys_mprotect(addr, PAGE, prot)
        assert got == want, (got, want)
        return f"mprotect({addr:#x}, {prot}) = {got}"
    # a user access: the heap, or below a VM_GROWSDOWN VMA (near, far, far enough for the limit)
    growing = [v for v in mm if v.vm_flags & VM_GROWSDOWN]
    if rng.random() < 0.5 and growing:
        v = rng.choice(growing)
        addr = v.vm_start - rng.choice((1, PAGE, rng.randint(1, 65536 + 128), 65536 + 128, 65536 + 129, 1 << 20))
        addr = max(addr, 0)
    else:
        addr = rng.randint(mm.start_brk - PAGE, _heap_end(mm) + 2 * PAGE - 1)
    write = rng.random() < 0.6
    vma = mm.find_vma(addr)
    sp = vma.vm_start if vma is not None else 0  # the model's stack pointer: the bottom of that VMA
    out = t.access(addr, write=write)
    rvma = r.find_vma(addr)
    if out.faulted or rvma is None or rvma.start > addr:
        want = r.user_fault(addr, write, sp)
    else:  # no fault: the page was there and allowed it; the fault paths ran on its first touch
        want = True
    assert out.ok == want, (hex(addr), write, out)
    return f"access({addr:#x}, write={write}) = {out.ok}"


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("era", "pae"), CONFIGS)
def test_random_brk_mmap_and_stack_runs_match_the_reference(era: str, pae: bool, seed: int) -> None:
    _, t, r = _spawned(era, pae)
    _compare(t, r, "spawn")
    rng = random.Random(f"brk-{era}-{pae}-{seed}")
    for i in range(300):
        what = _step(rng, t, r)
        _compare(t, r, f"step {i}: {what}")
    validate_mm(t.mm)


# -- single rules -----------------------------------------------------------------------------------
def _task(era: str) -> tuple[Task, ref.BrkMm]:
    _, t, r = _spawned(era, False)
    return t, r


@ERAS
def test_execve_leaves_the_break_on_a_page_boundary_above_the_data(era: str) -> None:
    """fs/binfmt_elf.c:set_brk (24:85-97, 32:78-90): start_brk = brk = ELF_PAGEALIGN(elf_brk)."""
    t, r = _task(era)
    mm = t.mm
    assert mm.start_brk == mm.brk == ref.page_align(mm.start_brk) >= ref.page_align(mm.end_data)
    assert "[heap]" not in mm.maps()  # no heap VMA until the first brk that grows
    assert t.brk(0) == r.sys_brk(0) == mm.start_brk


@ERAS
def test_brk_merges_with_an_anonymous_mapping_just_below_and_is_named_heap(era: str) -> None:
    """do_brk's vma_merge (24:1995, 32:2063): a private anonymous read-write mapping ending at
    the old break has do_brk's flags (VM_ACCOUNT included) and pgoff, so the heap grows it."""
    t, _ = _task(era)
    heap = t.mm.start_brk
    assert t.mmap(heap - PAGE, PAGE, RW, ANON | MAP_FIXED) == heap - PAGE  # over the data's page
    assert t.brk(heap + 3 * PAGE + 5) == heap + 3 * PAGE + 5
    v = t.mm.find_vma(heap)
    assert v is not None and (v.vm_start, v.vm_end) == (heap - PAGE, heap + 4 * PAGE)
    assert v.vm_flags & VM_ACCOUNT
    assert "[heap]" in next(line for line in t.mm.maps().splitlines() if line.startswith(f"{heap - PAGE:08x}"))


@ERAS
def test_brk_keeps_a_page_free_below_a_mapping_and_returns_the_old_break(era: str) -> None:
    """sys_brk's find_vma_intersection(oldbrk, newbrk + PAGE_SIZE) (24:270, 32:287)."""
    t, _ = _task(era)
    heap = t.mm.start_brk
    assert t.mmap(heap + 4 * PAGE, PAGE, RW, ANON | MAP_FIXED) == heap + 4 * PAGE
    assert t.brk(heap + 4 * PAGE) == heap  # would touch the mapping
    assert t.brk(heap + 3 * PAGE + 1) == heap  # would leave no page between them
    assert t.brk(heap + 3 * PAGE) == heap + 3 * PAGE  # one page of gap stays


@ERAS
def test_a_fault_far_below_the_stack_pointer_is_a_sigsegv_and_growth_stops_at_rlimit_stack(era: str) -> None:
    """do_page_fault's ``address + 65536 + 32 * sizeof(long) < sp`` (24:396, 32:1092), then
    acct_stack_growth's RLIMIT_STACK (24:1520, 32:1568), the size counted from vm_end."""
    t, _ = _task(era)
    size = (8 << 20) - PAGE
    assert t.mmap(W, size, RW, ANON | MAP_FIXED | MAP_GROWSDOWN) == W
    assert not t.access(W - 65536 - 128 - 1, write=True).ok  # too far below
    assert t.access(W - PAGE, write=True).ok  # exactly RLIMIT_STACK: allowed
    v = t.mm.find_vma(W - PAGE)
    assert v is not None and v.vm_start == W - PAGE and v.vm_pgoff == (W >> 12) - 1
    assert not t.access(W - PAGE - 1).ok  # one page more: -ENOMEM, a SIGSEGV


@ERAS
def test_the_stack_grows_to_touch_the_vma_below_there_is_no_guard_gap(era: str) -> None:
    """expand_downwards (24:1610, 32:1658) checks no neighbour: the stack guard gap is 2.6.36's."""
    t, _ = _task(era)
    assert t.mmap(W, 2 * PAGE, RW, ANON | MAP_FIXED | MAP_GROWSDOWN) == W
    assert t.mmap(W - 2 * PAGE, PAGE, RW, ANON | MAP_FIXED) == W - 2 * PAGE
    assert t.access(W - PAGE, write=True).ok
    v = t.mm.find_vma(W - PAGE)
    assert v is not None and v.vm_start == W - PAGE and v.vm_prev is not None and v.vm_prev.vm_end == W - PAGE


def test_the_reference_applies_the_limits_the_model_leaves_at_their_defaults() -> None:
    """RLIMIT_DATA (24:253-255, 32:269-271), RLIMIT_AS and 2.6.32's mmap_min_addr in do_brk
    and expand_downwards: the model has none of them (its docstrings say so)."""
    for era in ("2.6.24", "2.6.32"):
        r = ref.BrkMm(era, end_code=0x08049000, start_data=0x0804A000, end_data=0x0804B000)
        r.start_brk = r.brk = 0x0804C000
        r.rlimit_data = 0x3000 if era == "2.6.24" else 0x2000  # both allow exactly brk = 0x0804D000
        assert r.sys_brk(0x0804D000) == 0x0804D000
        assert r.sys_brk(0x0804D001) == 0x0804D000
        r.rlimit_as = r.total_vm << 12
        assert r.sys_brk(0x0804E000) == 0x0804D000
        s = ref.BrkMm(era)
        s.vmas = [Vma(0x2000, 0x3000, VM_GROWSDOWN | ref.BRK_FLAGS, 2)]
        assert s.expand_downwards(s.vmas[0], 0x0FFF) == (-ref.EPERM if era == "2.6.32" else 0)
        assert s.do_brk(0x0, PAGE) == (-ref.EPERM if era == "2.6.32" else 0)
    doc = " ".join(" ".join((Task.brk.__doc__ or "", sys_brk.__doc__ or "")).split())
    for phrase in ("RLIMIT_DATA", "RLIMIT_AS", "sysctl_max_map_count", "overcommit"):
        assert phrase in doc, phrase
