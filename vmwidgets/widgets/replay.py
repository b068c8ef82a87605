"""Replay data: what a page needs to step a player's views in the browser, without Python.

:func:`page_data` walks displayed widgets (players, views, explorers, exercises, quizzes
and the boxes around them) into a tree the page's front end (``page.js``) rebuilds, and
records each player's steps: for every position, each of its views' scenes (keyframes and
changes, :mod:`vmwidgets.render.delta`), HTML panels, the narration and the pseudo-code,
exactly as the live widgets compute them (the player is moved through every position and
its views are read).  Nothing here changes the kernel; the player is left where it was.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as w

from ..exercises.core import Exercise
from ..render.delta import encode_text, encode_track
from ..render.notes import note_html
from .exercise import ExerciseWidget, Quiz
from .explorer import Explorer
from .player import SPEEDS, Player
from .scene import SceneWidget
from .views import View

__all__ = ["QUIZ_SEEDS", "STEP", "Moment", "NotebookRecorder", "PageData", "moment", "record"]

QUIZ_SEEDS = 5  # a static quiz carries this many seeds' numbers
_STYLE = ("width", "min_width", "max_width", "flex", "max_height", "overflow", "justify_content", "flex_flow")


@dataclass
class Moment:
    """What a widget showed when its cell had just run: a player's position and hold,
    and the scenes and HTML of views that follow no player."""

    positions: dict[int, tuple[int, int | None]] = field(default_factory=dict)  # id(player) -> (pos, limit)
    values: dict[int, Any] = field(default_factory=dict)  # id(leaf) -> scene or html


def moment(widgets: list[Any]) -> Moment:
    """Snapshot of ``widgets`` (any mix; players and free views matter) right now."""
    m = Moment()
    for obj in widgets:
        if isinstance(obj, Player):
            m.positions[id(obj)] = (obj.position, obj.limit)
        elif isinstance(obj, View) and obj.player is None:
            for leaf in _leaves(obj):
                m.values[id(leaf)] = _value(leaf)
    return m


def _value(leaf: Any) -> Any:
    return leaf.scene if isinstance(leaf, SceneWidget) else leaf.value


def _leaves(view: View) -> list[Any]:
    """The scene and HTML widgets a view draws into (its scenes first, shown or not yet)."""
    out: list[Any] = list(view.scenes)
    stack = [view]
    while stack:
        wd = stack.pop()
        for c in getattr(wd, "children", ()):
            if isinstance(c, w.HTML) and c not in out:
                out.append(c)
            elif isinstance(c, w.Box):
                stack.append(c)
    return out


def _nodes(tree: dict[str, Any]) -> list[dict[str, Any]]:
    """Every node of a page tree."""
    out, stack = [], [tree]
    while stack:
        t = stack.pop()
        out.append(t)
        stack.extend(t.get("c", ()))
        if "box" in t:
            stack.append(t["box"])
    return out


def _style(wd: Any) -> dict[str, str]:
    lay = getattr(wd, "layout", None)
    out = {}
    for k in _STYLE:
        v = getattr(lay, k, None) if lay is not None else None
        if v:
            out[k.replace("_", "-")] = str(v)
    return out


class PageData:
    """Collects one page's trees and players; ``moments`` gives what each showed at first."""

    def __init__(self, live: str = "") -> None:
        self.players: dict[str, Any] = {}
        self.statics: dict[str, Any] = {}
        self.tracks: dict[str, Any] = {}  # key -> an encoded track, shared by players that show the same
        self._track_keys: dict[str, str] = {}
        self.live = live  # where the live notebook is, for what needs Python
        self._ids: dict[int, str] = {}
        self._player_objs: dict[str, Player] = {}
        self._asked: set[str] = set()  # players an exercise on this page holds and releases

    def ident(self, obj: Any, prefix: str) -> str:
        key = id(obj)
        if key not in self._ids:
            self._ids[key] = f"{prefix}{len(self._ids)}"
        return self._ids[key]

    # -- trees --------------------------------------------------------------------------
    def tree(self, wd: Any, when: Moment | None = None) -> dict[str, Any]:
        """The page's description of widget ``wd`` as it was at ``when`` (default: now)."""
        if isinstance(wd, Player):
            return {"t": "player", "id": self.player(wd, when)}
        if isinstance(wd, Explorer):
            pid = self.player(wd.player, when)
            return {"t": "explorer", "player": pid, "box": self.tree(wd.children[2], when), "style": _style(wd)}
        if isinstance(wd, View):
            if wd.player is not None:
                self.player(wd.player, when)
            return {"t": "view", "cls": type(wd).__name__, "box": self._box(wd, when, view=wd), "style": _style(wd)}
        if isinstance(wd, ExerciseWidget):
            return self._exercise(wd, when)
        if isinstance(wd, Quiz):
            seeds = range(wd.seed_box.value, wd.seed_box.value + QUIZ_SEEDS)
            return {
                "t": "quiz",
                "title": wd.lesson.title,
                "seeds": [[s, [self._spec(e) for e in wd.lesson.exercises(s)]] for s in seeds],
            }
        if isinstance(wd, SceneWidget | w.HTML):
            return self._leaf(wd, when, None)
        if isinstance(wd, w.Tab):
            titles = [wd.get_title(i) if hasattr(wd, "get_title") else wd.titles[i] for i in range(len(wd.children))]
            return {"t": "tabs", "titles": titles, "c": [self.tree(c, when) for c in wd.children]}
        if isinstance(wd, w.Box):
            return self._box(wd, when)
        return {"t": "live", "what": type(wd).__name__}

    def _box(self, wd: Any, when: Moment | None, view: View | None = None) -> dict[str, Any]:
        kind = "hbox" if isinstance(wd, w.HBox) else "vbox"
        kids = []
        for c in wd.children:
            if view is not None and isinstance(c, SceneWidget | w.HTML):
                kids.append(self._leaf(c, when, view))
            elif view is not None and isinstance(c, w.Box):
                kids.append(self._box(c, when, view))
            else:
                kids.append(self.tree(c, when))
        out: dict[str, Any] = {"t": kind, "c": kids, "style": _style(wd)}
        if view is not None and wd is view:  # scenes it adds later (VmlistView's tree), hidden until drawn
            drawn = {leaf.get("id") for leaf in _nodes(out)}
            for sw in view.scenes:
                ident = self.ident(sw, "s")
                if ident not in drawn:
                    out["c"].append(self._leaf(sw, when, view))
        return out

    def _leaf(self, leaf: Any, when: Moment | None, view: View | None) -> dict[str, Any]:
        is_scene = isinstance(leaf, SceneWidget)
        ident = self.ident(leaf, "s" if is_scene else "h")
        out: dict[str, Any] = {"t": "scene" if is_scene else "html", "id": ident, "style": _style(leaf)}
        if is_scene:
            out.update(duration=leaf.duration, max_height=leaf.max_height, refit=leaf.refit)
        if view is not None and view.player is not None:
            out["player"] = self.ident(view.player, "p")
        else:
            value = when.values.get(id(leaf)) if when is not None else None
            self.statics[ident] = value if value is not None else _value(leaf)
        return out

    def track(self, track: list[Any]) -> str:
        """The key of ``track`` on this page (a track already there is not added twice)."""
        text = json.dumps(track, separators=(",", ":"), ensure_ascii=False)
        key = self._track_keys.get(text)
        if key is None:
            key = self._track_keys[text] = f"t{len(self._track_keys)}"
            self.tracks[key] = track
        return key

    # -- exercises ----------------------------------------------------------------------
    def _spec(self, e: Exercise) -> dict[str, Any]:
        spec = e.page_spec()
        if spec is None:
            return {"kind": "live", "id": e.id, "prompt": e.prompt, "live": self.live}
        return spec

    def _exercise(self, wd: ExerciseWidget, when: Moment | None) -> dict[str, Any]:
        out: dict[str, Any] = {"t": "exercise", "spec": self._spec(wd.exercise), "label": wd.button.description}
        if wd.player is not None:
            out["player"] = self.player(wd.player, when)
            self._asked.add(out["player"])
        also = []
        for q in wd.capped:  # earlier players of the timeline: held too, released with the question
            qid = self.player(q, when)
            self._asked.add(qid)
            info, hold = self.players[qid], wd.held_at
            if hold is not None and (info["limit"] is None or info["limit"] > hold):
                info["limit"], info["start"] = hold, min(info["start"], hold)
            also.append(qid)
        if also:
            out["also"] = also
        if wd.after_text is not None:
            out["after"] = note_html(wd.after_text)  # page.js shows it only after a commit
        if isinstance(wd.reveal, int):
            out["reveal"] = wd.reveal
        elif wd.reveal is not None:
            out["spec"] = {"kind": "live", "id": wd.exercise.id, "prompt": wd.exercise.prompt, "live": self.live}
        return out

    # -- players ------------------------------------------------------------------------
    def player(self, p: Player, when: Moment | None = None) -> str:
        pid = self.ident(p, "p")
        if pid in self.players:
            return pid
        pos, limit = when.positions.get(id(p), (p.position, p.limit)) if when is not None else (p.position, p.limit)
        self._player_objs[pid] = p
        self.players[pid] = {"start": pos, "limit": limit, "speed": p.speed.value}
        return pid

    def steps(self) -> None:
        """Record every player's steps (once all trees are in, so every leaf is known)."""
        for pid, p in self._player_objs.items():
            if "n" not in self.players[pid]:
                self.players[pid].update(record(p, self))
            if pid not in self._asked:  # held for a question that is not on the page: nothing could release it
                self.players[pid]["limit"] = None


STEP = "\ue000"  # stands for "step N of TOTAL" in a stored narration (page.js puts it back)


def _walk(
    p: Player, n: int, leaves: list[tuple[str, Any]], frames: dict[str, list[Any]], narr: list[str], code: list[str]
) -> None:
    for pos in range(n + 1):
        if p.position == pos:
            p._render()  # the views may show an older length of the timeline
        else:
            p.position = pos  # -> _render: the views draw this step
        where = f"step {pos} of {n}"
        text = p.narration.value
        at = text.index(where)  # the first text of the line: no label comes before it
        narr.append(text[:at] + STEP + text[at + len(where) :])
        code.append(p.code.value)
        for ident, leaf in leaves:
            frames[ident].append(_value(leaf))


def _head(narration: str) -> int:
    """Where a narration's sentence begins (after its line of step, operation and function)."""
    at = narration.find("<br>")
    return len(narration) if at < 0 else at


def record(p: Player, page: PageData) -> dict[str, Any]:
    """Move ``p`` through every position and read what it and its views show; the tracks
    go to ``page`` (one copy of each, however many players show the same)."""
    tl = p.timeline
    n = len(tl)
    leaves = [
        (page.ident(leaf, "s" if isinstance(leaf, SceneWidget) else "h"), leaf) for v in p.views for leaf in _leaves(v)
    ]
    frames: dict[str, list[Any]] = {ident: [] for ident, _ in leaves}
    narr: list[str] = []
    code: list[str] = []
    was, limit, top = p.position, p.limit, p.slider.max
    with ExitStack() as quiet:  # the front end gets the last state once, not every step
        for wd in (p, p.slider, p.play, p.narration, p.code, *(leaf for _, leaf in leaves)):
            quiet.enter_context(wd.hold_sync())
        p.limit = None
        p.slider.max = p.play.max = n
        try:
            _walk(p, n, leaves, frames, narr, code)
        finally:
            p.limit = limit
            p.position = was
            p.slider.max = p.play.max = top
    tracks = {
        ident: page.track(encode_track(frames[ident]) if isinstance(leaf, SceneWidget) else encode_text(frames[ident]))
        for ident, leaf in leaves
    }
    return {
        "n": n,
        "ops": [[o.start, o.end] for o in tl.operations if o.end >= 0],
        # the line's head (operation, function) repeats; its sentence changes every step
        "narr": page.track(encode_text([t[: _head(t)] for t in narr])),
        "say": page.track(encode_text([t[_head(t) :] for t in narr])),
        "code": page.track(encode_text(code)),
        "tracks": tracks,
        "speeds": SPEEDS,
    }


def _instances() -> dict[str, Any]:
    from ipywidgets.widgets import widget

    found: dict[str, Any] = getattr(widget, "_instances", None) or w.Widget.widgets  # ipywidgets 8, else 7
    return found


class NotebookRecorder:
    """Used by the site build inside a lesson's kernel: remembers what each player and each
    free view showed when its cell had just run (so a page starts where the text is), then
    writes the page data of the displayed widgets with :meth:`dump`."""

    def __init__(self) -> None:
        self.moments: dict[int, Moment] = {}

    @classmethod
    def start(cls) -> NotebookRecorder:
        from IPython import get_ipython

        rec = cls()
        get_ipython().events.register("post_run_cell", rec._after)
        return rec

    def _after(self, result: Any) -> None:
        if result.execution_count is not None:
            self.moments[result.execution_count] = moment(list(_instances().values()))

    def dump(self, path: str, wanted: list[tuple[int, str, str]], live: str = "") -> None:
        """Write ``{"roots", "players", "statics"}`` for ``wanted``: (execution count, model id,
        root name) of each widget output, in page order."""
        page = PageData(live)
        roots: dict[str, Any] = {}
        found = _instances()
        for count, model_id, root in wanted:
            wd = found.get(model_id)
            roots[root] = page.tree(wd, self.moments.get(count)) if wd is not None else {"t": "live", "what": "widget"}
        page.steps()
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"roots": roots, "players": page.players, "statics": page.statics, "tracks": page.tracks}, f)
