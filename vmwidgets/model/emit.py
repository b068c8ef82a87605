"""The emitter: how every subsystem of the core reports its steps.

One :class:`Emitter` per kernel is handed to every subsystem.  A step is reported as
``emit(EventClass, "file.c:function", field=value, ...)``; the event is built only when
someone listens.  Listeners are a *recorder* (the replay layer attaches one; the core
never imports it) and any number of *subscribers*.  A subscriber that raises is isolated:
the model finishes the operation, the error is kept in :attr:`Emitter.subscriber_errors`
and reported as a :class:`SubscriberWarning` once the operation is over.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from ..errors import InvalidArgument
from ..events import KINDS, Event, OperationBegan, OperationEnded, walk_events

__all__ = [
    "Emitter",
    "OpResult",
    "Recorder",
    "Subscriber",
    "SubscriberError",
    "SubscriberWarning",
    "Walker",
    "check_order",
]

_BEGAN = KINDS.index(OperationBegan)  # the kind of an operation's first step

Subscriber = Callable[[Event], object]
"""What :meth:`Emitter.subscribe` takes: called with each event; what it returns is ignored."""

Walker = Callable[..., tuple[int, ...]]
"""A list search of the model, called ``walker(addrs, spans, *args, trace=list)``
(:func:`~vmwidgets.model.vmalloc.first_fit` and its kin): the timeline replays a recorded
walk through the very function that made it."""


class Recorder(Protocol):
    """What the emitter needs from a recorder (the replay layer's timeline adapter).

    While ``steps`` is a list, an operation's edges need nothing but their steps: the
    emitter records them itself, as ``begin`` and ``end`` would (``nr_ops`` is the next
    operation's index, ``open`` the one being run), and saves the two calls; while it is
    None the emitter calls them.  It appends the OperationBegan step whole and the
    OperationEnded step as its ``result`` string alone: its ``op``, ``fn`` and ``name`` are
    those of the OperationBegan step before it."""

    steps: list[Any] | None  # tuples, and result strings (see above)
    nr_ops: int
    open: int | None

    def begin(self, name: str, args: str, fn: str) -> int:
        """Open an operation and keep its ``OperationBegan`` step: its index (the ``op`` of its
        events), or -1 when nothing of it is kept."""
        ...

    def end(self, op: int, fn: str, name: str, result: str) -> None:
        """Keep the ``OperationEnded`` step of operation ``op`` (unless -1) and tell observers."""
        ...

    def append(self, step: tuple[Any, ...]) -> None:
        """Keep one step, ``(event class, op, fn, *field values in the class's order)``."""
        ...

    def append_walk(
        self, op: int, fn: str, walker: Walker, args: tuple[int, ...], addrs: Sequence[int], spans: Sequence[int]
    ) -> None: ...


class SubscriberWarning(RuntimeWarning):
    """A subscriber raised; the kernel operation went on without it."""


class SubscriberError:
    """One isolated failure: which ``callback`` raised ``error`` on which ``event``
    (a string when a timeline observer failed at the end of an operation)."""

    __slots__ = ("callback", "error", "event")

    def __init__(self, callback: Callable[..., object], event: Event | str, error: Exception) -> None:
        self.callback, self.event, self.error = callback, event, error

    def __repr__(self) -> str:
        return f"<subscriber {self.callback!r} raised {self.error!r} on {_what(self.event)}>"


def _what(event: Event | str) -> str:
    return event if isinstance(event, str) else type(event).__name__


class OpResult:
    """One operation bracket, as a context manager; what it reports when it ends
    (``op.result = "NULL"`` …).  A class, not ``@contextmanager``: it runs on every call."""

    __slots__ = ("args", "em", "fn", "name", "result")

    def __init__(self, em: Emitter, name: str, args: str, fn: str) -> None:
        self.em, self.name, self.args, self.fn, self.result = em, name, args, fn, ""

    def __enter__(self) -> OpResult:
        em = self.em
        if em._depth:
            em._depth += 1
        else:
            em._open(self.name, self.args, self.fn)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        em = self.em
        if em._depth > 1:
            em._depth -= 1
            return
        if kind is not None:
            self.result = f"error: {kind.__name__}"
        em._close(self.name, self.fn, self.result)


class Emitter:
    """The event bus of one kernel: operation brackets, events, list walks, subscribers."""

    def __init__(self) -> None:
        self.subscribers: list[Subscriber] = []
        self.subscriber_errors: list[SubscriberError] = []
        self.recorder: Recorder | None = None
        self._record: Callable[[tuple[Any, ...]], None] | None = None  # recorder.append, bound per operation
        self.active = False  # anyone listening: build events only then
        self.op = -1  # the current top-level operation's index
        self._depth = 0
        self._nr_ops = 0
        self._unreported = 0
        self._op_recorder: Recorder | None = None

    # -- listeners -------------------------------------------------------------------------
    def attach(self, recorder: Recorder | None) -> None:
        """Make ``recorder`` receive every operation and event from now on (None detaches)."""
        self.recorder = recorder
        self._record = recorder.append if recorder is not None else None
        self.active = recorder is not None or bool(self.subscribers)

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` for every event from now on; returns an unsubscribe function."""
        if not callable(callback):
            raise InvalidArgument("callback", callback, "a callable taking one event")
        self.subscribers.append(callback)
        self.active = True

        def unsubscribe() -> None:  # by identity: a callable's own __eq__ is not trusted
            for i, c in enumerate(self.subscribers):
                if c is callback:
                    del self.subscribers[i]
                    self.active = self.recorder is not None or bool(self.subscribers)
                    return

        return unsubscribe

    # -- reporting -------------------------------------------------------------------------
    def emit(self, cls: type[Event], fn: str, **fields: object) -> None:
        """Report one step: ``cls(op=<current operation>, fn=fn, **fields)``.

        The recorder gets the step as a plain tuple ``(cls._kid, op, fn, *values)`` and builds
        the event when it is read (recording a step costs a tuple, not an object, and a tuple
        of ints and strings is one the garbage collector stops tracking).  So the
        keywords must come in the order of the class's fields (``cls._fields``), trailing
        fields with defaults left out at will: ``tests/test_emit_order.py`` checks every
        call site, and the test suite runs with :meth:`check_order` on.
        """
        if self.active:  # the hot path
            record = self._record
            if record is not None:
                record((cls._kid, self.op, fn, *fields.values()))
            if self.subscribers:
                self._tell(cls(op=self.op, fn=fn, **fields))

    def _tell(self, event: Event) -> None:
        for callback in tuple(self.subscribers):
            self._call(callback, event)

    def _call(self, callback: Subscriber, event: Event) -> None:
        try:
            callback(event)
        except Exception as exc:  # isolated: the model must not stop half-way
            self.subscriber_errors.append(SubscriberError(callback, event, exc))
            self._unreported += 1

    def walk(self, fn: str, walker: Walker, args: tuple[int, ...], addrs: Sequence[int], spans: Sequence[int]) -> None:
        """Report a list walk as one ``VmlistVisited`` per node.

        The recorder stores the walk as ``walker``, its arguments and the visited nodes'
        addresses and sizes (two array slices, not an object per node) and replays
        ``walker`` when the events are read; subscribers get the events at once.
        """
        if self.recorder is not None:
            self.recorder.append_walk(self.op, fn, walker, args, addrs, spans)
        if self.subscribers:
            for event in walk_events(self.op, fn, walker, args, addrs, spans):
                for callback in tuple(self.subscribers):
                    self._call(callback, event)

    def operation(self, name: str, args: str, fn: str) -> OpResult:
        """Bracket a public call with OperationBegan/OperationEnded (nested calls join the outer
        one): ``with emitter.operation(name, args, fn) as op: …; op.result = "NULL"``."""
        return OpResult(self, name, args, fn)

    def _open(self, name: str, args: str, fn: str) -> None:
        self._op_recorder = recorder = self.recorder  # the one that saw the start sees the end
        if recorder is not None:
            steps = recorder.steps
            if steps is not None:  # the edges need only their steps: record the OperationBegan one here
                self.op = op = recorder.nr_ops
                recorder.nr_ops = op + 1
                recorder.open = op
                steps.append((_BEGAN, op, fn, name, args))
                self._record = recorder.append
            else:  # it records the OperationBegan step; -1: paused, nothing is kept
                self.op = recorder.begin(name, args, fn)
                self._record = recorder.append if self.op >= 0 else None
        else:
            self.op = self._nr_ops
        self._nr_ops += 1
        self._depth = 1
        if self.subscribers:
            self._tell(OperationBegan(op=self.op, fn=fn, name=name, args=args))

    def _close(self, name: str, fn: str, result: str) -> None:
        self._depth = 0
        if self.subscribers:
            self._tell(OperationEnded(op=self.op, fn=fn, name=name, result=result))
        recorder = self._op_recorder
        if recorder is not None:
            steps = recorder.steps
            if steps is not None and self.op >= 0:  # as recorder.end would, with nothing else to do
                recorder.open = None
                steps.append(result)  # the OperationEnded step: the rest of it is the OperationBegan's
            else:
                try:  # it records the OperationEnded step, then tells its observers (views): they may fail
                    recorder.end(self.op, fn, name, result)
                except Exception as exc:
                    self.subscriber_errors.append(SubscriberError(recorder.end, f"the end of {name}", exc))
                    self._unreported += 1
        if self._unreported:
            self._report()

    def _report(self) -> None:
        """Warn about subscribers that failed during the operation just finished."""
        new, self._unreported = self.subscriber_errors[-self._unreported :], 0
        for failure in new:
            try:
                warnings.warn(
                    f"a subscriber raised {failure.error!r} on {_what(failure.event)}; "
                    "the operation went on without it (see Kernel.subscriber_errors)",
                    SubscriberWarning,
                    stacklevel=4,
                )
            except Exception:  # warnings turned into errors: the call succeeded, the error stays listed
                pass


def check_order(cls: type[Event], fields: dict[str, object]) -> None:
    """Raise ``TypeError`` unless ``fields`` name ``cls``'s fields after ``op`` and ``fn`` in
    order (a trailing run of fields with defaults may be left out): what :meth:`Emitter.emit`
    relies on.  The test suite calls it on every emission."""
    names = cls._fields[2:]
    given = tuple(fields)
    if given != names[: len(given)] or any(n not in cls._defaults for n in names[len(given) :]):
        raise TypeError(f"emit({cls.__name__}, ...): keywords {given} are not the fields {names} in order")
