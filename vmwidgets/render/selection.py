"""Selection keys, shared by every view: ``vm:0x…`` (a vm_struct), ``vma:MM:ID`` (a VMA),
``addr:0x…`` (an address), ``pfn:0x…`` (a frame) and ``slab:0x…`` (a slab, by its first frame)."""

from __future__ import annotations

from typing import Any

__all__ = ["parse_key"]


def parse_key(key: str) -> tuple[str, Any]:
    """``"vm:0xf8800000"`` → ``("vm", 0xf8800000)``; ``"vma:1:4"`` → ``("vma", ("1", 4))``."""
    kind, _, rest = key.partition(":")
    try:
        if kind in ("vm", "addr", "pfn", "slab"):
            return kind, int(rest, 16)
        if kind == "vma":
            mm, _, vma = rest.rpartition(":")
            return kind, (mm, int(vma))
    except ValueError:
        pass
    return "", None
