"""The player's narration line: what the current step does, and which kernel function does it."""

from __future__ import annotations

from typing import Any

from .dot import escape


def narration_html(event: Any, position: int, total: int, operation: Any = None) -> str:
    """One sentence for the step just taken (``event`` is ``timeline[position - 1]``)."""
    where = f"step {position} of {total}"
    if operation is not None:
        where += f" · {operation.name}({operation.args})"
    if event is None:
        text, fn = "The machine has just booted: press ▶ or step forward.", ""
        if position and position == total:
            text = "The end of the recording."
    else:
        text, fn = event.explain(), event.fn
    code = f' <code class="vmw-fnname">{escape(fn)}</code>' if fn else ""
    return f'<div class="vmw-narration"><span class="vmw-where">{escape(where)}</span>{code}<br>{escape(text)}</div>'
