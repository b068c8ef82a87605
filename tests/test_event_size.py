"""Events carry what the replay cannot derive and no more (issue 12: bytes per event)."""

from __future__ import annotations

from vmwidgets import Kernel
from vmwidgets.reducers import revert


def test_pgd_freed_carries_only_what_differs_from_swapper_and_reverts_to_the_directory() -> None:
    k = Kernel()
    task = k.spawn("cat")
    task.access(0x08048000)
    k.exit(task)
    tl = k.timeline
    i = max(j for j in range(len(tl)) if tl[j].kind == "PgdFreed")
    ev, pfn = tl[i], tl[i].pfn
    assert len(ev.entries) < 8  # not the whole kernel part (hundreds of entries)
    cur = tl.cursor()
    before = cur.seek(i).copy()  # just before pgd_free: the directory as it was
    after = cur.seek(i + 1).copy()
    assert pfn in before.tables and pfn not in after.tables
    revert(ev, after)
    assert after.tables[pfn] == before.tables[pfn]


def test_rb_events_hold_flat_fields_and_share_their_colour_patterns() -> None:
    k = Kernel()
    for _ in range(3):
        k.spawn("cat")
    rb = [e for e in k.timeline if e.kind.startswith("Rb")]
    assert {e.kind for e in rb} >= {"RbNodeLinked", "RbRecolored"}
    for e in rb:
        for name in e._fields:
            v = getattr(e, name)
            assert not isinstance(v, tuple) or all(not isinstance(x, tuple) for x in v), (e, name)
    pattern: dict[tuple[int, ...], tuple[int, ...]] = {}
    for e in rb:
        if e.kind == "RbRecolored":
            assert e.colors is pattern.setdefault(e.colors, e.colors)  # one tuple per pattern


def test_mm_struct_updated_is_one_field_and_only_a_change() -> None:
    """execve sets start_brk, brk and start_stack (three events), a brk that moves the break one,
    a brk that does not none; fork copies the three, exit frees them (three each)."""
    k = Kernel()
    task = k.spawn("cat")

    def count() -> int:
        op = k.timeline.operations[-1]
        return sum(1 for e in k.timeline[op.start : op.end] if e.kind == "MmStructUpdated")

    assert count() == 3
    task.brk(task.mm.brk)
    assert count() == 0
    task.brk(task.mm.brk + 0x2000)
    assert count() == 1
    child = k.fork(task)
    assert count() == 3
    k.exit(child)
    assert count() == 3
    ev = next(e for e in k.timeline if e.kind == "MmStructUpdated")
    assert ev._fields == ("op", "fn", "mm", "field", "old", "new")  # no VMA, no copy of the mm
