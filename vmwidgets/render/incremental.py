"""What a step changed, and the derived data a large view keeps from one step to the next.

A view of 10,000 VMAs cannot afford to read the whole state at every step.  The player
hands each view the events it crossed (:func:`dirty` reads them); a view keeps red-black
subtree sizes (:class:`RbSizes`: in-order ranks, the n-th node and folded subtrees' counts
in O(height)) and parts of its scene (:class:`Memo`) until those events say they changed.
With no events (a long seek, a view that follows the kernel alone) everything is rebuilt.
Every scene is the same either way (tests/test_incremental.py compares them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..state import ViewState

__all__ = ["Dirty", "Memo", "RbSizes", "dirty"]

# events that change vm_structs, vmlist or the lazily freed vmap_areas (the vmlist and layout views)
_AREA_EVENTS = frozenset(
    {"VmStructLinked", "VmStructUnlinked", "VmStructUpdated", "VmPageStored", "VmapAreaLazyFreed", "VmapAreaFreed"}
)
# events that change an mm's VMAs or the fields its maps names come from (a search changes nothing)
_MM_EVENTS = frozenset({"VmaLinked", "VmaUnlinked", "VmaAdjusted", "VmaFlagsChanged", "MmStructUpdated"})


@dataclass
class Dirty:
    """What a run of events changed: ``areas`` (vmlist, a vm_struct or the lazy vmap_areas),
    the mms whose VMAs or mm fields changed, and each red-black tree's nodes whose links moved."""

    areas: bool = False
    mms: set[str] = field(default_factory=set)
    rb: dict[str, set[int]] = field(default_factory=dict)


def dirty(events: Iterable[Any]) -> Dirty | None:
    """The :class:`Dirty` of ``events`` (forward or reverted: the same things change); None
    when they cross a timeline marker (a gap in the recording: anything may have changed)."""
    d = Dirty()
    for ev in events:
        name = type(ev).__name__
        if name == "TimelineMarker":
            return None
        if name in _AREA_EVENTS:
            d.areas = True
        elif name in _MM_EVENTS:
            d.mms.add(ev.mm)
        elif name.startswith("Rb"):
            nodes = d.rb.setdefault(ev.tree, set())
            for attr in ("node", "pivot", "parent", "successor"):
                v = getattr(ev, attr, None)
                if v is not None:
                    nodes.add(v)
            links = getattr(ev, "links", ())
            for i in range(0, len(links), 5):  # (id, parent, left, right, colour): each node and its neighbours
                nodes.update(x for x in links[i : i + 4] if x is not None)
    return d


class RbSizes:
    """Subtree sizes of one red-black tree of a :class:`~vmwidgets.state.ViewState`.

    ``sync`` brings them to a new state: from the nodes a step moved (``Dirty.rb``) it
    recomputes those nodes and their ancestors, deepest first; with none it counts the
    whole tree once.  The ranks are in-order, so for ``mm_rb`` a node's rank is its VMA's
    index on the address-ordered ``vm_next`` list.
    """

    def __init__(self, tree: str) -> None:
        self.tree = tree
        self.size: dict[int, int] = {}
        self.nodes: dict[int, Any] = {}
        self.root: int | None = None
        self.counts = 0  # whole counts made (tests: the steps themselves never need one)

    def sync(self, state: ViewState, moved: set[int] | None) -> RbSizes:
        self.nodes = nodes = state.rb.get(self.tree, {})
        self.root = state.rb_root.get(self.tree)
        if moved is None:
            return self._count()
        size = self.size
        for n in moved:
            if n not in nodes:
                size.pop(n, None)
        depth: dict[int, int] = {}
        for n in moved:
            chain: list[int] = []
            c: int | None = n
            while c is not None and c in nodes:
                chain.append(c)
                c = nodes[c][0]
            for i, m in enumerate(chain):
                depth[m] = len(chain) - 1 - i
        try:
            for n in sorted(depth, key=depth.__getitem__, reverse=True):
                _, lt, rt, _ = nodes[n]
                size[n] = 1 + (size[lt] if lt is not None else 0) + (size[rt] if rt is not None else 0)
        except KeyError:  # a child the events did not name (never expected): count again
            return self._count()
        if len(size) != len(nodes):  # a node the events did not name: count again
            return self._count()
        return self

    def _count(self) -> RbSizes:
        self.counts += 1
        nodes, size = self.nodes, dict[int, int]()
        stack: list[tuple[int, bool]] = [(self.root, False)] if self.root is not None else []
        while stack:
            n, done = stack.pop()
            _, lt, rt, _ = nodes[n]
            if done:
                size[n] = 1 + (size[lt] if lt is not None else 0) + (size[rt] if rt is not None else 0)
                continue
            stack.append((n, True))
            stack.extend((c, False) for c in (lt, rt) if c is not None)
        self.size = size
        return self

    def __len__(self) -> int:
        return len(self.nodes)

    def of(self, node: int | None) -> int:
        return self.size[node] if node is not None else 0

    def rank(self, node: int) -> int:
        """How many nodes come before ``node`` in key order."""
        nodes = self.nodes
        r = self.of(nodes[node][1])
        while (parent := nodes[node][0]) is not None:
            if nodes[parent][2] == node:
                r += self.of(nodes[parent][1]) + 1
            node = parent
        return r

    def select(self, index: int) -> int:
        """The node of rank ``index``."""
        nodes, n = self.nodes, self.root
        while n is not None:
            left = self.of(nodes[n][1])
            if index < left:
                n = nodes[n][1]
            elif index == left:
                return n
            else:
                index -= left + 1
                n = nodes[n][2]
        raise IndexError(index)


class Memo:
    """Parts of a view's scene kept between steps: each under a tag (``"areas"``, ``"vmas:MM"``)
    that the step's :class:`Dirty` drops, and a key of the other inputs."""

    def __init__(self) -> None:
        self._parts: dict[str, tuple[Any, Any]] = {}

    def forget(self, d: Dirty | None) -> None:
        if d is None:
            self._parts.clear()
            return
        for tag in ({"areas"} if d.areas else set()) | {"vmas:" + mm for mm in d.mms}:
            self._parts.pop(tag, None)

    def get(self, tag: str, key: Any, make: Callable[[], Any]) -> Any:
        """``make()``, or what it gave last time for the same ``tag`` and ``key``."""
        hit = self._parts.get(tag)
        if hit is not None and hit[0] == key:
            return hit[1]
        value = make()
        self._parts[tag] = (key, value)
        return value
