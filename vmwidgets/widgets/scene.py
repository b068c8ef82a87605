"""`SceneWidget`: the one anywidget front end every view draws with (see scene.js)."""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from ..render.delta import scene_delta, size
from .cells import every_cell

__all__ = ["CSS", "SceneWidget", "esm"]

_HERE = Path(__file__).parent
# one style sheet for views and player, whichever is displayed first brings it
CSS = (_HERE / "scene.css").read_text() + (_HERE / "player.css").read_text()
# what each module needs in front of it: scene.js applies scene changes as delta.js does
_NEEDS = {"scene.js": ("colours.js", "delta.js")}


def esm(name: str) -> str:
    """The module anywidget loads for ``name`` (scene.js, keys.js): the shared scripts it uses
    (colours.js; delta.js for scene.js) in front of it (an anywidget module is one file; it
    cannot import a neighbour)."""
    return "".join((_HERE / part).read_text() for part in (*_NEEDS.get(name, ("colours.js",)), name))


# Widgets whose keyframe is behind their scene: a notebook stores widget state (the keyframe),
# not the changes, so each is brought up to date when its cell has run (an answer a question
# holds back must not sit in a stored keyframe drawn before the hold).
_BEHIND: weakref.WeakSet[SceneWidget] = weakref.WeakSet()


def _cell_ran(*_args: Any) -> None:
    for sw in list(_BEHIND):
        sw._settle()
    _BEHIND.clear()


class SceneWidget(anywidget.AnyWidget):
    """Draws a scene from :mod:`vmwidgets.render.scene` as SVG with zoom, pan and animated changes.

    ``scene`` is the whole scene, as the views assign it; it is not synced as such.  The
    front end gets a keyframe ``_frame`` (``{"seq", "scene"}``) and, for every later scene,
    only the change (:func:`~vmwidgets.render.delta.scene_delta`) as a custom message
    ``{"seq", "d"}``.  A view that finds a gap in the numbers (drawn later, reconnected)
    answers ``{"have": seq}`` and is sent a fresh keyframe.  A keyframe is also sent when
    the changes since the last one add up to more than the scene, so the widget state a
    notebook saves is never far behind.

    ``selected`` is the selection key of the box last clicked (``""`` for none); it is
    synced both ways, so Python can select too.
    """

    _esm = esm("scene.js")
    _css = CSS
    scene = traitlets.Dict()
    _frame = traitlets.Dict().tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    duration = traitlets.Int(350, help="animation time of one step, ms (0: none)").tag(sync=True)
    max_height = traitlets.Int(460, help="tallest the view grows before it scrolls, px").tag(sync=True)
    refit = traitlets.Bool(False, help="fit the whole scene after every change").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        self._seq = 0  # number of the scene the front end should hold
        self._last: dict[str, Any] | None = None  # that scene
        self._since = 0  # bytes of changes sent since the last keyframe
        self._budget = 0  # the last keyframe's size: more changes than this make a keyframe
        super().__init__(**kwargs)
        self.on_msg(self._message)

    @traitlets.observe("scene")
    def _scene_changed(self, change: dict[str, Any]) -> None:
        new: dict[str, Any] = change["new"]
        if self._last is None:
            self._keyframe(new)
            return
        d = scene_delta(self._last, new)
        if d is None:
            return
        cost = size(d)
        # the scene is measured only when the changes outgrow the last keyframe's size:
        # measuring every new scene would cost a whole serialisation per step
        if self._since + cost > self._budget:
            self._budget = size(new)
            if self._since + cost > self._budget:
                self._keyframe(new)
                return
        self._seq += 1
        self._last = new
        self._since += cost
        self.send({"seq": self._seq, "d": d})
        if not _BEHIND:
            every_cell("post_run_cell", _cell_ran)
        _BEHIND.add(self)

    def _settle(self) -> None:
        """Make the keyframe the scene the front end holds now (when a cell has run)."""
        if self._last is not None and self._frame.get("seq") != self._seq:
            self._frame_now()

    def _keyframe(self, scene: dict[str, Any]) -> None:
        self._seq += 1
        self._last = scene
        self._frame_now()

    def _frame_now(self) -> None:
        """Send the scene the front end should hold as the keyframe (again, if it is the last one)."""
        assert self._last is not None
        frame = {"seq": self._seq, "scene": self._last}
        self._since, self._budget = 0, size(self._last)
        if frame == self._frame:
            self.send_state("_frame")  # an equal value would not be sent again
        else:
            self._frame = frame

    def _message(self, _widget: Any, content: Any, _buffers: Any = None) -> None:
        if not isinstance(content, dict) or not isinstance(content.get("have"), int):
            return
        if content["have"] < self._seq and self._last is not None:
            self._frame_now()
