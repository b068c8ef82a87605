"""Events serialise, explain themselves and rebuild every earlier state of the timeline."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmwidgets import GFP_KERNEL, Config, Event, InvalidArgument, Kernel, event_from_json
from vmwidgets.events import EVENT_KINDS


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
    return k, snaps


def test_every_event_kind_is_emitted_and_round_trips_through_json() -> None:
    k, _ = scenario()
    seen = {e.kind for e in k.timeline}
    # vmap_area kinds come from era 2.6.32: test_vmap_area checks them
    tree_kinds = {kind for kind in EVENT_KINDS if kind.startswith("Vmap")}
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
        text = e.explain()
        assert (text[0].isupper() or re.match(r"\w*[_(]", text)) and text.endswith(".") and len(text) < 240, text
        assert e.text == text


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
        assert "kind" not in cls._fields, cls
