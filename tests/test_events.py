"""Events are plain frozen data: the kind counts in equality and hash, and JSON from anywhere
is either an event or an InvalidArgument naming what is wrong."""

from __future__ import annotations

import dataclasses
import json
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmwidgets import InvalidArgument, Kernel, event_from_dict, event_from_json
from vmwidgets.events import EVENT_KINDS, Event, FrameFreed, FreeBlockAdded, PteChanged, RbRecolored

FIELDS = {"op": 3, "fn": "mm/page_alloc.c:__free_one_page", "zone": 1, "order": 2, "pfn": 0x1234}


def test_the_kind_counts_in_equality_and_hash() -> None:
    freed, added = FrameFreed(**FIELDS), FreeBlockAdded(**FIELDS)
    assert freed != added and hash(freed) != hash(added)
    assert len({freed, added, FrameFreed(**FIELDS)}) == 2
    assert freed == FrameFreed(**FIELDS) and hash(freed) == hash(FrameFreed(**FIELDS))
    assert freed != FrameFreed(**{**FIELDS, "pfn": 0x1235})


def test_events_are_frozen_slotted_and_keyword_only() -> None:
    ev = FrameFreed(**FIELDS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.pfn = 0  # type: ignore[misc]
    assert not hasattr(ev, "__dict__")
    with pytest.raises(TypeError):
        FrameFreed(3, "f", 1, 2, 0x1234)  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(ev)) == ev
    for cls in EVENT_KINDS.values():
        assert issubclass(cls, Event) and cls.__dataclass_params__.frozen, cls
        assert cls._fields[:2] == ("op", "fn") and cls._fields == tuple(f.name for f in dataclasses.fields(cls))


def test_repr_shows_addresses_and_frames_in_hex() -> None:
    ev = PteChanged(
        op=1, fn="mm/memory.c:do_wp_page", table=0x37512, index=3, vaddr=0x08048000, old=0x163, new=0x3EDD9167
    )
    assert repr(ev) == (
        "PteChanged(op=1, fn='mm/memory.c:do_wp_page', table=0x37512, index=3, vaddr=0x8048000, "
        "old=0x163, new=0x3edd9167, level='pte')"
    )


def test_json_carries_a_schema_version_and_round_trips() -> None:
    k = Kernel()
    k.vfree(k.vmalloc(3 * 4096))
    for ev in k.timeline:
        d = json.loads(ev.to_json())
        assert d["v"] == 1 and d["kind"] == ev.kind
        back = event_from_json(ev.to_json())
        assert back == ev and type(back) is type(ev) and hash(back) == hash(ev)
        assert event_from_dict(ev.to_dict()) == ev


GOOD = {"v": 1, "kind": "FrameFreed", **FIELDS}
RB = RbRecolored(
    op=0,
    fn="lib/rbtree.c:rb_insert_color",
    tree="t",
    nodes=(1, 2),
    case="case 1",
    colors=(1, 0),
)


@pytest.mark.parametrize(
    ("bad", "name"),
    [
        ([GOOD], "event"),
        ({**GOOD, "v": 2}, "v"),
        ({**GOOD, "v": True}, "v"),
        ({k: v for k, v in GOOD.items() if k != "v"}, "v"),
        ({**GOOD, "kind": "FrameFried"}, "kind"),
        ({**GOOD, "kind": ["FrameFreed"]}, "kind"),
        ({**GOOD, "extra": 1}, "field"),
        ({k: v for k, v in GOOD.items() if k != "pfn"}, "pfn"),
        ({**GOOD, "pfn": "0x1234"}, "pfn"),
        ({**GOOD, "pfn": 1.5}, "pfn"),
        ({**GOOD, "pfn": True}, "pfn"),
        ({**GOOD, "pfn": 10**5000}, "pfn"),
        ({**GOOD, "pfn": 1 << 64}, "pfn"),
        ({**GOOD, "fn": None}, "fn"),
        ({**GOOD, "fn": "\ud800"}, "fn"),
        ({**RB.to_dict(), "nodes": [[[[1]]]]}, "nodes"),
        ({**RB.to_dict(), "colors": [{"a": 1}]}, "colors"),
        ({**RB.to_dict(), "colors": [[1]]}, "colors"),
        ({**RB.to_dict(), "colors": 5}, "colors"),
    ],
)
def test_bad_dicts_are_refused_naming_the_field(bad: object, name: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        event_from_dict(bad)  # type: ignore[arg-type]
    assert info.value.name == name


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,  # nested too deep for the json module itself
        '{"v": 1, "kind": "FrameFreed", "op": 0, "fn": "f", "zone": 0, "order": 0, "pfn": ' + "9" * 5000 + "}",
        '{"v": 1, "kind": "FrameFreed", "op": 0, "fn": "f", "zone": 0, "order": 0, "pfn": NaN}',
        "not json",
        "",
        b"\xff\xfe",
        None,
        42,
    ],
)
def test_bad_json_is_refused(text: object) -> None:
    with pytest.raises(InvalidArgument):
        event_from_json(text)  # type: ignore[arg-type]


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(sorted(EVENT_KINDS)), changes=st.dictionaries(st.text(max_size=10), JSONISH, max_size=4))
def test_any_dict_is_an_event_or_invalid_argument(kind: str, changes: dict) -> None:
    cls = EVENT_KINDS[kind]
    base = {"v": 1, "kind": kind, **{f: 0 for f in cls._fields}}
    d = {**base, **changes}
    try:
        ev = event_from_dict(d)
    except InvalidArgument:
        return
    assert type(ev) is cls and event_from_json(ev.to_json()) == ev


def test_events_are_data_below_the_replay_and_render_layers() -> None:
    import ast
    from pathlib import Path

    import vmwidgets.events as module

    tree = ast.parse(Path(module.__file__).read_text())
    local = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level}
    assert local == {"errors"}, local  # no state, reducers, timeline, render or model
