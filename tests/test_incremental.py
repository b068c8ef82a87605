"""Incremental drawing (issue 15) draws exactly what a full rebuild draws.

A player hands its views what the events it crossed changed; the views keep red-black
subtree sizes and scene parts between steps (render/incremental.py) and the focus comes
from a cached trail (render/focus.py:Trail).  Over random walks (single steps both ways,
short jumps read event by event, long seeks) on big address spaces, in both eras, every
view's scenes and HTML must equal those of a view redrawn from nothing at the same position.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from helpers import big_process

from vmwidgets import Kernel
from vmwidgets.render.focus import Focus, Trail, focus
from vmwidgets.render.incremental import RbSizes
from vmwidgets.render.rbtree_scene import TREE_LIMIT, inorder
from vmwidgets.widgets import explore


def big(era: str, n: int, pae: bool = False, seed: int = 0) -> tuple[Kernel, Any]:
    return big_process(n, era=era, pae=pae, ops=24, seed=seed)


def drawn(ex: Any) -> list[Any]:
    out: list[Any] = []
    for v in ex.views:
        out += [sw.scene for sw in v.scenes]
        maps = getattr(v, "maps", None)
        if maps is not None:
            out.append(maps.value)
    return out


def obj_vm(ex: Any) -> int:
    state = ex.player.timeline.state
    return state.vmlist[len(state.vmlist) // 2] if state.vmlist else 0


def walk(obj: Any, moves: int, seed: int) -> int:
    """Moves an explorer at random and compares it with one that rebuilds at every position."""
    ex, ref = explore(obj), explore(obj)
    n = len(ex.player.timeline)
    rng = random.Random(seed)
    checked = 0
    for i in range(moves):
        pos = ex.player.position
        kind = rng.random()
        if kind < 0.6:
            pos += rng.choice((-1, 1))
        elif kind < 0.85:
            pos += rng.randint(-ex.player._NEAR, ex.player._NEAR)
        else:
            pos = rng.randrange(n + 1)
        pos = max(0, min(n, pos))
        if i % 17 == 5:  # a selection between steps: the kept parts must follow it too
            mm = getattr(obj, "mm", None)
            picks = ["", "addr:0x10000000", f"vm:{obj_vm(ex):#x}", f"vma:{mm.name if mm else 1}:3"]
            ex.selected = ref.selected = rng.choice(picks)
        ex.player.seek(pos)
        ref.player._drawn = None  # forget: the next drawing is a whole one
        ref.player.seek(pos)
        if ref.player.position == pos and ex.player.position == pos:
            ref.player._drawn = None
            ref.player._render()
        assert drawn(ex) == drawn(ref), f"at step {pos} after move {i}"
        checked += 1
    ex.close()
    ref.close()
    return checked


@pytest.mark.parametrize("era", ["2.6.24", "2.6.32"])
def test_stepping_and_seeking_draw_what_a_full_rebuild_draws(era: str) -> None:
    k, task = big(era, TREE_LIMIT + 45, seed=1)
    assert len(k.timeline.state.vmas[task.mm.name]) > TREE_LIMIT  # the tree and the lists fold
    assert walk(task, 160, seed=2) == 160
    assert walk(k, 60, seed=3) == 60


@pytest.mark.slow
@pytest.mark.parametrize("pae", [False, True])
def test_a_thousand_vmas_draw_the_same_either_way(pae: bool) -> None:
    _, task = big("2.6.32", 1000, pae=pae, seed=4)
    assert walk(task, 200, seed=5) == 200


def test_trail_gives_the_focus_of_the_whole_operation() -> None:
    k, _ = big("2.6.24", 60, seed=6)
    tl = k.timeline
    trail = Trail(tl)
    trail.EVERY = 5  # many marks: a seek lands between them
    rng = random.Random(7)
    pos = 0
    for _ in range(400):
        pos = max(0, min(len(tl), pos + rng.choice((-1, 1, 1, rng.randint(-40, 40)))))
        if rng.random() < 0.05:
            pos = rng.randrange(len(tl) + 1)
        want = Focus()
        if pos:
            op = tl.operation_at(pos - 1)
            want = focus(tl[pos - 1], tl[op.start : pos - 1] if op is not None else [])
        assert trail.focus(pos) == want, pos


def test_subtree_sizes_follow_the_events() -> None:
    """RbSizes kept from step to step equal the sizes counted afresh, and rank/select invert."""
    from vmwidgets.render.incremental import dirty

    k, _ = big("2.6.32", 120, seed=8)
    tl = k.timeline
    cur = tl.cursor()
    mm = k.mms[-1].name
    kept = {t: RbSizes(t) for t in ("mm_rb:" + mm, "vmap_area_root")}
    state = cur.seek(0)
    markers = 0
    for s in kept.values():
        s.sync(state, None)
    for pos in range(1, len(tl) + 1):
        state = cur.seek(pos)
        d = dirty([tl[pos - 1]])
        markers += d is None
        for t, s in kept.items():
            s.sync(state, None if d is None else d.rb.get(t, set()))
            fresh = RbSizes(t).sync(state, None)
            assert s.size == fresh.size, (t, pos)
            assert s.counts == 1 + markers, (t, pos)  # never counted whole but after a gap
    for t, s in kept.items():
        order = [n for n, _ in inorder(state, t)]
        assert [s.select(i) for i in range(len(order))] == order
        assert [s.rank(n) for n in order] == list(range(len(order)))
