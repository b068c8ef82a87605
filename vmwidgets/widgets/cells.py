"""Re-running a notebook cell closes the widgets its earlier run made.

ipywidgets keeps every open widget in a registry for good, so without this each re-run of
``explore(k)`` would leave one more explorer alive and subscribed to the kernel's timeline
(30 re-runs: 60 observers redrawing hidden views after every operation).  The front end
sends the id of the cell it runs (Jupyter, VS Code, Colab); a widget made while a cell runs
is remembered under that id and closed when the same cell runs again (its old output is
gone by then).  Without a cell id (a script, a plain IPython prompt) nothing is closed:
close widgets with ``close()``, or let them be collected.
"""

from __future__ import annotations

import weakref
from typing import Any

__all__ = ["adopt", "every_cell", "made_by_cell"]

_made: dict[str, list[weakref.ref[Any]]] = {}
_hooked: list[tuple[Any, str, Any]] = []  # (shell, event, callback) registered so far


def _shell() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return None
    return get_ipython()


def _running_cell(shell: Any) -> str | None:
    result = getattr(getattr(shell, "displayhook", None), "exec_result", None)
    cell = getattr(getattr(result, "info", None), "cell_id", None)
    return cell if isinstance(cell, str) and cell else None


def _rerun(info: Any) -> None:
    cell = getattr(info, "cell_id", None)
    if not isinstance(cell, str) or not cell:
        return
    for ref in _made.pop(cell, []):
        widget = ref()
        if widget is not None:
            widget.close()


def every_cell(event: str, callback: Any) -> None:
    """Call ``callback`` on the running IPython's ``event`` (``pre_run_cell``, ``post_run_cell``)
    from now on, registered once per shell; nothing outside IPython."""
    shell = _shell()
    if shell is None or any(s is shell and e == event and c is callback for s, e, c in _hooked):
        return
    shell.events.register(event, callback)
    _hooked.append((shell, event, callback))


def adopt(widget: Any) -> None:
    """Remember that the cell running now made ``widget`` (nothing outside a notebook cell)."""
    shell = _shell()
    cell = _running_cell(shell) if shell is not None else None
    if cell is None:
        return
    every_cell("pre_run_cell", _rerun)
    refs = _made.setdefault(cell, [])
    refs[:] = [r for r in refs if r() is not None]
    refs.append(weakref.ref(widget))


def made_by_cell(cell: str) -> list[Any]:
    """The widgets of cell ``cell`` still open (for tests and curious users)."""
    return [wd for wd in (r() for r in _made.get(cell, [])) if wd is not None]
