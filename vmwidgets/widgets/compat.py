"""The few places where ipywidgets 7.7 (Colab's, preinstalled) and ipywidgets 8 differ.

Every branch is a feature test on the installed classes, never a version string, so a
7.x or 8.x that has (or lacks) a feature gets the right path.  Everything else the
widgets use exists, with the same meaning, in ipywidgets 7.7 and 8.1, traitlets 5.7
and anywidget 0.9:

- ``Button(icon=…, tooltip=…)``: both versions have ``tooltip`` on a Button (8 moved it
  to every DOM widget), and the player's icons (``step-forward``, ``fast-backward`` …)
  are FontAwesome 4 names, which both versions' front ends draw;
- ``widgets.link``, which is :func:`traitlets.link` in both: a Python-side link works
  wherever the kernel does, whereas ``jslink`` depends on the front end's widget manager
  (it has been broken in Colab);
- ``add_class``, ``Layout`` keys, ``continuous_update`` on Text and IntSlider,
  ``Play(show_repeat=…)``, and anywidget's ``_esm``/``_css`` (a Path or a string),
  ``on_msg`` and ``send``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import traitlets

__all__ = ["PLAYING", "VBox", "close_tree", "is_playing", "set_playing", "set_titles"]

if TYPE_CHECKING:  # ipywidgets has no type information: the part of VBox our widgets use, typed once

    class VBox(traitlets.HasTraits):
        """``ipywidgets.VBox`` as the player, views, explorer and exercises use it."""

        children: Sequence[Any]
        layout: Any

        def __init__(self, children: Sequence[Any] = (), **kwargs: Any) -> None: ...
        def add_class(self, className: str) -> VBox: ...
        def close(self) -> None: ...

else:
    VBox = w.VBox

#: Play's "is it playing" trait: ``playing`` in ipywidgets 8, ``_playing`` in 7.x.
PLAYING = "playing" if w.Play.class_traits().get("playing") is not None else "_playing"


def is_playing(play: w.Play) -> bool:
    """Whether ``play`` is running (its front end steps the value)."""
    return bool(getattr(play, PLAYING))


def set_playing(play: w.Play, playing: bool) -> None:
    """Start or stop ``play`` from Python (the front end follows)."""
    setattr(play, PLAYING, bool(playing))


def set_titles(tab: w.Tab, titles: tuple[str, ...] | list[str]) -> None:
    """Give ``tab``'s pages their titles, in order: one ``titles`` tuple in ipywidgets 8,
    ``set_title`` page by page in 7 (where an attribute ``titles`` would show nothing)."""
    if tab.has_trait("titles"):
        tab.titles = tuple(titles)
    else:
        for i, title in enumerate(titles):
            tab.set_title(i, title)


def close_tree(widget: w.Widget) -> None:
    """Close ``widget`` and every widget in it (boxes, tabs; views and players through their
    own ``close``).  ipywidgets keeps each open widget in a registry for good, so a widget
    left open keeps alive whatever its callbacks refer to."""
    for child in list(getattr(widget, "children", ())):
        if type(child).close is w.Widget.close:
            close_tree(child)
        else:
            child.close()
    w.Widget.close(widget)


def _nothing() -> None:
    """What a widget whose ``__init__`` failed has to unsubscribe: nothing."""
