"""The /proc text formats of the memory subsystems (mm/vmstat.c, mm/vmalloc.c).

Pure functions of the structures they print; ``/proc/PID/maps`` is ``MmStruct.maps``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from .constants import VM_ALLOC, VM_IOREMAP, VM_MAP, VM_USERMAP, VM_VPAGES

if TYPE_CHECKING:
    from .page import Zone
    from .vmalloc import VmStruct

__all__ = ["buddyinfo", "vmallocinfo"]

_VM_WORDS = (
    (VM_IOREMAP, "ioremap"),
    (VM_ALLOC, "vmalloc"),
    (VM_MAP, "vmap"),
    (VM_USERMAP, "user"),
    (VM_VPAGES, "vpages"),
)


def buddyinfo(zones: Sequence[Zone]) -> str:
    """/proc/buddyinfo: free blocks per order for each populated zone (mm/vmstat.c:frag_show_print).

    ``struct zone *`` of node 0, in order; returns the text, one line a zone (``nr_free``
    of orders 0 to MAX_ORDER-1).  The same format in 2.6.24 and 2.6.32.
    """
    lines = []
    for z in zones:
        # walk_zones_in_node skips a zone that is not populated_zone (present_pages 0); the
        # model's zones have no holes that could empty one, so spanned_pages says the same
        if not z.spanned_pages:
            continue
        counts = "".join(f"{fa.nr_free:6d} " for fa in z.free_area)
        lines.append(f"Node 0, zone {z.name:>8s} {counts}")
    return "\n".join(lines) + "\n"


def vmallocinfo(vmlist: Iterable[VmStruct]) -> str:
    """/proc/vmallocinfo as mm/vmalloc.c:s_show prints it, one line per ``struct vm_struct``.

    ``vmlist`` in address order; returns the text: range, size, caller, ``pages=``,
    ``phys=`` and the kind words; 2.6.32 walks vmlist too.
    """
    lines = []
    for node in vmlist:
        s = f"0x{node.addr:08x}-0x{node.addr + node.size:08x} {node.size:7d}"
        if node.caller:
            s += f" {node.caller}"
        if node.nr_pages:
            s += f" pages={node.nr_pages}"
        if node.phys_addr:
            s += f" phys={node.phys_addr:x}"
        for flag, word in _VM_WORDS:
            if node.flags & flag:
                s += f" {word}"
        lines.append(s)
    return "".join(line + "\n" for line in lines)
