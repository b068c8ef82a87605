"""One cursor per player; observers released on close and when collected; widgets refuse bad arguments."""

from __future__ import annotations

import gc
import weakref

import pytest

from vmwidgets import Config, InvalidArgument, Kernel, VmError
from vmwidgets.exercises import NumberExercise
from vmwidgets.exercises.l1_layout import LESSON as LESSON_1
from vmwidgets.widgets import (
    ExerciseWidget,
    LayoutView,
    PageTableView,
    PhysicalMemoryView,
    Player,
    Quiz,
    VmaView,
    VmlistView,
    explore,
    export_html,
)


def _vm_nodes(view: VmlistView) -> list[str]:
    return sorted(n["id"] for n in view.scene.scene["nodes"] if n["id"].startswith("vm:"))


def three_areas() -> tuple[Kernel, list[int]]:
    k = Kernel()
    return k, [k.vmalloc(4096), k.vmalloc(8192), k.vmalloc(4096)]


def test_cursors_of_one_timeline_move_independently() -> None:
    k, addrs = three_areas()
    t = k.timeline
    a, b = t.cursor(), t.cursor()
    assert a.following and b.following and a.state is t.head
    first = a.seek(t.operations[0].end)
    assert first.vmlist == addrs[:1]
    b.seek(0)
    b.step_forward()
    assert a.state is first and a.state.vmlist == addrs[:1] and a.position == t.operations[0].end
    assert b.position == 1 and b.state.vmlist == []
    b.seek_operation_end(2)
    assert b.state.vmlist == addrs and a.state.vmlist == addrs[:1]
    b.prev_operation()
    assert b.position == t.operations[2].start and len(b.state.vmlist) == 2
    a.next_operation()
    assert a.position == t.operations[1].end
    assert a.operation_at(a.position - 1) is t.operations[1]
    assert t.following and t.position == len(t)  # the default cursor did not move
    k.vfree(addrs[0])
    assert a.position == t.operations[1].end and not a.following  # left alone while looking back
    a.seek(len(t))
    k.vfree(addrs[1])
    assert a.following and a.state == k.view_state()
    with pytest.raises(InvalidArgument, match="index"):
        a.seek(len(t) + 1)
    assert a.following


def test_two_players_on_one_kernel_seek_independently_and_a_click_draws_the_players_own_state() -> None:
    k, addrs = three_areas()
    va, vb = VmlistView(k), VmlistView(k)
    pa, pb = Player(k, [va]), Player(k, [vb])
    pa.seek(k.timeline.operations[0].end)
    assert _vm_nodes(va) == ["vm:f8800000"]
    pb.seek(len(k.timeline))
    assert len(_vm_nodes(vb)) == 3
    # a click in A's view redraws with A's state (with one shared cursor it drew B's three)
    va.scene.selected = f"vm:{addrs[0]:#x}"
    assert va.selected == f"vm:{addrs[0]:#x}"
    assert _vm_nodes(va) == ["vm:f8800000"] and va._state.vmlist == addrs[:1]
    pb.seek(0)
    vb.selected = ""
    va.selected = ""
    assert _vm_nodes(va) == ["vm:f8800000"] and _vm_nodes(vb) == []
    assert pa.cursor is not pb.cursor and pa.position != pb.position
    assert k.timeline.following  # players leave the default cursor alone


def test_rerunning_a_cell_thirty_times_leaves_no_more_observers() -> None:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    k = Kernel()
    k.vmalloc(4096)
    shell.user_ns["k"] = k
    before = k.timeline.nr_observers
    shell.run_cell("from vmwidgets import explore\nex = explore(k)", cell_id="cell-1")
    once = k.timeline.nr_observers
    assert once > before
    for _ in range(30):
        shell.run_cell("ex = explore(k)\np = ex.player", cell_id="cell-1")
    gc.collect()
    assert k.timeline.nr_observers == once
    shell.run_cell("ex2 = explore(k)", cell_id="cell-2")  # another cell's widgets stay
    shell.run_cell("ex = explore(k)", cell_id="cell-1")
    assert k.timeline.nr_observers == 2 * once - before
    t0 = k.timeline.nr_observers
    k.vmalloc(4096)  # observers still draw
    assert k.timeline.nr_observers == t0
    shell.run_cell("ex.close(); ex2.close()", cell_id="cell-3")
    assert k.timeline.nr_observers == before


def test_closing_an_explorer_releases_it() -> None:
    k = Kernel()
    k.vmalloc(4096)
    before = k.timeline.nr_observers
    ex = explore(k)
    assert k.timeline.nr_observers > before
    ex.close()
    assert k.timeline.nr_observers == before
    ref, pref = weakref.ref(ex), weakref.ref(ex.player)
    del ex
    gc.collect()
    assert ref() is None and pref() is None
    k.vmalloc(4096)  # nothing left to call


def test_a_collected_player_is_no_longer_called() -> None:
    k = Kernel()
    t = k.timeline
    calls: list[int] = []

    class Watcher:
        def seen(self, tl) -> None:
            calls.append(len(tl))

    w = Watcher()
    stop_weak = t.observe(w.seen, weak=True)
    strong: list = []
    stop = t.observe(lambda tl: strong.append(len(tl)))
    k.vmalloc(4096)
    assert len(calls) == 1 and len(strong) == 1 and t.nr_observers == 2
    del w
    gc.collect()
    k.vmalloc(4096)
    assert len(calls) == 1 and len(strong) == 2 and t.nr_observers == 1
    stop()
    stop()  # twice is harmless
    stop_weak()
    assert t.nr_observers == 0
    with pytest.raises(InvalidArgument, match="callback"):
        t.observe(42)


def test_a_failing_observer_warns_and_the_others_still_run() -> None:
    k = Kernel()
    got: list = []

    def broken(tl) -> None:
        raise RuntimeError("boom")

    k.timeline.observe(broken)
    k.timeline.observe(got.append)
    with pytest.warns(RuntimeWarning, match="boom"):
        assert k.vmalloc(4096) == k.layout.vmalloc_start
    assert got == [k.timeline] and k.timeline.operations[-1].result != "error: RuntimeError"


def test_closing_a_player_detaches_its_views() -> None:
    k, _ = three_areas()
    v = VmlistView(k)
    p = Player(k, [v])
    n = k.timeline.nr_observers
    p.seek(0)
    p.close()
    assert v.player is None and k.timeline.nr_observers == n - 1
    k.vmalloc(4096)  # alone again: the view follows the end
    assert len(_vm_nodes(v)) == 4
    v.close()
    assert k.timeline.nr_observers == n - 2


def test_widget_constructors_refuse_bad_arguments_with_vm_errors() -> None:
    k = Kernel(Config(ram=64 << 20))
    task = k.spawn("sh")
    other = Kernel()
    question = NumberExercise("q", "Where?", value=1)
    p0 = Player(k)
    bad = [
        lambda: VmlistView(k, limit=-1),
        lambda: VmlistView(k, limit="3"),
        lambda: VmaView(task, limit=0),
        lambda: VmaView(k),
        lambda: LayoutView(k, mark=-5),
        lambda: LayoutView(k, mark="0x1000"),
        lambda: PageTableView(k, root=123456789),
        lambda: PageTableView(k, root="pgd"),
        lambda: explore(Kernel(record=False)),
        lambda: VmlistView(Kernel(record=False)),
        lambda: Player(Kernel(record=False)),
        lambda: Player(k, speed="3×"),
        lambda: Player(k, speed=["1×"]),
        lambda: Player(k, views=5),
        lambda: Player(k, views=["not a view"]),
        lambda: Player(k, views=[VmlistView(other)]),
        lambda: ExerciseWidget("not an exercise"),
        lambda: ExerciseWidget(question, player="a player", reveal=3),
        lambda: ExerciseWidget(question, player=p0, reveal=10**9),
        lambda: ExerciseWidget(question, player=p0, reveal="3"),
        lambda: Quiz("lesson 1"),
        lambda: Quiz(LESSON_1, seed=-1),
        lambda: PhysicalMemoryView(object()),
        lambda: export_html(p0, 5),
        lambda: p0.hold(-1),
        lambda: p0.seek(10**9),
    ]
    n = k.timeline.nr_observers
    for make in bad:
        with pytest.raises(VmError):
            make()
    gc.collect()
    assert k.timeline.nr_observers == n
    with pytest.raises(InvalidArgument, match="limit=-1"):
        VmlistView(k, limit=-1)
    with pytest.raises(InvalidArgument, match="record"):
        explore(Kernel(record=False))
    p = Player(k)
    with pytest.raises(InvalidArgument, match="views"):
        p.add(VmlistView(other))
    assert p.views == []


def test_cursor_module_is_the_one_timeline_exports_and_makes() -> None:
    import vmwidgets.cursor
    import vmwidgets.timeline

    k = Kernel()
    k.vmalloc(4096)
    c = k.timeline.cursor()
    assert vmwidgets.timeline.Cursor is vmwidgets.cursor.Cursor and type(c) is vmwidgets.cursor.Cursor
    assert vmwidgets.timeline.TimelineMarker is vmwidgets.cursor.TimelineMarker
    c.seek(0)
    assert c.position == 0 and not c.following and k.timeline.position == len(k.timeline)
