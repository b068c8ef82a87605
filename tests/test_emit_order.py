"""The emitter keeps a step's values by position (``Emitter.emit``): every call site must
name the event's fields in the class's order.  Checked statically here and on every
emission of the test suite (the root conftest wraps ``Emitter.emit`` with ``check_order``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from vmwidgets import Kernel
from vmwidgets.events import EVENT_KINDS, FrameFreed, PteChanged, event_from_step
from vmwidgets.model.emit import Emitter, check_order

MODEL = Path(__file__).resolve().parent.parent / "vmwidgets" / "model"


def _emit_calls() -> list[tuple[str, int, str, list[str | None]]]:
    """(file, line, event class, keyword names with None for a ``**mapping``) of every emit call."""
    found = []
    for path in sorted(MODEL.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            cls = node.args[0]
            if name == "emit" and isinstance(cls, ast.Name) and cls.id in EVENT_KINDS:
                found.append((path.name, node.lineno, cls.id, [k.arg for k in node.keywords]))
    return found


def test_every_call_site_names_the_fields_in_order() -> None:
    calls = _emit_calls()
    assert len(calls) > 30  # the walk found the model's call sites
    wrong = []
    for file, line, kind, names in calls:
        fields = EVENT_KINDS[kind]._fields[2:]
        if None in names:  # a **mapping: the explicit names must at least keep the order
            explicit = [n for n in names if n is not None]
            if explicit != sorted(explicit, key=fields.index):
                wrong.append(f"{file}:{line} {kind}{tuple(names)}")
            continue
        if tuple(names) != fields[: len(names)] or any(
            n not in EVENT_KINDS[kind]._defaults for n in fields[len(names) :]
        ):
            wrong.append(f"{file}:{line} {kind}{tuple(names)} (fields {fields})")
    assert not wrong, "\n".join(wrong)


def test_the_suite_checks_every_emission() -> None:
    assert Emitter.emit.__name__ == "_checked_emit"
    em = Emitter()
    em.subscribe(lambda ev: None)
    with pytest.raises(TypeError, match="not the fields"):
        em.emit(FrameFreed, "f", order=0, zone=0, pfn=1)


def test_check_order_allows_trailing_defaults_only() -> None:
    check_order(PteChanged, dict.fromkeys(PteChanged._fields[2:-1], 0))  # `level` has a default
    with pytest.raises(TypeError):
        check_order(FrameFreed, {"zone": 0, "order": 0})  # pfn has none


def test_a_recorded_step_builds_the_event_the_subscribers_see() -> None:
    k = Kernel()
    seen = []
    k.emitter.subscribe(seen.append)
    n = len(k.timeline)
    k.vmalloc(8192)
    assert list(k.timeline)[n:] == seen
    step = (PteChanged, 3, "f", *(1 for _ in PteChanged._fields[2:-1]))  # `level` left out
    assert event_from_step(step).level == "pte"
