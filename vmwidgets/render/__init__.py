"""Pure functions from a :class:`~vmwidgets.state.ViewState` to DOT and SVG.

They read only the view state (never the model), escape every label, and are tested
without a browser; the widgets (issue 4) build on them.
"""

from .dot import escape, pagetable_dot, rbtree_dot, to_svg, vmlist_dot

__all__ = ["escape", "pagetable_dot", "rbtree_dot", "to_svg", "vmlist_dot"]
