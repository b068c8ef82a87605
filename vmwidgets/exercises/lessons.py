"""Finds the lesson modules (``l1_layout.py`` … ``l9_kmalloc.py``) and registers their exercises."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

__all__ = ["load_all"]


def load_all() -> None:
    """Import every ``lN_*`` module beside this one; each calls :func:`~vmwidgets.exercises.register`."""
    here = Path(__file__).parent
    for mod in sorted(pkgutil.iter_modules([str(here)]), key=lambda m: m.name):
        if mod.name[:1] == "l" and mod.name[1:2].isdigit():
            importlib.import_module(f"{__package__}.{mod.name}")
