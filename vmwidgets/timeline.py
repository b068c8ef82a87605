"""`Timeline`: every recorded event, and the view state at any position.

Design (for 10^6 events and more):

- Events are small named tuples kept in a list of *entries*.  A list walk (the vmlist
  hole search visits every node before the hole) is one entry: the search function, its
  arguments and the visited nodes' addresses and sizes as two arrays.  It reads as one
  ``VmlistVisited`` event per node (``len``, indexing and iteration replay it through the
  same search function) but costs 16 bytes a visit to record, nothing to step over (a
  visit changes no state) and nothing to the garbage collector (arrays hold no objects).
  ``_start[e]`` is the event index where entry ``e`` begins.
- A *head* state follows the end (each entry is applied once as it is recorded) and
  every ``checkpoint_every`` entries a copy of it is kept.
- The state at position ``p`` is the state after the entries that begin before ``p``.
  ``seek(p)`` starts from whichever is nearest — the cursor, the checkpoint below or the
  one above — and applies or reverts the entries in between: one state copy plus at
  most ``checkpoint_every / 2`` entry steps wherever ``p`` lies.  Memory is the entries
  plus ``entries / checkpoint_every`` state copies.

Position ``p`` means "after the first ``p`` events": 0 is the boot state, ``len`` the end.
A cursor at the end *follows* it: new operations move it along and its state is the head
itself, so watching a running kernel costs nothing extra.  Seeking anywhere else gives
the cursor its own copy; seeking to ``len`` makes it follow again.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import InvalidArgument
from .events import walk_events
from .reducers import MUTATING, apply, revert
from .state import ViewState


class _Walk:
    """A recorded list walk: replayed into ``VmlistVisited`` events when read."""

    __slots__ = ("addrs", "args", "fn", "op", "spans", "walker")

    def __init__(self, op: int, fn: str, walker: Any, args: tuple, addrs: Any, spans: Any) -> None:
        self.op, self.fn, self.walker, self.args, self.addrs, self.spans = op, fn, walker, args, addrs, spans

    def events(self) -> list:
        return walk_events(self.op, self.fn, self.walker, self.args, self.addrs, self.spans)


@dataclass
class Operation:
    """One top-level call (``vmalloc``, ``vfree`` …) and the events ``[start, end)`` it emitted."""

    index: int
    name: str
    args: str
    start: int
    end: int = -1
    result: str = ""


class Timeline(Sequence):
    """The recorded events of one kernel, seekable in both directions."""

    def __init__(self, initial: ViewState, checkpoint_every: int = 8192) -> None:
        self._entries: list[Any] = []
        self._start = array("q")
        self._len = 0
        self._done = 0  # entries the cursor state includes
        self._expanded: tuple[int, list] = (-1, [])
        self.operations: list[Operation] = []
        self._every = checkpoint_every
        self._head = initial.copy()
        self._checkpoints: list[ViewState] = [initial.copy()]
        self._cursor = self._head  # following the end: the cursor's state is the head
        self._following = True
        self._pos = 0
        self._listeners: list[Any] = []

    # -- recording (called by the model) --------------------------------------------------
    def _append(self, ev: Any) -> None:
        self._entries.append(ev)
        self._start.append(self._len)
        self._len += 1
        if type(ev) in MUTATING:
            apply(ev, self._head)
        if len(self._entries) % self._every == 0:
            self._checkpoints.append(self._head.copy())

    def _append_walk(self, op: int, fn: str, walker: Any, args: tuple, addrs: Any, spans: Any) -> None:
        self._entries.append(_Walk(op, fn, walker, args, addrs, spans))
        self._start.append(self._len)
        self._len += len(addrs)
        if len(self._entries) % self._every == 0:
            self._checkpoints.append(self._head.copy())

    def _begin(self, name: str, args: str) -> int:
        op = Operation(len(self.operations), name, args, self._len)
        self.operations.append(op)
        return op.index

    def _end(self, index: int, result: str) -> None:
        op = self.operations[index]
        op.end, op.result = self._len, result
        for fn in self._listeners:
            fn(self)

    def observe(self, callback: Any) -> None:
        """Call ``callback(timeline)`` after every operation that is recorded."""
        self._listeners.append(callback)

    # -- reading --------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._len

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._len))]
        if isinstance(i, bool) or not isinstance(i, int):
            raise TypeError("timeline indices must be integers or slices")
        if i < 0:
            i += self._len
        if not 0 <= i < self._len:
            raise IndexError("timeline index out of range")
        e = bisect_right(self._start, i) - 1
        entry = self._entries[e]
        if type(entry) is not _Walk:
            return entry
        if self._expanded[0] != e:  # replay each walk once while it is being read
            self._expanded = (e, entry.events())
        return self._expanded[1][i - self._start[e]]

    def __iter__(self) -> Iterator[Any]:
        for entry in self._entries:
            if type(entry) is _Walk:
                yield from entry.events()
            else:
                yield entry

    @property
    def position(self) -> int:
        """Where the cursor is: the number of events applied to :attr:`state`."""
        return self._len if self._following else self._pos

    @property
    def following(self) -> bool:
        """True while the cursor sits at the end and moves with each new operation."""
        return self._following

    @property
    def state(self) -> ViewState:
        """The view state at :attr:`position` (read it; do not change it)."""
        return self._cursor

    @property
    def head(self) -> ViewState:
        """The view state at the end of the timeline (read it; do not change it)."""
        return self._head

    def seek(self, index: int) -> ViewState:
        """Move the cursor to ``index`` (0 … ``len``) and return the state there.

        The state returned is the cursor's own: it changes when the cursor moves again
        (``copy()`` it to keep a picture).

        >>> from vmwidgets import Kernel
        >>> k = Kernel()
        >>> addr = k.vmalloc(4096)
        >>> k.vfree(addr)
        >>> t = k.timeline
        >>> [hex(a) for a in t.seek(t.operations[0].end).vmlist]   # just after vmalloc
        ['0xf8800000']
        >>> t.seek(len(t)).vmlist                                  # after vfree
        []
        """
        n = self._len
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= n:
            raise InvalidArgument("index", index, f"a position from 0 to {n} (len of the timeline)")
        if index == n:
            self._cursor, self._following, self._pos, self._done = self._head, True, n, len(self._entries)
            return self._head
        if self._following:  # leave the end: the cursor needs a state of its own
            self._cursor, self._following = self._head.copy(), False
            self._pos, self._done = n, len(self._entries)
        target = bisect_left(self._start, index)  # entries that begin before `index`
        k = self._every
        below = target // k
        options = [(abs(target - self._done), None), (target - below * k, below)]
        if below + 1 < len(self._checkpoints):
            options.append(((below + 1) * k - target, below + 1))
        _, cp = min(options, key=lambda o: o[0])
        if cp is not None:
            self._cursor, self._done = self._checkpoints[cp].copy(), cp * k
        entries, st, done = self._entries, self._cursor, self._done
        while done < target:
            e = entries[done]
            if type(e) in MUTATING:
                apply(e, st)
            done += 1
        while done > target:
            done -= 1
            e = entries[done]
            if type(e) in MUTATING:
                revert(e, st)
        self._done, self._pos = done, index
        return st

    def step_forward(self) -> ViewState:
        """Apply the next event (no-op at the end)."""
        return self.seek(min(self.position + 1, self._len))

    def step_back(self) -> ViewState:
        """Revert the last applied event (no-op at the start)."""
        return self.seek(max(self.position - 1, 0))

    def operation_at(self, index: int) -> Operation | None:
        """The operation that event ``index`` belongs to."""
        if not 0 <= index < self._len:
            return None
        return self.operations[self[index].op]

    def _op(self, op: int) -> Operation:
        if isinstance(op, bool) or not isinstance(op, int) or not 0 <= op < len(self.operations):
            raise InvalidArgument("op", op, f"an operation index from 0 to {len(self.operations) - 1}")
        return self.operations[op]

    def seek_operation_start(self, op: int) -> ViewState:
        """Jump to just before operation ``op``'s first event."""
        return self.seek(self._op(op).start)

    def seek_operation_end(self, op: int) -> ViewState:
        """Jump to just after operation ``op``'s last event."""
        o = self._op(op)
        return self.seek(o.end if o.end >= 0 else self._len)

    def next_operation(self) -> ViewState:
        """Jump to the end of the operation after the cursor (or of the one it is inside)."""
        for o in self.operations:
            if o.end > self.position:
                return self.seek(o.end)
        return self.seek(self._len)

    def prev_operation(self) -> ViewState:
        """Jump to the start of the operation before the cursor (or of the one it is inside)."""
        for o in reversed(self.operations):
            if o.start < self.position:
                return self.seek(o.start)
        return self.seek(0)

    def memory_bytes(self) -> int:
        """Bytes of the containers holding the events (int and str objects, mostly shared
        with the model, and the checkpoints are not counted; benchmarks/ measures all)."""
        import sys

        total = sys.getsizeof(self._entries) + sys.getsizeof(self._start)
        for e in self._entries:
            if type(e) is _Walk:
                total += sys.getsizeof(e) + sys.getsizeof(e.addrs) + sys.getsizeof(e.spans) + sys.getsizeof(e.args)
            else:
                total += sys.getsizeof(e)
        return total
