"""Jupyter widgets: the player and the views (ipywidgets 7.7 or 8, and one anywidget front end).

Each view draws a scene from :mod:`vmwidgets.render` (pure functions of the timeline's
view state and the current step), so everything here is thin.

Each player (and each view alone) reads the timeline through a cursor of its own, so
players of one kernel move independently.  ``close()`` on a player, view or explorer
unsubscribes it from the timeline and closes the widgets inside; re-running a notebook
cell closes the widgets its earlier run made (:mod:`vmwidgets.widgets.cells`).
"""

from .exercise import ExerciseWidget, Quiz
from .explorer import Explorer, explore
from .page import export_html
from .player import Player
from .scene import SceneWidget
from .source import Source, source_of
from .views import LayoutView, PageTableView, PhysicalMemoryView, SlabView, View, VmaView, VmlistView

__all__ = [
    "ExerciseWidget",
    "Explorer",
    "LayoutView",
    "PageTableView",
    "PhysicalMemoryView",
    "Player",
    "Quiz",
    "SceneWidget",
    "SlabView",
    "Source",
    "View",
    "VmaView",
    "VmlistView",
    "explore",
    "export_html",
    "source_of",
]
