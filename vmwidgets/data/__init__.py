"""Real material the lessons read, shipped inside the package (read with ``importlib.resources``).

- ``bootlogs/``: published dmesg excerpts of 32-bit x86 kernels 2.6.20–2.6.38, each with a
  header of ``# key: value`` notes saying where it comes from (:func:`bootlogs`).
- ``proc-maps-i386.txt``: a real ``/proc/PID/maps`` of a 32-bit process on a 32-bit kernel
  (3G/1G split), its source in ``SOURCES.md`` (:func:`i386_maps`).
- ``proc-maps-chromium.txt.gz``: a real ``/proc/PID/maps`` of 13,623 lines, a 64-bit
  Chromium renderer busy with a web app's work (:func:`browser_maps`); how it was captured
  is in ``SOURCES.md`` and ``tools/capture_browser_maps.py``.

:func:`own_maps` gives the running process's maps file where the system has one, and that
sample otherwise (Pyodide, macOS, Windows), saying which it is.
"""

from __future__ import annotations

from importlib.resources import files
import os
import zlib
from pathlib import Path
from typing import NamedTuple

from ..errors import InvalidArgument

__all__ = ["Maps", "bootlog", "bootlogs", "browser_maps", "i386_maps", "own_maps"]

_HERE = files(__name__)


def bootlogs() -> dict[str, str]:
    """Every stored boot log, by file name (sorted): ``{"00g-ubuntu-2.6.24-19-1GB.txt": text, …}``."""
    found = (p for p in _HERE.joinpath("bootlogs").iterdir() if p.name.endswith(".txt"))
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(found, key=lambda p: p.name)}


def bootlog(name: str) -> str:
    """One boot log's text, by its file name (see :func:`bootlogs` for the names).

    Raises :class:`~vmwidgets.errors.InvalidArgument` for a name that is not stored.
    """
    logs = bootlogs()
    if not isinstance(name, str) or name not in logs:
        raise InvalidArgument("name", name, "one of the stored boot logs: " + ", ".join(logs))
    return logs[name]


def i386_maps() -> str:
    """The stored ``/proc/PID/maps`` of a 32-bit x86 process on a 32-bit kernel (see ``SOURCES.md``)."""
    return _HERE.joinpath("proc-maps-i386.txt").read_text(encoding="utf-8")


def browser_maps() -> str:
    """The stored ``/proc/PID/maps`` of a 64-bit Chromium renderer: 13,623 lines (see ``SOURCES.md``).

    Ten thousand VMAs and more, as a real busy process has: for :func:`~vmwidgets.from_proc_maps`
    at the scale the views must keep up with.  Stored gzip-compressed (83 kB, 707 kB as text).
    """
    packed = _HERE.joinpath("proc-maps-chromium.txt.gz").read_bytes()
    return zlib.decompress(packed, wbits=16 + zlib.MAX_WBITS).decode("utf-8")  # 16+: a gzip header; zlib is in Pyodide too


class Maps(NamedTuple):
    """A maps file and where it came from."""

    text: str
    own: bool  # True: this process's /proc/self/maps; False: the stored 32-bit sample
    where: str  # a sentence for the reader


def own_maps(path: str = "/proc/self/maps") -> Maps:
    """This process's maps file where the system has one (Linux), else the stored 32-bit sample.

    Pyodide, macOS and Windows have no ``/proc/self/maps``; the lesson then shows a real
    32-bit process instead and says so.  So does a replay page (``make site`` sets
    ``VMWIDGETS_STORED_MAPS=1``): its reader's process is not the one that built it.
    """
    text = ""
    if os.environ.get("VMWIDGETS_STORED_MAPS") != "1":
        try:
            text = Path(path).read_text()
        except OSError:
            text = ""
    if text.strip():
        return Maps(text, True, f"this Python process's own {path}")
    if os.environ.get("VMWIDGETS_STORED_MAPS") == "1":
        return Maps(i386_maps(), False, "a stored real 32-bit process (see vmwidgets/data/SOURCES.md)")
    return Maps(i386_maps(), False, f"no {path} here, so a stored real 32-bit process (see vmwidgets/data/SOURCES.md)")
