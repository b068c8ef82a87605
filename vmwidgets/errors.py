"""The package's errors.

Every bad call raises a subclass of :class:`VmError` whose message names the
argument, the value it got and what is allowed.  A call that raises has changed
nothing: neither the model nor its timeline.
"""

from __future__ import annotations

import unicodedata
from typing import Any

__all__ = [
    "AddressError",
    "ConfigError",
    "InvalidArgument",
    "InvariantError",
    "NotASlabObject",
    "NotAVmallocArea",
    "PageStateError",
    "VmError",
    "check_int",
    "check_text",
    "shorten",
]

_SHOWN = 60  # characters of a value a message shows


def shorten(value: Any) -> str:
    """``repr(value)`` cut to about 60 characters (a 5,000-digit number must not flood a message)."""
    if type(value) is int and value.bit_length() > 200:
        return f"<an integer of {value.bit_length()} bits>"
    try:
        text = repr(value)
    except Exception:  # a hostile __repr__ must not hide the error being reported
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= _SHOWN else text[: _SHOWN - 12] + "…" + text[-10:]


class VmError(Exception):
    """Base class of every error vmwidgets raises on purpose."""


class InvalidArgument(VmError, ValueError):
    """An argument is of the wrong type or outside its allowed range."""

    def __init__(self, name: str, value: Any, allowed: str) -> None:
        self.name = name
        self.value = value
        self.allowed = allowed
        big = type(value) is int and abs(value) >= 4096  # not a subclass: its comparisons may raise
        shown = f"{value:#x}" if big and value.bit_length() <= 200 else shorten(value)
        super().__init__(f"{name}={shown}: expected {allowed}")


class ConfigError(InvalidArgument):
    """A :class:`~vmwidgets.Config` field is out of range or inconsistent."""


class AddressError(InvalidArgument):
    """An address is outside the region the call works on (e.g. ``__pa`` outside lowmem)."""


class NotAVmallocArea(InvalidArgument):
    """``vfree``/``vunmap``/``iounmap`` of an address that is no (longer a) vmalloc area.

    The model emits the kernel's warning as an event *before* raising, as the
    kernel prints it; nothing else changes.
    """


class NotASlabObject(InvalidArgument):
    """``kfree``/``kmem_cache_free`` of an address that is no (longer a) live object: freed
    already, never allocated, another cache's, or inside an object.  The kernel would
    corrupt the freelist or BUG; the model refuses before anything changes."""


class PageStateError(InvalidArgument):
    """A ``struct page`` handed back in a state the call cannot take (e.g. freed twice)."""


class InvariantError(VmError, AssertionError):
    """A ``validate_*`` check found the model's structures inconsistent (a bug, not bad input)."""

    def __init__(self, what: str, name: str, expected: str) -> None:
        self.what, self.name, self.expected = what, name, expected
        super().__init__(f"{what} {name}: expected {expected}")


def check_int(name: str, value: Any, lo: int, hi: int, allowed: str | None = None) -> int:
    """Return ``value`` if it is an int in ``[lo, hi]``; else raise :class:`InvalidArgument`.

    Only a plain ``int``: ``bool`` is refused, and so is any subclass, whose ``__eq__``,
    ``__hash__`` or comparisons could raise or lie once the model stores the value.
    """
    if type(value) is not int or not lo <= value <= hi:
        if allowed is None:
            allowed = f"an integer from {lo} to {hi}" if hi < 4096 else f"an integer from {lo:#x} to {hi:#x}"
        raise InvalidArgument(name, value, allowed)
    return value


# Characters that forge lines or hide text: C0/C1 controls (Cc), format characters such as
# the bidirectional overrides and zero-width joiners (Cf), lone surrogates (Cs, unencodable),
# private use and unassigned code points.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def check_text(name: str, value: Any, allowed: str = "text", *, max_len: int = 255, empty: bool = False) -> str:
    """Return ``value`` if it is a str safe to print in /proc-style text, DOT, SVG and HTML.

    Refused, with :class:`InvalidArgument` naming the character: control characters
    (a newline would forge a line of ``/proc/vmallocinfo``), unpaired surrogates (not
    encodable, so a front end could not even receive the label), bidirectional and
    zero-width characters (text that reads differently from what it is), and text over
    ``max_len`` characters.  Escaping for each output format stays the renderer's job.
    """
    what = f"{allowed} (at most {max_len} printable characters{'' if empty else ', not empty'})"
    if not isinstance(value, str) or len(value) > max_len or (not value and not empty):
        raise InvalidArgument(name, value, what)
    for i, ch in enumerate(value):
        if unicodedata.category(ch) in _REFUSED_CATEGORIES:
            raise InvalidArgument(name, value, f"{what}; character {i} is U+{ord(ch):04X}, which is not allowed")
    return value
