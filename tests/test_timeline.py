"""Events serialise, explain themselves and rebuild every earlier state of the timeline."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmwidgets import GFP_KERNEL, Config, Event, InvalidArgument, Kernel, event_from_json
from vmwidgets.events import EVENT_KINDS, OperationEnded
from vmwidgets.render.narration import explain


def scenario(checkpoint_every: int = 8192) -> tuple[Kernel, list]:
    """A kernel running every kind of operation, with the state after each one."""
    k = Kernel(Config(ram=64 << 20), checkpoint_every=checkpoint_every)
    snaps = [(len(k.timeline), k.view_state())]

    def step(fn, *args):
        try:
            out = fn(*args)
        except Exception:
            out = None
        snaps.append((len(k.timeline), k.view_state()))
        return out

    a = step(k.vmalloc, 3 * 4096)
    b = step(k.vmalloc, 5 << 20)
    page = step(k.alloc_pages, GFP_KERNEL, 1)
    step(k.translate, a)
    io = step(k.ioremap, 0xFEC00000, 4096)
    m = step(k.vmap, [k.page(page.pfn)])
    step(k.vfree, a + 1)  # warning + error
    step(k.vmalloc, 500 << 20)  # out of space
    step(k.vfree, b)
    step(k.vunmap, m)
    step(k.iounmap, io)
    step(k.free_pages, page, 1)
    step(k.find_vm_area, 0)
    step(k.vmalloc_to_page, 0xC0000000)
    task = step(k.spawn, "init")
    mm = task.mm
    m = step(task.mmap, 0, 3 * 4096, 3, 0x22)
    step(task.access, m, True)
    step(task.munmap, m + 4096, 4096)
    step(task.mprotect, m, 4096, 1)
    step(mm.find_vma, m)
    step(task.access, m, True)  # SIGSEGV now
    child = step(k.fork, task)
    step(child.access, m)
    step(k.exit, child)
    objs = [step(k.kmalloc, 100, GFP_KERNEL) for _ in range(33)]  # a new slab; the 33rd replaces the full one
    step(k.kfree, objs[0])  # slow path: the full slab goes on the partial list
    for a in objs[1:32]:
        step(k.kfree, a)  # the last one empties it: off the partial list, discarded
    step(k.kfree, objs[32])  # fast path
    step(k.kmalloc, 0, GFP_KERNEL)
    step(k.kmem_cache_create, "obj", 52)
    step(k.kmem_cache_create, "alias", 64)  # merged into kmalloc-64
    return k, snaps


def test_every_event_kind_is_emitted_and_round_trips_through_json() -> None:
    k, _ = scenario()
    seen = {e.kind for e in k.timeline}
    # vmap_area kinds come from era 2.6.32: test_vmap_area checks them
    tree_kinds = {kind for kind in EVENT_KINDS if kind.startswith("Vmap")}
    # highmem kinds need every pkmap slot taken: test_highmem checks them and their JSON
    tree_kinds |= {"PageAddressRead", "PkmapSlotVisited", "PkmapCountChanged", "PkmapWaitQueued", "FixmapSlotComputed"}
    assert seen == set(EVENT_KINDS) - tree_kinds, f"never emitted: {set(EVENT_KINDS) - tree_kinds - seen}"
    for e in k.timeline:
        assert isinstance(e, Event)
        text = e.to_json()
        json.loads(text)
        assert event_from_json(text) == e and type(event_from_json(text)) is type(e)


def test_every_event_names_its_kernel_function_and_explains_itself() -> None:
    k, _ = scenario()
    for e in k.timeline:
        assert re.fullmatch(r"[\w/]+\.[ch]:\w+|x86 MMU:.+", e.fn), e  # the hardware is no kernel function
        text = explain(e)
        assert (text[0].isupper() or re.match(r"\w*[_(]", text)) and text.endswith(".") and len(text) < 240, text


def test_events_belong_to_their_operation() -> None:
    k, _ = scenario()
    t = k.timeline
    for op in t.operations:
        evs = t[op.start : op.end]
        assert evs[0].kind == "OperationBegan" and evs[-1].kind == "OperationEnded"
        assert {e.op for e in evs} == {op.index} and evs[0].name == op.name
    assert [o.name for o in t.operations][:3] == ["vmalloc", "vmalloc", "alloc_pages"]


@pytest.mark.parametrize("every", [16, 50, 8192])
def test_seeking_rebuilds_the_state_after_each_operation(every: int) -> None:
    k, snaps = scenario(every)
    t = k.timeline
    for pos, state in reversed(snaps):
        assert t.seek(pos) == state
    for pos, state in snaps:
        assert t.seek(pos) == state
    assert t.seek(len(t)) == k.view_state()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=25), st.sampled_from([16, 64, 8192]))
def test_random_seeks_agree_with_a_plain_replay(targets: list[int], every: int) -> None:
    k, snaps = scenario(every)
    t = k.timeline
    for x in targets:
        pos, want = snaps[x % len(snaps)]
        assert t.seek(pos) == want and t.position == pos


def test_step_back_restores_the_earlier_picture() -> None:
    k, _ = scenario()
    t = k.timeline
    t.seek(0)
    states = [t.state.copy()]
    for _ in range(len(t)):
        states.append(t.step_forward().copy())
    for i in range(len(t), 0, -1):
        assert t.step_back() == states[i - 1]
    assert t.step_back() == states[0] and t.position == 0


def test_operation_jumps() -> None:
    k, _ = scenario()
    t = k.timeline
    t.seek(0)
    t.next_operation()
    assert t.position == t.operations[0].end
    t.next_operation()
    assert t.position == t.operations[1].end
    t.prev_operation()
    assert t.position == t.operations[1].start
    assert t.seek_operation_end(4) is t.state and t.position == t.operations[4].end
    t.seek_operation_start(2)
    assert t.position == t.operations[2].start
    assert t.operation_at(t.operations[3].start + 1).name == t.operations[3].name


def test_bad_seeks_raise_and_keep_the_cursor() -> None:
    k, _ = scenario()
    t = k.timeline
    t.seek(5)
    for bad in (-1, len(t) + 1, "3", 2.0, True):
        with pytest.raises(InvalidArgument, match="index"):
            t.seek(bad)
    with pytest.raises(InvalidArgument, match="op="):
        t.seek_operation_start(len(t.operations))
    assert t.position == 5


def test_subscribers_see_every_event_live_even_without_recording() -> None:
    k = Kernel()
    got: list = []
    stop = k.subscribe(got.append)
    k.vmalloc(4096)
    assert got == list(k.timeline)
    stop()
    k.vmalloc(4096)
    assert len(got) < len(k.timeline)
    quiet = Kernel(record=False)
    assert quiet.timeline is None
    seen: list = []
    quiet.subscribe(seen.append)
    assert quiet.vmalloc(4096) == quiet.layout.vmalloc_start
    assert seen[0].kind == "OperationBegan" and seen[-1].kind == "OperationEnded"
    with pytest.raises(InvalidArgument):
        k.subscribe("not callable")


def test_a_timeline_read_inside_an_operation_builds_the_same_events() -> None:
    # the emitter records an operation's OperationEnded step as its result alone and the
    # timeline takes op, fn and name from the OperationBegan: even when it built that one
    # in an earlier read, half-way through the operation
    k = Kernel()
    t = k.timeline
    got: list = []
    halfway: list = []

    def read_inside(ev: Event) -> None:
        got.append(ev)
        if ev.kind != "OperationEnded":
            halfway.append((len(t), t[-1]))  # builds what is recorded so far

    stop = k.subscribe(read_inside)
    start = len(t)
    addr = k.kmalloc(100, GFP_KERNEL)
    k.kfree(addr)
    t.observe(lambda tl: None)  # an observer: the timeline records the edges itself again
    k.kmalloc(100, GFP_KERNEL)
    stop()
    assert list(t)[start:] == got and all(t[n - 1] == ev for n, ev in halfway)
    ends = [op for op in t.operations if op.name in ("kmalloc", "kfree")]
    assert [op.result for op in ends] == [f"{addr:#010x}", "void", f"{addr:#010x}"]
    assert all(
        t[op.end - 1] == OperationEnded(op=op.index, fn=t[op.start].fn, name=op.name, result=op.result) for op in ends
    )


def test_a_seek_does_not_disturb_recording() -> None:
    k = Kernel(checkpoint_every=16)
    k.vmalloc(4096)
    k.timeline.seek(3)
    k.vmalloc(4096)
    assert k.timeline.position == 3
    assert k.timeline.seek(len(k.timeline)) == k.view_state()


def test_a_cursor_at_the_end_follows_new_operations() -> None:
    k = Kernel(checkpoint_every=16)
    t = k.timeline
    assert t.following and t.position == 0
    k.vmalloc(4096)
    assert t.following and t.position == len(t) and t.state == k.view_state()
    t.step_back()
    assert not t.following and t.position == len(t) - 1
    k.vmalloc(4096)
    assert t.position < len(t) - 1  # left alone while the student looks back
    t.seek(len(t))
    k.vmalloc(4096)
    assert t.following and t.state == k.view_state()


def test_reprs_show_addresses_in_hex() -> None:
    k = Kernel()
    k.vmalloc(4096)
    linked = next(e for e in k.timeline if e.kind == "VmStructLinked")
    assert "addr=0xf8800000" in repr(linked) and "size=0x2000" in repr(linked)
    assert repr(k.translate(0xC0000000)).startswith("<Translation 0xc0000000 -> phys=0x0")
    assert repr(k.timeline.state).startswith("<ViewState: 1 vm_structs")


def test_no_event_field_hides_the_kind() -> None:
    for cls in EVENT_KINDS.values():
        assert "kind" not in cls._fields and "v" not in cls._fields, cls


# -- pausing, bounding, checkpoints ------------------------------------------------------
def _fresh_seeks_agree(t, snaps) -> None:
    for pos, want in snaps:
        assert t.cursor().seek(pos) == want, pos
    c = t.cursor()
    for pos, want in [*reversed(snaps), *snaps]:
        assert c.seek(pos) == want, pos


def test_pausing_records_nothing_and_resuming_leaves_a_gap_with_the_right_states() -> None:
    k = Kernel(Config(ram=64 << 20), checkpoint_every=16)
    t = k.timeline
    snaps = [(0, k.view_state())]
    a = k.vmalloc(4096)
    snaps.append((len(t), k.view_state()))
    n, ops = len(t), len(t.operations)
    assert t.recording
    t.pause()
    assert not t.recording
    k.vmalloc(8192)
    k.vfree(a)
    task = k.spawn("init")
    assert len(t) == n and len(t.operations) == ops and t.head == snaps[-1][1]
    t.resume()
    gap = t.operations[-1]
    assert t.recording and gap.name == "(recording paused)" and "3 operations" in gap.args
    assert (gap.start, gap.end) == (n, n + 1) == (n, len(t))
    marker = t[gap.start]
    assert marker.kind == "RecordingResumed" and t.operation_at(gap.start) is gap and "paused" in marker.explain()
    assert t.head == k.view_state()
    snaps.append((len(t), k.view_state()))
    with t.paused():
        task.access(0x08048000)
    with t.paused():  # nothing ran: no gap
        pass
    k.vmalloc(4096)
    snaps.append((len(t), k.view_state()))
    assert [o.name for o in t.operations].count("(recording paused)") == 2
    _fresh_seeks_agree(t, snaps)
    assert t.seek(len(t)) == k.view_state() and t.following


def test_pausing_inside_an_operation_does_not_split_it() -> None:
    k = Kernel()
    t = k.timeline
    asked: list[str] = []

    def pause_on_first_event(ev) -> None:
        if ev.kind == "OperationBegan" and not asked:
            asked.append(ev.name)
            t.pause()

    stop = k.subscribe(pause_on_first_event)
    k.vmalloc(4096)  # paused while it runs: recorded whole all the same
    stop()
    op = t.operations[-1]
    assert op.name == "vmalloc" and t[op.end - 1].kind == "OperationEnded" and op.end == len(t)
    assert not t.recording
    k.vmalloc(4096)
    assert t.operations[-1] is op

    def resume_inside(ev) -> None:
        if ev.kind == "OperationBegan":
            t.resume()

    stop = k.subscribe(resume_inside)
    k.vmalloc(4096)  # resumed while it runs unrecorded: recording starts after it, with a gap
    stop()
    assert t.operations[-1].name == "(recording paused)" and "2 operations" in t.operations[-1].args
    assert t.head == k.view_state() and t.seek(op.end) != k.view_state()
    k.vmalloc(4096)
    assert t.operations[-1].name == "vmalloc" and t.seek(len(t)) == k.view_state()


def test_a_timeline_without_a_snapshot_cannot_pause() -> None:
    from vmwidgets.timeline import Timeline

    t = Timeline(Kernel().view_state())
    with pytest.raises(InvalidArgument, match="snapshot"):
        t.pause()
    assert t.recording
    with pytest.raises(InvalidArgument, match="snapshot"):
        Timeline(snapshot=42)
    with pytest.raises(InvalidArgument, match="initial"):
        Timeline()


def test_max_events_drops_the_oldest_whole_operations_with_a_marker() -> None:
    k = Kernel(Config(ram=64 << 20), checkpoint_every=16, max_events=400)
    t = k.timeline
    emitted: list = []
    k.subscribe(emitted.append)
    after: dict[int, object] = {}
    early = t.cursor()
    live: list[int] = []
    for i in range(60):
        live.append(k.vmalloc(4096 * (1 + i % 3)))
        after[t.operations[-1].index] = k.view_state()
        if i % 3 == 2:
            k.vfree(live.pop(0))
            after[t.operations[-1].index] = k.view_state()
        if i == 1:
            early.seek(5)
        assert len(t) <= 400
    assert t.dropped_operations > 0 and len(t) > 400 // 2
    head = t.operations[0]
    assert head.name == "(earlier operations dropped)" and t[0].kind == "OperationsDropped"
    assert str(t.dropped_operations) in t[0].explain() and t.operation_at(0) is head
    assert t.dropped_events + len(t) - 1 == len(emitted)
    assert t.dropped_operations + len(t.operations) - 1 == len(after)
    kept = t.operations[1:]
    assert kept[0].index == t.dropped_operations and kept[-1].index == len(after) - 1
    assert t.seek(0) == after[kept[0].index - 1]  # the new start: the state after the dropped ones
    assert early.position == 0 and early.state == after[kept[0].index - 1]
    for o in kept:
        assert {e.op for e in t[o.start : o.end]} == {o.index} and t[o.start].name == o.name
        assert t.operation_at(o.start) is o
    _fresh_seeks_agree(t, [(o.end, after[o.index]) for o in kept])
    assert t.seek(len(t)) == k.view_state()


def test_a_cursor_on_a_kept_position_keeps_its_step_when_older_ones_are_dropped() -> None:
    k = Kernel(max_events=200)
    t = k.timeline
    while t.dropped_operations == 0:
        k.vfree(k.vmalloc(4096))
    c = t.cursor()
    op = t.operations[-1]
    state = c.seek(op.start + 2).copy()
    event = t[op.start + 2]
    while t.operations[1].index <= op.index - 1:  # until operations before op are dropped again
        k.vfree(k.vmalloc(4096))
    assert t.operations[1].index <= op.index
    assert c.state == state and t[c.position] == event and c.position == op.start + 2


def test_players_follow_positions_moved_by_a_drop() -> None:
    from vmwidgets.widgets import Player, VmlistView

    k = Kernel(max_events=200)
    k.vmalloc(4096)
    end, back = Player(k, [VmlistView(k)]), Player(k)
    back.seek(3)
    while k.timeline.dropped_operations == 0:
        k.vfree(k.vmalloc(4096))
    t = k.timeline
    assert end.position == len(t) == end.slider.max and end.cursor.state == k.view_state()
    assert back.position == 0 and back.cursor.state == t.cursor().seek(0)
    assert end.views[0]._state == k.view_state()
    for p in range(len(t) + 1):  # every step draws, the marker's too
        back.seek(p)
    back.seek(0)
    assert "were dropped" in back.narration.value and "just booted" not in back.narration.value
    back.seek(1)
    assert "(earlier operations dropped)" in back.narration.value


@pytest.mark.parametrize("bad", [0, 15, -1, "100", True, 2.5])
def test_max_events_must_be_a_sensible_int(bad) -> None:
    with pytest.raises(InvalidArgument, match="max_events"):
        Kernel(max_events=bad)


def test_checkpoints_stay_under_the_cap_whatever_checkpoint_every() -> None:
    from vmwidgets.timeline import MAX_CHECKPOINTS

    k = Kernel(Config(ram=64 << 20), checkpoint_every=16)
    t = k.timeline
    snaps = [(0, k.view_state())]
    tasks = []
    for i in range(100):  # process-heavy: spawn, fork, touch, exit
        task = k.spawn(f"p{i}")
        child = k.fork(task)
        child.access(0x08048000)
        k.exit(child)
        if i % 4:
            k.exit(task)
        else:
            tasks.append(task)
        if i % 6 == 0:
            snaps.append((len(t), k.view_state()))
        assert t.nr_checkpoints <= MAX_CHECKPOINTS
    assert len(t._entries) > 4 * 16 * MAX_CHECKPOINTS  # so the spacing had to double, more than once
    assert t._every >= 4 * 16
    _fresh_seeks_agree(t, snaps)


def test_checkpoints_are_thinned_by_their_size_too(monkeypatch) -> None:
    import vmwidgets.timeline as timeline

    k = Kernel(Config(ram=64 << 20), checkpoint_every=16)
    cap = 20 * k.view_state().size()
    monkeypatch.setattr(timeline, "MAX_CHECKPOINT_ENTRIES", cap)
    t = k.timeline
    snaps = [(0, k.view_state())]
    for i in range(30):
        k.vfree(k.vmalloc(4096 * (1 + i % 5)))
        assert t.head == k.view_state()  # reading builds what was recorded, checkpoints on the way
        assert sum(cp.size() for cp in t._checkpoints) <= cap * 1.2
        snaps.append((len(t), k.view_state()))
    assert t._every > 16 and t.nr_checkpoints < len(t._entries) // 16
    _fresh_seeks_agree(t, snaps)
