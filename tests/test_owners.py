"""Each subsystem owns its state: a model module reaches another's only through public names.

Issue 12's rule, checked on the source: in ``vmwidgets/model/*.py`` an underscore attribute
(``x._name``) may be read, written or called only on ``self``/``cls``, or when the module
itself defines ``_name`` (its own classes' private fields and helpers, used by its own
functions: mmap.py's system calls on an ``MmStruct``).  Dunder names are the language's.
A ``from .sibling import _name`` must name something the sibling exports in ``__all__``
(constants.py's ``_PAGE_RW`` … are the kernel's own spellings).

The check is syntactic: a private name the module defines itself is allowed on any object,
so a module defining ``_pgtable`` too could still reach ``other._pgtable``; review catches
that, the test catches the rest.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

MODEL = Path(__file__).resolve().parents[1] / "vmwidgets" / "model"

# (module, the expression as ast.unparse writes it) -> why it must stay.  Empty: every call
# into another subsystem goes through a public name.  Add one only with a reason.
EXCEPTIONS: dict[tuple[str, str], str] = {}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _own_names(tree: ast.Module) -> set[str]:
    """The private names the module defines: functions, methods, classes, module and class
    variables, ``__slots__`` entries and attributes it assigns on ``self``/``cls``."""
    own: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            own.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            own.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                own.add(node.attr)
        elif isinstance(node, ast.Assign) and "__slots__" in (ast.unparse(t) for t in node.targets):
            strings = (c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant))
            own.update(v for v in strings if isinstance(v, str))
    return {n for n in own if _private(n)}


def violations(path: Path) -> list[str]:
    """Every reach into another module's privates in the module at ``path``."""
    tree = ast.parse(path.read_text())
    own = _own_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr) and node.attr not in own:
            if not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                found.append(ast.unparse(node))
        elif isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            exported = getattr(importlib.import_module(f"vmwidgets.model.{node.module}"), "__all__", ())
            hidden = [a.name for a in node.names if _private(a.name) and a.name not in exported]
            found += [f"from .{node.module} import {name}" for name in hidden]
    return found


def _model_modules() -> list[Path]:
    return sorted(p for p in MODEL.glob("*.py") if p.stem != "__init__")


def test_no_model_module_reaches_into_another_subsystems_privates() -> None:
    bad = [
        f"model/{path.name}: {expr}"
        for path in _model_modules()
        for expr in violations(path)
        if (path.stem, expr) not in EXCEPTIONS
    ]
    why = "reaches into another subsystem's private names (give it a public, kernel-named entry point)"
    assert not bad, why + ":\n" + "\n".join(bad)


def test_every_exception_is_still_needed() -> None:
    found = {(path.stem, expr) for path in _model_modules() for expr in violations(path)}
    stale = [key for key in EXCEPTIONS if key not in found]
    assert not stale, f"these exceptions match nothing any more: delete them: {stale}"


def test_the_check_would_catch_a_reach_into_a_private(tmp_path: Path) -> None:
    bad = tmp_path / "fork.py"
    bad.write_text(
        "from .pgtable import PageTables, _PTE_ALLOC\n"
        "from .constants import _PAGE_RW\n"
        "class Processes:\n"
        "    __slots__ = ('_own',)\n"
        "    def _helper(self, mm, other):\n"
        "        self._own = mm._vma_link(self._pgtable._walk, _PAGE_RW)\n"
        "        other._own, other._helper(), mm.__class__, self._x\n"
    )
    assert sorted(violations(bad)) == ["from .pgtable import _PTE_ALLOC", "mm._vma_link", "self._pgtable._walk"]
