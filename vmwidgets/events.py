"""Events: one immutable record per step the kernel takes, as plain data.

Every event is a frozen, slotted, keyword-only dataclass whose first two fields are ``op``
(the index of the top-level operation it belongs to) and ``fn`` (the kernel function doing
the step, as ``file:function``).  ``kind`` is its past-tense class name.  Events know
nothing of what reads them: the view-state reducers are in :mod:`vmwidgets.reducers`, the
English sentences in :mod:`vmwidgets.render.narration`.  ``to_json``/:func:`event_from_json`
round-trip an event; the JSON carries a schema version (``"v": 1``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import MISSING, dataclass, fields
from typing import Any, ClassVar, cast

from .errors import InvalidArgument, shorten

__all__ = [
    "EVENT_KINDS",
    "KINDS",
    "MM_FIELDS",
    "SCHEMA_VERSION",
    "Event",
    "AllocationFailed",
    "BuddyMerged",
    "BuddyNotMerged",
    "BuddySplit",
    "FrameAllocated",
    "FrameFreed",
    "FreeBlockAdded",
    "FreeBlockTaken",
    "MmStructUpdated",
    "MmapCacheChecked",
    "OperationBegan",
    "OperationEnded",
    "PageFaulted",
    "PageRefChanged",
    "PageTableAllocated",
    "PageTableFreed",
    "PgdCreated",
    "PgdFreed",
    "PteChanged",
    "PteCleared",
    "PteInstalled",
    "RbNodeErased",
    "RbNodeLinked",
    "RbRecolored",
    "RbRotatedLeft",
    "RbRotatedRight",
    "SignalSent",
    "TableEntryRead",
    "TlbFlushed",
    "VmPageStored",
    "VmStructLinked",
    "VmStructUnlinked",
    "VmStructUpdated",
    "VmaAdjusted",
    "VmaFlagsChanged",
    "VmaLinked",
    "VmaUnlinked",
    "VmaVisited",
    "VmapAreaFreed",
    "VmapAreaLazyFreed",
    "VmapAreaVisited",
    "VmlistVisited",
    "WarningPrinted",
    # highmem (mm/highmem.c, arch/x86/mm/highmem_32.c)
    "FixmapSlotComputed",
    "PageAddressRead",
    "PkmapCountChanged",
    "PkmapSlotVisited",
    "PkmapWaitQueued",
    # SLUB (mm/slub.c)
    "CpuSlabChanged",
    "KmallocRouted",
    "KmemCacheCreated",
    "KmemCacheMerged",
    "SlabCreated",
    "SlabDiscarded",
    "SlabFreelistLoaded",
    "SlabObjectAllocated",
    "SlabObjectFreed",
    "SlabPartialAdded",
    "SlabPartialRemoved",
    "event_from_dict",
    "event_from_json",
    "event_from_step",
    "walk_events",
]

EVENT_KINDS: dict[str, type[Event]] = {}
SCHEMA_VERSION = 1

_HEX = ("pfn", "buddy", "table", "parent", "entry", "old", "new")
_DECIMAL = ("op", "index", "position", "order", "zone")


def _show(name: str, v: Any) -> str:
    """A field value as ``repr`` shows it: addresses and frame numbers in hex."""
    if type(v) is int and name not in _DECIMAL:
        return f"{v:#x}" if v >= 4096 or name in _HEX else str(v)
    if isinstance(v, tuple):
        return "(" + ", ".join(_show(name, x) for x in v) + ("," if len(v) == 1 else "") + ")"
    return repr(v)


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class Event:
    """The base of every event: ``isinstance(x, Event)`` tells an event."""

    op: int
    fn: str

    _fields: ClassVar[tuple[str, ...]] = ("op", "fn")
    _defaults: ClassVar[dict[str, Any]] = {}
    _kid: ClassVar[int] = -1  # its index in KINDS: what a recorded step holds instead of the class

    @property
    def kind(self) -> str:
        """The event's class name (``"FrameAllocated"``)."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={_show(k, getattr(self, k))}' for k in self._fields)})"

    def __hash__(self) -> int:  # the kind counts: FrameFreed and FreeBlockAdded with equal fields differ
        return hash((type(self).__name__, *(getattr(self, k) for k in self._fields)))

    def to_dict(self) -> dict[str, Any]:
        """``{"v": 1, "kind": ..., field: value, ...}`` (tuples stay tuples)."""
        d: dict[str, Any] = {"v": SCHEMA_VERSION, "kind": type(self).__name__}
        for k in self._fields:
            d[k] = getattr(self, k)
        return d

    def to_json(self) -> str:
        """The event as one line of JSON (see :func:`event_from_json`)."""
        return json.dumps(self.to_dict())


def _fast_init(cls: type[Event]) -> None:
    """The same keyword-only ``__init__`` as the dataclass's, filling the slots directly.

    A frozen dataclass sets each field through ``object.__setattr__``; the slot descriptors
    are a third faster, and the model builds an event for every step it records.
    """
    defaults = {f.name: f.default for f in fields(cls) if f.default is not MISSING}
    cls._defaults = defaults
    params = ", ".join(f"{n}=_d_{n}" if n in defaults else n for n in cls._fields)
    ns: dict[str, Any] = {f"_s_{n}": getattr(cls, n).__set__ for n in cls._fields}
    ns.update({f"_d_{n}": v for n, v in defaults.items()})
    body = "".join(f"    _s_{n}(self, {n})\n" for n in cls._fields)
    exec(f"def __init__(self, *, {params}):\n{body}", ns)  # built from the field names only
    ns["__init__"].__qualname__ = f"{cls.__name__}.__init__"
    cls.__init__ = ns["__init__"]  # type: ignore[method-assign]
    # and the builder of a recorded step holding every field: positional, no keywords to match
    ns["_new"], ns["_cls"] = object.__new__, cls
    unpack = ", ".join(["_", *cls._fields])
    exec(f"def _build(step):\n    {unpack} = step\n    self = _new(_cls)\n{body}    return self", ns)
    _BUILD[cls] = (len(cls._fields) + 1, ns["_build"])


def event_from_step(step: tuple[Any, ...]) -> Event:
    """The event a recorded step stands for: ``(kind, op, fn, *values)``, ``kind`` the class
    or its index in :data:`KINDS` (``cls._kid``: a step of plain ints and strings is one the
    garbage collector stops tracking), the values in the order of the class's fields (see
    :meth:`vmwidgets.model.emit.Emitter.emit`); trailing fields left out take their defaults."""
    kind = step[0]
    cls: type[Event] = KINDS[kind] if type(kind) is int else kind
    size, build = _BUILD[cls]
    if len(step) == size:
        return build(step)
    return cls(**dict(zip(cls._fields, step[1:], strict=False)))


KINDS: list[type[Event]] = []
"""Every event class, in the order registered: ``KINDS[cls._kid] is cls``."""
_BUILD: dict[type[Event], tuple[int, Callable[[tuple[Any, ...]], Event]]] = {}


def _register(cls: type[Event]) -> type[Event]:
    """Record an event class by name; its equality and hash include the kind."""
    cls._fields = tuple(f.name for f in fields(cls))
    cls.__hash__ = Event.__hash__  # type: ignore[method-assign]  # dataclass made one without the kind
    _fast_init(cls)
    for f in fields(cls):
        if f.type not in _CHECKS:
            raise TypeError(f"{cls.__name__}.{f.name}: no JSON check for {f.type!r}")
    EVENT_KINDS[cls.__name__] = cls
    cls._kid = len(KINDS)
    KINDS.append(cls)
    return cls


# --- reading events back ---------------------------------------------------------------------
_MAX_INT = 1 << 64
_MAX_TEXT = 1 << 16
_MAX_ITEMS = 1 << 16  # values in one field: a PGD has at most 1024 entries
_MAX_DEPTH = 3  # ((index, entry), ...) is the deepest an event holds; one level to spare


def _is_int(v: Any) -> bool:
    return type(v) is int and -_MAX_INT < v < _MAX_INT


def _is_str(v: Any) -> bool:
    if not isinstance(v, str) or len(v) > _MAX_TEXT:
        return False
    try:
        v.encode("utf-8")  # a lone surrogate cannot reach a front end
    except UnicodeEncodeError:
        return False
    return True


def _nested(v: Any, ints_only: bool = False) -> tuple[Any, ...] | None:
    """``v`` (lists or tuples of ints, strings, None, bools) as nested tuples; None if it is not one."""
    if not isinstance(v, (list, tuple)):
        return None
    budget = [_MAX_ITEMS]

    def build(x: Any, depth: int) -> Any:
        if isinstance(x, (list, tuple)):
            budget[0] -= len(x)
            if depth >= _MAX_DEPTH or budget[0] < 0 or (ints_only and depth > 0):
                raise ValueError
            return tuple(build(y, depth + 1) for y in x)
        if _is_int(x) or (not ints_only and (x is None or isinstance(x, bool) or _is_str(x))):
            return x
        raise ValueError

    try:
        return cast("tuple[Any, ...]", build(v, 0))  # v is a list or tuple: build makes it a tuple
    except ValueError:
        return None


_ABSENT = object()
_CHECKS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "int": ("an integer below 2**64", lambda v: v if _is_int(v) else _ABSENT),
    "int | None": ("an integer below 2**64 or null", lambda v: v if v is None or _is_int(v) else _ABSENT),
    "str": ("a string of valid Unicode", lambda v: v if _is_str(v) else _ABSENT),
    "str | None": ("a string or null", lambda v: v if v is None or _is_str(v) else _ABSENT),
    "bool": ("true or false", lambda v: v if isinstance(v, bool) else _ABSENT),
    "tuple[Any, ...]": (
        f"a list (nested at most {_MAX_DEPTH} deep) of integers, strings and nulls",
        lambda v: _ABSENT if (t := _nested(v)) is None else t,
    ),
    "tuple[int, ...]": ("a list of integers", lambda v: _ABSENT if (t := _nested(v, True)) is None else t),
}


def event_from_dict(d: dict[str, Any]) -> Event:
    """Rebuild an event from :meth:`Event.to_dict` output (lists become tuples).

    Anything else — not a dict, another schema version, an unknown kind, a missing or
    extra field, a value of the wrong type, nested too deep or too big — raises
    :class:`~vmwidgets.InvalidArgument` naming the field.
    """
    if not isinstance(d, dict):
        raise InvalidArgument("event", d, "a dict made by Event.to_dict()")
    if type(d.get("v")) is not int or d["v"] != SCHEMA_VERSION:  # not a subclass whose != could raise
        raise InvalidArgument("v", d.get("v"), f"the schema version {SCHEMA_VERSION}")
    kind = d.get("kind")
    cls = EVENT_KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise InvalidArgument("kind", kind, "one of " + ", ".join(sorted(EVENT_KINDS)))
    extra = [k for k in d if k not in ("v", "kind") and k not in cls._fields]
    if extra:
        raise InvalidArgument("field", extra[0], f"a field of {kind}: {', '.join(cls._fields)}")
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in d:
            if f.default is not MISSING:  # a field with a default may be left out
                continue
            raise InvalidArgument(f.name, None, f"a value: {kind} needs every one of {', '.join(cls._fields)}")
        allowed, check = _CHECKS[f.type]  # type: ignore[index]
        value = check(d[f.name])
        if value is _ABSENT:
            raise InvalidArgument(f.name, d[f.name], allowed)
        values[f.name] = value
    return cls(**values)


def event_from_json(text: str) -> Event:
    """Rebuild an event from :meth:`Event.to_json` output.

    >>> from vmwidgets import Kernel
    >>> k = Kernel()
    >>> _ = k.vmalloc(4096)
    >>> ev = k.timeline[1]
    >>> ev.kind, event_from_json(ev.to_json()) == ev
    ('VmStructLinked', True)
    >>> event_from_json('{"v": 1, "kind": "FrameFreed", "op": 0}')
    Traceback (most recent call last):
    ...
    vmwidgets.errors.InvalidArgument: fn=None: expected a value: FrameFreed needs every one of op, fn, zone, order, pfn
    """
    if not isinstance(text, (str, bytes)) or len(text) > 64 * _MAX_ITEMS:
        raise InvalidArgument("text", text, "a JSON string made by Event.to_json()")
    try:
        d = json.loads(text)
    except (ValueError, RecursionError) as e:  # RecursionError: brackets nested thousands deep
        raise InvalidArgument("text", text, f"JSON made by Event.to_json() ({shorten(str(e))})") from None
    return event_from_dict(d)


# --- operations ----------------------------------------------------------------------------
@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class OperationBegan(Event):
    name: str
    args: str


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class OperationEnded(Event):
    name: str
    result: str


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class AllocationFailed(Event):
    what: str
    reason: str


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class WarningPrinted(Event):
    message: str


# --- buddy allocator -----------------------------------------------------------------------
@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class FreeBlockTaken(Event):
    zone: int
    order: int
    pfn: int
    index: int


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class BuddySplit(Event):
    zone: int
    order: int
    pfn: int
    buddy: int


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class FrameAllocated(Event):
    zone: int
    order: int
    pfn: int
    gfp: int


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class FrameFreed(Event):
    zone: int
    order: int
    pfn: int


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class BuddyMerged(Event):
    zone: int
    order: int
    pfn: int
    buddy: int
    index: int


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class BuddyNotMerged(Event):
    zone: int
    order: int
    pfn: int
    buddy: int
    reason: str


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class FreeBlockAdded(Event):
    zone: int
    order: int
    pfn: int


# --- page tables ---------------------------------------------------------------------------
@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class PageTableAllocated(Event):
    level: str
    pfn: int
    vaddr: int
    parent: int
    index: int
    entry: int


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class PageTableFreed(Event):
    level: str
    pfn: int
    vaddr: int
    parent: int
    index: int
    entry: int


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class PteChanged(Event):
    table: int
    index: int
    vaddr: int
    old: int
    new: int
    level: str = "pte"  # "pgd" when vmalloc_sync_one copies a page-directory entry


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class PageFaulted(Event):
    mm: str
    addr: int
    write: bool
    cause: str


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class PageRefChanged(Event):
    pfn: int
    count: int
    why: str


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class SignalSent(Event):
    mm: str
    addr: int
    signal: str
    reason: str


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class PgdFreed(Event):
    mm: str
    pfn: int
    entries: tuple[Any, ...]  # ((index, entry), ...) differing from swapper's kernel part; None: absent


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class PteInstalled(Event):
    table: int
    index: int
    vaddr: int
    entry: int


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class PteCleared(Event):
    table: int
    index: int
    vaddr: int
    old: int


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class TlbFlushed(Event):
    start: int
    end: int


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class TableEntryRead(Event):
    vaddr: int
    level: str
    table: int
    index: int
    entry: int


# --- vmalloc -------------------------------------------------------------------------------
@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class VmlistVisited(Event):
    addr: int
    size: int
    candidate: int
    verdict: str


def walk_events(
    op: int, fn: str, walker: Callable[..., object], args: tuple[int, ...], addrs: Sequence[int], spans: Sequence[int]
) -> list[VmlistVisited]:
    """Replay a recorded list walk: one ``VmlistVisited`` per node visited.

    ``walker(addrs, spans, *args, trace=...)`` is the model's own search function, so the
    events say exactly what the search did.
    """
    trace: list[tuple[int, int, int, str]] = []
    walker(addrs, spans, *args, trace=trace)
    return [
        VmlistVisited(op=op, fn=fn, addr=addr, size=size, candidate=candidate, verdict=verdict)
        for addr, size, candidate, verdict in trace
    ]


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class VmStructLinked(Event):
    addr: int
    size: int
    flags: int
    caller: str | None
    position: int


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class VmStructUpdated(Event):
    addr: int
    field: str
    old: int
    new: int


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class VmPageStored(Event):
    addr: int
    index: int
    pfn: int


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class VmStructUnlinked(Event):
    addr: int
    size: int
    flags: int
    nr_pages: int
    phys_addr: int
    caller: str | None
    position: int
    pages: tuple[int, ...]


# --- the 2.6.28+ vmap layer ----------------------------------------------------------------
@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class VmapAreaVisited(Event):
    va_start: int
    va_end: int
    candidate: int
    verdict: str


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class VmapAreaLazyFreed(Event):
    va_start: int
    va_end: int
    lazy_pages: int
    lazy_max: int


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class VmapAreaFreed(Event):
    va_start: int
    va_end: int


# --- process address spaces ----------------------------------------------------------------
@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class PgdCreated(Event):
    mm: str
    pfn: int


MM_FIELDS = ("start_brk", "brk", "start_stack")
"""The ``struct mm_struct`` fields an ``MmStructUpdated`` reports (``ViewState.mm_fields`` keeps them)."""


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class MmStructUpdated(Event):
    """A field of ``struct mm_struct`` that show_map names VMAs by: ``start_brk``, ``brk`` or
    ``start_stack`` (``[heap]``, ``[stack]``).  ``new`` 0 when the mm_struct is freed."""

    mm: str
    field: str
    old: int
    new: int


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class MmapCacheChecked(Event):
    mm: str
    addr: int
    vma: int | None
    hit: bool


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class VmaVisited(Event):
    mm: str
    vma: int
    vm_start: int
    vm_end: int
    addr: int
    verdict: str


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class VmaLinked(Event):
    mm: str
    vma: int
    vm_start: int
    vm_end: int
    vm_flags: int
    vm_pgoff: int
    file: str | None
    prev: int | None


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class VmaUnlinked(Event):
    mm: str
    vma: int
    vm_start: int
    vm_end: int
    vm_flags: int
    vm_pgoff: int
    file: str | None


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class VmaAdjusted(Event):
    mm: str
    vma: int
    old: tuple[Any, ...]
    new: tuple[Any, ...]


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class VmaFlagsChanged(Event):
    mm: str
    vma: int
    old: int
    new: int


# --- red-black trees -----------------------------------------------------------------------
# The replay derives each step's links from its own copy of the tree: a link, a rotation and
# the forward half of an erase need no links in the event.


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class RbNodeLinked(Event):
    tree: str
    node: int
    label: str
    parent: int | None
    side: str  # "left", "right" or "root"


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class RbRecolored(Event):
    tree: str
    nodes: tuple[int, ...]  # the nodes whose colour changed (each flips)
    case: str
    colors: tuple[int, ...]  # their new colours, RB_RED 0 or RB_BLACK 1


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class RbRotatedLeft(Event):
    tree: str
    node: int
    pivot: int  # node's right child, which takes its place
    case: str


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class RbRotatedRight(Event):
    tree: str
    node: int
    pivot: int  # node's left child, which takes its place
    case: str


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class RbNodeErased(Event):
    tree: str
    node: int
    label: str
    successor: int | None
    links: tuple[Any, ...]  # (id, parent, left, right, colour) before, flat: the erased node, then each node changed


# --- highmem: pkmap and the fixmap's kmap_atomic slots -------------------------------------------
@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class PageAddressRead(Event):
    pfn: int
    virtual: int  # page_address(): 0 for NULL (a highmem page with no pkmap slot)


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class PkmapSlotVisited(Event):
    nr: int  # last_pkmap_nr after the step
    prev: int  # last_pkmap_nr before it
    count: int  # pkmap_count[nr] as found
    verdict: str  # "wrap" (flush follows), "free" or "busy"


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class PkmapCountChanged(Event):
    nr: int
    pfn: int
    old: int
    new: int


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class PkmapWaitQueued(Event):
    pfn: int  # the page kmap could not map: every slot is in use


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class FixmapSlotComputed(Event):
    km_type: int
    idx: int  # FIX_KMAP_BEGIN + km_type + KM_TYPE_NR * cpu
    vaddr: int


# --- SLUB (mm/slub.c) -------------------------------------------------------------------------
@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class KmallocRouted(Event):
    """get_slab / kmalloc_large chose where a request goes: ``cache`` ("" = the page allocator, at ``order``)."""

    size: int
    cache: str
    order: int


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class KmemCacheCreated(Event):
    name: str
    size: int
    objsize: int
    align: int
    offset: int
    order: int
    objects: int


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class KmemCacheMerged(Event):
    name: str
    cache: str
    objsize: int
    refcount: int


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class SlabCreated(Event):
    cache: str
    pfn: int
    order: int
    addr: int
    objects: int


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class SlabDiscarded(Event):
    """``freelist``: the slab's free objects as its freelist held them, head first, by slot
    index (``(addr - slab) / s->size``): the one order the replay cannot derive."""

    cache: str
    pfn: int
    order: int
    addr: int
    objects: int
    freelist: tuple[int, ...] = ()


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class CpuSlabChanged(Event):
    cache: str
    old: int | None
    new: int | None


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class SlabFreelistLoaded(Event):
    cache: str
    pfn: int
    count: int


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class SlabPartialAdded(Event):
    cache: str
    pfn: int
    index: int


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class SlabPartialRemoved(Event):
    cache: str
    pfn: int
    index: int


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class SlabObjectAllocated(Event):
    cache: str
    addr: int
    pfn: int
    path: str


@_register
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class SlabObjectFreed(Event):
    cache: str
    addr: int
    pfn: int
    path: str
