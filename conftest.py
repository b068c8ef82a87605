"""Markers for items no test module declares (nbval's notebook cells), and the emitter's
keyword order checked on every emission of every test."""

from __future__ import annotations

from typing import Any

import pytest

from vmwidgets.model.emit import Emitter, check_order

_emit = Emitter.emit


def _checked_emit(self: Emitter, cls: Any, fn: str, **fields: object) -> None:
    check_order(cls, fields)  # the recorder keeps values by position: a misordered call would misfile them
    _emit(self, cls, fn, **fields)


Emitter.emit = _checked_emit  # type: ignore[method-assign]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # nbval collects notebooks/*.ipynb itself, so a module-level pytestmark cannot reach them
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebook)
            item.add_marker(pytest.mark.slow)
