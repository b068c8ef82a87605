"""Every module of the package says what it exports: ``__all__``, each name of it defined there."""

from __future__ import annotations

import importlib
import pkgutil

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
