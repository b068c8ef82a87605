"""`Cursor`: a reader of a :class:`~vmwidgets.timeline.Timeline` at a position of its own.

The timeline records; a cursor (``timeline.cursor()``) moves over what it recorded and keeps
the view state there.  Each player has its own, so two players of one kernel show two
moments.  At the end a cursor *follows* the timeline (its state is the timeline's head);
anywhere else it holds a copy and reaches a position from whichever is nearest: its own
state, the checkpoint below or the one above.

Stepping over entries is shared with the timeline (which replays them to make its first
checkpoint when older operations are dropped): an event goes through the reducers
(:mod:`vmwidgets.reducers`), a :class:`TimelineMarker` (a step the timeline adds itself)
swaps in the state it carries.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from .errors import InvalidArgument
from .events import event_from_step
from .reducers import BACKWARD, FORWARD
from .state import ViewState

if TYPE_CHECKING:  # the timeline makes cursors: only its type is needed here
    from .timeline import Operation, Timeline

__all__ = ["Cursor", "TimelineMarker"]


def _assign(dst: ViewState, src: ViewState) -> None:
    """Make ``dst`` (an object others hold) equal to ``src``, which it takes over."""
    for f in fields(ViewState):
        setattr(dst, f.name, getattr(src, f.name))


class TimelineMarker:
    """A step the timeline adds itself, not the kernel: ``RecordingResumed`` (the gap left by a
    pause: the state jumps from ``before`` to a fresh snapshot ``after``) or ``OperationsDropped``
    (older operations were dropped to keep ``max_events``; the state does not change)."""

    __slots__ = ("_after", "_before", "fn", "kind", "message", "op")

    def __init__(
        self, op: int, kind: str, message: str, before: ViewState | None = None, after: ViewState | None = None
    ) -> None:
        self.op, self.fn, self.kind, self.message = op, "", kind, message
        self._before, self._after = before, after

    @property
    def text(self) -> str:
        return self.message

    def explain(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "op": self.op, "fn": self.fn, "message": self.message}

    def forward(self, state: ViewState) -> None:
        if self._after is not None:
            _assign(state, self._after.copy())

    def back(self, state: ViewState) -> None:
        if self._before is not None:
            _assign(state, self._before.copy())

    def __repr__(self) -> str:
        return f"TimelineMarker(op={self.op}, kind={self.kind!r}, message={self.message!r})"


def _replay(entries: list[Any], st: ViewState, done: int, target: int) -> int:
    """Apply or revert ``entries`` to move ``st`` from after ``done`` entries to after ``target``.

    An entry is a recorded step (a tuple, read through its kind's reader if the kind
    changes state: ``reducers.FORWARD``/``BACKWARD``), a list walk (changes nothing) or a marker."""
    if done < target:
        steps: Iterable[Any] = entries[done:target]
        plans, marker = FORWARD, TimelineMarker.forward
    else:
        steps, plans, marker = reversed(entries[target:done]), BACKWARD, TimelineMarker.back
    for e in steps:
        if type(e) is tuple:
            plan = plans[e[0]]
            if plan is not None:
                plan[2](plan[1](e) if len(e) == plan[0] else event_from_step(e), st)
        elif type(e) is TimelineMarker:
            marker(e, st)
    return target


def _check_position(index: Any, n: int) -> int:
    if type(index) is not int or not 0 <= index <= n:  # a subclass's dunders could raise
        raise InvalidArgument("index", index, f"a position from 0 to {n} (len of the timeline)")
    return index


class Cursor:
    """A reader of a :class:`Timeline`: a position and the view state there, its own.

    Made by :meth:`Timeline.cursor`; each player has one, so players of one kernel move
    independently.  At the end it *follows* new operations (its state is the head).
    """

    def __init__(self, timeline: Timeline) -> None:
        self._tl = timeline
        self._state = timeline._head
        self._following = True
        self._pos = 0
        self._done = 0  # entries the state includes
        timeline._cursors.add(self)

    @property
    def timeline(self) -> Timeline:
        return self._tl

    @property
    def position(self) -> int:
        """Where the cursor is: the number of events applied to :attr:`state`."""
        return self._tl._len if self._following else self._pos

    @property
    def following(self) -> bool:
        """True while the cursor sits at the end and moves with each new operation."""
        return self._following

    @property
    def state(self) -> ViewState:
        """The view state at :attr:`position` (read it; do not change it)."""
        return self._tl.head if self._following else self._state

    def seek(self, index: int) -> ViewState:
        """Move to ``index`` (0 … ``len``) and return the state there.

        The state returned is the cursor's own: it changes when the cursor moves again
        (``copy()`` it to keep a picture); other cursors never change it.

        >>> from vmwidgets import Kernel
        >>> k = Kernel()
        >>> addr = k.vmalloc(4096)
        >>> k.vfree(addr)
        >>> a, b = k.timeline.cursor(), k.timeline.cursor()
        >>> [hex(x) for x in a.seek(k.timeline.operations[0].end).vmlist]   # just after vmalloc
        ['0xf8800000']
        >>> b.seek(len(k.timeline)).vmlist, len(a.state.vmlist)             # b moves, a stays
        ([], 1)
        """
        tl = self._tl
        _check_position(index, tl._len)
        head = tl.head  # builds what was recorded since the last read
        n = tl._n
        if index == n:
            self._following, self._pos, self._done = True, n, len(tl._entries)
            return head
        if self._following:  # leave the end: the cursor needs a state of its own
            self._state, self._following = head.copy(), False
            self._pos, self._done = n, len(tl._entries)
        target = bisect_left(tl._start, index)  # entries that begin before `index`
        at = tl._cp_at
        below = bisect_right(at, target) - 1
        options = [(abs(target - self._done), -1), (target - at[below], below)]
        if below + 1 < len(at):
            options.append((at[below + 1] - target, below + 1))
        _, cp = min(options, key=lambda o: o[0])
        if cp >= 0:
            self._state, self._done = tl._checkpoints[cp].copy(), at[cp]
        self._done, self._pos = _replay(tl._entries, self._state, self._done, target), index
        return self._state

    def step_forward(self) -> ViewState:
        """Apply the next event (no-op at the end)."""
        return self.seek(min(self.position + 1, self._tl._len))

    def step_back(self) -> ViewState:
        """Revert the last applied event (no-op at the start)."""
        return self.seek(max(self.position - 1, 0))

    def operation_at(self, index: int) -> Operation | None:
        """The operation that event ``index`` belongs to."""
        return self._tl.operation_at(index)

    def seek_operation_start(self, op: int) -> ViewState:
        """Jump to just before ``timeline.operations[op]``'s first event."""
        return self.seek(self._tl._op(op).start)

    def seek_operation_end(self, op: int) -> ViewState:
        """Jump to just after ``timeline.operations[op]``'s last event."""
        o = self._tl._op(op)
        return self.seek(o.end if o.end >= 0 else self._tl._len)

    def next_operation(self) -> ViewState:
        """Jump to the end of the operation after the cursor (or of the one it is inside)."""
        for o in self._tl.operations:
            if o.end > self.position:
                return self.seek(o.end)
        return self.seek(self._tl._len)

    def prev_operation(self) -> ViewState:
        """Jump to the start of the operation before the cursor (or of the one it is inside)."""
        for o in reversed(self._tl.operations):
            if o.start < self.position:
                return self.seek(o.start)
        return self.seek(0)

    def __repr__(self) -> str:
        where = "following the end" if self._following else f"at {self._pos} of {self._tl._len}"
        return f"<Cursor {where}>"
