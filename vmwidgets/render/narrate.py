"""The player's narration line: what the current step does, and which kernel function does it."""

from __future__ import annotations

from typing import Any

from .dot import escape
from .narration import explain

__all__ = ["narration_html", "tree_names"]


def tree_names(event: Any, state: Any) -> dict[int, str] | None:
    """The labels of the red-black tree ``event`` is about, so nodes read as the views show them."""
    if state is None:
        return None
    tree = getattr(event, "tree", None) or ("mm_rb:" + event.mm if hasattr(event, "mm") else None)
    return state.rb_labels.get(tree) if tree else None


def narration_html(event: Any, position: int, total: int, operation: Any = None, state: Any = None) -> str:
    """One sentence for the step just taken (``event`` is ``timeline[position - 1]``); with
    ``state``, tree nodes are named by their labels (``08048000-0804c000``), not their ids."""
    where = f"step {position} of {total}"
    if operation is not None:
        where += f" · {operation.name}({operation.args})"
    if event is None:
        text, fn = "The machine has just booted: press ▶ or step forward.", ""
        if position and position == total:
            text = "The end of the recording."
    else:
        text, fn = explain(event, tree_names(event, state)), event.fn
    code = f' <code class="vmw-fnname">{escape(fn)}</code>' if fn else ""
    return f'<div class="vmw-narration"><span class="vmw-where">{escape(where)}</span>{code}<br>{escape(text)}</div>'
