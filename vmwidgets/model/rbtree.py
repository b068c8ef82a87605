"""Red-black trees as lib/rbtree.c (2.6.24–2.6.32) builds them, step by step.

The tree is intrusive, as in the kernel: an :class:`RbNode` lives inside the structure it
orders (a ``vmap_area``, a ``vm_area_struct``) and points back to it through ``owner``.
The caller finds the place for a new node (``rb_link``) and calls :func:`rb_link_node`
then :func:`rb_insert_color`; :func:`rb_erase` removes one.  Colour is a separate field
here where the kernel keeps it in bit 0 of ``rb_parent_color``.

Every link, recolour, rotation and erase is reported through ``emit`` (when given) as an
event naming the nodes and the case of the algorithm that fired.  The events carry what
the tree cannot tell by itself and no more (a recolouring its new colours, an erase the
links it overwrote), so a view replays a rebalance from its own copy of the tree and steps
back over it (``vmwidgets.reducers``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import InvariantError
from ..events import RbNodeErased, RbNodeLinked, RbRecolored, RbRotatedLeft, RbRotatedRight

__all__ = [
    "RB_BLACK",
    "RB_RED",
    "Emit",
    "Links",
    "RbNode",
    "RbRoot",
    "rb_erase",
    "rb_first",
    "rb_insert_color",
    "rb_last",
    "rb_link_node",
    "rb_links",
    "rb_next",
    "rb_prev",
    "validate_rbtree",
]

RB_RED = 0
RB_BLACK = 1
_FN = "lib/rbtree.c:"
_FNS: dict[str, str] = {}  # one shared string per function name: a recorded step keeps it


def _fn(name: str) -> str:
    """``lib/rbtree.c:<name>``, the same string object every time."""
    full = _FNS.get(name)
    if full is None:
        full = _FNS[name] = _FN + name
    return full


class RbNode:
    """``struct rb_node``: parent, colour, left and right child (None for NULL)."""

    __slots__ = ("id", "label", "owner", "rb_color", "rb_left", "rb_parent", "rb_right")

    def __init__(self, owner: Any = None, node_id: int = 0) -> None:
        self.rb_parent: RbNode | None = None
        self.rb_color = RB_RED
        self.rb_left: RbNode | None = None
        self.rb_right: RbNode | None = None
        self.owner = owner
        self.id = node_id
        self.label = ""  # what a view prints in the node

    @property
    def color(self) -> str:
        """``"red"`` or ``"black"``."""
        return "red" if self.rb_color == RB_RED else "black"

    def __repr__(self) -> str:
        return f"<rb_node {self.id:#x} {self.color}>"


class RbRoot:
    """``struct rb_root``: ``rb_node`` is the root node (None for an empty tree)."""

    __slots__ = ("name", "rb_node")

    def __init__(self, name: str = "rb_root") -> None:
        self.rb_node: RbNode | None = None
        self.name = name

    def __iter__(self) -> Iterator[RbNode]:
        """The nodes (``struct rb_node``) in order, as lib/rbtree.c:rb_first then rb_next walk them."""
        node = rb_first(self)
        while node is not None:
            yield node
            node = rb_next(node)

    def height(self) -> int:
        """Nodes on the longest root-to-leaf path (0 for an empty tree); no kernel function."""

        def h(n: RbNode | None) -> int:
            return 0 if n is None else 1 + max(h(n.rb_left), h(n.rb_right))

        return h(self.rb_node)


Emit = Callable[..., None] | None
"""The model's event emitter (``emit(EventClass, "file.c:function", **fields)``), or None to stay silent."""

Links = tuple[int | None, int | None, int | None, int]
"""A node's ``(rb_parent, rb_left, rb_right, rb_color)``, the nodes by id (None for NULL)."""


def _id(n: RbNode | None) -> int | None:
    return None if n is None else n.id


def _snap(n: RbNode) -> Links:
    return (_id(n.rb_parent), _id(n.rb_left), _id(n.rb_right), n.rb_color)


def rb_links(root: RbRoot) -> dict[int, Links]:
    """Every ``struct rb_node``'s :data:`Links` by id: the tree as a view state holds it (no kernel function)."""
    return {n.id: _snap(n) for n in root}


_COLORS: dict[tuple[int, ...], tuple[int, ...]] = {}  # shared: a recolouring sets one of a few patterns


def _exists(n: RbNode | None, root: RbRoot, what: str, why: str) -> RbNode:
    """``n``, which the red-black rules say is there (``why``); NULL means the tree was corrupt before the call."""
    if n is None:
        raise InvariantError("tree", root.name, f"{what} ({why}), not NULL")
    return n


def _sibling(parent: RbNode, left: bool, root: RbRoot) -> RbNode:
    """In __rb_erase_color, the sibling of the node short of a black (``parent``'s left child if ``left``)."""
    other = parent.rb_right if left else parent.rb_left
    why = "the node's side is one black short, so the other side holds a black node"
    return _exists(other, root, f"a sibling under node {parent.id:#x}", why)


def _rotate(node: RbNode, root: RbRoot, left: bool, emit: Emit, case: str) -> None:
    """lib/rbtree.c:__rb_rotate_left / __rb_rotate_right(``struct rb_node *node, struct rb_root *root``).

    ``node``'s right (``left``) or left child takes its place; ``node`` becomes that child's child.
    """
    side = "right" if left else "left"
    child = _exists(
        node.rb_right if left else node.rb_left, root, f"a {side} child of node {node.id:#x}", "it rotates up"
    )
    parent = node.rb_parent
    inner = child.rb_left if left else child.rb_right
    if left:
        node.rb_right = inner
        child.rb_left = node
    else:
        node.rb_left = inner
        child.rb_right = node
    if inner is not None:
        inner.rb_parent = node
    child.rb_parent = parent
    if parent is not None:
        if node is parent.rb_left:
            parent.rb_left = child
        else:
            parent.rb_right = child
    else:
        root.rb_node = child
    node.rb_parent = child
    if emit:
        fn = _fn("__rb_rotate_left" if left else "__rb_rotate_right")
        emit(
            RbRotatedLeft if left else RbRotatedRight,
            fn,
            tree=root.name,
            node=node.id,
            pivot=child.id,
            case=case,
        )


def _recolor(root: RbRoot, colors: list[tuple[RbNode, int]], emit: Emit, case: str, fn: str) -> None:
    """Set each node's colour; the event names only the nodes whose colour changed (each flips)."""
    changed = [(n, c) for n, c in colors if n.rb_color != c]
    for n, c in changed:
        n.rb_color = c
    if emit and changed:
        new = tuple(c for _, c in changed)
        emit(
            RbRecolored,
            _fn(fn),
            tree=root.name,
            nodes=tuple(n.id for n, _ in changed),
            case=case,
            colors=_COLORS.setdefault(new, new),
        )


def rb_link_node(
    node: RbNode, parent: RbNode | None, left: bool, root: RbRoot, emit: Emit = None, label: str = ""
) -> None:
    """include/linux/rbtree.h:rb_link_node(``struct rb_node *node, struct rb_node *parent,
    struct rb_node **rb_link``) — hang a new red node where the search ended.

    ``left`` says which child slot of ``parent`` (``*rb_link``) it takes; with no parent
    (NULL) it becomes ``root``'s ``rb_node``.
    """
    node.rb_parent, node.rb_color, node.rb_left, node.rb_right = parent, RB_RED, None, None
    node.label = label
    if parent is None:
        root.rb_node = node
    elif left:
        parent.rb_left = node
    else:
        parent.rb_right = node
    if emit:
        side = "root" if parent is None else ("left" if left else "right")
        emit(
            RbNodeLinked,
            "include/linux/rbtree.h:rb_link_node",
            tree=root.name,
            node=node.id,
            label=label,
            parent=_id(parent),
            side=side,
        )


def rb_insert_color(node: RbNode, root: RbRoot, emit: Emit = None) -> None:
    """lib/rbtree.c:rb_insert_color(``struct rb_node *node, struct rb_root *root``).

    Restores the red-black rules after :func:`rb_link_node` hung ``node`` red.
    """
    fn = "rb_insert_color"
    while (parent := node.rb_parent) is not None and parent.rb_color == RB_RED:
        gparent = _exists(parent.rb_parent, root, f"a parent of red node {parent.id:#x}", "the root is black")
        left = parent is gparent.rb_left
        uncle = gparent.rb_right if left else gparent.rb_left
        if uncle is not None and uncle.rb_color == RB_RED:
            _recolor(
                root,
                [(uncle, RB_BLACK), (parent, RB_BLACK), (gparent, RB_RED)],
                emit,
                "insert case 1: the uncle is red, so parent and uncle turn black, the grandparent red",
                fn,
            )
            node = gparent
            continue
        if (parent.rb_right if left else parent.rb_left) is node:
            _rotate(parent, root, left, emit, "insert case 2: the node is an inner child, rotate at the parent")
            parent, node = node, parent
        _recolor(
            root,
            [(parent, RB_BLACK), (gparent, RB_RED)],
            emit,
            "insert case 3: the parent turns black, the grandparent red",
            fn,
        )
        _rotate(gparent, root, not left, emit, "insert case 3: rotate at the grandparent")
    top = _exists(root.rb_node, root, "a root", "a node was just linked")
    _recolor(root, [(top, RB_BLACK)], emit, "the root is always black", fn)


def _erase_color(node: RbNode | None, parent: RbNode | None, root: RbRoot, emit: Emit) -> None:
    """lib/rbtree.c:__rb_erase_color(``struct rb_node *node, struct rb_node *parent, struct rb_root *root``).

    Pays back the black removed with a black node; ``node`` may be NULL, ``parent`` is its parent.
    """
    fn = "__rb_erase_color"

    def black(n: RbNode | None) -> bool:
        return n is None or n.rb_color == RB_BLACK

    while black(node) and node is not root.rb_node:
        parent = _exists(parent, root, "a parent of the node short of a black", "only the root has none")
        left = parent.rb_left is node
        other = _sibling(parent, left, root)
        if other.rb_color == RB_RED:
            _recolor(
                root,
                [(other, RB_BLACK), (parent, RB_RED)],
                emit,
                "erase case 1: the sibling is red, swap its colour with the parent's",
                fn,
            )
            _rotate(parent, root, left, emit, "erase case 1: rotate at the parent towards the node")
            other = _sibling(parent, left, root)
        if black(other.rb_left) and black(other.rb_right):
            _recolor(
                root,
                [(other, RB_RED)],
                emit,
                "erase case 2: the sibling's children are black, the sibling turns red, move up",
                fn,
            )
            node, parent = parent, parent.rb_parent
            continue
        far = other.rb_right if left else other.rb_left
        if black(far):
            near = other.rb_left if left else other.rb_right
            why = "the sibling's far child is black, so its near one is red"
            near = _exists(near, root, f"a near child of node {other.id:#x}", why)
            _recolor(
                root,
                [(near, RB_BLACK), (other, RB_RED)],
                emit,
                "erase case 3: the sibling's far child is black, recolour before rotating the sibling",
                fn,
            )
            _rotate(other, root, not left, emit, "erase case 3: rotate at the sibling")
            other = _sibling(parent, left, root)
            far = other.rb_right if left else other.rb_left
        colors = [(other, parent.rb_color), (parent, RB_BLACK)] + ([(far, RB_BLACK)] if far is not None else [])
        _recolor(
            root,
            colors,
            emit,
            "erase case 4: the sibling takes the parent's colour, parent and far child turn black",
            fn,
        )
        _rotate(parent, root, left, emit, "erase case 4: rotate at the parent, done")
        node = root.rb_node
        break
    if node is not None:
        _recolor(root, [(node, RB_BLACK)], emit, "the node that carries the extra black turns black", fn)


def rb_erase(node: RbNode, root: RbRoot, emit: Emit = None) -> None:
    """lib/rbtree.c:rb_erase(``struct rb_node *node, struct rb_root *root``).

    Unlinks ``node``; a node with two children is replaced by its successor, which takes its
    place and colour; then rebalances if a black node went.
    """
    old = node
    lchild, rchild = node.rb_left, node.rb_right
    if lchild is None or rchild is None:
        child = lchild if rchild is None else rchild
        parent = node.rb_parent
        color = node.rb_color
        before = _snaps([node, child, parent]) if emit else []
        if child is not None:
            child.rb_parent = parent
        if parent is not None:
            if parent.rb_left is node:
                parent.rb_left = child
            else:
                parent.rb_right = child
        else:
            root.rb_node = child
        successor = None
    else:
        succ = rchild
        while succ.rb_left is not None:
            succ = succ.rb_left
        child, parent, color = succ.rb_right, succ.rb_parent, succ.rb_color
        before = _snaps([node, succ, child, parent, node.rb_parent, lchild, rchild]) if emit else []
        if node.rb_parent is not None:
            if node.rb_parent.rb_left is node:
                node.rb_parent.rb_left = succ
            else:
                node.rb_parent.rb_right = succ
        else:
            root.rb_node = succ
        if parent is node:
            parent = succ
        else:
            parent = _exists(parent, root, f"a parent of successor {succ.id:#x}", "it lies below the erased node")
            if child is not None:
                child.rb_parent = parent
            parent.rb_left = child
            succ.rb_right = rchild
            rchild.rb_parent = succ
        succ.rb_parent, succ.rb_color = node.rb_parent, node.rb_color
        succ.rb_left = lchild
        lchild.rb_parent = succ
        successor = succ
    if emit:
        # the erased node's links, then those of each other node the unlinking changed:
        # enough to put them back; the forward step is derived from the tree itself
        links: list[int | None] = [old.id, *before[0][1]]
        for n, snap in before[1:]:
            if _snap(n) != snap:
                links += (n.id, *snap)
        emit(
            RbNodeErased,
            _fn("rb_erase"),
            tree=root.name,
            node=old.id,
            label=old.label,
            successor=_id(successor),
            links=tuple(links),
        )
    old.rb_parent = old.rb_left = old.rb_right = None
    if color == RB_BLACK:
        _erase_color(child, parent, root, emit)


def _snaps(nodes: list[RbNode | None]) -> list[tuple[RbNode, Links]]:
    """Each distinct node (the first is the one erased) with its links now."""
    return [(n, _snap(n)) for n in dict.fromkeys(nodes) if n is not None]


def rb_first(root: RbRoot) -> RbNode | None:
    """lib/rbtree.c:rb_first(``struct rb_root *root``): the leftmost ``struct rb_node *``, None (NULL) if empty."""
    n = root.rb_node
    if n is None:
        return None
    while n.rb_left is not None:
        n = n.rb_left
    return n


def rb_last(root: RbRoot) -> RbNode | None:
    """lib/rbtree.c:rb_last(``struct rb_root *root``): the rightmost ``struct rb_node *``, None (NULL) if empty."""
    n = root.rb_node
    if n is None:
        return None
    while n.rb_right is not None:
        n = n.rb_right
    return n


def rb_next(node: RbNode) -> RbNode | None:
    """lib/rbtree.c:rb_next(``struct rb_node *node``): the in-order successor, None (NULL) after the last."""
    if node.rb_right is not None:
        node = node.rb_right
        while node.rb_left is not None:
            node = node.rb_left
        return node
    while (parent := node.rb_parent) is not None and node is parent.rb_right:
        node = parent
    return parent


def rb_prev(node: RbNode) -> RbNode | None:
    """lib/rbtree.c:rb_prev(``struct rb_node *node``): the in-order predecessor, None (NULL) before the first."""
    if node.rb_left is not None:
        node = node.rb_left
        while node.rb_right is not None:
            node = node.rb_right
        return node
    while (parent := node.rb_parent) is not None and node is parent.rb_left:
        node = parent
    return parent


def validate_rbtree(root: RbRoot, key: Callable[[RbNode], Any] | None = None) -> int:
    """Check every red-black rule of a ``struct rb_root``; return the black height or raise InvariantError.

    No kernel function (lib/rbtree.c trusts its callers); the model's own check.

    In-order keys strictly increase (when ``key`` is given), every child's ``rb_parent``
    points back, the root is black, no red node has a red child, and every path from the
    root to a NULL child has the same number of black nodes.
    """

    def fail(msg: str) -> None:
        raise InvariantError("tree", root.name, msg)

    if root.rb_node is not None and root.rb_node.rb_parent is not None:
        fail("a root without a parent")
    if root.rb_node is not None and root.rb_node.rb_color != RB_BLACK:
        fail("a black root")

    def walk(n: RbNode | None) -> int:
        if n is None:
            return 1
        for c in (n.rb_left, n.rb_right):
            if c is not None:
                if c.rb_parent is not n:
                    fail(f"node {c.id:#x} to point back to its parent {n.id:#x}")
                if n.rb_color == RB_RED and c.rb_color == RB_RED:
                    fail(f"no red node with a red child (node {n.id:#x})")
        lh, rh = walk(n.rb_left), walk(n.rb_right)
        if lh != rh:
            fail(f"equal black heights below node {n.id:#x} ({lh} left, {rh} right)")
        return lh + (n.rb_color == RB_BLACK)

    height = walk(root.rb_node)
    if key is not None:
        keys = [key(n) for n in root]
        if any(a >= b for a, b in itertools.pairwise(keys)):
            fail("in-order keys that strictly increase")
    return height
