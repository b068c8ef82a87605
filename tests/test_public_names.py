"""Every module of the package says what it exports: ``__all__``, each name of it defined there."""

from __future__ import annotations

import importlib
import pkgutil
import re

import vmwidgets

# issue 12: modules being rewritten by the core split, which add their __all__ as they land;
# a module leaves this set the day it has one (the second test fails until it does)
WITHOUT_ALL: set[str] = set()
PREFIXES_WITHOUT_ALL: tuple[str, ...] = ()  # issue 12, as above


def _modules() -> list[str]:
    names = ["vmwidgets"]
    for info in pkgutil.walk_packages(vmwidgets.__path__, "vmwidgets."):
        if not info.name.endswith(".__main__"):  # entry points, not importable API
            names.append(info.name)
    return sorted(names)


def _excused(name: str) -> bool:
    return name in WITHOUT_ALL or name.startswith(PREFIXES_WITHOUT_ALL)


def test_every_module_has_an_all_naming_only_what_it_defines() -> None:
    missing, undefined = [], []
    for name in _modules():
        module = importlib.import_module(name)
        exported = getattr(module, "__all__", None)
        if exported is None:
            if not _excused(name):
                missing.append(name)
            continue
        undefined += [f"{name}.{n}" for n in exported if not hasattr(module, n)]
        assert len(set(exported)) == len(exported), f"{name}.__all__ repeats a name"
    assert not missing, f"modules without __all__: {missing}"
    assert not undefined, f"__all__ names nothing by these: {undefined}"


def test_the_issue_12_exceptions_are_still_needed() -> None:
    stale = [n for n in _modules() if _excused(n) and hasattr(importlib.import_module(n), "__all__")]
    stale = [n for n in stale if n in WITHOUT_ALL]  # a prefix covers a package; its modules leave it one by one
    assert not stale, f"these modules have __all__ now: take them out of WITHOUT_ALL: {stale}"


def test_explain_is_public_and_the_lessons_import_it_from_there() -> None:
    """issue 14: lesson 7 imported ``explain`` from vmwidgets.render.narration, an internal module."""
    from pathlib import Path

    from vmwidgets.render.narration import explain

    assert vmwidgets.explain is explain and "explain" in vmwidgets.__all__
    root = Path(__file__).resolve().parents[1]
    texts = [*sorted((root / "notebooks" / "src").glob("[0-9][0-9]_*.py")), root / "README.md"]
    assert len(texts) == 10  # lessons 1-9 and the README
    imports = re.compile(r"from vmwidgets\.render[\w.]* import|import vmwidgets\.render")
    internal = [p.name for p in texts if imports.search(p.read_text(encoding="utf-8"))]
    assert not internal, f"these import from vmwidgets.render, not from vmwidgets: {internal}"
