"""The kernel log (kernel/printk.c): boot lines, then every warning as it is printed."""

from __future__ import annotations

from ..events import WarningPrinted
from .emit import Emitter

__all__ = ["KernelLog"]


class KernelLog:
    """The log buffer ``dmesg`` reads; ``warn`` is ``printk(KERN_WARNING ...)`` and an event."""

    def __init__(self, emitter: Emitter, boot_lines: list[str]) -> None:
        self._emitter = emitter
        self._lines = list(boot_lines)

    def warn(self, fn: str, message: str) -> None:
        """kernel/printk.c:printk(KERN_WARNING …): the line goes to :meth:`dmesg` and is an event.

        ``fn`` is the ``file:function`` printing it (the event's)."""
        self._lines.append(message)
        self._emitter.emit(WarningPrinted, fn, message=message)

    @property
    def lines(self) -> tuple[str, ...]:
        """Every line of the log buffer so far, oldest first."""
        return tuple(self._lines)

    def dmesg(self) -> str:
        """The log as ``dmesg`` prints it (``do_syslog`` reading the buffer), one line each."""
        return "".join(line + "\n" for line in self._lines)
