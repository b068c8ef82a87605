"""Placement of mappings against tests/reference/unmapped_area.py, written from the kernel source.

Seeded random runs of mmap (anonymous and of one file, private and shared; no hint,
aligned and unaligned hints, MAP_FIXED, lengths from a page to a gigabyte), munmap and
fork, in both eras with PAE on and off.  After every step the returned value,
``free_area_cache``, ``cached_hole_size`` and the VMA spans of the task must be the
reference's.
"""

from __future__ import annotations

import random

import pytest
from reference.unmapped_area import ULONG_MAX, RefMm, exec_like_vmwidgets

from vmwidgets import Config, File, Kernel
from vmwidgets.model.mm_types import MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE
from vmwidgets.model.mmap import MmStruct

PAGE = 4096
ANON = MAP_PRIVATE | MAP_ANONYMOUS
CONFIGS = [(era, pae) for era in ("2.6.24", "2.6.32") for pae in (False, True)]
FILE = File("/data/f", (8, 1), 77)  # one open file (one fd), so its VMAs may merge


def _state(mm: MmStruct) -> tuple[int, int, list[tuple[int, int]]]:
    return mm.free_area_cache, mm.cached_hole_size, [(v.vm_start, v.vm_end) for v in mm]


def _ref_state(ref: RefMm) -> tuple[int, int, list[tuple[int, int]]]:
    return ref.free_area_cache, ref.cached_hole_size, ref.spans()


def _near(rng: random.Random, ref: RefMm) -> int:
    """An address at or next to a VMA edge, a cache or mmap_base: where the rules turn."""
    edges = [e for v in ref.vmas for e in (v.start, v.end)] + [ref.free_area_cache, ref.mmap_base]
    edges = [e for e in edges if e <= ref.task_size]
    return max(0, min(ref.task_size - PAGE, rng.choice(edges) + rng.choice((-3, -1, 0, 0, 1, 2)) * PAGE))


def _length(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.75:
        return rng.randint(1, 16) * PAGE - rng.choice((0, 0, 0, rng.randint(1, PAGE - 1)))
    if r < 0.95:
        return rng.randint(1, 0x4000) * PAGE  # up to 64 MB
    return rng.randint(0x10000, 0x50000) * PAGE  # 256 MB to 1.25 GB: fills the space, falls back


def _hint(rng: random.Random, ref: RefMm) -> int:
    r = rng.random()
    if r < 0.4:
        return 0
    if r < 0.55:
        return rng.randint(1, PAGE - 1)  # below a page: round_hint_to_min makes it 0
    addr = _near(rng, ref) if r < 0.8 else rng.randrange(0, ref.task_size, PAGE)
    if rng.random() < 0.5:
        addr |= rng.randint(1, PAGE - 1)  # unaligned
    return addr


def _run(era: str, pae: bool, seed: int, steps: int) -> None:
    rng = random.Random(seed)
    k = Kernel(Config(era=era, pae=pae))
    task = k.spawn("sh")
    assert task is not None
    ref = exec_like_vmwidgets(era, "sh", k.layout.page_offset)
    tasks = [(task, ref)]
    log: list[str] = [f"{era} pae={pae} seed={seed}", "spawn"]
    assert _state(task.mm) == _ref_state(ref), "\n".join(log)
    for _ in range(steps):
        i = rng.randrange(len(tasks))
        task, ref = tasks[i]
        r = rng.random()
        prot = rng.choice((PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE, PROT_READ))
        if r < 0.1:  # the file: private or shared, at an offset that may continue a VMA of it
            fixed = rng.random() < 0.5
            addr, length = _near(rng, ref) if fixed else _hint(rng, ref), _length(rng)
            flags = rng.choice((MAP_PRIVATE, MAP_SHARED)) | (MAP_FIXED if fixed else 0)
            ours = [v for v in ref.vmas if v.file == FILE.path and v.base <= (addr & ~(PAGE - 1))]
            pgoff = ((addr & ~(PAGE - 1)) - rng.choice(ours).base) // PAGE if ours and fixed else rng.randint(0, 8)
            log.append(f"[{i}] mmap({addr:#x}, {length:#x}, {prot}, {flags:#x}, file, {pgoff:#x})")
            got = task.mmap(addr, length, prot, flags, FILE, pgoff)
            want = ref.do_mmap_pgoff(addr, length, prot, flags, FILE.path, pgoff)
        elif r < 0.5:
            addr, length = _hint(rng, ref), _length(rng)
            log.append(f"[{i}] mmap({addr:#x}, {length:#x}, {prot})")
            got, want = task.mmap(addr, length, prot, ANON), ref.do_mmap_pgoff(addr, length, prot, ANON)
        elif r < 0.65:
            addr, length = (
                _near(rng, ref) if rng.random() < 0.7 else rng.randrange(0x10000, ref.task_size, PAGE),
                _length(rng),
            )
            if rng.random() < 0.15:  # fill most of the top-down area: later searches fall back to bottom-up
                addr = rng.randrange(0x10000, 0x20000000, PAGE)
                length = ref.mmap_base - addr - rng.randint(0, 8) * PAGE
            elif rng.random() < 0.1:
                addr |= 0x800  # unaligned: -EINVAL
            log.append(f"[{i}] mmap({addr:#x}, {length:#x}, {prot}, MAP_FIXED)")
            got = task.mmap(addr, length, prot, ANON | MAP_FIXED)
            want = ref.do_mmap_pgoff(addr, length, prot, ANON | MAP_FIXED)
        elif r < 0.92:
            addr, length = _near(rng, ref), _length(rng)
            if rng.random() < 0.05:
                addr |= 0x10  # unaligned: -EINVAL
            log.append(f"[{i}] munmap({addr:#x}, {length:#x})")
            got, want = task.munmap(addr, length), ref.do_munmap(addr, length)
        elif len(tasks) < 4:
            log.append(f"[{i}] fork -> [{len(tasks)}]")
            child = k.fork(task)
            assert child is not None
            tasks.append((child, ref.fork()))
            task, ref = tasks[-1]
            got = want = 0
        else:
            continue
        log.append(f"    -> model {got:#x}, reference {want:#x}" if got >= 0 and want >= 0 else f"    -> {got}, {want}")
        assert got == want, "\n".join(log)
        assert _state(task.mm) == _ref_state(ref), "\n".join(log) + f"\n{_state(task.mm)}\n!= {_ref_state(ref)}"


@pytest.mark.parametrize(("era", "pae"), CONFIGS)
@pytest.mark.parametrize("seed", range(5))
def test_placement_matches_the_reference(era: str, pae: bool, seed: int) -> None:
    _run(era, pae, seed, 70)


@pytest.mark.parametrize(("era", "pae"), CONFIGS)
def test_fork_resets_the_childs_search(era: str, pae: bool) -> None:
    """kernel/fork.c:dup_mmap: the child starts with free_area_cache = mmap_base and
    cached_hole_size = ~0UL, so its first search walks down from mmap_base and finds the
    highest hole, where the parent goes on below its cache."""
    k = Kernel(Config(era=era, pae=pae))
    parent = k.spawn("sh")
    assert parent is not None
    rw, ro = PROT_READ | PROT_WRITE, PROT_READ
    x = parent.mmap(0, 2 * PAGE, rw, ANON)
    y = parent.mmap(0, PAGE, ro, ANON)
    z = parent.mmap(0, 2 * PAGE, rw, ANON)
    assert (y, z) == (x - PAGE, x - 3 * PAGE)
    assert parent.munmap(y, PAGE) == 0  # a one-page hole; the cache moves up to x
    w = parent.mmap(0, 2 * PAGE, ro, ANON)  # too big for the hole: the walk goes on below z
    assert w == z - 2 * PAGE and parent.mm.free_area_cache == w
    child = k.fork(parent)
    assert child is not None
    assert (child.mm.free_area_cache, child.mm.cached_hole_size) == (parent.mm.mmap_base, ULONG_MAX)
    assert parent.mmap(0, PAGE, ro, ANON) == w - PAGE  # just below the parent's cache
    assert child.mmap(0, PAGE, ro, ANON) == y  # from mmap_base down: the hole at y
    assert (child.mm.free_area_cache, child.mm.cached_hole_size) == (y, 0)


@pytest.mark.parametrize(("era", "pae"), CONFIGS)
def test_an_unaligned_hint_is_masked_down(era: str, pae: bool) -> None:
    """do_mmap_pgoff → round_hint_to_min masks a hint to its page before the search
    (2.6.24 include/linux/mm.h:520-529, 2.6.32 include/linux/security.h:128-135)."""
    k = Kernel(Config(era=era, pae=pae))
    task = k.spawn("sh")
    assert task is not None
    twin = k.spawn("sh")
    assert twin is not None
    assert task.mmap(0x60000800, 2 * PAGE, PROT_READ, ANON) == 0x60000000
    assert task.mmap(0x7FF, PAGE, PROT_READ, ANON) == twin.mmap(0, PAGE, PROT_READ, ANON)  # 0: no hint
    # masked to 0x60001000, which is taken, so the search runs (rounding up would take the free 0x60002000)
    assert task.mmap(0x60001FFF, PAGE, PROT_READ, ANON) == twin.mmap(0, PAGE, PROT_READ, ANON)


def test_the_reference_legacy_layout_by_hand() -> None:
    """The reference's bottom-up layout (the model has only the top-down one), worked by hand
    from mm/mmap.c:arch_get_unmapped_area and arch_unmap_area."""
    ref = RefMm("2.6.24", legacy=True)
    base = 0x40000000  # TASK_UNMAPPED_BASE = PAGE_ALIGN(TASK_SIZE / 3)
    assert (ref.mmap_base, ref.free_area_cache, ref.cached_hole_size) == (base, base, 0)
    assert ref.do_mmap_pgoff(0, 2 * PAGE, PROT_READ, ANON) == base
    assert ref.do_mmap_pgoff(0, PAGE, PROT_READ | PROT_WRITE, ANON) == base + 2 * PAGE
    assert ref.free_area_cache == base + 3 * PAGE
    assert ref.do_munmap(base, 2 * PAGE) == 0  # nothing below: arch_unmap_area(mmap_base)
    assert (ref.free_area_cache, ref.cached_hole_size) == (base, ULONG_MAX)
    # ~0UL >= 3 pages: the search restarts at TASK_UNMAPPED_BASE, notes the 2-page hole, goes on
    assert ref.do_mmap_pgoff(0, 3 * PAGE, PROT_READ, ANON) == base + 3 * PAGE
    assert (ref.free_area_cache, ref.cached_hole_size) == (base + 6 * PAGE, 2 * PAGE)
    child = ref.fork()
    assert (child.free_area_cache, child.cached_hole_size) == (base, ULONG_MAX)
