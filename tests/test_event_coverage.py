"""Every event kind has its reducers, its sentence, its focus rule and its pseudo-code line;
apply then revert of every recorded event gives back the state it started from."""

from __future__ import annotations

from functools import cache

import pytest

from vmwidgets import GFP_KERNEL, Config, Kernel, VmError
from vmwidgets.events import EVENT_KINDS, PgdCreated
from vmwidgets.reducers import APPLY, MUTATING, READ_ONLY, REVERT, apply, revert
from vmwidgets.render.focus import PATHS, RULES, Focus, focus
from vmwidgets.render.narration import SENTENCES, explain
from vmwidgets.render.pseudocode import NO_LINE, PSEUDOCODE, current_line, lines_for

KINDS = set(EVENT_KINDS.values())


def _syscalls(task):
    """The object the mmap-family calls are made on (the task once they move there from the mm)."""
    return task if callable(getattr(task, "mmap", None)) else task.mm


def _run(fn, *args):
    try:
        return fn(*args)
    except VmError:  # a refused call (a warning, then an error) is part of the workload
        return None


def vmlist_heavy(k: Kernel) -> None:
    areas = [_run(k.vmalloc, (i % 7 + 1) * 4096) for i in range(24)]
    for a in areas[::2]:
        _run(k.vfree, a)
    big = _run(k.vmalloc, 5 << 20)  # a new PTE table in swapper_pg_dir, copied by later pgd_ctors
    _run(k.vfree, (areas[1] or 0) + 1)  # not an area: a warning
    _run(k.vmalloc, 900 << 20)  # no hole that big
    io = _run(k.ioremap, 0xFEC00000, 4096)
    _run(k.iounmap, io)
    _run(k.vfree, big)


def buddy_heavy(k: Kernel) -> None:
    pages = [_run(k.alloc_pages, GFP_KERNEL, i % 4) for i in range(40)]
    for i, p in enumerate(pages):
        if p is not None and i % 3:
            _run(k.free_pages, p, i % 4)
    m = _run(k.vmap, [k.page(p.pfn) for p in pages[:3] if p is not None])
    _run(k.translate, m)
    _run(k.vunmap, m)


def process_heavy(k: Kernel) -> None:
    task = _run(k.spawn, "init")
    calls = _syscalls(task)
    m = _run(calls.mmap, 0, 6 * 4096, 3, 0x22)
    for i in range(6):
        _run(task.access, m + i * 4096, True)
    _run(calls.munmap, m + 4096, 4096)
    _run(calls.mprotect, m, 4096, 1)
    _run(task.access, m, True)  # SIGSEGV now
    _run(task.brk, task.mm.brk + 3 * 4096 + 0x10)  # sys_brk: a heap VMA and MmStructUpdated
    a = _run(k.vmalloc, 4096)
    child = _run(k.fork, task)
    _run(child.access, m + 2 * 4096, True)  # copy on write
    _run(child.access, a, False, False, False)  # a kernel address: vmalloc_sync in 2.6.24
    _run(k.exit, child)
    _run(k.vfree, a)
    _run(k.spawn, "cat")


def vmap_purge(k: Kernel) -> None:
    """2.6.32 with a tiny vmalloc space: a lazily freed area is purged when no hole is left."""
    a = _run(k.vmalloc, 4 * 4096)
    _run(k.vmalloc, 4 * 4096)
    _run(k.vfree, a)
    _run(k.vmalloc, 2 * 4096)
    _run(k.vmalloc, 4 * 4096)


def kmap_heavy(k: Kernel) -> None:
    """Every pkmap slot taken (the wrap, then a kmap that would sleep), kunmaps, kmap_atomic both ways."""
    from vmwidgets import GFP_HIGHUSER, KM_USER0

    n = k.layout.last_pkmap
    pages = [_run(k.alloc_pages, GFP_HIGHUSER, 0) for _ in range(n + 1)]
    for p in pages[:n]:
        _run(k.kmap, p)
    _run(k.kmap, pages[n])  # every slot in use: would sleep
    for p in pages[1:4]:
        _run(k.kunmap, p)
    _run(k.kmap, pages[n])  # wraps again, flushes the three unused slots
    _run(k.kmap_flush_unused)
    low = _run(k.alloc_pages, GFP_KERNEL, 0)
    _run(k.kmap, low)
    a = _run(k.kmap_atomic, pages[n], KM_USER0)
    _run(k.kunmap_atomic, a, KM_USER0)
    b = _run(k.kmap_atomic, low, KM_USER0)
    _run(k.kunmap_atomic, b, KM_USER0)


def slab_heavy(k: Kernel) -> None:
    """kmalloc and kfree through every SLUB path: fast and slow, partial lists, discards, large, merging."""
    objs = [_run(k.kmalloc, 100, GFP_KERNEL) for _ in range(70)]  # three slabs of kmalloc-128
    for a in objs[:40:3]:
        _run(k.kfree, a)  # frees to full slabs: the partial list
    for a in objs[32:64]:
        _run(k.kfree, a)  # the second slab empties: discarded
    objs = [_run(k.kmalloc, 100, GFP_KERNEL) for _ in range(20)]  # the cpu slab runs out: deactivate, get_partial
    _run(k.kmalloc, 0, GFP_KERNEL)
    big = _run(k.kmalloc, 9000, GFP_KERNEL)
    _run(k.kfree, big)
    _run(k.kmalloc, 1 << 30, GFP_KERNEL)  # order >= MAX_ORDER: NULL
    c = _run(k.kmem_cache_create, "my_obj", 52, 0, 0)
    _run(k.kmem_cache_create, "my_obj", 52, 0, 0)  # the name is taken: NULL
    _run(k.kmem_cache_create, "my_alias", 64, 0, 0)  # merged into kmalloc-64
    o = _run(k.kmem_cache_alloc, c, GFP_KERNEL)
    _run(k.kmem_cache_free, c, o)


ERAS = [
    Config(era="2.6.24", ram=64 << 20),
    Config(era="2.6.32", ram=64 << 20),
    Config(era="2.6.24", pae=True),
    Config(era="2.6.32", vmalloc_reserve=64 << 10),
]
WORKLOADS = [vmlist_heavy, buddy_heavy, process_heavy, vmap_purge, kmap_heavy, slab_heavy]
CASES = [(e, w) for e in range(3) for w in range(3)] + [(3, 3), (2, 4), (0, 5), (1, 5)]


@cache
def recorded(era: int, workload: int) -> Kernel:
    k = Kernel(ERAS[era], checkpoint_every=64)
    WORKLOADS[workload](k)
    return k


def test_every_kind_is_either_mutating_or_read_only() -> None:
    assert MUTATING == set(APPLY) == set(REVERT)
    assert not MUTATING & READ_ONLY, MUTATING & READ_ONLY
    assert MUTATING | READ_ONLY == KINDS, f"undecided: {KINDS - MUTATING - READ_ONLY}"


def test_every_kind_has_a_sentence_a_focus_rule_and_a_pseudocode_line() -> None:
    assert KINDS - set(SENTENCES) == set(), "no sentence"
    assert KINDS - set(RULES) == set(), "no focus rule"
    assert set(PATHS) <= KINDS
    tagged = {t[0] if isinstance(t, tuple) else t for lines in PSEUDOCODE.values() for _, tags in lines for t in tags}
    assert tagged <= KINDS, tagged - KINDS
    assert KINDS - tagged - set(NO_LINE) == set(), "on no pseudo-code line"
    assert not tagged & set(NO_LINE)


def test_the_workloads_emit_every_kind() -> None:
    seen = {type(ev) for case in CASES for ev in recorded(*case).timeline}
    assert KINDS - seen == set()


@pytest.mark.parametrize("case", CASES)
def test_each_recorded_event_is_narrated_focused_and_placed(case: tuple[int, int]) -> None:
    k = recorded(*case)
    for ev in k.timeline:
        text = explain(ev)
        assert text.endswith(".") and len(text) < 240, text
        assert isinstance(focus(ev), Focus)
        lines = lines_for(ev.fn)[1]  # by name too: pgtable_32.c's pgd_free is pgtable.c's in 2.6.32
        if lines and type(ev) not in NO_LINE:
            assert current_line(ev) is not None, (ev.fn, ev.kind)


@pytest.mark.parametrize("case", CASES)
def test_apply_then_revert_restores_the_state(case: tuple[int, int]) -> None:
    k = recorded(*case)
    tl = k.timeline
    state = tl.seek(0).copy()
    for i, ev in enumerate(tl):
        before = state.copy()
        apply(ev, state)
        after = state.copy()
        revert(ev, state)
        assert state == before, (i, ev)
        apply(ev, state)
        assert state == after, (i, ev)
        if type(ev) in READ_ONLY:
            assert after == before, (i, ev)
    # replaying every event from boot ends where the kernel is: no kind lacks a reducer
    assert state == k.view_state() == tl.head


@pytest.mark.parametrize("case", CASES)
def test_seeking_back_and_forth_matches_a_replay(case: tuple[int, int]) -> None:
    k = recorded(*case)
    tl = k.timeline
    n = len(tl)
    ends = [op.end for op in tl.operations]
    replayed = {}
    state = tl.seek(0).copy()
    for i, ev in enumerate(tl, 1):
        apply(ev, state)
        if i in ends:
            replayed[i] = state.copy()
    for pos in [*reversed(ends), *ends]:
        assert tl.seek(pos) == replayed[pos], pos
    tl.seek(n)


def test_a_new_pgd_copies_the_kernel_entries_swapper_has_at_that_step() -> None:
    k = Kernel(Config(era="2.6.24", ram=64 << 20))
    first = k.pgd_index(k.layout.page_offset)
    before = _run(k.spawn, "a").mm.pgd.pfn
    _run(k.vmalloc, 5 << 20)  # links a new PTE table into swapper_pg_dir
    after = _run(k.spawn, "b").mm.pgd.pfn
    head = k.timeline.head
    swapper = {i: e for i, e in head.tables[head.swapper_pgd].items() if i >= first}
    assert head.tables[after] == swapper
    assert head.tables[before] != swapper  # the older directory has not synced the new entry
    assert head == k.view_state()
    (ev,) = [e for e in k.timeline if type(e) is PgdCreated and e.pfn == after]
    assert ev._fields == ("op", "fn", "mm", "pfn")  # no copy of the entries in the event
