"""`Player`: one control bar that moves every view of a timeline through time."""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import anywidget
import ipywidgets as w
import traitlets

from ..errors import InvalidArgument
from ..render.dot import escape
from ..render.focus import Focus, Trail
from ..render.incremental import Dirty, dirty
from ..render.narrate import narration_html
from ..render.pseudocode import pseudocode_html
from .cells import adopt
from .compat import VBox, _nothing, close_tree, is_playing, set_playing
from .scene import CSS, esm
from .source import Source, source_of

__all__ = ["SPEEDS", "Player", "players_of"]

_LIVE: weakref.WeakSet[Player] = weakref.WeakSet()  # every player, so a question can hold its timeline's
_SERIAL = itertools.count()


def players_of(timeline: Any) -> Iterator[Player]:
    """The live players that step ``timeline``, oldest first."""
    return iter(sorted((p for p in list(_LIVE) if p.timeline is timeline), key=lambda p: p._serial))


_BOOTED = escape("The machine has just booted: press ▶ or step forward.")  # narration_html's step 0
SPEEDS = {"¼×": 1600, "½×": 800, "1×": 400, "2×": 200, "4×": 100, "8×": 50}


class _Keys(anywidget.AnyWidget):
    """Keyboard shortcuts on the player's box (see keys.js)."""

    _esm = esm("keys.js")
    _css = CSS


def _check_views(views: Any, timeline: Any) -> list[Any]:
    from .views import View

    if type(views) not in (list, tuple):  # exactly: a subclass's or any iterable's __iter__ could raise
        raise InvalidArgument("views", views, "a list of views (LayoutView, VmlistView …)")
    out = list(views)
    for v in out:
        if not isinstance(v, View):
            raise InvalidArgument("views", v, "a list of views (LayoutView, VmlistView …)")
        if v.source.timeline is not timeline:
            raise InvalidArgument("views", v, "views of the player's own kernel (the same timeline)")
    return out


def _button(icon: str, tip: str) -> w.Button:
    return w.Button(icon=icon, tooltip=tip, layout=w.Layout(width="40px"))


class Player(VBox):
    """Play/pause, speed, step back and forward, previous/next operation, start and end,
    and a slider over every step of ``source``'s timeline (a kernel, task, mm or
    timeline); a narration line and the current function's pseudo-code underneath.

    Views added with :meth:`add` (or ``views=``) redraw at each position; stepping back
    reverts the events, so it shows exactly the earlier state.  Keys (with the player
    focused): ← → step, PgUp PgDn operation, Home End, space play/pause.
    """

    position = traitlets.Int(0, help="how many events of the timeline the views show")

    def __init__(self, source: Any, views: Any = (), speed: str = "1×") -> None:
        if not isinstance(speed, str) or speed not in SPEEDS:
            raise InvalidArgument("speed", speed, "one of " + ", ".join(SPEEDS))
        src = source_of(source)
        tl = src.timeline
        views = _check_views(views, tl)
        self.source: Source = src
        self.timeline = tl
        self._shifted = tl._shifted
        self.cursor = tl.cursor()  # this player's own position: other players of the kernel move theirs
        self._trail = Trail(tl)  # the step's focus without re-reading its whole operation
        self._drawn: tuple[int, int] | None = None  # (position, timeline shift) the views last drew
        self.views: list[Any] = []
        self.step_focus = Focus()
        self.limit: int | None = None  # set by hold(): the student predicts before seeing further
        self.slider = w.IntSlider(
            0,
            0,
            len(tl),
            description="step",
            continuous_update=True,
            layout=w.Layout(flex="1 1 auto", min_width="240px"),
        )
        self.play = w.Play(0, 0, len(tl), interval=SPEEDS[speed], show_repeat=False, description="play")
        # a Python-side link: Play's front end steps its value, the kernel copies it to the slider
        # (and the views follow); unlike jslink it needs nothing of the front end (Colab, VS Code)
        w.link((self.play, "value"), (self.slider, "value"))
        self.speed = w.Dropdown(options=list(SPEEDS), value=speed, description="speed", layout=w.Layout(width="150px"))
        self.speed.observe(lambda ch: setattr(self.play, "interval", SPEEDS[ch["new"]]), "value")
        b = {
            "start": _button("fast-backward", "to the start (Home)"),
            "prev_op": _button("backward", "to the start of this or the previous operation (PageUp)"),
            "back": _button("step-backward", "one step back (←)"),
            "forward": _button("step-forward", "one step forward (→)"),
            "next_op": _button("forward", "to the end of this or the next operation (PageDown)"),
            "end": _button("fast-forward", "to the end (End)"),
        }
        b["start"].on_click(lambda _: self.seek(0))
        b["prev_op"].on_click(lambda _: self.prev_operation())
        b["back"].on_click(lambda _: self.step_back())
        b["forward"].on_click(lambda _: self.step_forward())
        b["next_op"].on_click(lambda _: self.next_operation())
        b["end"].on_click(lambda _: self.seek(len(self.timeline)))
        self.buttons = b
        self.narration = w.HTML()
        self.code = w.HTML(layout=w.Layout(min_width="320px"))
        self.keyboard = _Keys()
        self.keyboard.on_msg(self._on_key)
        bar = w.HBox(
            [b["start"], b["prev_op"], b["back"], self.play, b["forward"], b["next_op"], b["end"], self.slider]
        )
        bar.layout.flex_flow = "row wrap"
        super().__init__(
            [
                bar,
                w.HBox([self.speed, self.keyboard]),
                w.HBox([self.narration, self.code], layout=w.Layout(justify_content="space-between")),
            ]
        )
        self.add_class("vmw-player")
        self.slider.observe(self._slid, "value")
        self._unobserve = tl.observe(self._grew, weak=True)
        for v in views:
            self.add(v)
        self.position = len(tl)
        self._render()
        adopt(self)  # closed when its cell runs again
        self._serial: int = next(_SERIAL)
        _LIVE.add(self)

    # -- moving -------------------------------------------------------------------------
    def seek(self, index: int) -> None:
        """Show the state after ``index`` events (0: just booted); while held, at most the hold."""
        if type(index) is not int or not 0 <= index <= len(self.timeline):
            raise InvalidArgument("index", index, f"a step from 0 to {len(self.timeline)}")
        if self.limit is not None:
            index = min(index, self.limit)
        self.slider.value = index  # -> _slid -> position

    def hold(self, limit: int) -> None:
        """Let the player go no further than step ``limit`` (it moves there) until :meth:`release`:
        a predict-then-check question keeps what happens next hidden until it is answered."""
        self.cap(limit)
        self.seek(limit)

    def cap(self, limit: int) -> None:
        """Like :meth:`hold`, but stay where it is if that is not past ``limit``: another
        player's question holds this timeline, and this player must not show the answer."""
        if type(limit) is not int or not 0 <= limit <= len(self.timeline):
            raise InvalidArgument("limit", limit, f"a step from 0 to {len(self.timeline)}")
        self.limit = limit
        self.slider.value = min(self.slider.value, limit)
        self.slider.max = self.play.max = limit

    def release(self) -> None:
        """Undo :meth:`hold`: every step is reachable again."""
        self.limit = None
        self.slider.max = self.play.max = len(self.timeline)

    def step_forward(self) -> None:
        self.seek(min(self.position + 1, len(self.timeline)))

    def step_back(self) -> None:
        self.seek(max(self.position - 1, 0))

    def next_operation(self) -> None:
        for o in self.timeline.operations:
            if o.end > self.position:
                return self.seek(o.end)
        self.seek(len(self.timeline))

    def prev_operation(self) -> None:
        for o in reversed(self.timeline.operations):
            if o.start < self.position:
                return self.seek(o.start)
        self.seek(0)

    def _on_key(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        key = content.get("key")
        actions: dict[str, Callable[[], object]] = {
            "ArrowLeft": self.step_back,
            "j": self.step_back,
            "ArrowRight": self.step_forward,
            "k": self.step_forward,
            "PageUp": self.prev_operation,
            "PageDown": self.next_operation,
            "Home": lambda: self.seek(0),
            "End": lambda: self.seek(len(self.timeline)),
            " ": lambda: set_playing(self.play, not is_playing(self.play)),
        }
        if key in actions:
            actions[key]()

    def _slid(self, change: dict[str, Any]) -> None:
        self.position = change["new"]

    @traitlets.observe("position")
    def _moved(self, change: dict[str, Any]) -> None:
        if self.slider.value != change["new"]:
            self.slider.value = change["new"]  # the link moves Play too
        self._render()

    def _grew(self, tl: Any) -> None:
        moved, self._shifted = tl._shifted - self._shifted, tl._shifted  # positions a max_events drop took
        if self.limit is not None:  # held for a question: new steps stay hidden too
            if moved:
                self.limit = max(self.limit - moved, 0)
                self.slider.value = max(self.position - moved, 0)
                self.slider.max = self.play.max = self.limit
                self._render()
            return
        at_end = self.position == self.slider.max
        target = len(tl) if at_end else max(self.position - moved, 0)  # a player at the end follows
        if target <= self.slider.value:
            self.slider.value = target
            self.slider.max = self.play.max = len(tl)
        else:
            self.slider.max = self.play.max = len(tl)
            self.slider.value = target
        if moved:  # the same number may now be another step
            self._render()

    # -- drawing ------------------------------------------------------------------------
    def add(self, view: Any) -> Any:
        """Let ``view`` follow this player; returns it."""
        _check_views([view], self.timeline)
        if view not in self.views:
            self.views.append(view)
            view.player = self
            view.show(self.cursor.seek(self.position), self.step_focus)  # (whole: nothing kept yet)
        return view

    def close(self) -> None:
        """Stop following the timeline, let the views go, and close the player's widgets."""
        getattr(self, "_unobserve", _nothing)()  # (also called for one whose __init__ raised)
        for v in getattr(self, "views", ()):
            if v.player is self:
                v.player = None
        self.views = []
        close_tree(self)

    def _render(self) -> None:
        tl, pos = self.timeline, self.position
        state = self.cursor.seek(pos)
        event = tl[pos - 1] if pos else None
        op = tl.operation_at(pos - 1) if pos else None
        self.step_focus = self._trail.focus(pos)
        text = narration_html(event, pos, len(tl), op, state)
        if pos == 0 and tl.dropped_operations:  # not the boot: the state after the dropped operations
            text = text.replace(_BOOTED, escape(tl[0].explain()))
        self.narration.value = text
        begun = tl[op.start] if op is not None else None
        self.code.value = pseudocode_html(event, getattr(begun, "fn", None))
        moved = self._crossed(pos)
        for v in self.views:
            v.show(state, self.step_focus, moved)

    _NEAR = 64  # a move of at most this many steps is read event by event; a longer one redraws whole

    def _crossed(self, pos: int) -> Dirty | None:
        """What the events between the last drawing and ``pos`` changed (None: redraw whole)."""
        tl, last = self.timeline, self._drawn
        self._drawn = (pos, tl._shifted)
        if last is None or last[1] != tl._shifted or abs(pos - last[0]) > self._NEAR:
            return None
        lo, hi = sorted((last[0], pos))
        return dirty(tl[lo:hi])
