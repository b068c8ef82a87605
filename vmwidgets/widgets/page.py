"""Replay pages: widgets as static HTML whose players step in the browser without Python.

:func:`export_html` writes one standalone page (styles, front end and data inline; it
opens from ``file://`` and fetches nothing).  The course site (``make site``) uses
:func:`fragment` for each widget output of a lesson and :func:`bundle_js` /
:func:`bundle_css` once per site.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

from ..errors import InvalidArgument
from .replay import PageData
from .scene import CSS

__all__ = ["bundle_css", "bundle_js", "data_script", "export_html", "fragment", "players_in", "tracks_of"]

_HERE = Path(__file__).parent


def bundle_js() -> str:
    """The page front end as one classic script (a module would not load from ``file://``):
    the widgets' scene.js (with colours.js) unchanged but for its export, the exercise
    checks (check.js), scene changes (delta.js) and the page runtime (page.js)."""
    scene = (_HERE / "scene.js").read_text()
    marker = "export default { render };"
    if marker not in scene:  # pragma: no cover - a guard for whoever edits scene.js
        raise RuntimeError("scene.js must end with 'export default { render };'")
    scene = scene.replace(marker, "return { render };")
    colours = (_HERE / "colours.js").read_text()
    return (
        "(function () {\n'use strict';\n"
        f"const vmwScene = (function () {{\n{colours}\n{scene}\n}})();\n"
        f"{(_HERE / 'check.js').read_text()}\n"
        f"{(_HERE / 'delta.js').read_text()}\n"
        f"{(_HERE / 'page.js').read_text()}\n"
        "})();\n"
    )


def bundle_css() -> str:
    """The views' and player's style sheet and the page's own (page.css)."""
    return CSS + (_HERE / "page.css").read_text()


def data_script(data: dict[str, Any]) -> str:
    """``data`` as a JSON script block (``</`` escaped, so no string can close it)."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    text = text.replace("</", "<\\/").replace("<!--", "<\\!--")
    return f'<script type="application/json" class="vmw-data">{text}</script>'


def fragment(
    root: str,
    tree: dict[str, Any],
    players: dict[str, Any],
    statics: dict[str, Any],
    tracks: dict[str, Any],
    live: str = "",
) -> str:
    """The HTML of one widget output: where it goes, and its data: the players and tracks
    not yet on the page and the scenes of its views that follow no player."""
    data: dict[str, Any] = {"roots": {root: tree}, "players": players, "tracks": tracks}
    mine = {k: v for k, v in statics.items() if k in _ids(tree)}
    if mine:
        data["statics"] = mine
    if live:
        data["live"] = live
    return f'<div class="vmw-out" data-root="{html.escape(root)}"></div>{data_script(data)}'


def _ids(tree: Any) -> set[str]:
    out: set[str] = set()
    stack = [tree]
    while stack:
        t = stack.pop()
        if isinstance(t, dict):
            if "id" in t and isinstance(t["id"], str):
                out.add(t["id"])
            stack.extend(v for v in t.values() if isinstance(v, dict | list))
        elif isinstance(t, list):
            stack.extend(t)
    return out


def tracks_of(player: dict[str, Any]) -> list[str]:
    """The keys of the tracks a player's data refers to."""
    return [player["narr"], player["say"], player["code"], *player["tracks"].values()]


def players_in(tree: Any) -> list[str]:
    """Ids of the players a tree steps (its own, its views' and its exercises')."""
    out: list[str] = []
    stack = [tree]
    while stack:
        t = stack.pop()
        if isinstance(t, dict):
            for key in ("player",):
                if isinstance(t.get(key), str) and t[key] not in out:
                    out.append(t[key])
            if t.get("t") == "player" and t["id"] not in out:
                out.append(t["id"])
            stack.extend(v for v in t.values() if isinstance(v, dict | list))
        elif isinstance(t, list):
            stack.extend(t)
    return out


def export_html(obj: Any, path: str | os.PathLike[str], title: str | None = None) -> Path:
    """Write ``obj`` (a Player, Explorer, view, ExerciseWidget, Quiz, or a box of them, e.g.
    ``VBox([exercise, player, view])``) as one standalone HTML page that steps without
    Python: every step of each player is stored (as scene changes) and drawn by the
    widgets' own front end.  The page holds its styles, script and data, so it opens
    from ``file://``, works offline and can be put on any web host.  Returns the path.

    Players start where they are now; a player held by an exercise stays held until the
    question is answered on the page (the answer key is in the page's source: use pages
    for practice, not for graded tests).  Widgets vmwidgets does not know are shown as a
    note that they need Python.
    """
    from ipywidgets import Widget

    if not isinstance(obj, Widget):
        raise InvalidArgument("obj", obj, "a vmwidgets widget (Player, Explorer, a view, an exercise) or a box of them")
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidArgument("path", path, "a file name ending in .html")
    out = Path(path)
    if out.suffix.lower() not in (".html", ".htm"):
        raise InvalidArgument("path", str(path), "a file name ending in .html")
    if title is not None and not isinstance(title, str):
        raise InvalidArgument("title", title, "a string or None")
    if not out.parent.is_dir():
        raise InvalidArgument("path", str(path), "a file in an existing folder")
    page = PageData()
    tree = page.tree(obj)
    page.steps()
    body = fragment("r0", tree, page.players, page.statics, page.tracks)
    name = title if title is not None else "vmwidgets replay"
    script = bundle_js().replace("</script", "<\\/script")
    doc = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(name)}</title><style>{_PAGE_STYLE}{bundle_css()}</style></head>"
        f"<body><main><h1>{html.escape(name)}</h1>{body}</main>"
        f"<script>{script}</script></body></html>\n"
    )
    try:
        out.write_text(doc, encoding="utf-8")
    except (OSError, ValueError) as exc:  # a NUL or lone surrogate in the name, a folder, no permission
        raise InvalidArgument("path", str(path), f"a file name that can be written ({type(exc).__name__})") from None
    return out


_PAGE_STYLE = (
    ":root{color-scheme:light dark}body{margin:0;font:14px/1.45 system-ui,sans-serif;"
    "background:Canvas;color:CanvasText}main{max-width:1200px;margin:0 auto;padding:1em}"
    "h1{font-size:1.4em}"
)
