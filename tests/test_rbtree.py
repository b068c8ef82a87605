"""lib/rbtree.c: insert and erase keep the red-black rules, and their events replay the tree."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmwidgets import InvariantError, event_from_json
from vmwidgets.model.rbtree import (
    RB_BLACK,
    RB_RED,
    RbNode,
    RbRoot,
    rb_erase,
    rb_first,
    rb_insert_color,
    rb_last,
    rb_link_node,
    rb_next,
    rb_prev,
    validate_rbtree,
)
from vmwidgets.reducers import apply, revert
from vmwidgets.state import ViewState


class Tree:
    """A keyed tree the way kernel callers use lib/rbtree.c: descend, link, recolour."""

    def __init__(self, record: bool = True) -> None:
        self.root = RbRoot("t")
        self.nodes: dict[int, RbNode] = {}
        self.events: list = []
        self.emit = (lambda cls, fn, **kw: self.events.append(cls(op=0, fn=fn, **kw))) if record else None

    def insert(self, key: int) -> None:
        node, parent, link, left = RbNode(None, key), None, self.root.rb_node, False
        while link is not None:
            parent, left = link, key < link.id
            link = link.rb_left if left else link.rb_right
        rb_link_node(node, parent, left, self.root, self.emit, label=str(key))
        rb_insert_color(node, self.root, self.emit)
        self.nodes[key] = node

    def erase(self, key: int) -> None:
        rb_erase(self.nodes.pop(key), self.root, self.emit)

    def _emit(self, cls: type, fn: str, *values: object, **fields: object) -> None:
        # positional values name the fields in order, as the model's own emitter reads them
        self.events.append(cls(op=0, fn=fn, **dict(zip(cls._fields[2:], values, strict=False)), **fields))

    def snapshot(self) -> dict:
        def i(n):
            return None if n is None else n.id

        return {n.id: (i(n.rb_parent), i(n.rb_left), i(n.rb_right), n.rb_color) for n in self.root}


ops = st.lists(st.tuples(st.booleans(), st.integers(0, 400)), max_size=120)


@settings(max_examples=150, deadline=None)
@given(ops)
def test_rules_hold_after_every_insert_and_erase(seq: list) -> None:
    t = Tree(record=False)
    for insert, k in seq:
        if insert and k not in t.nodes:
            t.insert(k)
        elif not insert and t.nodes:
            t.erase(sorted(t.nodes)[k % len(t.nodes)])
        validate_rbtree(t.root, key=lambda n: n.id)
        assert [n.id for n in t.root] == sorted(t.nodes)
        n = len(t.nodes)
        assert t.root.height() <= 2 * math.log2(n + 1) + 1e-9


@settings(max_examples=60, deadline=None)
@given(ops)
def test_events_replay_the_tree_forward_and_back(seq: list) -> None:
    t = Tree()
    state, shots = ViewState(), []
    for insert, k in seq:
        if insert and k not in t.nodes:
            t.insert(k)
        elif not insert and t.nodes:
            t.erase(sorted(t.nodes)[k % len(t.nodes)])
        shots.append((len(t.events), t.snapshot()))
    done = 0
    for count, snap in shots:
        for e in t.events[done:count]:
            apply(e, state)
        done = count
        assert state.rb.get("t", {}) == snap
    for e in reversed(t.events):
        revert(e, state)
        assert event_from_json(e.to_json()) == e
    assert state.rb.get("t", {}) == {} and state.rb_root.get("t") is None


def test_each_insert_and_erase_case_fires_and_says_which() -> None:
    t = Tree()
    keys = list(range(1, 200))
    random.Random(5).shuffle(keys)
    for k in keys:
        t.insert(k)
    for k in keys[::2]:
        t.erase(k)
    cases = {e.case.split(":")[0] for e in t.events if hasattr(e, "case")}
    for want in ("insert case 1", "insert case 2", "insert case 3", "erase case 1", "erase case 2", "erase case 4"):
        assert want in cases, want
    t2 = Tree()
    for k in (50, 20, 80, 10, 30, 70, 90, 25):
        t2.insert(k)
    t2.erase(10)  # sibling 30 has only a near child: case 3
    assert any(e.case.startswith("erase case 3") for e in t2.events if hasattr(e, "case"))
    kinds = {e.kind for e in t.events}
    assert kinds == {"RbNodeLinked", "RbRecolored", "RbRotatedLeft", "RbRotatedRight", "RbNodeErased"}


def test_a_two_child_erase_is_replaced_by_its_successor() -> None:
    t = Tree()
    for k in (20, 10, 30, 25, 35):
        t.insert(k)
    root = t.root.rb_node
    assert root.id == 20
    t.erase(20)
    erased = (
        t.events[-1]
        if t.events[-1].kind == "RbNodeErased"
        else next(e for e in reversed(t.events) if e.kind == "RbNodeErased")
    )
    assert (erased.node, erased.successor) == (20, 25)
    assert t.root.rb_node.id == 25 and t.root.rb_node.rb_color == RB_BLACK


def test_first_last_next_prev() -> None:
    t = Tree(record=False)
    for k in (5, 3, 8, 1, 4, 7, 9):
        t.insert(k)
    assert rb_first(t.root).id == 1 and rb_last(t.root).id == 9
    n, seen = rb_first(t.root), []
    while n is not None:
        seen.append(n.id)
        n = rb_next(n)
    assert seen == [1, 3, 4, 5, 7, 8, 9]
    assert rb_prev(t.nodes[7]).id == 5 and rb_prev(t.nodes[1]) is None
    assert rb_first(RbRoot()) is None


def test_validate_catches_each_broken_rule() -> None:
    def fresh() -> Tree:
        t = Tree(record=False)
        for k in range(1, 16):
            t.insert(k)
        return t

    t = fresh()
    t.root.rb_node.rb_color = RB_RED
    with pytest.raises(InvariantError, match="black root"):
        validate_rbtree(t.root)
    t = fresh()
    leaf = next(n for n in t.root if n.rb_left is None and n.rb_right is None and n.rb_color == RB_BLACK)
    leaf.rb_color = RB_RED
    with pytest.raises(InvariantError, match=r"black heights|red child"):
        validate_rbtree(t.root)
    t = fresh()
    t.nodes[1].rb_parent = t.nodes[15]
    with pytest.raises(InvariantError, match="point back"):
        validate_rbtree(t.root)
    t = fresh()
    t.nodes[1].id, t.nodes[2].id = 2, 1
    with pytest.raises(InvariantError, match="strictly increase"):
        validate_rbtree(t.root, key=lambda n: n.id)
