"""The package's errors.

Every bad call raises a subclass of :class:`VmError` whose message names the
argument, the value it got and what is allowed.  A call that raises has changed
nothing: neither the model nor its timeline.
"""

from __future__ import annotations

from typing import Any


class VmError(Exception):
    """Base class of every error vmwidgets raises on purpose."""


class InvalidArgument(VmError, ValueError):
    """An argument is of the wrong type or outside its allowed range."""

    def __init__(self, name: str, value: Any, allowed: str) -> None:
        self.name = name
        self.value = value
        self.allowed = allowed
        big = isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 4096
        shown = f"{value:#x}" if big else repr(value)
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


class PageStateError(InvalidArgument):
    """A ``struct page`` handed back in a state the call cannot take (e.g. freed twice)."""


class InvariantError(VmError, AssertionError):
    """A ``validate_*`` check found the model's structures inconsistent (a bug, not bad input)."""

    def __init__(self, what: str, name: str, expected: str) -> None:
        self.what, self.name, self.expected = what, name, expected
        super().__init__(f"{what} {name}: expected {expected}")


def check_int(name: str, value: Any, lo: int, hi: int, allowed: str | None = None) -> int:
    """Return ``value`` if it is an int in ``[lo, hi]``; else raise :class:`InvalidArgument`."""
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        if allowed is None:
            allowed = f"an integer from {lo} to {hi}" if hi < 4096 else f"an integer from {lo:#x} to {hi:#x}"
        raise InvalidArgument(name, value, allowed)
    return value
