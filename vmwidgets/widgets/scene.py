"""`SceneWidget`: the one anywidget front end every view draws with (see scene.js)."""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

__all__ = ["CSS", "SceneWidget", "esm"]

_HERE = Path(__file__).parent
# one style sheet for views and player, whichever is displayed first brings it
CSS = (_HERE / "scene.css").read_text() + (_HERE / "player.css").read_text()


def esm(name: str) -> str:
    """The module anywidget loads for ``name`` (scene.js, keys.js): colours.js, which both use,
    in front of it (an anywidget module is one file; it cannot import a neighbour)."""
    return (_HERE / "colours.js").read_text() + (_HERE / name).read_text()


class SceneWidget(anywidget.AnyWidget):
    """Draws a scene from :mod:`vmwidgets.render.scene` as SVG with zoom, pan and animated changes.

    ``selected`` is the selection key of the box last clicked (``""`` for none); it is
    synced both ways, so Python can select too.
    """

    _esm = esm("scene.js")
    _css = CSS
    scene = traitlets.Dict().tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    duration = traitlets.Int(350, help="animation time of one step, ms (0: none)").tag(sync=True)
    max_height = traitlets.Int(460, help="tallest the view grows before it scrolls, px").tag(sync=True)
    refit = traitlets.Bool(False, help="fit the whole scene after every change").tag(sync=True)
