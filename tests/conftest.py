"""Session fixtures shared by the packaging tests (test_wheel.py, test_colab_stack.py)."""

from __future__ import annotations

import pytest
from dist_helpers import Dists, build_dists


@pytest.fixture(scope="session")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    """The sdist and the wheel, built once a session with ``python -m build``."""
    return build_dists(tmp_path_factory.mktemp("dist") / "out")
