"""`Timeline` records every event of a kernel; each `Cursor` reads it at a position of its own.

Design (for 10^6 events and more):

- Events are small named tuples kept in a list of *entries*.  A list walk (the vmlist
  hole search visits every node before the hole) is one entry: the search function, its
  arguments and the visited nodes' addresses and sizes as two arrays.  It reads as one
  ``VmlistVisited`` event per node (``len``, indexing and iteration replay it through the
  same search function) but costs 16 bytes a visit to record, nothing to step over (a
  visit changes no state) and nothing to the garbage collector (arrays hold no objects).
  ``_start[e]`` is the event index where entry ``e`` begins.
- Recording is lazy.  The emitter appends each step as a plain tuple ``(class, op, fn,
  *values)`` to ``_steps`` (a list append: recording costs ≤1.5× an unrecorded run, see
  ``benchmarks/events.py``); the first read (``len`` does not count, ``head``, indexing,
  iteration, a cursor's ``seek``) builds them into events (``events.event_from_step``),
  applies them to the head and keeps the checkpoints.  So a kernel run with nobody
  watching pays for the tuples only, and a live player pays once per operation it draws.
  ``operations`` is built then too, from the ``OperationBegan``/``OperationEnded`` steps
  (an operation's last step may be its result string alone: see ``_Recorder``).
- A *head* state follows the end (each entry is applied once as it is built) and
  every ``checkpoint_every`` entries a copy of it is kept as a checkpoint.
- The state at position ``p`` is the state after the entries that begin before ``p``.
  A cursor's ``seek(p)`` starts from whichever is nearest — its own state, the checkpoint
  below or the one above — and applies or reverts the entries in between.

Cursors.  The timeline records; a :class:`Cursor` (``timeline.cursor()``, in
:mod:`vmwidgets.cursor`) reads.  Each player has its own, so two players of one kernel
show two moments.  A cursor at the end
*follows* it: new operations move it along and its state is the head itself, so watching
a running kernel costs nothing extra; seeking anywhere else gives it its own copy, and
seeking to ``len`` makes it follow again.  ``timeline.seek``/``state``/``position`` and the
other moves are those of a default cursor, kept for scripts and lessons.

Observers.  ``observe(callback)`` returns a function that unsubscribes; ``weak=True`` holds
the callback weakly (a bound method through :class:`weakref.WeakMethod`), so a widget that
is collected stops being called.  An observer that raises does not keep the others from
running; the kernel's emitter keeps its error in ``Kernel.subscriber_errors`` and warns
(``SubscriberWarning``): a drawing bug never breaks the model.

Pausing.  ``pause()``/``resume()`` (or ``with timeline.paused():``): while paused the model
runs and nothing is recorded.  Resuming takes a fresh snapshot of the kernel (the
``snapshot`` callable given at construction) and records a gap: an operation named
``(recording paused)`` whose one step, a :class:`TimelineMarker`, turns the state before the
pause into the snapshot (and back when stepping back), so seeking on either side of it
gives the right states.  Both take effect between operations: pausing inside an operation
(a subscriber may) lets it finish recording, resuming inside one starts with the next; an
operation is recorded whole or not at all.  ``recording`` is what was asked last.

Bounding.  With ``max_events=N``, once more than N events are kept the oldest whole
operations are dropped, in one batch down to about 7/8 of N (so dropping costs O(1) an
event, amortised); the newest operation is always kept whole, even if it alone is longer.
The first kept step is then a :class:`TimelineMarker` in an operation named
``(earlier operations dropped)`` that says how many; ``dropped_operations`` and
``dropped_events`` count them all.  The state at position 0 becomes the state after the
dropped operations (the new first checkpoint).  Positions count from the first kept
event: after a drop every position moves down by the number of events removed (less the
marker), and a cursor whose position was dropped moves to 0.  ``Operation.start``/``end``
move likewise; ``Operation.index`` (the ``op`` of its events) never changes.

Memory.  Entries, plus at most ``max_checkpoints`` (default 128) state copies whatever
``checkpoint_every`` is, and no more than about 2^24 state entries (``ViewState.size()``) in
all: when there would be more, every other checkpoint is dropped and the spacing doubles,
so a seek applies at most about ``2 * entries / max_checkpoints`` entries.  (10^6 events
at the default spacing make 122 checkpoints: nothing is thinned.)  A pause gap holds two
state copies (before and after), freed when its operation is dropped.

Position ``p`` means "after the first ``p`` events": 0 is the first recorded state, ``len``
the end.
"""

from __future__ import annotations

import weakref
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .cursor import Cursor, TimelineMarker, _assign, _replay
from .errors import InvalidArgument
from .events import OperationBegan, OperationEnded, event_from_step, walk_events
from .reducers import FORWARD
from .state import ViewState

__all__ = ["MAX_CHECKPOINT_ENTRIES", "MAX_CHECKPOINTS", "Cursor", "Operation", "Timeline", "TimelineMarker"]

MAX_CHECKPOINTS = 256  # state copies a timeline keeps at most, whatever checkpoint_every is
MAX_CHECKPOINT_ENTRIES = 1 << 24  # and their entries (ViewState.size()) in all, roughly
PAUSED = "(recording paused)"
DROPPED = "(earlier operations dropped)"


class _Walk:
    """A recorded list walk: replayed into ``VmlistVisited`` events when read."""

    __slots__ = ("addrs", "args", "fn", "op", "spans", "walker")

    def __init__(self, op: int, fn: str, walker: Any, args: tuple[Any, ...], addrs: Any, spans: Any) -> None:
        self.op, self.fn, self.walker, self.args, self.addrs, self.spans = op, fn, walker, args, addrs, spans

    def events(self) -> list[Any]:
        return walk_events(self.op, self.fn, self.walker, self.args, self.addrs, self.spans)


@dataclass(slots=True)
class Operation:
    """One top-level call (``vmalloc``, ``vfree`` …) and the events ``[start, end)`` it emitted.

    ``index`` is the ``op`` of its events (it stays when older operations are dropped;
    ``start`` and ``end`` are positions and move down with the rest)."""

    index: int
    name: str
    args: str
    start: int
    end: int = -1
    result: str = ""


class _Recorder:
    """What the kernel's emitter records through (``emit.Recorder``): the timeline's recording
    calls, and the state the emitter shares with them to record an operation's edges itself.

    ``steps`` is the timeline's step list while an operation's edges need nothing but their
    steps (recording, not pausing, no ``max_events`` and no observers), else None: then the
    emitter calls ``begin`` and ``end``.  The emitter appends the OperationBegan step whole
    and the OperationEnded one as its result alone (a string: no tuple to allocate and for
    the garbage collector to scan); ``_sync`` takes the rest from the OperationBegan.
    ``nr_ops`` counts the operations recorded (the next one's index) and ``open`` is the one
    being run (None between operations, -1 when it is not recorded): whoever records an
    edge keeps them."""

    __slots__ = ("append", "append_walk", "begin", "end", "nr_ops", "open", "steps")

    def __init__(self, timeline: Timeline) -> None:
        self.begin = timeline._begin
        self.end = timeline._end
        self.append = timeline._steps.append  # the hot path: a list append, nothing more
        self.append_walk = timeline._append_walk
        self.steps: list[Any] | None = None
        self.nr_ops = 0
        self.open: int | None = None


class _Listener:
    __slots__ = ("get",)

    def __init__(self, get: Callable[[], Any]) -> None:
        self.get = get


class Timeline(Sequence[Any]):
    """The recorded events of one kernel, read through cursors.

    ``initial`` is the state at position 0 (default: ``snapshot()``); ``snapshot`` takes a
    fresh one (``Kernel.view_state``), needed to :meth:`pause`; ``max_events`` bounds the
    events kept and ``max_checkpoints`` the state copies (see the module's docstring).
    """

    def __init__(
        self,
        initial: ViewState | None = None,
        checkpoint_every: int = 4096,
        *,
        snapshot: Callable[[], ViewState] | None = None,
        max_events: int | None = None,
        max_checkpoints: int = MAX_CHECKPOINTS,
    ) -> None:
        if snapshot is not None and not callable(snapshot):
            raise InvalidArgument("snapshot", snapshot, "None or a callable returning a ViewState")
        if initial is None and snapshot is not None:
            initial = snapshot()
        if not isinstance(initial, ViewState):
            raise InvalidArgument("initial", initial, "a ViewState (or give snapshot=)")
        if type(checkpoint_every) is not int or checkpoint_every < 1:
            raise InvalidArgument("checkpoint_every", checkpoint_every, "an integer of at least 1")
        if max_events is not None and type(max_events) is not int:
            raise InvalidArgument("max_events", max_events, "None or an integer of at least 16")
        if max_events is not None and max_events < 16:
            raise InvalidArgument("max_events", max_events, "None or an integer of at least 16")
        if type(max_checkpoints) is not int or max_checkpoints < 2:
            raise InvalidArgument("max_checkpoints", max_checkpoints, "an integer of at least 2")
        self._entries: list[Any] = []  # recorded steps (tuples), walks and markers
        self._start = array("q")  # the position where each entry begins
        self._n = 0  # positions the built entries cover
        self._steps: list[Any] = []  # recorded, not built yet: the emitter appends here
        self._steps_extra = 0  # positions of the steps beyond one each (a walk has many)
        self._opened: tuple[Any, ...] = ()  # the last OperationBegan step built (see _sync)
        self._expanded: tuple[int, list[Any]] = (-1, [])
        self._operations: list[Operation] = []  # built from the steps by _sync: see operations
        self._op_offset = 0  # operations[i] has index i + _op_offset (markers aside)
        self._every = checkpoint_every
        self._max_cp = max_checkpoints
        self._max_events = max_events
        self._snapshot = snapshot
        self._head = initial.copy()
        self._checkpoints: list[ViewState] = [initial.copy()]
        self._cp_at: list[int] = [0]  # entry index of each checkpoint
        self._listeners: list[_Listener] = []
        self._want = True  # recording, as last asked
        self._on = True  # recording, in effect (changes between operations only)
        self._rec = _Recorder(self)  # the emitter's interface; its nr_ops and open are ours too
        self._skipped = 0  # operations run while paused
        self.dropped_operations = 0
        self.dropped_events = 0
        self._shifted = 0  # positions every kept event has moved down by drops, in all
        self._cursors: weakref.WeakSet[Cursor] = weakref.WeakSet()
        self._default = Cursor(self)
        self._steady()

    # -- recording (called by the model) --------------------------------------------------
    @property
    def _len(self) -> int:
        return self._n + len(self._steps) + self._steps_extra

    def _append(self, step: tuple[Any, ...]) -> None:
        """Keep one step ``(kind, op, fn, *values)``, kind the event class or its ``_kid`` (the
        kernel's emitter appends to ``_steps`` directly: this is for anyone else recording)."""
        if self._on:
            kind = step[0]
            self._steps.append(step if type(kind) is int else (kind._kid, *step[1:]))

    def _append_walk(self, op: int, fn: str, walker: Any, args: tuple[Any, ...], addrs: Any, spans: Any) -> None:
        if not self._on:
            return
        self._steps.append(_Walk(op, fn, walker, args, addrs, spans))
        self._steps_extra += len(addrs) - 1

    def _sync(self) -> None:
        """Build the recorded steps into events and apply them to the head (checkpoints on
        the way): recording keeps tuples, and this runs when anything is first read."""
        steps = self._steps
        if not steps:
            return
        entries, start, head, n = self._entries, self._start, self._head, self._n
        append, mark, plans = entries.append, start.append, FORWARD
        ops, offset, began, ended = self._operations, self._op_offset, OperationBegan._kid, OperationEnded._kid
        count, next_cp, opened = len(entries), self._cp_at[-1] + self._every, self._opened
        for step in steps:
            if type(step) is tuple:
                append(step)  # a step is kept as recorded: an event is built when it is read
                mark(n)
                kind = step[0]
                plan = plans[kind]
                if plan is not None:
                    plan[2](plan[1](step) if len(step) == plan[0] else event_from_step(step), head)
                elif kind == began:  # (kid, index, fn, name, args): brackets have no plan
                    ops.append(Operation(step[1], step[3], step[4], n))
                    opened = step
                elif kind == ended:  # (kid, index, fn, name, result)
                    op = ops[step[1] - offset]
                    op.end, op.result = n + 1, step[4]
                n += 1
            elif type(step) is _Walk:
                append(step)
                mark(n)
                n += len(step.addrs)
            else:  # an OperationEnded step kept as its result alone (the emitter's): the rest is its OperationBegan's
                append((ended, opened[1], opened[2], opened[3], step))
                mark(n)
                op = ops[opened[1] - offset]
                op.end, op.result = n + 1, step
                n += 1
            count += 1
            if count >= next_cp:
                self._checkpoint()
                next_cp = self._cp_at[-1] + self._every
        steps.clear()
        self._n, self._steps_extra, self._opened = n, 0, opened

    def _checkpoint(self) -> None:
        n = len(self._entries)
        if n - self._cp_at[-1] < self._every:
            return
        self._checkpoints.append(self._head.copy())
        self._cp_at.append(n)
        count = len(self._checkpoints)
        if count > self._max_cp or (count > 2 and count * self._head.size() > MAX_CHECKPOINT_ENTRIES):
            # thin out: every other one, twice the spacing
            self._checkpoints, self._cp_at = self._checkpoints[::2], self._cp_at[::2]
            self._every *= 2

    def _steady(self) -> None:
        """Let the emitter record operation edges itself while they need nothing but their steps."""
        quiet = self._on and self._want and self._max_events is None and not self._listeners
        self._rec.steps = self._steps if quiet else None

    def _begin(self, name: str, args: str, fn: str) -> int:
        """Open an operation (its ``OperationBegan`` step recorded here): its index, -1 if paused.
        (The emitter does the same itself while ``_rec.steps`` is set.)"""
        rec = self._rec
        if self._on != self._want and rec.open is None:
            self._switch()
        if not self._on:
            rec.open = -1
            self._skipped += 1
            return -1
        index = rec.nr_ops
        rec.nr_ops = index + 1
        self._steps.append((OperationBegan._kid, index, fn, name, args))  # its Operation is built by _sync
        rec.open = index
        return index

    def _end(self, index: int, fn: str, name: str, result: str) -> None:
        """Close operation ``index`` (its ``OperationEnded`` step recorded here) and tell the observers."""
        self._rec.open = None
        if index >= 0:
            self._steps.append((OperationEnded._kid, index, fn, name, result))
        changed = index >= 0
        if self._on != self._want:
            changed = self._switch() or changed
        if self._max_events is not None and self._len > self._max_events:
            self._sync()
            self._drop()
        if changed and self._listeners:
            self._notify()

    @property
    def operations(self) -> list[Operation]:
        """Every recorded operation, oldest first (built from the recorded steps when read)."""
        self._sync()
        return self._operations

    def _switch(self) -> bool:
        """Pause or resume now (between operations); True if a gap was recorded."""
        self._sync()
        self._on = self._want
        self._steady()
        if not self._on or not self._skipped:
            return False
        after = self._snapshot() if self._snapshot is not None else self._head.copy()
        before = self._head.copy()
        n, self._skipped = self._skipped, 0
        ops = "1 operation" if n == 1 else f"{n} operations"
        op = Operation(self._rec.nr_ops, PAUSED, f"{ops} not recorded", self._len)
        self._rec.nr_ops += 1
        self._operations.append(op)
        _assign(self._head, after.copy())
        text = f"Recording was paused here: {ops} ran unrecorded; the state jumps to the kernel's as it resumed."
        self._entries.append(TimelineMarker(op.index, "RecordingResumed", text, before, after))
        self._start.append(self._n)
        self._n += 1
        op.end = self._len
        self._checkpoint()
        return True

    def _drop(self) -> None:
        """Drop the oldest whole operations, down to about 7/8 of max_events (see the docstring)."""
        assert self._max_events is not None
        goal = self._max_events - self._max_events // 8
        ops = self._operations
        first = 1 if self.dropped_operations else 0  # a marker operation heads the list
        keep = next((j for j in range(first, len(ops)) if self._len - ops[j].start + 1 <= goal), len(ops) - 1)
        if keep <= first:
            return
        cut = ops[keep].start
        e_cut = bisect_left(self._start, cut)
        b = bisect_right(self._cp_at, e_cut) - 1
        base = self._checkpoints[b]  # owned by the timeline: rolled forward in place
        _replay(self._entries, base, self._cp_at[b], e_cut)
        self.dropped_operations += keep - first
        self.dropped_events += cut - first
        d, n = self.dropped_operations, self.dropped_events
        text = (
            f"{d} earlier operation{'s' if d != 1 else ''} ({n} events) were dropped to keep at most "
            f"{self._max_events} events: the recording starts from the state after them."
        )
        shift, e_shift = cut - 1, e_cut - 1  # the marker takes one position
        self._entries = [TimelineMarker(-1, "OperationsDropped", text), *self._entries[e_cut:]]
        self._start = array("q", [0, *(s - shift for s in self._start[e_cut:])])
        self._n -= shift
        self._shifted += shift
        self._expanded = (-1, [])
        later = [(at - e_shift, cp) for at, cp in zip(self._cp_at, self._checkpoints, strict=True) if at > e_cut]
        self._cp_at = [0] + [at for at, _ in later]
        self._checkpoints = [base] + [cp for _, cp in later]
        for o in ops[keep:]:
            o.start -= shift
            if o.end >= 0:
                o.end -= shift
        self._operations = [Operation(-1, DROPPED, f"{d} operations, {n} events", 0, 1), *ops[keep:]]
        self._op_offset = ops[keep].index - 1
        for c in list(self._cursors):
            if c._following:
                continue
            c._pos -= shift
            c._done -= e_shift
            if c._pos <= 0:  # its position was dropped: to the new start
                c._state, c._pos, c._done = base.copy(), 0, 0

    def _notify(self) -> None:
        """Call every observer; the first error is raised once all have run (the kernel's
        emitter keeps it in ``Kernel.subscriber_errors`` and warns: the model is never stopped)."""
        failed: Exception | None = None
        for listener in list(self._listeners):
            fn = listener.get()
            if fn is None:  # a weakly held observer was collected
                self._forget(listener)
                continue
            try:
                fn(self)
            except Exception as exc:  # a drawing bug must not keep the other views from drawing
                failed = failed or exc
        if failed is not None:
            raise failed

    def _forget(self, listener: _Listener) -> None:
        self._listeners = [x for x in self._listeners if x is not listener]  # by identity
        self._steady()

    def observe(self, callback: Callable[[Timeline], Any], *, weak: bool = False) -> Callable[[], None]:
        """Call ``callback(timeline)`` after every operation that is recorded; returns a function
        that stops it.  With ``weak=True`` the callback is held weakly (a bound method through
        :class:`weakref.WeakMethod`): once its object is collected it is dropped."""
        if not callable(callback):
            raise InvalidArgument("callback", callback, "a callable taking the timeline")
        if not isinstance(weak, bool):
            raise InvalidArgument("weak", weak, "True or False")
        if weak and hasattr(callback, "__self__") and hasattr(callback, "__func__"):
            get: Callable[[], Any] = weakref.WeakMethod(callback)
        elif weak:
            get = weakref.ref(callback)
        else:
            get = lambda: callback  # noqa: E731
        listener = _Listener(get)
        self._listeners.append(listener)
        self._steady()
        me = weakref.ref(self)

        def unobserve() -> None:
            tl = me()
            if tl is not None:
                tl._forget(listener)

        return unobserve

    @property
    def nr_observers(self) -> int:
        """How many observers are registered and alive."""
        for listener in [x for x in self._listeners if x.get() is None]:
            self._forget(listener)
        return len(self._listeners)

    # -- pausing ----------------------------------------------------------------------------
    @property
    def recording(self) -> bool:
        """False after :meth:`pause`, True after :meth:`resume` (in effect between operations)."""
        return self._want

    def pause(self) -> None:
        """Stop recording: the model runs on, nothing is kept (see the module's docstring)."""
        if self._snapshot is None:
            raise InvalidArgument("snapshot", None, "a snapshot callable given to Timeline() to pause recording")
        self._want = False
        self._steady()
        if self._rec.open is None:
            self._switch()

    def resume(self) -> None:
        """Record again, from a fresh snapshot, after a gap marker (see the module's docstring)."""
        self._want = True
        self._steady()
        if self._rec.open is None and not self._on and self._switch():
            self._notify()

    @contextmanager
    def paused(self) -> Iterator[Timeline]:
        """``with timeline.paused(): …``: pause, and resume on leaving (if it was recording)."""
        was = self._want
        self.pause()
        try:
            yield self
        finally:
            if was:
                self.resume()

    # -- reading --------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._len

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._len))]
        if type(i) is not int:
            raise TypeError("timeline indices must be integers or slices")
        self._sync()
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError("timeline index out of range")
        e = bisect_right(self._start, i) - 1
        entry = self._entries[e]
        if type(entry) is tuple:
            return event_from_step(entry)
        if type(entry) is not _Walk:
            return entry
        if self._expanded[0] != e:  # replay each walk once while it is being read
            self._expanded = (e, entry.events())
        return self._expanded[1][i - self._start[e]]

    def __iter__(self) -> Iterator[Any]:
        self._sync()
        for entry in self._entries:
            if type(entry) is tuple:
                yield event_from_step(entry)
            elif type(entry) is _Walk:
                yield from entry.events()
            else:
                yield entry

    @property
    def head(self) -> ViewState:
        """The view state at the end of the timeline (read it; do not change it)."""
        self._sync()
        return self._head

    @property
    def nr_checkpoints(self) -> int:
        """State copies kept for seeking (at most ``max_checkpoints``)."""
        self._sync()
        return len(self._checkpoints)

    @property
    def max_events(self) -> int | None:
        return self._max_events

    def cursor(self) -> Cursor:
        """A new :class:`Cursor`, following the end: a player's own position and state."""
        return Cursor(self)

    # the default cursor, for scripts and lessons
    @property
    def position(self) -> int:
        """Where the default cursor is: the number of events applied to :attr:`state`."""
        return self._default.position

    @property
    def following(self) -> bool:
        """True while the default cursor sits at the end and moves with each new operation."""
        return self._default.following

    @property
    def state(self) -> ViewState:
        """The view state at the default cursor's :attr:`position` (read it; do not change it)."""
        return self._default.state

    def seek(self, index: int) -> ViewState:
        """Move the default cursor to ``index`` (0 … ``len``) and return the state there
        (:meth:`Cursor.seek`; players have cursors of their own).

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
        return self._default.seek(index)

    def step_forward(self) -> ViewState:
        """Apply the next event (no-op at the end)."""
        return self._default.step_forward()

    def step_back(self) -> ViewState:
        """Revert the last applied event (no-op at the start)."""
        return self._default.step_back()

    def seek_operation_start(self, op: int) -> ViewState:
        """Jump to just before operation ``op``'s first event."""
        return self._default.seek_operation_start(op)

    def seek_operation_end(self, op: int) -> ViewState:
        """Jump to just after operation ``op``'s last event."""
        return self._default.seek_operation_end(op)

    def next_operation(self) -> ViewState:
        """Jump to the end of the operation after the cursor (or of the one it is inside)."""
        return self._default.next_operation()

    def prev_operation(self) -> ViewState:
        """Jump to the start of the operation before the cursor (or of the one it is inside)."""
        return self._default.prev_operation()

    def operation_at(self, index: int) -> Operation | None:
        """The operation that event ``index`` belongs to."""
        if type(index) is not int or not 0 <= index < self._len:
            return None
        op: int = self[index].op
        if op < 0:  # the marker of dropped operations
            return self.operations[0]
        return self.operations[op - self._op_offset]

    def _op(self, op: int) -> Operation:
        if type(op) is not int or not 0 <= op < len(self.operations):
            raise InvalidArgument("op", op, f"an operation index from 0 to {len(self.operations) - 1}")
        return self.operations[op]

    def memory_bytes(self) -> int:
        """Bytes of the containers holding the events (int and str objects, mostly shared
        with the model, and the checkpoints are not counted; benchmarks/ measures all)."""
        import sys

        self._sync()
        total = sys.getsizeof(self._entries) + sys.getsizeof(self._start)
        for e in self._entries:
            if type(e) is _Walk:
                total += sys.getsizeof(e) + sys.getsizeof(e.addrs) + sys.getsizeof(e.spans) + sys.getsizeof(e.args)
            else:
                total += sys.getsizeof(e)
        return total
