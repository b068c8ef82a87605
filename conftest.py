"""Markers for items no test module declares: nbval's notebook cells."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # nbval collects notebooks/*.ipynb itself, so a module-level pytestmark cannot reach them
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebook)
            item.add_marker(pytest.mark.slow)
