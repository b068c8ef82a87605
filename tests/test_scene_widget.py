"""SceneWidget's wire protocol: a keyframe (``_frame``) and numbered changes (custom messages).

What the widget sends, replayed as scene.js replays it (keyframes taken whole, changes applied
with apply_delta in order), must give back every scene the views assigned, exactly."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from helpers import SCENES
from hypothesis import given, settings
from hypothesis import strategies as st

from vmwidgets import Kernel
from vmwidgets.render.delta import apply_delta, size
from vmwidgets.widgets import Player, SceneWidget, VmlistView
from vmwidgets.widgets.scene import esm


class Wire:
    """Records what a SceneWidget puts on the wire (its comm messages), in order, and plays
    it as scene.js does."""

    def __init__(self, sw: SceneWidget) -> None:
        self.sw = sw
        self.out: list[tuple[str, Any]] = []
        sw._send = self._record  # type: ignore[method-assign]
        # what a view rendered now starts from: the widget state
        self.seq: int = sw._frame.get("seq", 0)
        self.scene: dict[str, Any] = sw._frame.get("scene", {})
        self.gaps: list[int] = []

    def _record(self, msg: dict[str, Any], buffers: Any = None) -> None:
        assert not buffers
        msg = copy.deepcopy(msg)
        if msg["method"] == "custom":
            self.out.append(("msg", msg["content"]))
        elif msg["method"] == "update" and "_frame" in msg["state"]:
            self.out.append(("frame", msg["state"]["_frame"]))

    def play(self, drop: frozenset[int] = frozenset()) -> None:
        """Take what was sent since the last call; messages numbered in ``drop`` are lost."""
        for kind, value in self.out:
            if kind == "frame" and value.get("seq", 0) > self.seq:
                self.seq, self.scene = value["seq"], value["scene"]
            elif kind == "msg" and value["seq"] not in drop:
                if value["seq"] == self.seq + 1:
                    self.scene = apply_delta(self.scene, value["d"])
                    self.seq = value["seq"]
                elif value["seq"] > self.seq:
                    self.gaps.append(self.seq)
        self.out.clear()

    def frames(self) -> int:
        return sum(kind == "frame" for kind, _ in self.out)

    def messages(self) -> list[dict[str, Any]]:
        return [v for kind, v in self.out if kind == "msg"]


def box(i: int, text: str = "x", cls: str = "") -> dict[str, Any]:
    return {"id": f"n{i}", "x": 0, "y": 20 * i, "w": 80, "h": 20, "rows": [[text]], "cls": cls}


def grown(n: int, hl: int, text: str = "x") -> dict[str, Any]:
    return {"title": "t", "w": 100, "h": 20 * n, "nodes": [box(i, text, "hl" if i == hl else "") for i in range(n)]}


scenes = SCENES


@settings(max_examples=200, deadline=None)
@given(st.lists(scenes, min_size=1, max_size=15))
def test_what_is_sent_gives_back_every_scene(seq: list[dict[str, Any]]) -> None:
    sw = SceneWidget()
    wire = Wire(sw)
    for s in seq:
        sw.scene = s
        wire.play()
        assert wire.scene == s
    assert wire.gaps == []


def test_a_view_stepped_by_a_player_is_followed_exactly_and_sends_changes() -> None:
    k = Kernel()
    addrs = [k.vmalloc(4096 * (1 + i % 3)) for i in range(12)]
    k.vfree(addrs[3])
    view = VmlistView(k)
    player = Player(k, [view])
    wires = [Wire(sw) for sw in view.scenes]
    player.seek(0)
    for w in wires:
        w.play()
    msgs = frames = 0
    for pos in [*range(1, len(k.timeline) + 1), *range(len(k.timeline) - 1, -1, -3)]:
        player.seek(pos)
        for w in wires:
            msgs, frames = msgs + len(w.messages()), frames + w.frames()
            w.play()
            assert w.scene == w.sw.scene, pos
    assert msgs > 5 * frames  # most steps went as changes, not keyframes


def test_an_equal_scene_sends_nothing() -> None:
    sw = SceneWidget(scene=grown(5, 1))
    wire = Wire(sw)
    sw.scene = copy.deepcopy(sw.scene)
    assert wire.out == []
    sw.scene = grown(5, 2)
    assert wire.frames() == 0 and len(wire.messages()) == 1
    assert wire.messages()[0]["seq"] == sw._frame["seq"] + 1


def test_a_keyframe_when_the_changes_since_the_last_outweigh_the_scene() -> None:
    sw = SceneWidget()
    wire = Wire(sw)
    sw.scene = grown(30, 0)
    assert wire.out == [("frame", {"seq": 1, "scene": grown(30, 0)})]  # the first scene: whole
    wire.play()
    since, frames = 0, 0
    for step in range(1, 400):
        sw.scene = grown(30, step % 30, text=f"t{step}")
        msgs = wire.messages()
        if wire.frames():
            assert msgs == []
            frames += 1
            since = 0
            assert sw._frame == {"seq": wire.seq + 1, "scene": sw.scene}
        else:
            (msg,) = msgs
            since += size(msg["d"])
            assert since <= size(sw._frame["scene"])  # never more than a scene's worth behind
        wire.play()
        assert wire.scene == sw.scene
    assert 5 < frames < 200  # keyframes now and then, changes in between


def test_a_view_behind_asks_and_gets_a_keyframe() -> None:
    sw = SceneWidget()
    wire = Wire(sw)
    sw.scene = grown(6, 0)
    sw.scene = grown(6, 1)
    sw.scene = grown(6, 2)
    wire.play(drop=frozenset({2}))  # the first change is lost: the second cannot be applied
    assert wire.gaps == [1] and wire.seq == 1
    sw._message(sw, {"have": wire.seq})
    assert sw._frame == {"seq": 3, "scene": grown(6, 2)}
    wire.play()
    assert (wire.seq, wire.scene) == (3, grown(6, 2))
    # up to date: no answer; the keyframe it already has: sent again as it is
    sw._message(sw, {"have": 3})
    assert wire.out == []
    sw._message(sw, {"have": 0})
    assert wire.out == [("frame", {"seq": 3, "scene": grown(6, 2)})]
    sw._message(sw, {"what": 1})
    sw._message(sw, "have")
    assert len(wire.out) == 1


def test_a_view_shown_later_asks_with_the_keyframe_it_was_given() -> None:
    sw = SceneWidget(scene=grown(4, 0))
    wire = Wire(sw)
    sw.scene = grown(4, 1)
    sw.scene = grown(4, 2)
    wire.seq, wire.scene = 1, grown(4, 0)  # a view drawn now: the keyframe, not the changes
    wire.out.clear()
    sw._message(sw, {"have": wire.seq})  # as scene.js sends at render
    assert sw._frame == {"seq": 3, "scene": grown(4, 2)}
    wire.play()
    assert wire.scene == sw.scene


def test_the_scene_is_not_synced_and_the_front_end_applies_changes() -> None:
    sw = SceneWidget()
    synced = sw.keys
    assert "_frame" in synced and "scene" not in synced
    js = esm("scene.js")
    assert "function applyDelta(" in js and js.count("function applyDelta(") == 1  # delta.js, once
    assert js.index("function applyDelta(") < js.index("function render(")


@pytest.mark.parametrize("n", [0, 1])
def test_a_scene_given_at_construction_is_the_first_keyframe(n: int) -> None:
    s = grown(n + 1, 0)
    sw = SceneWidget(scene=s)
    assert sw._frame == {"seq": 1, "scene": s}


def test_a_name_with_a_lone_surrogate_still_goes_as_a_change() -> None:
    sw = SceneWidget(scene=grown(3, 0, text="\ud800"))
    wire = Wire(sw)
    sw.scene = grown(3, 1, text="\ud800")
    wire.play()
    assert wire.scene == sw.scene and len(sw._frame["scene"]["nodes"]) == 3


def test_a_growing_scene_goes_as_changes_not_a_keyframe_each_step() -> None:
    sw = SceneWidget(scene=grown(1, 0))  # a first keyframe far smaller than what follows
    wire = Wire(sw)
    frames = 0
    for n in range(2, 60):
        sw.scene = grown(n, 0)
        frames += wire.frames()
        wire.play()
        assert wire.scene == sw.scene
    assert frames <= 3  # each step adds a box: a change far smaller than the scene
