"""The model's VMAs against tests/reference/vma_merge.py, written from the 2.6.24 and 2.6.32
sources: seeded random mmap/mprotect/munmap/touch/fork sequences, compared after every step
(ranges, vm_flags, vm_pgoff, the file and which VMAs share an anon_vma), and the rules the
random runs found broken, one test each."""

from __future__ import annotations

import itertools
import random

import pytest
from helpers import replay_spawn
from reference import vma_merge as ref

from vmwidgets import Config, Kernel, validate_mm
from vmwidgets.model.mm_types import (
    MAP_ANONYMOUS,
    MAP_FIXED,
    MAP_NORESERVE,
    MAP_PRIVATE,
    MAP_SHARED,
    PROT_EXEC,
    PROT_NONE,
    PROT_READ,
    PROT_WRITE,
    VM_ACCOUNT,
    VM_CAN_NONLINEAR,
    VM_NORESERVE,
    VM_READ,
    VM_WRITE,
    File,
)
from vmwidgets.model.mmap import MmStruct, expand_stack
from vmwidgets.model.sched import Task

PAGE = 4096
W = 0x40000000  # the window the random runs map into with MAP_FIXED
ANON = MAP_PRIVATE | MAP_ANONYMOUS
RW, RX = PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC
PROTS = (PROT_READ, RW, RX, RW | PROT_EXEC, PROT_NONE)
ERAS = pytest.mark.parametrize("era", ["2.6.24", "2.6.32"])

Row = tuple[int, int, int, int, object, object]


def _snapshot(mms: list[list[tuple[int, int, int, int, object, object]]]) -> list[list[Row]]:
    """Every mm's VMAs with the file and anon_vma replaced by labels given in order of first
    appearance over all the mms (fork shares both between parent and child)."""
    files: dict[int, str] = {}
    anons: dict[int, int] = {}
    out = []
    for rows in mms:
        got = []
        for start, end, flags, pgoff, file, anon in rows:
            flabel = None
            if file is not None:
                flabel = files.setdefault(id(file), f"{getattr(file, 'path', '?')}#{len(files)}")
            alabel = None if anon is None else anons.setdefault(id(anon), len(anons))
            got.append((start, end, flags, pgoff, flabel, alabel))
        out.append(got)
    return out


def _model_rows(mm: MmStruct) -> list[Row]:
    return [(v.vm_start, v.vm_end, v.vm_flags, v.vm_pgoff, v.vm_file, v.anon_vma) for v in mm]


def _ref_rows(mm: ref.Mm) -> list[Row]:
    return [(v.start, v.end, v.flags, v.pgoff, v.file, v.anon) for v in mm.vmas]


def _spawned(era: str, pae: bool) -> tuple[Kernel, Task, ref.Mm]:
    """A task as spawn leaves it, and the reference replaying spawn's mmaps (the addresses
    it did not fix are the model's: get_unmapped_area is not what is compared here)."""
    k = Kernel(Config(era=era, pae=pae), record=False)
    t = k.spawn("a")
    assert t is not None
    r = ref.Mm(era)
    replay_spawn(t, r)
    return k, t, r


def _compare(tasks: list[tuple[Task, ref.Mm]], what: str) -> None:
    model = _snapshot([_model_rows(t.mm) for t, _ in tasks])
    want = _snapshot([_ref_rows(r) for _, r in tasks])
    for i, (got, exp) in enumerate(zip(model, want, strict=True)):
        if got != exp:
            diff = [(g, e) for g, e in zip(got, exp, strict=False) if g != e][:3] or (len(got), len(exp))
            raise AssertionError(f"after {what}, task {i}: model != reference, first differences {diff}")


def _step(rng: random.Random, k: Kernel, tasks: list[tuple[Task, ref.Mm]], files: list[File]) -> str:
    """One random operation on a random task, done on the model and the reference."""
    t, r = rng.choice(tasks)
    op = rng.random()
    if op < 0.35:  # mmap
        kind = rng.choice(("anon", "anon", "anon", "shared-anon", "file", "file", "file-shared"))
        prot = rng.choice(PROTS) if rng.random() < 0.5 else RW
        length = rng.randint(1, 3) * PAGE
        flags = MAP_SHARED if kind in ("shared-anon", "file-shared") else MAP_PRIVATE
        flags |= MAP_ANONYMOUS if kind.endswith("anon") else 0
        flags |= MAP_NORESERVE if rng.random() < 0.2 else 0
        file = rng.choice(files) if kind.startswith("file") else None
        pgoff = rng.randint(0, 8)
        window = [v for v in t.mm if W <= v.vm_start < W + 16 * PAGE]
        if window and rng.random() < 0.7:  # right after or right before a VMA, offsets in step
            v = rng.choice(window)
            before = rng.random() < 0.3 and v.vm_start - length >= W
            addr = v.vm_start - length if before else v.vm_end
            if file is not None and any(v.vm_file is f for f in files) and rng.random() < 0.8:
                file = v.vm_file
                pages = (v.vm_end - v.vm_start) >> 12
                pgoff = max(v.vm_pgoff - (length >> 12) if before else v.vm_pgoff + pages, 0)
        else:
            addr = W + rng.randint(0, 14) * PAGE
        gaps = [(a.vm_end, b.vm_start) for a, b in itertools.pairwise(window) if 0 < b.vm_start - a.vm_end <= 4 * PAGE]
        if gaps and rng.random() < 0.3:  # fill a hole exactly: vma_merge's cases 1 and 6
            addr, end = rng.choice(gaps)
            length = end - addr
        if rng.random() < 0.15:  # let the model choose: the reference maps where it did
            got = t.mmap(0, length, prot, flags, file, pgoff)
            assert got > 0
            r.do_mmap_pgoff(file, got, length, prot, flags, pgoff)
            return f"mmap({kind}, {got:#x}, {length:#x}, prot={prot}, flags={flags:#x}, pgoff={pgoff})"
        assert t.mmap(addr, length, prot, flags | MAP_FIXED, file, pgoff) == addr
        r.do_mmap_pgoff(file, addr, length, prot, flags | MAP_FIXED, pgoff)
        return f"mmap({kind}, {addr:#x}, {length:#x}, prot={prot}, flags={flags:#x}, pgoff={pgoff}, fixed)"
    vmas = list(t.mm)
    if not vmas:
        return "nothing"
    inside = [v for v in vmas if W <= v.vm_start < W + 16 * PAGE]
    v = rng.choice(inside if inside and rng.random() < 0.85 else vmas)
    start = min(max(v.vm_start + rng.randint(-2, 3) * PAGE, 0), t.mm.task_size - PAGE)
    length = min(rng.randint(1, 6) * PAGE, t.mm.task_size - start)
    if op < 0.6:
        prot = rng.choice(PROTS) if rng.random() < 0.6 else RW
        got, want = t.mprotect(start, length, prot), r.sys_mprotect(start, length, prot)
        assert got == want, (got, want)
        return f"mprotect({start:#x}, {length:#x}, {prot}) = {got}"
    if op < 0.72:
        assert t.munmap(start, length) == 0
        r.do_munmap(start, length)
        return f"munmap({start:#x}, {length:#x})"
    if op < 0.95:
        addr = v.vm_start + rng.randrange((v.vm_end - v.vm_start) // PAGE) * PAGE
        can = [w for w, bit in ((False, VM_READ), (True, VM_WRITE)) if v.vm_flags & bit]
        if not can:
            return "nothing"
        write = rng.choice(can)
        assert t.access(addr, write=write).ok
        r.touch(addr, write)
        return f"touch({addr:#x}, write={write})"
    if len(tasks) < 3:
        child = k.fork(t)
        assert child is not None
        tasks.append((child, r.fork()))
        return f"fork(pid {t.pid})"
    return "nothing"


@pytest.mark.parametrize("pae", [False, True])
@pytest.mark.parametrize("seed", range(4))
@ERAS
def test_random_sequences_match_the_reference(era: str, pae: bool, seed: int) -> None:
    k, t, r = _spawned(era, pae)
    tasks = [(t, r)]
    _compare(tasks, "spawn")
    rng = random.Random(f"{era}-{pae}-{seed}")
    files = [File("/data/a", (8, 1), 501), File("/data/b", (8, 1), 502)]
    for i in range(200):
        what = _step(rng, k, tasks, files)
        _compare(tasks, f"step {i}: {what}")
    for task, _ in tasks:
        validate_mm(task.mm)


# -- the differences, one rule each ----------------------------------------------------------------
def _vma(t: Task, addr: int) -> object:
    vma = t.mm.find_vma(addr)
    assert vma is not None and vma.vm_start <= addr
    return vma


@ERAS
def test_case_1_refuses_when_prev_and_next_have_different_anon_vmas(era: str) -> None:
    """mm/mmap.c:vma_merge (2.6.24 :775, 2.6.32 :793): prev and next must have compatible
    anon_vmas before the hole between them is filled by growing prev over next."""
    k = Kernel(Config(era=era), record=False)
    t = k.spawn("a")
    assert t is not None
    t.mmap(W, 2 * PAGE, RW, ANON | MAP_FIXED)
    t.mmap(W + 3 * PAGE, 2 * PAGE, RW, ANON | MAP_FIXED)
    t.access(W, write=True)
    t.access(W + 3 * PAGE, write=True)  # no touching neighbour: an anon_vma of its own
    assert _vma(t, W).anon_vma is not _vma(t, W + 3 * PAGE).anon_vma
    t.mmap(W + 2 * PAGE, PAGE, RW, ANON | MAP_FIXED)  # prev takes it (case 2), next stays
    spans = [(v.vm_start - W, v.vm_end - W) for v in t.mm if W <= v.vm_start < W + 8 * PAGE]
    assert spans == [(0, 3 * PAGE), (3 * PAGE, 5 * PAGE)]
    validate_mm(t.mm)


@ERAS
def test_anon_vma_prepare_shares_a_neighbours_anon_vma_so_mprotect_can_merge_back(era: str) -> None:
    """mm/rmap.c:anon_vma_prepare → mm/mmap.c:find_mergeable_anon_vma (2.6.24 :813, 2.6.32
    :831): a VMA that only differs from its neighbour in rwx takes the neighbour's anon_vma."""
    k = Kernel(Config(era=era), record=False)
    t = k.spawn("a")
    assert t is not None
    t.mmap(W, 2 * PAGE, RW, ANON | MAP_FIXED)
    t.mmap(W + 2 * PAGE, 2 * PAGE, RW | PROT_EXEC, ANON | MAP_FIXED)
    t.access(W, write=True)
    t.access(W + 2 * PAGE, write=True)
    assert _vma(t, W + 2 * PAGE).anon_vma is _vma(t, W).anon_vma
    assert t.mprotect(W + 2 * PAGE, 2 * PAGE, RW) == 0
    assert _vma(t, W).vm_end == W + 4 * PAGE  # one VMA again
    validate_mm(t.mm)


@ERAS
def test_vma_adjust_hands_the_anon_vma_to_the_importer_so_fork_copies_the_pages(era: str) -> None:
    """mm/mmap.c:vma_adjust (2.6.24 :509-570, 2.6.32 :525-586): prev, without an anon_vma,
    grows over next's anonymous pages and takes next's anon_vma; kernel/fork.c:dup_mmap then
    copies its PTEs (mm/memory.c:copy_page_range skips a VMA without one: 2.6.24 :597, 2.6.32
    :751), so the child reads its parent's page, not a fresh or zero page."""
    k = Kernel(Config(era=era), record=False)
    t = k.spawn("a")
    assert t is not None
    t.mmap(W, PAGE, RW, ANON | MAP_FIXED)  # never touched: no anon_vma
    t.mmap(W + PAGE, PAGE, RW | PROT_EXEC, ANON | MAP_FIXED)
    parent = t.access(W + PAGE, write=True)
    assert _vma(t, W).anon_vma is None and _vma(t, W + PAGE).anon_vma is not None
    assert t.mprotect(W + PAGE, PAGE, RW) == 0  # now prev's flags: prev grows over it (case 7)
    first = _vma(t, W)
    assert first.vm_end == W + 2 * PAGE and first.anon_vma is not None
    child = k.fork(t)
    assert child is not None
    assert child.access(W + PAGE).phys == parent.phys  # the same frame, shared copy-on-write
    validate_mm(t.mm)


@ERAS
def test_mprotect_case_4_hands_prevs_anon_vma_to_next(era: str) -> None:
    """mm/mmap.c:vma_merge case 4 → vma_adjust (2.6.24 :526, 2.6.32 :542): prev shrinks and
    next, without an anon_vma, takes over prev's last page and with it prev's anon_vma."""
    k = Kernel(Config(era=era), record=False)
    t = k.spawn("a")
    assert t is not None
    t.mmap(W + 2 * PAGE, 2 * PAGE, RW | PROT_EXEC, ANON | MAP_FIXED)
    assert t.mprotect(W + 2 * PAGE, 2 * PAGE, PROT_READ) == 0  # read-only, VM_ACCOUNT kept
    t.mmap(W, 2 * PAGE, RW, ANON | MAP_FIXED)
    t.access(W + PAGE, write=True)
    assert _vma(t, W + 2 * PAGE).anon_vma is None
    assert t.mprotect(W + PAGE, PAGE, PROT_READ) == 0
    nxt = _vma(t, W + PAGE)
    assert (nxt.vm_start, nxt.vm_end) == (W + PAGE, W + 4 * PAGE)  # case 4: next grew down
    assert nxt.anon_vma is not None and nxt.anon_vma is _vma(t, W).anon_vma
    validate_mm(t.mm)


@ERAS
def test_file_vmas_carry_vm_can_nonlinear_and_adjacent_mmaps_of_one_file_merge(era: str) -> None:
    """mm/filemap.c:generic_file_mmap sets VM_CAN_NONLINEAR (2.6.24 :1467, 2.6.32 :1628);
    shmem_zero_setup does not.  Two adjacent mappings of one struct file, offsets in step,
    merge in both eras: 2.6.24 merges after f_op->mmap with the final flags (mmap.c:1179),
    2.6.32 before it (mmap.c:1173) with is_mergeable_vma ignoring VM_CAN_NONLINEAR (:667)."""
    k = Kernel(Config(era=era), record=False)
    t = k.spawn("a")
    assert t is not None
    f = File("/data/a", (8, 1), 501)
    assert t.mmap(W, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 4) == W
    assert t.mmap(W + 2 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 6) == W + 2 * PAGE
    vma = _vma(t, W)
    assert vma.vm_end == W + 3 * PAGE and vma.vm_flags & VM_CAN_NONLINEAR
    assert all(v.vm_flags & VM_CAN_NONLINEAR for v in t.mm if v.vm_file is not None and "zero" not in v.vm_file.path)
    s = t.mmap(W + 8 * PAGE, PAGE, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, None, 3)
    shm = _vma(t, s)
    assert not shm.vm_flags & VM_CAN_NONLINEAR
    # do_mmap_pgoff: 2.6.32 sets a shared anonymous mapping's pgoff to 0 (mmap.c:1047); 2.6.24 keeps the caller's
    assert shm.vm_pgoff == (0 if era == "2.6.32" else 3)


@ERAS
def test_map_noreserve_sets_vm_noreserve_and_spares_vm_account_in_2_6_32(era: str) -> None:
    """2.6.32 mm/mmap.c:mmap_region (:1153, accountable_mapping :1108) and mprotect_fixup
    (mm/mprotect.c:160); 2.6.24 has no VM_NORESERVE: MAP_NORESERVE only skips VM_ACCOUNT at
    mmap (mmap.c:1094), and mprotect to writable charges it (mprotect.c:156)."""
    k = Kernel(Config(era=era), record=False)
    t = k.spawn("a")
    assert t is not None
    new = era == "2.6.32"
    t.mmap(W, PAGE, RW, ANON | MAP_FIXED | MAP_NORESERVE)
    t.mmap(W + 4 * PAGE, PAGE, PROT_READ, ANON | MAP_FIXED | MAP_NORESERVE)
    for addr in (W, W + 4 * PAGE):
        flags = _vma(t, addr).vm_flags
        assert bool(flags & VM_NORESERVE) == new and not flags & VM_ACCOUNT
    assert t.mprotect(W + 4 * PAGE, PAGE, RW) == 0
    assert bool(_vma(t, W + 4 * PAGE).vm_flags & VM_ACCOUNT) == (not new)
    t.mmap(W + 8 * PAGE, PAGE, RW, ANON | MAP_FIXED)
    assert _vma(t, W + 8 * PAGE).vm_flags & (VM_ACCOUNT | VM_NORESERVE) == VM_ACCOUNT


@ERAS
def test_expand_stack_prepares_an_anon_vma_first(era: str) -> None:
    """mm/mmap.c:expand_downwards calls anon_vma_prepare before growing (2.6.24 :1619,
    2.6.32 :1667)."""
    k = Kernel(Config(era=era), record=False)
    t = k.spawn("a")
    assert t is not None
    stack = _vma(t, t.mm.start_stack)
    assert stack.anon_vma is None
    assert expand_stack(stack, stack.vm_start - PAGE) == 0
    assert stack.anon_vma is not None
