"""`Timeline`: every recorded event, and the view state at any position.

Design (for 10^6 events and more):

- Events are small named tuples appended to a list; the operation index of each is a
  field, operations themselves are kept in a short side list.
- A *head* state follows the end of the timeline (each event is applied once as it is
  recorded) and every ``checkpoint_every`` events a copy of it is kept.
- ``seek(i)`` starts from whichever is nearest to ``i`` — the cursor, the checkpoint at
  or below ``i``, or the one above — and applies or reverts the events in between.  So a
  seek costs one state copy plus at most ``checkpoint_every / 2`` event steps, wherever
  ``i`` lies; memory is the events plus ``len / checkpoint_every`` state copies.

Position ``p`` means "after the first ``p`` events": 0 is the boot state, ``len`` the end.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import InvalidArgument
from .events import MUTATING
from .state import ViewState


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
        self._events: list[Any] = []
        self.operations: list[Operation] = []
        self._every = checkpoint_every
        self._head = initial.copy()
        self._checkpoints: list[ViewState] = [initial.copy()]
        self._cursor = initial.copy()
        self._pos = 0
        self._listeners: list[Any] = []

    # -- recording (called by the model) --------------------------------------------------
    def _append(self, ev: Any) -> None:
        self._events.append(ev)
        if type(ev) in MUTATING:
            ev.apply(self._head)
        if len(self._events) % self._every == 0:
            self._checkpoints.append(self._head.copy())

    def _begin(self, name: str, args: str) -> int:
        op = Operation(len(self.operations), name, args, len(self._events))
        self.operations.append(op)
        return op.index

    def _end(self, index: int, result: str) -> None:
        op = self.operations[index]
        op.end, op.result = len(self._events), result
        for fn in self._listeners:
            fn(self)

    def observe(self, callback: Any) -> None:
        """Call ``callback(timeline)`` after every operation that is recorded."""
        self._listeners.append(callback)

    # -- reading --------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._events)

    def __getitem__(self, i: Any) -> Any:
        return self._events[i]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._events)

    @property
    def position(self) -> int:
        """Where the cursor is: the number of events applied to :attr:`state`."""
        return self._pos

    @property
    def state(self) -> ViewState:
        """The view state at :attr:`position` (read it; do not change it)."""
        return self._cursor

    @property
    def head(self) -> ViewState:
        """The view state at the end of the timeline (read it; do not change it)."""
        return self._head

    def seek(self, index: int) -> ViewState:
        """Move the cursor to ``index`` (0 … ``len``) and return the state there."""
        n = len(self._events)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= n:
            raise InvalidArgument("index", index, f"a position from 0 to {n} (len of the timeline)")
        k = self._every
        below = index // k
        options = [(abs(index - self._pos), None)]
        options.append((index - below * k, below))
        if below + 1 < len(self._checkpoints):
            options.append(((below + 1) * k - index, below + 1))
        _, cp = min(options, key=lambda o: o[0])
        if cp is not None:
            self._cursor, self._pos = self._checkpoints[cp].copy(), cp * k
        ev, st = self._events, self._cursor
        while self._pos < index:
            e = ev[self._pos]
            if type(e) in MUTATING:
                e.apply(st)
            self._pos += 1
        while self._pos > index:
            self._pos -= 1
            e = ev[self._pos]
            if type(e) in MUTATING:
                e.revert(st)
        return st

    def step_forward(self) -> ViewState:
        """Apply the next event (no-op at the end)."""
        return self.seek(min(self._pos + 1, len(self._events)))

    def step_back(self) -> ViewState:
        """Revert the last applied event (no-op at the start)."""
        return self.seek(max(self._pos - 1, 0))

    def operation_at(self, index: int) -> Operation | None:
        """The operation that event ``index`` belongs to."""
        if not 0 <= index < len(self._events):
            return None
        return self.operations[self._events[index].op]

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
        return self.seek(o.end if o.end >= 0 else len(self._events))

    def next_operation(self) -> ViewState:
        """Jump to the end of the operation after the cursor (or of the one it is inside)."""
        for o in self.operations:
            if o.end > self._pos:
                return self.seek(o.end)
        return self.seek(len(self._events))

    def prev_operation(self) -> ViewState:
        """Jump to the start of the operation before the cursor (or of the one it is inside)."""
        for o in reversed(self.operations):
            if o.start < self._pos:
                return self.seek(o.start)
        return self.seek(0)

    def memory_bytes(self) -> int:
        """Rough bytes held by the recorded events (not the checkpoints)."""
        import sys

        total = sys.getsizeof(self._events)
        for e in self._events:
            total += sys.getsizeof(e)
            for v in e:
                if isinstance(v, int) and not -5 <= v <= 256:
                    total += sys.getsizeof(v)
        return total
