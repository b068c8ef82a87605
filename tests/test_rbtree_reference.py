"""lib/rbtree.c builds exactly the trees a textbook red-black tree builds.

``TextbookRBTree`` below is written from Cormen, Leiserson, Rivest and Stein,
*Introduction to Algorithms* (RB-INSERT, RB-INSERT-FIXUP, RB-TRANSPLANT, RB-DELETE,
RB-DELETE-FIXUP, with a sentinel ``nil`` and the in-order successor for a node with two
children), independently of ``vmwidgets.model.rbtree``.  The kernel's rb_insert_color and
rb_erase make the same choices case for case, so after every insert and erase the two
trees must have the same shape and the same colours, not merely both be valid.
"""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from vmwidgets.model.rbtree import (
    RB_BLACK,
    RB_RED,
    RbNode,
    RbRoot,
    rb_erase,
    rb_first,
    rb_insert_color,
    rb_link_node,
    rb_next,
    rb_prev,
    validate_rbtree,
)

RED, BLACK = "R", "B"


class _Node:
    __slots__ = ("color", "key", "left", "p", "right")

    def __init__(self, key: int | None, color: str, nil: _Node | None = None) -> None:
        self.key, self.color = key, color
        self.left = self.right = self.p = nil if nil is not None else self


class TextbookRBTree:
    """CLRS red-black tree with a shared black sentinel ``nil``."""

    def __init__(self) -> None:
        self.nil = _Node(None, BLACK)
        self.root = self.nil
        self.nodes: dict[int, _Node] = {}

    def left_rotate(self, x: _Node) -> None:
        y = x.right
        x.right = y.left
        if y.left is not self.nil:
            y.left.p = x
        y.p = x.p
        if x.p is self.nil:
            self.root = y
        elif x is x.p.left:
            x.p.left = y
        else:
            x.p.right = y
        y.left = x
        x.p = y

    def right_rotate(self, x: _Node) -> None:
        y = x.left
        x.left = y.right
        if y.right is not self.nil:
            y.right.p = x
        y.p = x.p
        if x.p is self.nil:
            self.root = y
        elif x is x.p.right:
            x.p.right = y
        else:
            x.p.left = y
        y.right = x
        x.p = y

    def insert(self, key: int) -> None:
        z = _Node(key, RED, self.nil)
        self.nodes[key] = z
        y, x = self.nil, self.root
        while x is not self.nil:
            y = x
            x = x.left if z.key < x.key else x.right
        z.p = y
        if y is self.nil:
            self.root = z
        elif z.key < y.key:
            y.left = z
        else:
            y.right = z
        self._insert_fixup(z)

    def _insert_fixup(self, z: _Node) -> None:
        while z.p.color == RED:
            if z.p is z.p.p.left:
                y = z.p.p.right
                if y.color == RED:  # case 1: red uncle
                    z.p.color = y.color = BLACK
                    z.p.p.color = RED
                    z = z.p.p
                else:
                    if z is z.p.right:  # case 2: zig-zag
                        z = z.p
                        self.left_rotate(z)
                    z.p.color = BLACK  # case 3: zig-zig
                    z.p.p.color = RED
                    self.right_rotate(z.p.p)
            else:
                y = z.p.p.left
                if y.color == RED:
                    z.p.color = y.color = BLACK
                    z.p.p.color = RED
                    z = z.p.p
                else:
                    if z is z.p.left:
                        z = z.p
                        self.right_rotate(z)
                    z.p.color = BLACK
                    z.p.p.color = RED
                    self.left_rotate(z.p.p)
        self.root.color = BLACK

    def _transplant(self, u: _Node, v: _Node) -> None:
        if u.p is self.nil:
            self.root = v
        elif u is u.p.left:
            u.p.left = v
        else:
            u.p.right = v
        v.p = u.p  # also on the sentinel, as the book relies on

    def _minimum(self, x: _Node) -> _Node:
        while x.left is not self.nil:
            x = x.left
        return x

    def delete(self, key: int) -> None:
        z = self.nodes.pop(key)
        y, y_original_color = z, z.color
        if z.left is self.nil:
            x = z.right
            self._transplant(z, z.right)
        elif z.right is self.nil:
            x = z.left
            self._transplant(z, z.left)
        else:
            y = self._minimum(z.right)  # the in-order successor takes z's place and colour
            y_original_color = y.color
            x = y.right
            if y.p is z:
                x.p = y
            else:
                self._transplant(y, y.right)
                y.right = z.right
                y.right.p = y
            self._transplant(z, y)
            y.left = z.left
            y.left.p = y
            y.color = z.color
        if y_original_color == BLACK:
            self._delete_fixup(x)

    def _delete_fixup(self, x: _Node) -> None:
        while x is not self.root and x.color == BLACK:
            if x is x.p.left:
                w = x.p.right
                if w.color == RED:  # case 1: red sibling
                    w.color = BLACK
                    x.p.color = RED
                    self.left_rotate(x.p)
                    w = x.p.right
                if w.left.color == BLACK and w.right.color == BLACK:  # case 2
                    w.color = RED
                    x = x.p
                else:
                    if w.right.color == BLACK:  # case 3: near nephew red
                        w.left.color = BLACK
                        w.color = RED
                        self.right_rotate(w)
                        w = x.p.right
                    w.color = x.p.color  # case 4: far nephew red
                    x.p.color = BLACK
                    w.right.color = BLACK
                    self.left_rotate(x.p)
                    x = self.root
            else:
                w = x.p.left
                if w.color == RED:
                    w.color = BLACK
                    x.p.color = RED
                    self.right_rotate(x.p)
                    w = x.p.left
                if w.right.color == BLACK and w.left.color == BLACK:
                    w.color = RED
                    x = x.p
                else:
                    if w.left.color == BLACK:
                        w.right.color = BLACK
                        w.color = RED
                        self.left_rotate(w)
                        w = x.p.left
                    w.color = x.p.color
                    x.p.color = BLACK
                    w.left.color = BLACK
                    self.right_rotate(x.p)
                    x = self.root
        x.color = BLACK

    def shape(self) -> tuple | None:
        def walk(n: _Node) -> tuple | None:
            if n is self.nil:
                return None
            return (n.key, n.color, walk(n.left), walk(n.right))

        return walk(self.root)

    def check(self) -> None:
        """The book's own invariants, so a disagreement can be pinned on one side."""
        assert self.nil.color == BLACK and self.root.color == BLACK

        def walk(n: _Node, lo: float, hi: float) -> int:
            if n is self.nil:
                return 1
            assert lo < n.key < hi
            for c in (n.left, n.right):
                if c is not self.nil:
                    assert c.p is n
                    assert not (n.color == RED and c.color == RED)
            bl, br = walk(n.left, lo, n.key), walk(n.right, n.key, hi)
            assert bl == br
            return bl + (n.color == BLACK)

        walk(self.root, -math.inf, math.inf)


class KernelTree:
    """The kernel's tree driven the way kernel callers drive it: descend, link, colour."""

    def __init__(self) -> None:
        self.root = RbRoot("reference")
        self.nodes: dict[int, RbNode] = {}

    def insert(self, key: int) -> None:
        parent, left, n = None, False, self.root.rb_node
        while n is not None:
            parent, left = n, key < n.id
            n = n.rb_left if left else n.rb_right
        node = RbNode(node_id=key)
        self.nodes[key] = node
        rb_link_node(node, parent, left, self.root)
        rb_insert_color(node, self.root)

    def delete(self, key: int) -> None:
        rb_erase(self.nodes.pop(key), self.root)

    def shape(self) -> tuple | None:
        colors = {RB_RED: RED, RB_BLACK: BLACK}

        def walk(n: RbNode | None) -> tuple | None:
            if n is None:
                return None
            return (n.id, colors[n.rb_color], walk(n.rb_left), walk(n.rb_right))

        return walk(self.root.rb_node)


def render(shape: tuple | None, indent: str = "") -> str:
    """One node a line, right subtree above and left below (the tree on its side)."""
    if shape is None:
        return ""
    key, color, left, right = shape
    return render(right, indent + "    ") + f"{indent}{key}{color}\n" + render(left, indent + "    ")


def height(shape: tuple | None) -> int:
    return 0 if shape is None else 1 + max(height(shape[2]), height(shape[3]))


def compare(book: TextbookRBTree, kernel: KernelTree, what: str) -> tuple | None:
    book.check()
    ours, theirs = book.shape(), kernel.shape()
    assert theirs == ours, f"after {what}:\n--- textbook ---\n{render(ours)}--- lib/rbtree.c ---\n{render(theirs)}"
    validate_rbtree(kernel.root, key=lambda n: n.id)
    keys = sorted(book.nodes)
    forward, n = [], rb_first(kernel.root)
    while n is not None:
        forward.append(n.id)
        n = rb_next(n)
    assert forward == keys
    if keys:
        backward, n = [], kernel.nodes[keys[-1]]
        while n is not None:
            backward.append(n.id)
            n = rb_prev(n)
        assert backward == keys[::-1]
    return ours


# Inserts twice as likely as erases, so trees grow; an erase picks a present key by index.
_op = st.tuples(st.sampled_from(("insert", "insert", "erase")), st.integers(0, 300))
# The length is drawn first: a plain st.lists(_op, max_size=150) stays near its average
# size of a handful of operations, too few to reach every case of the erase fix-up.
_ops = st.integers(0, 150).flatmap(lambda n: st.lists(_op, min_size=n, max_size=n))


@settings(max_examples=200, deadline=None)
@given(_ops)
def test_random_inserts_and_erases_match_the_textbook(ops: list[tuple[str, int]]) -> None:
    book, kernel = TextbookRBTree(), KernelTree()
    done = []
    for kind, value in ops:
        if kind == "insert":
            if value in book.nodes:
                continue
            key = value
            book.insert(key)
            kernel.insert(key)
        else:
            if not book.nodes:
                continue
            keys = sorted(book.nodes)
            key = keys[value % len(keys)]
            book.delete(key)
            kernel.delete(key)
        done.append((kind, key))
        compare(book, kernel, f"{kind} {key} (ops so far: {done})")


def test_ascending_inserts_then_every_third_erased_match_the_textbook() -> None:
    book, kernel = TextbookRBTree(), KernelTree()
    for key in range(1, 1001):
        book.insert(key)
        kernel.insert(key)
        shape = compare(book, kernel, f"insert {key}")
        assert height(shape) <= 2 * math.log2(key + 1)
    n = 1000
    for key in range(3, 1001, 3):
        book.delete(key)
        kernel.delete(key)
        n -= 1
        shape = compare(book, kernel, f"erase {key}")
        assert height(shape) <= 2 * math.log2(n + 1)
    assert kernel.root.height() == height(shape)
    assert len(book.nodes) == len(kernel.nodes) == n == 667
